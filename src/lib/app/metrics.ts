/**
 * A small registry for promctl's own metrics (/metrics), exposed under Prometheus' names so that
 * existing Prometheus dashboards work on promctl. Counters, gauges (optionally computed at collect
 * time) and histograms with labels; output through the text-format writer.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Labels } from '../model/labels.js';
import type { ExposedSample, MetricFamily, MetricKind } from '../model/metricfamily.js';
import { QuantileWindow } from '../model/quantiles.js';
import { writeTextFormat } from '../textparse/writer.js';

type LabelValues = Record<string, string>;

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly kind: MetricKind,
  ) {}
  abstract samples(): ExposedSample[];
}

function keyOf(l: LabelValues): string {
  return JSON.stringify(Object.entries(l).sort());
}

export class Counter extends Metric {
  private readonly values = new Map<string, { labels: Labels; v: number }>();
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }
  inc(labels: LabelValues = {}, by = 1): void {
    const k = keyOf(labels);
    const cur = this.values.get(k);
    if (cur) cur.v += by;
    else this.values.set(k, { labels: Labels.fromObject(labels), v: by });
  }
  get(labels: LabelValues = {}): number {
    return this.values.get(keyOf(labels))?.v ?? 0;
  }
  samples(): ExposedSample[] {
    return [...this.values.values()].map((x) => ({ name: this.name, labels: x.labels, value: x.v }));
  }
}

export class Gauge extends Metric {
  private readonly values = new Map<string, { labels: Labels; v: number }>();
  private collectFn?: () => [LabelValues, number][] | number;
  constructor(name: string, help: string, collect?: () => [LabelValues, number][] | number) {
    super(name, help, 'gauge');
    this.collectFn = collect;
  }
  set(v: number, labels: LabelValues = {}): void {
    const k = keyOf(labels);
    const cur = this.values.get(k);
    if (cur) cur.v = v;
    else this.values.set(k, { labels: Labels.fromObject(labels), v });
  }
  samples(): ExposedSample[] {
    if (this.collectFn) {
      const r = this.collectFn();
      if (typeof r === 'number') return [{ name: this.name, labels: Labels.EMPTY, value: r }];
      return r.map(([l, v]) => ({ name: this.name, labels: Labels.fromObject(l), value: v }));
    }
    return [...this.values.values()].map((x) => ({ name: this.name, labels: x.labels, value: x.v }));
  }
}

/** A counter whose value is read from elsewhere at collect time. */
export class CounterFunc extends Metric {
  constructor(
    name: string,
    help: string,
    private readonly fn: () => [LabelValues, number][] | number,
  ) {
    super(name, help, 'counter');
  }
  samples(): ExposedSample[] {
    const r = this.fn();
    if (typeof r === 'number') return [{ name: this.name, labels: Labels.EMPTY, value: r }];
    return r.map(([l, v]) => ({ name: this.name, labels: Labels.fromObject(l), value: v }));
  }
}

export const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Histogram extends Metric {
  private readonly series = new Map<
    string,
    { labels: LabelValues; counts: Float64Array; sum: number; count: number }
  >();
  constructor(
    name: string,
    help: string,
    readonly buckets: readonly number[] = DEFAULT_BUCKETS,
  ) {
    super(name, help, 'histogram');
  }
  observe(v: number, labels: LabelValues = {}): void {
    const k = keyOf(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { labels, counts: new Float64Array(this.buckets.length), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) s.counts[i]!++;
    s.sum += v;
    s.count++;
  }
  samples(): ExposedSample[] {
    const out: ExposedSample[] = [];
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) =>
        out.push({
          name: `${this.name}_bucket`,
          labels: Labels.fromObject({ ...s.labels, le: formatLe(b) }),
          value: s.counts[i]!,
        }),
      );
      out.push({ name: `${this.name}_bucket`, labels: Labels.fromObject({ ...s.labels, le: '+Inf' }), value: s.count });
      out.push({ name: `${this.name}_sum`, labels: Labels.fromObject(s.labels), value: s.sum });
      out.push({ name: `${this.name}_count`, labels: Labels.fromObject(s.labels), value: s.count });
    }
    return out;
  }
}

/**
 * Summaries with quantiles, as Prometheus' (client_golang) objectives over a sliding window
 * (maxAge, 10 minutes by default). Quantiles are exact over the window's observations, of which
 * the newest `cap` are kept; with none in the window a quantile is NaN, as in Go.
 */
export class QuantileSummary extends Metric {
  private readonly series = new Map<string, { labels: LabelValues; w: QuantileWindow }>();
  constructor(
    name: string,
    help: string,
    readonly quantiles: readonly number[],
    private readonly maxAgeMs = 10 * 60_000,
    private readonly cap = 4096,
    private readonly now: () => number = Date.now,
  ) {
    super(name, help, 'summary');
  }
  /** Starts a series with no observations (exposed with NaN quantiles and zero count). */
  init(labels: LabelValues = {}): void {
    this.get(labels);
  }
  observe(v: number, labels: LabelValues = {}): void {
    this.get(labels).observe(v);
  }
  private get(labels: LabelValues): QuantileWindow {
    const k = keyOf(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { labels, w: new QuantileWindow(this.maxAgeMs, this.cap, this.now) }));
    return s.w;
  }
  samples(): ExposedSample[] {
    const out: ExposedSample[] = [];
    for (const { labels, w } of this.series.values()) {
      const values = w.quantiles(this.quantiles);
      this.quantiles.forEach((q, i) =>
        out.push({ name: this.name, labels: Labels.fromObject({ ...labels, quantile: String(q) }), value: values[i]! }),
      );
      out.push({ name: `${this.name}_sum`, labels: Labels.fromObject(labels), value: w.sum });
      out.push({ name: `${this.name}_count`, labels: Labels.fromObject(labels), value: w.count });
    }
    return out;
  }
}

/** Go's time.Duration.String() of a whole number of milliseconds ("5s", "1m0s", "1h30m0s", "250ms"). */
export function goDurationString(ms: number): string {
  if (ms === 0) return '0s';
  if (Math.abs(ms) < 1000) return `${ms}ms`;
  const neg = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = `${rest / 1000}s`;
  if (h > 0) return `${neg}${h}h${m}m${s}`;
  if (m > 0) return `${neg}${m}m${s}`;
  return neg + s;
}

function formatLe(b: number): string {
  return Number.isInteger(b) ? `${b}.0` : String(b);
}

export class Registry {
  private readonly metrics: Metric[] = [];
  private readonly extra: (() => MetricFamily[])[] = [];

  register<M extends Metric>(m: M): M {
    if (this.metrics.some((x) => x.name === m.name)) throw new Error(`metric ${m.name} registered twice`);
    this.metrics.push(m);
    return m;
  }

  counter(name: string, help: string): Counter {
    return this.register(new Counter(name, help));
  }
  gauge(name: string, help: string, collect?: () => [LabelValues, number][] | number): Gauge {
    return this.register(new Gauge(name, help, collect));
  }
  counterFunc(name: string, help: string, fn: () => [LabelValues, number][] | number): CounterFunc {
    return this.register(new CounterFunc(name, help, fn));
  }
  histogram(name: string, help: string, buckets?: readonly number[]): Histogram {
    return this.register(new Histogram(name, help, buckets));
  }
  quantileSummary(name: string, help: string, quantiles: readonly number[]): QuantileSummary {
    return this.register(new QuantileSummary(name, help, quantiles));
  }
  /** Adds families produced elsewhere (e.g. the rules manager's), collected on every scrape. */
  addCollector(fn: () => MetricFamily[]): void {
    this.extra.push(fn);
  }

  families(): MetricFamily[] {
    const fams: MetricFamily[] = this.metrics.map((m) => ({
      name: m.name,
      type: m.kind,
      help: m.help,
      samples: m.samples(),
    }));
    for (const fn of this.extra) fams.push(...fn());
    return fams.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  text(): string {
    return writeTextFormat(this.families());
  }
}

/** process_* and nodejs_* metrics, as prom-client and client_golang name them. */
export function registerProcessMetrics(reg: Registry, startTimeMs: number): void {
  // The monitor is a libuv timer firing every `resolution` ms for the life of the process: at 20 ms
  // it cost an idle server ~2.5 ms of CPU per second (measured), at 100 ms about a quarter of it.
  const loop = monitorEventLoopDelay({ resolution: 100 });
  loop.enable();
  reg.counterFunc('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  });
  reg.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', () => process.memoryUsage.rss());
  reg.gauge(
    'process_start_time_seconds',
    'Start time of the process since unix epoch in seconds.',
    () => startTimeMs / 1000,
  );
  reg.gauge('process_max_fds', 'Maximum number of open file descriptors.', () => maxFds());
  reg.gauge('process_open_fds', 'Number of open file descriptors.', () => openFds());
  reg.gauge(
    'nodejs_heap_size_total_bytes',
    'Process heap size from Node.js in bytes.',
    () => process.memoryUsage().heapTotal,
  );
  reg.gauge(
    'nodejs_heap_size_used_bytes',
    'Process heap size used from Node.js in bytes.',
    () => process.memoryUsage().heapUsed,
  );
  reg.gauge(
    'nodejs_external_memory_bytes',
    'Node.js external memory size in bytes.',
    () => process.memoryUsage().external,
  );
  reg.gauge('nodejs_eventloop_lag_p99_seconds', 'The 99th percentile of the recorded event loop delays.', () =>
    Number.isFinite(loop.percentile(99)) ? loop.percentile(99) / 1e9 : 0,
  );
  reg.gauge('nodejs_version_info', 'Node.js version info.', () => [[{ version: process.version }, 1]]);
}

function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return 0;
  }
}

function maxFds(): number {
  try {
    const m = /Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
