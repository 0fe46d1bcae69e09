import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  renameSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { HostView } from './plan.js';

/** Joins a system path under a staging root ('' = the system itself). */
export function rooted(root: string, path: string): string {
  return root === '' ? path : join(root, path);
}

/** Parses getent-style passwd/group lines. */
export function parsePasswd(text: string): Map<string, { uid: number; gid: number; home: string; shell: string }> {
  const m = new Map<string, { uid: number; gid: number; home: string; shell: string }>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 7) continue;
    m.set(f[0]!, { uid: Number(f[2]), gid: Number(f[3]), home: f[5]!, shell: f[6]! });
  }
  return m;
}

export function parseGroup(text: string): Map<string, { gid: number }> {
  const m = new Map<string, { gid: number }>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3) continue;
    m.set(f[0]!, { gid: Number(f[2]) });
  }
  return m;
}

function run(argv: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  if (r.error) return { status: null, stdout: '', stderr: r.error.message };
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Whether systemd is the running init system (sd_booted(3)). */
export function systemdRunning(): boolean {
  return existsSync('/run/systemd/system');
}

/**
 * The host as it is: files and directories under the root, users and groups from getent (or the
 * staging root's /etc/passwd and /etc/group), units from systemctl when systemd runs.
 */
export function realHostView(root: string): HostView {
  const staging = root !== '';
  const accounts = (db: 'passwd' | 'group'): string => {
    if (staging) {
      try {
        return readFileSync(join(root, 'etc', db), 'utf8');
      } catch {
        return '';
      }
    }
    const r = run(['getent', db]);
    if (r.status === 0) return r.stdout;
    try {
      return readFileSync(`/etc/${db}`, 'utf8');
    } catch {
      return '';
    }
  };
  let passwd: ReturnType<typeof parsePasswd> | undefined;
  let groups: ReturnType<typeof parseGroup> | undefined;
  const useSystemd = !staging && systemdRunning();
  return {
    file(path) {
      try {
        const p = rooted(root, path);
        const st = statSync(p);
        if (!st.isFile()) return null;
        return { content: readFileSync(p, 'utf8'), mode: st.mode, uid: st.uid, gid: st.gid };
      } catch {
        return null;
      }
    },
    dir(path) {
      try {
        const st = statSync(rooted(root, path));
        return st.isDirectory() ? { mode: st.mode, uid: st.uid, gid: st.gid } : null;
      } catch {
        return null;
      }
    },
    user(name) {
      passwd ??= parsePasswd(accounts('passwd'));
      return passwd.get(name) ?? null;
    },
    group(name) {
      groups ??= parseGroup(accounts('group'));
      return groups.get(name) ?? null;
    },
    unit(name) {
      if (!useSystemd) return null;
      const enabled = run(['systemctl', 'is-enabled', '--quiet', name]).status === 0;
      const active = run(['systemctl', 'is-active', '--quiet', name]).status === 0;
      return { enabled, active };
    },
  };
}

/** The side effects the applier needs; the real one touches the system, tests pass a recording one. */
export interface Executor {
  mkdir(path: string, mode: number): void;
  writeFile(path: string, content: string, mode: number): void;
  chown(path: string, owner: string, group: string): void;
  chmod(path: string, mode: number): void;
  remove(path: string, recursive: boolean): void;
  /** Runs a command; throws with its output when it fails. */
  run(argv: string[]): void;
  /** GET `url` until it answers 200 (and contains `expect`) or `timeoutMs` passes. */
  health(url: string, expect: string, timeoutMs: number): Promise<{ ok: boolean; detail: string }>;
}

export function realExecutor(root: string, lookup: HostView): Executor {
  const ids = (owner: string, group: string) => {
    const uid = owner === 'root' ? 0 : lookup.user(owner)?.uid;
    const gid = group === 'root' ? 0 : lookup.group(group)?.gid;
    if (uid === undefined) throw new Error(`user ${owner} does not exist`);
    if (gid === undefined) throw new Error(`group ${group} does not exist`);
    return { uid, gid };
  };
  return {
    mkdir(path, mode) {
      // Missing parents get 0755 (a recursive mkdir would give them this directory's mode).
      mkdirSync(dirname(rooted(root, path)), { recursive: true, mode: 0o755 });
      mkdirSync(rooted(root, path), { recursive: true, mode });
      chmodSync(rooted(root, path), mode);
    },
    writeFile(path, content, mode) {
      const p = rooted(root, path);
      mkdirSync(dirname(p), { recursive: true, mode: 0o755 });
      // Write beside and rename: a reader never sees half a file.
      const tmp = `${p}.promctl-tmp`;
      writeFileSync(tmp, content, { mode });
      chmodSync(tmp, mode);
      renameSync(tmp, p);
    },
    chown(path, owner, group) {
      const { uid, gid } = ids(owner, group);
      chownSync(rooted(root, path), uid, gid);
    },
    chmod(path, mode) {
      chmodSync(rooted(root, path), mode);
    },
    remove(path, recursive) {
      rmSync(rooted(root, path), { recursive, force: true });
    },
    run(argv) {
      const r = run(argv);
      if (r.status !== 0) {
        throw new Error(`${argv.join(' ')} failed (${r.status ?? 'not found'}): ${(r.stderr || r.stdout).trim()}`);
      }
    },
    async health(url, expect, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let last = '';
      while (Date.now() < deadline) {
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
          const body = await res.text();
          if (res.ok && (expect === '' || body.includes(expect))) return { ok: true, detail: `${res.status} ${url}` };
          last = `HTTP ${res.status}`;
        } catch (err) {
          last = (err as Error).message;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      return { ok: false, detail: `${url}: ${last || 'no answer'} after ${Math.round(timeoutMs / 1000)}s` };
    },
  };
}
