/**
 * promctl serve vs the real Prometheus 2.42 on the same machine and the same targets, one after the
 * other: TARGETS targets × SERIES series each, scraped every INTERVAL for DURATION. Prints CPU seconds
 * per million samples ingested, resident memory per active series, bytes on disk, and the latency of
 * a dashboard query through the HTTP API, with ratios (promctl / Prometheus; below 1 is better).
 *
 * Scale with BENCH_TARGETS, BENCH_SERIES, BENCH_SECONDS (defaults 50 × 1000, 60 s).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const TARGETS = Number(process.env.BENCH_TARGETS ?? 50);
const SERIES = Number(process.env.BENCH_SERIES ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const INTERVAL = '5s';
const root = resolve(import.meta.dirname, '..');

function freePort(): Promise<number> {
  return new Promise((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => r(p));
    });
  });
}

// The targets: one HTTP server; every target is the same address with its own `shard` param.
let scrapes = 0;
const target = createServer((req, res) => {
  scrapes++;
  const shard = new URL(req.url!, 'http://x').searchParams.get('shard') ?? '0';
  const t = Date.now() / 1000;
  const lines = ['# HELP bench_requests_total Requests.', '# TYPE bench_requests_total counter'];
  for (let i = 0; i < SERIES; i++)
    lines.push(`bench_requests_total{shard="${shard}",series="${i}",code="200"} ${Math.floor(t * (1 + (i % 7)))}`);
  res.setHeader('Content-Type', 'text/plain; version=0.0.4');
  res.end(lines.join('\n') + '\n');
});
const targetPort = await freePort();
await new Promise<void>((r) => target.listen(targetPort, '127.0.0.1', r));

function configYaml(): string {
  let y = `global: {scrape_interval: ${INTERVAL}, scrape_timeout: 4s}\nscrape_configs:\n`;
  for (let s = 0; s < TARGETS; s++)
    y += `  - job_name: shard${s}\n    params: {shard: ['${s}']}\n    static_configs: [{targets: ['127.0.0.1:${targetPort}'], labels: {job_group: bench}}]\n`;
  return y;
}

function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}
function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}
async function value(url: string, q: string): Promise<number> {
  const r = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as {
    data: { result: { value: [number, string] }[] };
  };
  return Number(r.data.result[0]?.value[1] ?? NaN);
}
/** Sum of a metric's samples in a server's own /metrics exposition. */
async function selfMetric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))) sum += Number(m[1]);
  return sum;
}
async function waitReady(url: string, child: ChildProcess): Promise<void> {
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

interface Figures {
  cpuPerMillion: number;
  bytesPerSeries: number;
  diskBytes: number;
  queryMs: number;
  samples: number;
  series: number;
}

async function run(
  name: string,
  cmd: string,
  args: (dir: string, port: number, cfg: string) => string[],
): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  const cfg = join(dir, 'config.yml');
  writeFileSync(cfg, configYaml());
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(cmd, args(dir, port, cfg), { stdio: 'ignore', env: { ...process.env, NODE_ENV: 'production' } });
  try {
    await waitReady(url, child);
    // Warm up one interval so every target has been scraped once, then measure.
    await new Promise((r) => setTimeout(r, 6000));
    const cpu0 = cpuSeconds(child.pid!);
    const s0 = await selfMetric(url, 'prometheus_tsdb_head_samples_appended_total');
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const cpu1 = cpuSeconds(child.pid!);
    const s1 = await selfMetric(url, 'prometheus_tsdb_head_samples_appended_total');
    const series = await selfMetric(url, 'prometheus_tsdb_head_series');
    const rss = rssBytes(child.pid!);
    const q = 'sum by (job) (rate(bench_requests_total[1m]))';
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t0 = performance.now();
      await value(url, q);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const disk = Number(execFileSync('du', ['-sb', join(dir, 'data')], { encoding: 'utf8' }).split('\t')[0]);
    return {
      cpuPerMillion: ((cpu1 - cpu0) / (s1 - s0)) * 1e6,
      bytesPerSeries: rss / series,
      diskBytes: disk,
      queryMs: times[7]!,
      samples: s1 - s0,
      series,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`serve: ${TARGETS} targets × ${SERIES} series, ${INTERVAL} interval, ${SECONDS}s measured per server`);
const promctl = await run('promctl', process.execPath, (dir, port, cfg) => [
  join(root, 'bin/run.js'),
  'serve',
  `--config.file=${cfg}`,
  `--storage.tsdb.path=${join(dir, 'data')}`,
  `--web.listen-address=127.0.0.1:${port}`,
  '--log.level=error',
]);
let prom: Figures | null = null;
if (spawnSync('sh', ['-c', 'command -v prometheus']).status === 0) {
  prom = await run('prometheus', 'prometheus', (dir, port, cfg) => [
    `--config.file=${cfg}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=error',
  ]);
} else console.log('prometheus not installed: no side-by-side figures');

const row = (label: string, a: number, b: number | undefined, unit: string, digits = 2) =>
  console.log(
    `${label.padEnd(38)} promctl ${a.toFixed(digits).padStart(10)} ${unit.padEnd(6)}${b !== undefined ? `  prometheus ${b.toFixed(digits).padStart(10)} ${unit.padEnd(6)} ratio ${(a / b).toFixed(2)}` : ''}`,
  );
row('CPU seconds per million samples', promctl.cpuPerMillion, prom?.cpuPerMillion, 's');
row(
  'resident memory per active series',
  promctl.bytesPerSeries / 1024,
  prom ? prom.bytesPerSeries / 1024 : undefined,
  'KiB',
);
row('bytes on disk after the run', promctl.diskBytes / 1048576, prom ? prom.diskBytes / 1048576 : undefined, 'MiB');
row('query sum by (job) (rate(x[1m])) p50', promctl.queryMs, prom?.queryMs, 'ms', 1);
console.log(
  `samples ingested: promctl ${promctl.samples}${prom ? `, prometheus ${prom.samples}` : ''}; head series: promctl ${promctl.series}${prom ? `, prometheus ${prom.series}` : ''}; target scrapes served: ${scrapes}`,
);
target.close();
process.exit(0);
