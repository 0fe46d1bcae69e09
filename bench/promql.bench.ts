/**
 * PromQL evaluation benchmark: typical dashboard queries through promctl's engine (over the
 * in-memory storage) and through the real Prometheus (Debian's 2.42, over the same samples imported
 * with promtool, queried over its HTTP API — nothing subtracted), side by side with the ratio.
 *
 * Data: 10,000 counter series (30 min at 15s), a classic histogram of 100 buckets × 100 series
 * (30 min at 15s), and 100 counters over 24 h at 30s for a dashboard range query at 1m step.
 * Prints figures only; never asserts on time.
 */
import { performance } from 'node:perf_hooks';
import { Labels } from '../src/lib/model/labels.js';
import { Engine } from '../src/lib/promql/engine/engine.js';
import { MemoryStorage } from '../src/lib/storage/memory.js';
import { loadInto, rng, type GenSeries } from '../test/promql/engine/gen-data.js';
import { PromHarness, diffNorm, normOurs, normProm, promAvailable } from '../test/promql/engine/prom-harness.js';

const STEP = 15_000;
const end = Math.floor((Date.now() - 3600_000) / STEP) * STEP;

function* data(): Generator<GenSeries> {
  const r = rng(7);
  const short = Array.from({ length: 120 }, (_, i) => end - (119 - i) * STEP);
  for (let i = 0; i < 10_000; i++) {
    let v = Math.floor(r() * 1000);
    yield {
      labels: Labels.fromObject({ __name__: 'bench_requests_total', job: `job${i % 10}`, instance: `i${i}` }),
      ts: short,
      vs: short.map(() => (v += Math.floor(r() * 10))),
    };
  }
  const bounds = Array.from({ length: 99 }, (_, b) => 0.001 * 1.1 ** b);
  for (let p = 0; p < 100; p++) {
    const counts = new Array<number>(100).fill(0);
    const cols: number[][] = Array.from({ length: 100 }, () => []);
    for (let k = 0; k < short.length; k++) {
      for (let o = 0; o < 10; o++) {
        const x = r() * 0.01 * 1.1 ** 99;
        for (let b = 0; b < 100; b++) if (b === 99 || x <= bounds[b]!) counts[b]!++;
      }
      for (let b = 0; b < 100; b++) cols[b]!.push(counts[b]!);
    }
    for (let b = 0; b < 100; b++)
      yield {
        labels: Labels.fromObject({
          __name__: 'bench_latency_seconds_bucket',
          pod: `p${p}`,
          le: b === 99 ? '+Inf' : String(bounds[b]),
        }),
        ts: short,
        vs: cols[b]!,
      };
  }
  const long = Array.from({ length: 2880 }, (_, i) => end - (2879 - i) * 30_000);
  for (let i = 0; i < 100; i++) {
    let v = 0;
    yield {
      labels: Labels.fromObject({ __name__: 'dash_requests_total', job: `job${i % 5}`, instance: `i${i}` }),
      ts: long,
      vs: long.map(() => (v += Math.floor(r() * 100))),
    };
  }
}

interface Q {
  name: string;
  expr: string;
  range?: [number, number, number];
}

const queries: Q[] = [
  { name: 'rate over 10,000 series', expr: 'rate(bench_requests_total[5m])' },
  { name: 'sum by (job) of rate, 10,000 series', expr: 'sum by (job) (rate(bench_requests_total[5m]))' },
  {
    name: 'histogram_quantile, 100 buckets × 100 series',
    expr: 'histogram_quantile(0.99, rate(bench_latency_seconds_bucket[5m]))',
  },
  {
    name: 'histogram_quantile of sum by (le)',
    expr: 'histogram_quantile(0.9, sum by (le) (rate(bench_latency_seconds_bucket[5m])))',
  },
  {
    name: '24h range at 1m step, sum by (job) of rate, 100 series',
    expr: 'sum by (job) (rate(dash_requests_total[5m]))',
    range: [end - 24 * 3600_000 + 600_000, end, 60_000],
  },
  {
    name: '24h range at 1m step, rate per series, 100 series',
    expr: 'rate(dash_requests_total[5m])',
    range: [end - 24 * 3600_000 + 600_000, end, 60_000],
  },
];

async function time(fn: () => Promise<unknown>, runs: number): Promise<number> {
  await fn(); // warm-up
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await fn();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)]!;
}

const db = new MemoryStorage();
let s0 = performance.now();
loadInto(db, data());
console.log(`loaded ${db.numSeries} series into MemoryStorage in ${(performance.now() - s0).toFixed(0)} ms`);

const missing = promAvailable();
let prom: PromHarness | null = null;
if (missing) console.log(`Prometheus side skipped: ${missing}`);
else {
  s0 = performance.now();
  prom = await PromHarness.start(data());
  console.log(
    `imported the same data into Prometheus 2.42 with promtool in ${((performance.now() - s0) / 1000).toFixed(1)} s`,
  );
}

const engine = new Engine();
const RUNS = 5;
console.log(`\nmedian of ${RUNS} runs after one warm-up; Prometheus timed over its HTTP API (JSON included)\n`);
console.log(`${'query'.padEnd(58)}${'promctl'.padStart(12)}${'Prometheus'.padStart(13)}${'ratio'.padStart(9)}`);
try {
  for (const q of queries) {
    const ours = () => (q.range ? engine.rangeQuery(db, q.expr, ...q.range) : engine.instantQuery(db, q.expr, end));
    const tOurs = await time(ours, RUNS);
    let tProm = NaN;
    let check = '';
    if (prom) {
      const p = prom;
      const theirs = () => (q.range ? p.queryRange(q.expr, ...q.range) : p.query(q.expr, end));
      tProm = await time(theirs, RUNS);
      const a = normOurs((await ours()).value);
      const b = await theirs();
      check = b.error ? `Prometheus error: ${b.error}` : diffNorm(a, normProm(b.data));
    }
    const ratio = tProm / tOurs;
    console.log(
      `${q.name.padEnd(58)}${`${tOurs.toFixed(1)} ms`.padStart(12)}${(Number.isNaN(tProm) ? '-' : `${tProm.toFixed(1)} ms`).padStart(13)}${(Number.isNaN(ratio) ? '-' : `${ratio.toFixed(2)}x`).padStart(9)}`,
    );
    // Timestamps are on the sample grid, so Prometheus 2's closed windows may differ (left-open in 3.x).
    if (check) console.log(`   (results differ from Prometheus 2.42: ${check.slice(0, 160)})`);
  }
  console.log('\nratio = Prometheus time / promctl time (> 1: promctl faster)');
} finally {
  await prom?.stop();
}
