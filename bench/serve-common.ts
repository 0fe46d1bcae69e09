/**
 * Shared by the serve benchmarks (serve.bench.ts, load.bench.ts): a synthetic target serving many
 * series per "shard", the scrape config for N shards, and starting promctl serve or the real
 * Prometheus on it with /proc readings (CPU, RSS) and self-metrics.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '..');

export function freePort(): Promise<number> {
  return new Promise((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => r(p));
    });
  });
}

export interface Target {
  server: Server;
  port: number;
  /** Scrapes served per shard. */
  scrapes: Map<string, number>;
  total(): number;
}

/**
 * One HTTP server standing for every target: each is the same address with its own `shard` param,
 * exposing `series` counter series (bench_requests_total) and, with `histogram`, a latency histogram
 * (bench_latency_seconds, 5 handlers × 10 buckets) for histogram_quantile dashboards.
 */
export async function startTarget(series: number, opts: { histogram?: boolean } = {}): Promise<Target> {
  const scrapes = new Map<string, number>();
  const les = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];
  const server = createServer((req, res) => {
    const shard = new URL(req.url!, 'http://x').searchParams.get('shard') ?? '0';
    scrapes.set(shard, (scrapes.get(shard) ?? 0) + 1);
    const t = Date.now() / 1000;
    const lines = ['# HELP bench_requests_total Requests.', '# TYPE bench_requests_total counter'];
    for (let i = 0; i < series; i++)
      lines.push(`bench_requests_total{shard="${shard}",series="${i}",code="200"} ${Math.floor(t * (1 + (i % 7)))}`);
    if (opts.histogram) {
      lines.push('# HELP bench_latency_seconds Latency.', '# TYPE bench_latency_seconds histogram');
      for (let h = 0; h < 5; h++) {
        const n = Math.floor(t * (h + 1));
        les.forEach((le, j) =>
          lines.push(
            `bench_latency_seconds_bucket{handler="/h${h}",le="${le}"} ${Math.floor((n * (j + 1)) / les.length)}`,
          ),
        );
        lines.push(`bench_latency_seconds_sum{handler="/h${h}"} ${(n * 0.1).toFixed(3)}`);
        lines.push(`bench_latency_seconds_count{handler="/h${h}"} ${n}`);
      }
    }
    res.setHeader('Content-Type', 'text/plain; version=0.0.4');
    res.end(lines.join('\n') + '\n');
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { server, port, scrapes, total: () => [...scrapes.values()].reduce((a, b) => a + b, 0) };
}

/** A scrape config with one job per shard (job `shard<N>`), all at the target's address. */
export function configYaml(targets: number, targetPort: number, interval: string): string {
  let y = `global: {scrape_interval: ${interval}, scrape_timeout: 4s}\nscrape_configs:\n`;
  for (let s = 0; s < targets; s++)
    y += `  - job_name: shard${s}\n    params: {shard: ['${s}']}\n    static_configs: [{targets: ['127.0.0.1:${targetPort}'], labels: {job_group: bench}}]\n`;
  return y;
}

export function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** The first value of an instant query. */
export async function value(url: string, q: string): Promise<number> {
  const r = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as {
    data: { result: { value: [number, string] }[] };
  };
  return Number(r.data.result[0]?.value[1] ?? NaN);
}

/** Sum of a metric's samples in a server's own /metrics exposition. */
export async function selfMetric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))) sum += Number(m[1]);
  return sum;
}

export async function waitReady(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url + '/-/ready')).ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server not ready');
}

export type ServerKind = 'promctl' | 'prometheus';

/** Whether to run the real Prometheus beside promctl (installed, and not BENCH_PROMETHEUS=0). */
export function havePrometheus(): boolean {
  if (process.env.BENCH_PROMETHEUS === '0') return false;
  return spawnSync('sh', ['-c', 'command -v prometheus']).status === 0;
}

/** Extra `promctl serve` flags for experiments: BENCH_PROMCTL_ARGS='--query.max-concurrency=2'. */
function extraPromctlArgs(): string[] {
  return (process.env.BENCH_PROMCTL_ARGS ?? '').split(/\s+/).filter(Boolean);
}

export interface RunningBenchServer {
  kind: ServerKind;
  url: string;
  child: ChildProcess;
  /** The TSDB directory. */
  dataDir: string;
}

/**
 * Starts promctl serve or Prometheus on a temporary directory with the given config, waits until
 * ready, runs fn, then stops the server and removes the directory.
 */
export async function withServer<T>(
  kind: ServerKind,
  config: string,
  fn: (s: RunningBenchServer) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `bench-${kind}-`));
  const cfg = join(dir, 'config.yml');
  writeFileSync(cfg, config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = join(dir, 'data');
  const common = [
    `--config.file=${cfg}`,
    `--storage.tsdb.path=${dataDir}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=error',
  ];
  const child =
    kind === 'promctl'
      ? spawn(process.execPath, [join(root, 'bin/run.js'), 'serve', ...common, ...extraPromctlArgs()], {
          stdio: 'ignore',
          env: { ...process.env, NODE_ENV: 'production' },
        })
      : spawn('prometheus', common, { stdio: 'ignore' });
  try {
    await waitReady(url, child);
    return await fn({ kind, url, child, dataDir });
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints one figure for both servers with the ratio (promctl / Prometheus). */
export function row(label: string, a: number, b: number | undefined, unit: string, digits = 2): void {
  console.log(
    `${label.padEnd(38)} promctl ${a.toFixed(digits).padStart(10)} ${unit.padEnd(6)}${b !== undefined ? `  prometheus ${b.toFixed(digits).padStart(10)} ${unit.padEnd(6)} ratio ${(a / b).toFixed(2)}` : ''}`,
  );
}
