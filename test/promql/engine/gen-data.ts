/**
 * Deterministic test data for the differential test and the benchmark: series as arrays, written
 * as OpenMetrics (for `promtool tsdb create-blocks-from openmetrics`) and loaded into a
 * MemoryStorage, so that Prometheus and promctl see exactly the same samples.
 */
import { createWriteStream } from 'node:fs';
import { Labels } from '../../../src/lib/model/labels.js';
import type { MemoryStorage } from '../../../src/lib/storage/memory.js';

export interface GenSeries {
  labels: Labels;
  /** ms */
  ts: number[];
  vs: number[];
}

/** mulberry32: a small deterministic PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function counter(r: () => number, n: number, maxInc: number, resetAt = -1): number[] {
  const out: number[] = [];
  let v = Math.floor(r() * 100);
  for (let i = 0; i < n; i++) {
    if (i === resetAt) v = 0;
    else v += Math.floor(r() * maxInc);
    out.push(v);
  }
  return out;
}

export const HIST_BOUNDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, Infinity];

function fmtLe(b: number): string {
  return b === Infinity ? '+Inf' : String(b);
}

/**
 * About 60 series over `points` samples every `interval` ms from `start`: counters with resets,
 * gauges (random walks), gauges with gaps, a series that ends early, and classic histograms.
 */
export function diffData(start: number, points = 480, interval = 15_000): GenSeries[] {
  const r = rng(42);
  const times = Array.from({ length: points }, (_, i) => start + i * interval);
  const out: GenSeries[] = [];
  const add = (o: Record<string, string>, vs: number[], ts = times): void => {
    out.push({ labels: Labels.fromObject(o), ts, vs });
  };
  let k = 0;
  for (const job of ['api', 'web'])
    for (const instance of ['0', '1', '2'])
      for (const code of ['200', '500']) {
        const resetAt = k++ % 4 === 1 ? Math.floor(points * r()) : -1;
        add(
          { __name__: 'http_requests_total', job, instance, code },
          counter(r, points, code === '200' ? 20 : 3, resetAt),
        );
      }
  for (const instance of ['0', '1', '2']) {
    let v = 40 + r() * 20;
    add(
      { __name__: 'cpu_temp_celsius', instance },
      times.map(() => (v = Math.round((v + (r() - 0.5) * 4) * 100) / 100)),
    );
  }
  for (const queue of ['a', 'b', 'c', 'd']) {
    const ts: number[] = [];
    const vs: number[] = [];
    times.forEach((t, i) => {
      // Gaps of up to 8 minutes exercise the lookback delta.
      if (queue === 'c' && i % 40 >= 8 && i % 40 < 40 - 8) return;
      if (queue === 'd' && i > points / 2) return;
      ts.push(t);
      vs.push(Math.floor(r() * 50));
    });
    add({ __name__: 'queue_length', queue }, vs, ts);
  }
  // A label value with a newline: Prometheus 3's regex `.` matches it, Prometheus 2's does not.
  add(
    { __name__: 'label_test', text: 'line1\nline2' },
    times.map((_, i) => i),
  );
  for (const job of ['api', 'web']) {
    const counts = HIST_BOUNDS.map(() => 0);
    const buckets: number[][] = HIST_BOUNDS.map(() => []);
    const sums: number[] = [];
    const totals: number[] = [];
    let sum = 0;
    for (let i = 0; i < points; i++) {
      const obs = Math.floor(r() * 20);
      for (let o = 0; o < obs; o++) {
        const x = r() ** 2 * 6;
        sum += x;
        HIST_BOUNDS.forEach((b, j) => {
          if (x <= b) counts[j]!++;
        });
      }
      HIST_BOUNDS.forEach((_, j) => buckets[j]!.push(counts[j]!));
      sums.push(Math.round(sum * 1000) / 1000);
      totals.push(counts[counts.length - 1]!);
    }
    HIST_BOUNDS.forEach((b, j) => add({ __name__: 'request_duration_seconds_bucket', job, le: fmtLe(b) }, buckets[j]!));
    add({ __name__: 'request_duration_seconds_sum', job }, sums);
    add({ __name__: 'request_duration_seconds_count', job }, totals);
  }
  return out;
}

function omLabels(l: Labels): string {
  const parts: string[] = [];
  l.forEach((n, v) => {
    if (n !== '__name__') parts.push(`${n}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  });
  return `${l.metricName()}{${parts.join(',')}}`;
}

/** Writes series as OpenMetrics text (no metadata: every family is untyped), ending with `# EOF`. */
export async function writeOpenMetrics(path: string, series: Iterable<GenSeries>): Promise<void> {
  const ws = createWriteStream(path);
  let buf = '';
  const flush = async (): Promise<void> => {
    if (!ws.write(buf)) await new Promise<void>((r) => ws.once('drain', () => r()));
    buf = '';
  };
  for (const s of series) {
    const name = omLabels(s.labels);
    for (let i = 0; i < s.ts.length; i++) {
      buf += `${name} ${s.vs[i]} ${s.ts[i]! / 1000}\n`;
      if (buf.length > 1 << 20) await flush();
    }
  }
  buf += '# EOF\n';
  await flush();
  await new Promise<void>((resolve, reject) => ws.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

export function loadInto(db: MemoryStorage, series: Iterable<GenSeries>): void {
  for (const s of series) for (let i = 0; i < s.ts.length; i++) db.appendDirect(s.labels, s.ts[i]!, s.vs[i]!);
}
