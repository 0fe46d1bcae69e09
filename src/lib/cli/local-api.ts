/**
 * `promctl query --data-dir DIR`: the Prometheus HTTP API served in-process over a TSDB directory
 * opened read-only, with no server and no socket. The client's `fetch` is routed into the same
 * request handler `promctl serve` uses (api/server.ts createHandler), so output, error types and
 * statuses are identical to the server path.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { PrometheusClient } from '../api/client.js';
import { UserError } from './errors.js';

/**
 * The pid of a live process that has DIR open as its TSDB, or null: promctl's lock file (its pid),
 * a flock(2) on DIR/lock (Prometheus with a lock file), or, on Linux, a process with a file inside
 * DIR open (Prometheus 2.x keeps its WAL segment open and may run without a lock file).
 */
export function lockHolder(dir: string): number | null {
  const lock = join(dir, 'lock');
  let text: string | null = null;
  try {
    text = readFileSync(lock, 'utf8').trim();
  } catch {
    /* no lock file */
  }
  const pid = Number(text);
  if (text && Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) return pid;
  if (text !== null) {
    try {
      const ino = statSync(lock).ino;
      for (const line of readFileSync('/proc/locks', 'utf8').split('\n')) {
        // "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"
        const f = line.trim().split(/\s+/);
        const owner = Number(f[4]);
        if (Number(f[5]?.split(':')[2]) === ino && owner > 0 && owner !== process.pid && alive(owner)) return owner;
      }
    } catch {
      /* no /proc/locks */
    }
  }
  // A stale pid lock is promctl's own after a crash (a running promctl rewrites it): nothing holds DIR.
  // Otherwise the directory may be Prometheus', which need not lock it: look for open files.
  return text ? null : openedBy(dir);
}

/** A process (other than this one) with a file under dir open, from /proc (Linux); null elsewhere. */
function openedBy(dir: string): number | null {
  const prefix = dir.endsWith('/') ? dir : dir + '/';
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid);
  } catch {
    return null;
  }
  for (const p of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue; // gone, or not ours to look at
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${p}/fd/${fd}`).startsWith(prefix)) return Number(p);
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A `fetch` that answers through a Node request handler in-process (no socket). `base` (the
 * client's URL) is stripped from request URLs.
 */
export function handlerFetch(handler: (req: IncomingMessage, res: ServerResponse) => void, base: string): typeof fetch {
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    let href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (href.startsWith(base)) href = href.slice(base.length);
    const url = new URL(href, 'http://localhost');
    const body = typeof init.body === 'string' ? init.body : '';
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries((init.headers ?? {}) as Record<string, string>)) headers[k.toLowerCase()] = v;
    const req = Object.assign(Readable.from(body ? [Buffer.from(body)] : []), {
      url: url.pathname + url.search,
      method: init.method ?? 'GET',
      headers,
    }) as unknown as IncomingMessage;
    return await new Promise<Response>((resolveResponse) => {
      const res = new (class extends EventEmitter {
        statusCode = 200;
        headersSent = false;
        writableFinished = false;
        private readonly hdrs = new Headers();
        setHeader(k: string, v: string) {
          this.hdrs.set(k, v);
        }
        writeHead(status: number, h: Record<string, string | number> = {}) {
          this.statusCode = status;
          for (const [k, v] of Object.entries(h)) this.hdrs.set(k, String(v));
          this.headersSent = true;
          return this;
        }
        end(chunk?: string | Buffer) {
          this.headersSent = true;
          this.writableFinished = true;
          resolveResponse(new Response(chunk ?? '', { status: this.statusCode, headers: this.hdrs }));
          this.emit('finish');
          this.emit('close');
        }
      })();
      handler(req, res as unknown as ServerResponse);
    });
  }) as typeof fetch;
}

export interface LocalApi {
  client: PrometheusClient;
  close(): Promise<void>;
  /** The time span of the data (ms), or null for an empty directory. */
  span: { min: number; max: number } | null;
}

export interface LocalApiOptions {
  /** Lookback delta, ms (default 5m). */
  lookbackDelta?: number;
  /** Query timeout, ms (default 2m). */
  timeout?: number;
}

/**
 * Opens DIR read-only (promctl's or Prometheus' TSDB: blocks plus the WAL replayed into memory)
 * and returns an API client answering from it. A missing directory, one that is not a TSDB or one
 * a running server holds give a UserError.
 */
export async function openLocalApi(dirArg: string, opts: LocalApiOptions = {}): Promise<LocalApi> {
  const dir = resolve(dirArg);
  if (!existsSync(dir)) throw new UserError(`--data-dir ${dirArg}: no such directory`);
  if (!statSync(dir).isDirectory()) throw new UserError(`--data-dir ${dirArg}: not a directory`);
  const pid = lockHolder(realpathSync(dir));
  if (pid !== null)
    throw new UserError(
      `--data-dir ${dirArg} is in use by a running server (pid ${pid})`,
      1,
      'query that server with --url instead, or stop it first',
    );
  const [{ Tsdb }, { Engine }, { createHandler }, { annotationsWithPositions, apiError }, parser] = await Promise.all([
    import('../tsdb/db.js'),
    import('../promql/engine/engine.js'),
    import('../api/server.js'),
    import('../api/engine-results.js'),
    import('../promql/parser/index.js'),
  ]);
  let db: Awaited<ReturnType<typeof Tsdb.open>>;
  try {
    db = await Tsdb.open(dir, { readOnly: true, autoCompact: false });
  } catch (e) {
    throw new UserError(`--data-dir ${dirArg}: ${(e as Error).message}`);
  }
  const engine = new Engine({ lookbackDelta: opts.lookbackDelta, timeout: opts.timeout });
  const run = async (expr: string, fn: () => ReturnType<typeof engine.instantQuery>) => {
    try {
      const r = await fn();
      return { value: r.value, ...annotationsWithPositions(expr, r) };
    } catch (e) {
      throw apiError(e);
    }
  };
  const handler = createHandler({
    engine: {
      instantQuery: (expr, t, q) => run(expr, () => engine.instantQuery(db, expr, t, q)),
      rangeQuery: (expr, s, e, step, q) => run(expr, () => engine.rangeQuery(db, expr, s, e, step, q)),
    },
    queryable: db,
    parseSelector: (s) => parser.parseMetricSelector(s),
    formatQuery: (s) => parser.formatQuery(s),
    parseQuery: (s) => parser.parseExpr(s),
    ready: () => true,
  });
  const base = `file://${dir}`;
  const client = new PrometheusClient({ url: base, fetch: handlerFetch(handler, base), timeoutMs: 24 * 3600_000 });
  const st = db.stats();
  const span =
    Number.isFinite(st.minTime) && Number.isFinite(st.maxTime) && st.maxTime >= st.minTime
      ? { min: st.minTime, max: st.maxTime }
      : null;
  return { client, close: () => db.close(), span };
}
