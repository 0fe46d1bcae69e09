/**
 * promctl serve vs the real Prometheus 2.42 on the same machine and the same targets, one after the
 * other: TARGETS targets × SERIES series each, scraped every INTERVAL for DURATION. Prints CPU seconds
 * per million samples ingested, resident memory per active series, bytes on disk, and the latency of
 * a dashboard query through the HTTP API, with ratios (promctl / Prometheus; below 1 is better).
 *
 * Scale with BENCH_TARGETS, BENCH_SERIES, BENCH_SECONDS (defaults 50 × 1000, 60 s). BENCH_WARMUP
 * (seconds, default 6) delays the measurement: promctl's JIT compiles in the background for the
 * first minutes, so a long warm-up shows the steady state of a server that runs for days. With
 * BENCH_SERIES=10 the figures are the fixed cost of a scrape.
 */
import { execFileSync } from 'node:child_process';
import {
  configYaml,
  cpuSeconds,
  havePrometheus,
  row,
  rssBytes,
  selfMetric,
  startTarget,
  value,
  withServer,
  type ServerKind,
} from './serve-common.js';

const TARGETS = Number(process.env.BENCH_TARGETS ?? 50);
const SERIES = Number(process.env.BENCH_SERIES ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 6);
const INTERVAL = '5s';

const target = await startTarget(SERIES);

interface Figures {
  cpuPerMillion: number;
  bytesPerSeries: number;
  diskBytes: number;
  queryMs: number;
  samples: number;
  series: number;
}

function run(kind: ServerKind): Promise<Figures> {
  return withServer(kind, configYaml(TARGETS, target.port, INTERVAL), async ({ url, child, dataDir }) => {
    // Warm up (by default one interval, so every target has been scraped once), then measure.
    await new Promise((r) => setTimeout(r, WARMUP * 1000));
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
    const disk = Number(execFileSync('du', ['-sb', dataDir], { encoding: 'utf8' }).split('\t')[0]);
    return {
      cpuPerMillion: ((cpu1 - cpu0) / (s1 - s0)) * 1e6,
      bytesPerSeries: rss / series,
      diskBytes: disk,
      queryMs: times[7]!,
      samples: s1 - s0,
      series,
    };
  });
}

console.log(
  `serve: ${TARGETS} targets × ${SERIES} series, ${INTERVAL} interval, ${SECONDS}s measured per server after ${WARMUP}s`,
);
const promctl = await run('promctl');
let prom: Figures | null = null;
if (havePrometheus()) prom = await run('prometheus');
else console.log('prometheus not installed (or BENCH_PROMETHEUS=0): no side-by-side figures');

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
  `samples ingested: promctl ${promctl.samples}${prom ? `, prometheus ${prom.samples}` : ''}; head series: promctl ${promctl.series}${prom ? `, prometheus ${prom.series}` : ''}; target scrapes served: ${target.total()}`,
);
target.server.close();
process.exit(0);
