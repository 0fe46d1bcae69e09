import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { connect } from 'node:net';
import { localTarget, UNIT_NAMES, type Component, type InstallOptions } from './options.js';

export interface Finding {
  level: 'error' | 'warning' | 'info';
  message: string;
  hint?: string;
}

/** What is listening on a port, as far as an HTTP GET of /metrics tells. */
export type PortUser = 'free' | 'prometheus' | 'node_exporter' | 'promctl' | 'other';

export interface PreflightEnv {
  uid: number;
  systemd: boolean;
  /** The name of PID 1 (for the message when systemd is not running). */
  pid1: string;
  exists(path: string): boolean;
  osRelease(): Map<string, string>;
  portUser(host: string, port: number): Promise<PortUser>;
  /** Whether our unit is active (then its port being taken is expected). */
  unitActive(name: string): boolean;
}

/** The login shell for system users on this distribution. */
export function nologinPath(exists: (p: string) => boolean): string {
  for (const p of ['/usr/sbin/nologin', '/sbin/nologin', '/usr/bin/nologin']) if (exists(p)) return p;
  return '/bin/false';
}

/**
 * Checks before installing. Errors stop a real install (a dry run still prints the plan); each
 * says what to do.
 */
export async function preflight(
  o: InstallOptions,
  env: PreflightEnv,
  mode: { dryRun: boolean; argv: string[] },
): Promise<Finding[]> {
  const out: Finding[] = [];
  const staging = o.root !== '';
  if (!staging && !mode.dryRun && env.uid !== 0) {
    out.push({
      level: 'error',
      message: 'install --systemd changes /etc, /var/lib and systemd units: it must run as root',
      hint: `run: sudo ${mode.argv.map((a) => (/[\s'"$]/.test(a) ? `'${a.replaceAll("'", "'\\''")}'` : a)).join(' ')}`,
    });
  }
  if (!staging && !env.systemd) {
    out.push({
      level: mode.dryRun ? 'warning' : 'error',
      message: `systemd is not running on this machine (PID 1 is ${env.pid1 || 'unknown'})`,
      hint: 'the plan above lists every file and command: run them by hand on a systemd host, or stage the files with --root DIR',
    });
  }
  const os = env.osRelease();
  const id = os.get('ID') ?? '';
  const like = (os.get('ID_LIKE') ?? '').split(/\s+/);
  if (id !== 'debian' && id !== 'ubuntu' && !like.includes('debian') && !like.includes('ubuntu')) {
    out.push({
      level: 'warning',
      message: `this is ${os.get('PRETTY_NAME') ?? (id || 'an unknown system')}, not Debian or Ubuntu: paths are adapted (nologin: ${o.nologin})`,
      hint: 'check the plan with --dry-run first',
    });
  }
  if (!staging && !env.exists('/usr/sbin/useradd') && !env.exists('/sbin/useradd') && !env.exists('/usr/bin/useradd')) {
    out.push({
      level: mode.dryRun ? 'warning' : 'error',
      message: 'useradd (shadow-utils) is not installed: the service user cannot be created',
      hint: `create the user yourself (system account ${o.user}, no login, home ${o.dataDir}), then run again`,
    });
  }
  for (const [what, p] of [
    ['node', o.nodePath],
    ['promctl', o.promctlPath],
  ] as const) {
    if (!p.startsWith('/')) out.push({ level: 'error', message: `${what} path ${p} is not absolute` });
    else if (!env.exists(p)) out.push({ level: 'error', message: `${what} not found at ${p}` });
    if (/^\/(home|root|run\/user)(\/|$)/.test(p)) {
      out.push({
        level: 'error',
        message: `${what} is installed under ${p.split('/').slice(0, 2).join('/')} (${p}): the hardened units hide home directories (ProtectHome), so the service could not start (203/EXEC)`,
        hint: 'install node and promctl system-wide (e.g. Debian nodejs and `npm install -g promctl`), then run again',
      });
    }
    if (/^\/(tmp|var\/tmp)(\/|$)/.test(p)) {
      out.push({
        level: 'error',
        message: `${what} is under a temporary directory (${p}), which the unit replaces (PrivateTmp)`,
        hint: 'install promctl to a permanent location first',
      });
    }
  }
  const ports: [Component, string, PortUser][] = [
    ['server', o.listenAddress, 'prometheus'],
    ['node-exporter', o.nodeListenAddress, 'node_exporter'],
  ];
  for (const [c, addr, rival] of ports) {
    if (!o.components.includes(c) || staging) continue;
    if (env.unitActive(UNIT_NAMES[c])) continue; // ours: a re-run
    const { host, port } = localTarget(addr);
    const user = await env.portUser(host, port);
    if (user === 'free') continue;
    const flag = c === 'server' ? '--listen-address' : '--node-listen-address';
    if (user === rival) {
      const unit = c === 'server' ? 'prometheus' : 'prometheus-node-exporter';
      out.push({
        level: mode.dryRun ? 'warning' : 'error',
        message: `an existing ${rival === 'prometheus' ? 'Prometheus' : 'node_exporter'} is listening on port ${port}`,
        hint: `stop it (Debian: systemctl disable --now ${unit}) or pick another port with ${flag}`,
      });
    } else {
      out.push({
        level: mode.dryRun ? 'warning' : 'error',
        message: `port ${port} (${addr}) is already in use${user === 'promctl' ? ' by another promctl' : ''}`,
        hint: `find it with: ss -ltnp 'sport = :${port}' — or pick another port with ${flag}`,
      });
    }
  }
  return out;
}

/** Asks an HTTP server on host:port what it is. */
export async function identifyPort(host: string, port: number): Promise<PortUser> {
  const open = await new Promise<boolean>((resolve) => {
    const s = connect({ host, port });
    s.setTimeout(1000);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(false));
  });
  if (!open) return 'free';
  try {
    const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    const res = await fetch(`${base}/metrics`, {
      signal: AbortSignal.timeout(2000),
    });
    const body = await res.text();
    // promctl serve reports prometheus_build_info with revision "promctl"; promctl exporter node has
    // no build info but names itself on its landing page.
    if (/^prometheus_build_info\{[^}]*revision="promctl"/m.test(body)) return 'promctl';
    if (/^node_exporter_build_info/m.test(body)) return 'node_exporter';
    if (/^prometheus_build_info/m.test(body)) return 'prometheus';
    if (/^node_cpu_seconds_total/m.test(body)) {
      const landing = await fetch(`${base}/`, { signal: AbortSignal.timeout(2000) });
      if ((await landing.text()).includes('promctl node exporter')) return 'promctl';
    }
  } catch {
    // not HTTP
  }
  return 'other';
}

export function realPreflightEnv(): PreflightEnv {
  return {
    uid: process.getuid?.() ?? -1,
    systemd: existsSync('/run/systemd/system'),
    pid1: (() => {
      try {
        return readFileSync('/proc/1/comm', 'utf8').trim();
      } catch {
        return '';
      }
    })(),
    exists: (p) => existsSync(p),
    osRelease: () => {
      const m = new Map<string, string>();
      for (const f of ['/etc/os-release', '/usr/lib/os-release']) {
        try {
          for (const line of readFileSync(f, 'utf8').split('\n')) {
            const eq = line.indexOf('=');
            if (eq > 0) m.set(line.slice(0, eq), line.slice(eq + 1).replace(/^"(.*)"$/, '$1'));
          }
          break;
        } catch {
          // next
        }
      }
      return m;
    },
    portUser: identifyPort,
    unitActive: (name) =>
      existsSync('/run/systemd/system') && spawnSync('systemctl', ['is-active', '--quiet', name]).status === 0,
  };
}

/** Resolves symlinks so the unit points at the real files (no 203/EXEC after an npm relink). */
export function resolvePath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}
