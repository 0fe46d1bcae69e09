import { spawnSync } from 'node:child_process';

/**
 * Emulates a unit's sandboxing without systemd (these machines have no running systemd): a private
 * mount namespace (unshare) for the file-system options, setpriv for the credentials. It lets the
 * integration suite run the very ExecStart of a generated unit under (most of) its hardening.
 */

/** The [Service] directives of a unit file, in order (repeated keys kept). */
export function serviceDirectives(unit: string): [string, string][] {
  const out: [string, string][] = [];
  let inService = false;
  for (const raw of unit.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) {
      inService = line === '[Service]';
      continue;
    }
    if (!inService || line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    out.push([line.slice(0, eq), line.slice(eq + 1)]);
  }
  return out;
}

/** Splits an ExecStart value (our units only quote with double quotes; `%%` and `$$` unescaped). */
export function splitExecStart(v: string): string[] {
  const args: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(v); m; m = re.exec(v)) {
    const a = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!;
    args.push(a.replaceAll('%%', '%').replaceAll('$$', '$'));
  }
  return args;
}

const sq = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** Options this emulation applies; every other directive is listed as not emulated. */
export const EMULATED = new Set([
  'User',
  'Group',
  'ExecStart',
  'WorkingDirectory',
  'Environment',
  'NoNewPrivileges',
  'CapabilityBoundingSet',
  'AmbientCapabilities',
  'ProtectSystem',
  'ReadWritePaths',
  'ProtectHome',
  'PrivateTmp',
  'PrivateDevices',
  'ProtectKernelTunables',
  'ProtectControlGroups',
  'ProtectProc',
  'ProcSubset',
  'UMask',
  'LimitNOFILE',
  // unshare --mount: the service's mounts are its own
  'PrivateMounts',
  // with PrivateDevices' /dev, only the pseudo devices DevicePolicy=closed allows exist
  'DevicePolicy',
]);

/**
 * A bash script (to run as root under `unshare --mount`) that sets up the unit's sandbox and
 * execs `argv` (default: the unit's ExecStart) as its user.
 */
export function sandboxScript(unit: string, ids: { uid: number; gid: number; home: string }, argv?: string[]): string {
  const d = serviceDirectives(unit);
  const get = (k: string) => d.filter(([n]) => n === k).map(([, v]) => v);
  const last = (k: string) => get(k).at(-1);
  const s: string[] = ['set -e', 'mount --make-rprivate /'];
  // PrivateTmp first: the device staging below uses the new /tmp.
  if (last('PrivateTmp') === 'yes') {
    s.push(
      'mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp',
      'mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /var/tmp',
    );
  }
  if (last('PrivateDevices') === 'yes') {
    s.push(
      'mkdir -p /tmp/.olddev && mount --bind /dev /tmp/.olddev',
      'mount -t tmpfs -o mode=755,nosuid,noexec tmpfs /dev',
      'for n in null zero full random urandom tty; do touch /dev/$n; mount --bind /tmp/.olddev/$n /dev/$n; done',
      'mkdir -p /dev/shm /dev/pts && mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm',
      'ln -s /proc/self/fd /dev/fd; ln -s /proc/self/fd/0 /dev/stdin; ln -s /proc/self/fd/1 /dev/stdout; ln -s /proc/self/fd/2 /dev/stderr',
      'umount /tmp/.olddev && rmdir /tmp/.olddev',
    );
  }
  if (last('ProtectSystem') === 'strict') {
    s.push(
      "for mp in $(awk '{print $5}' /proc/self/mountinfo | sort -u); do",
      '  case "$mp" in /proc|/proc/*|/dev|/dev/*|/tmp|/var/tmp) continue;; esac',
      '  mount -o remount,bind,ro "$mp" 2>/dev/null || true',
      'done',
    );
  }
  for (const p of get('ReadWritePaths').flatMap((v) => v.split(/\s+/))) {
    s.push(`mount --bind ${sq(p)} ${sq(p)}`, `mount -o remount,bind,rw ${sq(p)}`);
  }
  const home = last('ProtectHome');
  for (const h of ['/home', '/root', '/run/user']) {
    if (home === 'yes') s.push(`[ -d ${h} ] && mount -t tmpfs -o ro,mode=000 tmpfs ${h} || true`);
    if (home === 'read-only')
      s.push(`[ -d ${h} ] && { mount --bind ${h} ${h}; mount -o remount,bind,ro ${h}; } || true`);
  }
  if (last('ProtectKernelTunables') === 'yes') {
    s.push(
      'mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys',
      'mount -o remount,bind,ro /sys || true',
    );
  }
  if (last('ProtectControlGroups') === 'yes') s.push('mount -o remount,bind,ro /sys/fs/cgroup 2>/dev/null || true');
  const procOpts: string[] = [];
  if (last('ProtectProc') === 'invisible') procOpts.push('hidepid=invisible');
  if (last('ProcSubset') === 'pid') procOpts.push('subset=pid');
  if (procOpts.length) s.push(`mount -t proc -o ${procOpts.join(',')},nosuid,nodev,noexec proc /proc`);
  const umask = last('UMask');
  if (umask) s.push(`umask ${umask}`);
  const nofile = last('LimitNOFILE');
  // Raising the hard limit needs CAP_SYS_RESOURCE, which a container may lack: then the hard limit.
  if (nofile) s.push(`ulimit -n ${nofile} 2>/dev/null || ulimit -n "$(ulimit -Hn)"`);
  const wd = last('WorkingDirectory');
  if (wd) s.push(`cd ${sq(wd)}`);
  const env = [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    `HOME=${ids.home}`,
    ...get('Environment'),
  ];
  const cmd = argv ?? splitExecStart(last('ExecStart')!);
  const priv = [
    'setpriv',
    `--reuid=${ids.uid}`,
    `--regid=${ids.gid}`,
    '--clear-groups',
    ...(last('NoNewPrivileges') === 'yes' ? ['--no-new-privs'] : []),
    ...(last('CapabilityBoundingSet') === '' ? ['--bounding-set=-all', '--inh-caps=-all', '--ambient-caps=-all'] : []),
  ];
  s.push(`exec ${[...priv, 'env', '-i', ...env, ...cmd].map(sq).join(' ')}`);
  return s.join('\n') + '\n';
}

/** The unit's [Service] directives this emulation does not reproduce. */
export function notEmulated(unit: string): string[] {
  return [...new Set(serviceDirectives(unit).map(([k]) => k))].filter((k) => !EMULATED.has(k));
}

/** Expands a systemd system-call group (`@system-service`) into names, recursively. */
function expandGroup(analyze: string, name: string, seen = new Set<string>()): Set<string> {
  const out = new Set<string>();
  if (!name.startsWith('@')) return out.add(name);
  if (seen.has(name)) return out;
  seen.add(name);
  const r = spawnSync(analyze, ['syscall-filter', name], { encoding: 'utf8' });
  for (const line of r.stdout.split('\n').slice(1)) {
    const t = line.trim().split(/\s+/)[0] ?? '';
    if (t === '' || t.startsWith('#')) continue;
    for (const s of expandGroup(analyze, t, seen)) out.add(s);
  }
  return out;
}

/**
 * Options systemd enforces (in part) with seccomp, and the calls each one denies: the syscall runs
 * below refuse them too. Argument-level parts (RestrictNamespaces' clone flags, RestrictRealtime's
 * policies, RestrictSUIDSGID's mode bits) are approximated by denying the whole call, which is
 * stricter than systemd, or checked in the trace (setuid/setgid mode bits).
 */
export const SECCOMP_OPTIONS: Record<string, string[]> = {
  ProtectClock: ['@clock'],
  ProtectKernelModules: ['@module'],
  ProtectKernelLogs: ['syslog'],
  ProtectHostname: ['sethostname', 'setdomainname'],
  RestrictNamespaces: ['unshare', 'setns'],
  RestrictRealtime: ['sched_setscheduler', 'sched_setattr'],
  LockPersonality: ['personality'],
};

/** Options the syscall runs check (see SECCOMP_OPTIONS, allowedSyscalls, and the traces). */
export const SYSCALL_CHECKED = new Set([
  'SystemCallFilter',
  'SystemCallErrorNumber',
  'RestrictAddressFamilies',
  'RestrictSUIDSGID',
  ...Object.keys(SECCOMP_OPTIONS),
]);

/** Calls traced (though allowed) to check RestrictAddressFamilies and RestrictSUIDSGID. */
export const CHECKED_CALLS = ['socket', 'socketpair', 'chmod', 'fchmod', 'fchmodat'];

/**
 * The system calls a unit's SystemCallFilter= lines allow (allow-lists, minus `~` deny-lists, minus
 * the calls of the SECCOMP_OPTIONS it sets to yes), limited to the names strace knows here.
 */
export function allowedSyscalls(unit: string, analyze: string, strace: string): string[] {
  const allow = new Set<string>();
  const deny = new Set<string>();
  for (const [k, v] of serviceDirectives(unit)) {
    if (SECCOMP_OPTIONS[k] && v === 'yes')
      for (const g of SECCOMP_OPTIONS[k]) for (const c of expandGroup(analyze, g)) deny.add(c);
    if (k !== 'SystemCallFilter') continue;
    const negate = v.startsWith('~');
    for (const item of (negate ? v.slice(1) : v).trim().split(/\s+/)) {
      for (const s of expandGroup(analyze, item)) (negate ? deny : allow).add(s);
    }
  }
  let names = [...allow].filter((s) => !deny.has(s)).sort();
  // strace rejects names it does not know here (other architectures' calls): drop them one by one.
  for (let i = 0; i < 100; i++) {
    const r = spawnSync(strace, ['-qq', '-o', '/dev/null', '-e', `trace=${names.join(',')}`, 'true'], {
      encoding: 'utf8',
    });
    const m = /invalid system call '([^']+)'/.exec(r.stderr);
    if (!m) break;
    names = names.filter((n) => n !== m[1]);
  }
  return names;
}

/**
 * argv that runs `argv` under strace with every system call outside `allowed` failing with EPERM
 * (what SystemCallFilter= with SystemCallErrorNumber=EPERM does), logging the denied calls to
 * `log` as `... = -1 EPERM (Operation not permitted) (INJECTED)`.
 */
export function underSyscallFilter(strace: string, allowed: string[], log: string, argv: string[]): string[] {
  const set = allowed.join(',');
  // Logged: the denied calls, and CHECKED_CALLS (allowed, but their arguments are checked).
  const untraced = allowed.filter((c) => !CHECKED_CALLS.includes(c)).join(',');
  return [strace, '-f', '-qq', '-o', log, '-e', `trace=!${untraced}`, '-e', `inject=!${set}:error=EPERM`, ...argv];
}

/** The address families of the sockets opened in an underSyscallFilter log. */
export function socketFamilies(log: string): string[] {
  return [...new Set([...log.matchAll(/socket(?:pair)?\((AF_[A-Z0-9]+)/g)].map((m) => m[1]!))].sort();
}

/** chmod-family calls in an underSyscallFilter log that set the setuid or setgid bit. */
export function suidChmods(log: string): string[] {
  return log.split('\n').filter((l) => {
    const m = /\b(?:f?chmod|fchmodat)\(.*, (0[0-7]+)\)/.exec(l);
    return m !== null && (parseInt(m[1]!, 8) & 0o6000) !== 0;
  });
}

/** Checked by the ExecStart runs: SIGHUP reloads, SIGTERM stops, a failed start exits non-zero. */
export const RUN_CHECKED = new Set(['ExecReload', 'TimeoutStopSec', 'Restart']);

/** The unit's [Service] directives neither the emulations nor the runs check. */
export function notChecked(unit: string): string[] {
  return notEmulated(unit).filter((k) => !SYSCALL_CHECKED.has(k) && !RUN_CHECKED.has(k));
}

/** The distinct calls strace reports as injected (denied) in its log. */
export function deniedCalls(log: string): string[] {
  const out = new Set<string>();
  for (const line of log.split('\n')) {
    if (!line.includes('(INJECTED)')) continue;
    const m = /^(?:\d+\s+)?([a-z0-9_]+)\(/.exec(line.trim());
    if (m) out.add(m[1]!);
  }
  return [...out].sort();
}
