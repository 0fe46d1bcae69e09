/**
 * Load: promctl serve vs the real Prometheus 2.42, one after the other, each ingesting TARGETS
 * targets × SERIES series (plus a latency histogram per target) every 5 s while CLIENTS concurrent
 * clients run dashboard queries through the HTTP API for SECONDS: instant rate / sum by /
 * histogram_quantile / topk, and range queries over the last hour. Prints latency percentiles,
 * queries per second and errors, and checks that no scrape was missed while under load: every
 * target's `up` samples in the window are counted against the expected number and searched for
 * gaps (a spacing above 1.5 intervals), and failed scrapes (up == 0) are counted. Ratios are
 * promctl / Prometheus (below 1 is better for latency, above 1 for queries/s).
 *
 * Scale with BENCH_TARGETS, BENCH_SERIES, BENCH_CLIENTS, BENCH_SECONDS (defaults 20 × 1000, 20, 60 s).
 * By default every client sends its next query as soon as the last is answered (closed loop: each
 * server runs as many queries as it can). BENCH_QPS=N paces the clients to N queries/s in total
 * (open loop), to compare both servers under the same query load.
 */
import {
  configYaml,
  cpuSeconds,
  havePrometheus,
  row,
  startTarget,
  withServer,
  type ServerKind,
} from './serve-common.js';

const TARGETS = Number(process.env.BENCH_TARGETS ?? 20);
const SERIES = Number(process.env.BENCH_SERIES ?? 1000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const QPS = Number(process.env.BENCH_QPS ?? 0);
const INTERVAL_S = 5;

/** A dashboard's queries: [kind, expr]. Range queries cover the last hour at a 15 s step (240 points). */
const QUERIES: ['instant' | 'range', string][] = [
  ['instant', 'sum by (job) (rate(bench_requests_total[1m]))'],
  ['range', 'sum by (job) (rate(bench_requests_total[1m]))'],
  ['instant', 'histogram_quantile(0.9, sum by (le) (rate(bench_latency_seconds_bucket[1m])))'],
  ['range', 'histogram_quantile(0.99, sum by (le, handler) (rate(bench_latency_seconds_bucket[1m])))'],
  ['instant', 'topk(5, rate(bench_requests_total{job="shard1"}[1m]))'],
  ['range', 'sum(rate(bench_latency_seconds_count[1m])) by (handler)'],
  ['instant', 'count by (job) (up == 1)'],
  ['range', 'sum(up)'],
];

const target = await startTarget(SERIES, { histogram: true });

interface Figures {
  latencies: number[];
  errors: number;
  firstError?: string;
  queries: number;
  seconds: number;
  cpu: number;
  expectedScrapes: number;
  scrapes: number;
  failedScrapes: number;
  gaps: number;
  maxGapS: number;
  served: number;
  /** Series in each query's last answer (checks that both servers answer the same shapes). */
  resultSeries: Map<string, number>;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

async function client(url: string, id: number, until: number, f: Figures): Promise<void> {
  let i = id;
  // With BENCH_QPS, client id sends at start + id·period/CLIENTS + k·period.
  const period = QPS > 0 ? (CLIENTS / QPS) * 1000 : 0;
  let next = performance.now() + (period * id) / CLIENTS;
  while (performance.now() < until) {
    if (period) {
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      next += period;
      if (performance.now() >= until) break;
    }
    const [kind, expr] = QUERIES[i++ % QUERIES.length]!;
    const now = Date.now() / 1000;
    const params = new URLSearchParams({ query: expr });
    if (kind === 'range') {
      params.set('start', String(Math.floor(now - 3600)));
      params.set('end', String(Math.floor(now)));
      params.set('step', '15');
    } else params.set('time', String(now));
    const t0 = performance.now();
    try {
      const res = await fetch(`${url}/api/v1/${kind === 'range' ? 'query_range' : 'query'}?${params}`);
      const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
      if (!res.ok || body.status !== 'success') throw new Error(`${res.status} ${body.error ?? ''}`);
      f.latencies.push(performance.now() - t0);
      f.resultSeries.set(`${kind} ${expr}`, body.data?.result.length ?? 0);
    } catch (e) {
      f.errors++;
      f.firstError ??= `${expr}: ${(e as Error).message}`;
    }
    f.queries++;
  }
}

/** Counts every target's `up` samples in [from, to] (unix s) and looks for gaps and failed scrapes. */
async function scrapeCheck(url: string, from: number, to: number, f: Figures): Promise<void> {
  const window = Math.round(to - from);
  const q = `up{job_group="bench"}[${window}s] @ ${to}`;
  const r = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as {
    data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
  };
  const perTarget = Math.floor(window / INTERVAL_S);
  f.expectedScrapes = perTarget * TARGETS;
  f.scrapes = 0;
  for (const s of r.data.result) {
    f.scrapes += s.values.length;
    let prev = from;
    for (const [t, v] of s.values) {
      if (v !== '1') f.failedScrapes++;
      const gap = t - prev;
      if (gap > 1.5 * INTERVAL_S) f.gaps++;
      f.maxGapS = Math.max(f.maxGapS, gap);
      prev = t;
    }
    const tail = to - prev;
    if (tail > 1.5 * INTERVAL_S) f.gaps++;
    f.maxGapS = Math.max(f.maxGapS, tail);
  }
  f.gaps += Math.max(0, TARGETS - r.data.result.length) * perTarget; // targets with no sample at all
}

function run(kind: ServerKind): Promise<Figures> {
  return withServer(kind, configYaml(TARGETS, target.port, `${INTERVAL_S}s`), async ({ url, child }) => {
    // Two intervals of warm-up so every target has been scraped and rate() has two points.
    await new Promise((r) => setTimeout(r, 2 * INTERVAL_S * 1000 + 1000));
    const f: Figures = {
      latencies: [],
      errors: 0,
      queries: 0,
      seconds: SECONDS,
      cpu: 0,
      expectedScrapes: 0,
      scrapes: 0,
      failedScrapes: 0,
      gaps: 0,
      maxGapS: 0,
      served: 0,
      resultSeries: new Map(),
    };
    const served0 = target.total();
    const cpu0 = cpuSeconds(child.pid!);
    const from = Date.now() / 1000;
    const t0 = performance.now();
    const until = t0 + SECONDS * 1000;
    await Promise.all(Array.from({ length: CLIENTS }, (_, id) => client(url, id, until, f)));
    f.seconds = (performance.now() - t0) / 1000;
    const to = Date.now() / 1000;
    f.cpu = cpuSeconds(child.pid!) - cpu0;
    f.served = target.total() - served0;
    // Let the scrapes due in the last interval land before checking.
    await new Promise((r) => setTimeout(r, INTERVAL_S * 1000));
    await scrapeCheck(url, from, to, f);
    f.latencies.sort((a, b) => a - b);
    return f;
  });
}

console.log(
  `load: ${CLIENTS} clients × ${SECONDS}s of dashboard queries${QPS ? ` paced to ${QPS} q/s` : ''} (${QUERIES.length} kinds, range = 1h at 15s) while ingesting ${TARGETS} targets × ${SERIES + 60} series every ${INTERVAL_S}s`,
);
const promctl = await run('promctl');
let prom: Figures | null = null;
if (havePrometheus()) prom = await run('prometheus');
else console.log('prometheus not installed (or BENCH_PROMETHEUS=0): no side-by-side figures');

for (const p of [50, 90, 99])
  row(`query latency p${p}`, pct(promctl.latencies, p), prom ? pct(prom.latencies, p) : undefined, 'ms', 1);
row('query latency max', promctl.latencies.at(-1) ?? NaN, prom?.latencies.at(-1), 'ms', 1);
row('queries per second', promctl.queries / promctl.seconds, prom ? prom.queries / prom.seconds : undefined, 'q/s', 1);
row('server CPU seconds per query', promctl.cpu / promctl.queries, prom ? prom.cpu / prom.queries : undefined, 's', 4);
for (const [name, f] of [
  ['promctl', promctl],
  ['prometheus', prom],
] as const) {
  if (!f) continue;
  const missed = Math.max(0, f.expectedScrapes - f.scrapes);
  console.log(
    `${name.padEnd(10)} queries ${f.queries}, errors ${f.errors}${f.firstError ? ` (first: ${f.firstError})` : ''}; ` +
      `scrapes stored ${f.scrapes} of ${f.expectedScrapes} expected (${missed} missing), gaps ${f.gaps}, ` +
      `failed ${f.failedScrapes}, longest spacing ${f.maxGapS.toFixed(1)}s; target served ${f.served} scrapes`,
  );
}
for (const [k, n] of promctl.resultSeries) {
  const m = prom?.resultSeries.get(k);
  if (n === 0 || (prom && m !== n)) console.log(`result series differ or empty: ${k}: promctl ${n}, prometheus ${m}`);
}
const ok = (f: Figures) => f.errors === 0 && f.gaps === 0 && f.failedScrapes === 0 && f.scrapes >= f.expectedScrapes;
console.log(
  `no scrape missed under load: promctl ${ok(promctl) ? 'yes' : 'NO'}${prom ? `, prometheus ${ok(prom) ? 'yes' : 'NO'}` : ''}`,
);
target.server.close();
process.exit(0);
