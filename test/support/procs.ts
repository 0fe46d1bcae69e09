import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI (run `npm run build` first): <repo>/bin/run.js. */
export const repoRootBin = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/run.js');

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The absolute path of an executable on PATH, or null. */
export function which(bin: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${JSON.stringify(bin)}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export interface Proc {
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<Proc>();
process.on('exit', () => {
  for (const p of running) p.child.kill('SIGKILL');
});

/**
 * Starts a process that is killed when the test process exits, and (optionally) waits until `readyUrl`
 * answers 200. Output is kept for error messages.
 */
export async function startProc(
  cmd: string,
  args: string[],
  opts: SpawnOptions & { readyUrl?: string; timeoutMs?: number } = {},
): Promise<Proc> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const proc: Proc = {
    child,
    output: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        running.delete(proc);
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill(signal);
      }),
  };
  running.add(proc);
  if (opts.readyUrl) {
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${cmd} exited with ${child.exitCode}:\n${out}`);
      try {
        const res = await fetch(opts.readyUrl);
        if (res.ok) break;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) {
        await proc.stop('SIGKILL');
        throw new Error(`${cmd} did not become ready at ${opts.readyUrl}:\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return proc;
}

/**
 * Polls `fn` until it returns something other than undefined (thrown errors count as "not yet"),
 * failing after `ms` with what was awaited and the last error.
 */
/**
 * Starts the built `promctl serve` on 127.0.0.1:port with DIR/promctl.yml and DIR/promctl-data,
 * plus `extra` flags, and waits until it is ready.
 */
export function startServe(
  dir: string,
  port: number,
  extra: string[] = [],
  opts: { timeoutMs?: number } = {},
): Promise<Proc> {
  return startProc(
    process.execPath,
    [
      repoRootBin,
      'serve',
      `--config.file=${join(dir, 'promctl.yml')}`,
      `--storage.tsdb.path=${join(dir, 'promctl-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...extra,
    ],
    { readyUrl: `http://127.0.0.1:${port}/-/ready`, ...opts },
  );
}

export async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000, everyMs = 250): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
