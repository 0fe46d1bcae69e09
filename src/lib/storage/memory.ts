/**
 * An in-memory Storage: every series keeps its samples in growable typed arrays (timestamps and
 * values as Float64Array, so staleness-marker NaN payloads survive), and an inverted index maps each
 * label pair to the sorted list of series refs that carry it (postings), as Prometheus' head block
 * does. Used by the promqltest runner, `promctl test rules` and tests; not durable.
 *
 * Semantics follow a TSDB without an out-of-order window: a sample older than the series' newest
 * sample is rejected (OutOfOrderSampleError), a sample at the same timestamp with a different value
 * is rejected (DuplicateSampleForTimestampError), an identical duplicate is ignored.
 */
import { Labels, compareStrings } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import { DuplicateSampleForTimestampError, OutOfOrderSampleError, StorageUnavailableError } from './errors.js';
import type {
  Appender,
  LabelHints,
  LabelResult,
  Querier,
  SampleIterator,
  SelectHints,
  Series,
  SeriesRef,
  SeriesSet,
  Storage,
} from './interface.js';
import { ValueType } from './interface.js';

/** One series' samples in growable typed arrays. */
export class MemSeries {
  ts: Float64Array;
  vs: Float64Array;
  n = 0;

  constructor(
    readonly ref: SeriesRef,
    readonly labels: Labels,
    capacity = 16,
  ) {
    this.ts = new Float64Array(capacity);
    this.vs = new Float64Array(capacity);
  }

  get maxTime(): number {
    return this.n === 0 ? -Infinity : this.ts[this.n - 1]!;
  }

  push(t: number, v: number): void {
    if (this.n === this.ts.length) {
      const cap = this.ts.length * 2;
      const ts = new Float64Array(cap);
      const vs = new Float64Array(cap);
      ts.set(this.ts);
      vs.set(this.vs);
      this.ts = ts;
      this.vs = vs;
    }
    this.ts[this.n] = t;
    this.vs[this.n] = v;
    this.n++;
  }

  /** Index of the first sample with timestamp >= t. */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.n;
    const ts = this.ts;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ts[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function sameBits(a: number, b: number): boolean {
  if (a === b) return a !== 0 || Object.is(a, b);
  if (a !== a && b !== b) {
    const f = new Float64Array([a, b]);
    const u = new Uint32Array(f.buffer);
    return u[0] === u[2] && u[1] === u[3];
  }
  return false;
}

interface Pending {
  ref: SeriesRef;
  labels: Labels;
  t: number;
  v: number;
}

class MemAppender implements Appender {
  private pending: Pending[] = [];
  private pendingLast = new Map<SeriesRef | string, { t: number; v: number }>();
  private done = false;

  constructor(private readonly db: MemoryStorage) {}

  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef {
    if (this.done) throw new StorageUnavailableError('appender already committed or rolled back');
    let s = ref ? this.db.seriesByRef(ref) : undefined;
    if (!s || (ref && !s.labels.equals(labels) && !labels.isEmpty())) s = this.db.seriesByLabels(labels);
    const key: SeriesRef | string = s ? s.ref : labels.key();
    const prev = this.pendingLast.get(key);
    const maxT = prev ? prev.t : s ? s.maxTime : -Infinity;
    if (t < maxT) throw new OutOfOrderSampleError();
    if (t === maxT) {
      const last = prev ? prev.v : s!.vs[s!.n - 1]!;
      if (sameBits(last, v)) return s ? s.ref : 0;
      throw new DuplicateSampleForTimestampError();
    }
    this.pendingLast.set(key, { t, v });
    this.pending.push({ ref: s ? s.ref : 0, labels: s ? s.labels : labels, t, v });
    return s ? s.ref : 0;
  }

  commit(): Promise<void> {
    if (!this.done) {
      this.done = true;
      for (const p of this.pending) {
        const s = p.ref ? this.db.seriesByRef(p.ref)! : this.db.getOrCreate(p.labels);
        if (p.t > s.maxTime) s.push(p.t, p.v);
      }
      this.pending = [];
    }
    return Promise.resolve();
  }

  rollback(): Promise<void> {
    this.done = true;
    this.pending = [];
    return Promise.resolve();
  }
}

export class MemoryStorage implements Storage {
  private readonly series: MemSeries[] = [];
  private readonly byKey = new Map<string, MemSeries>();
  /** name → value → sorted refs. */
  private readonly postings = new Map<string, Map<string, number[]>>();
  private closed = false;
  /** Position of each series (by ref - 1) in label order; rebuilt lazily after new series. */
  private rank: Int32Array | null = null;

  appender(): Appender {
    return new MemAppender(this);
  }

  /** Adds samples directly (no batching), for loaders that need no rollback. Same ordering rules. */
  appendDirect(labels: Labels, t: number, v: number): void {
    const s = this.getOrCreate(labels);
    const maxT = s.maxTime;
    if (t < maxT) throw new OutOfOrderSampleError();
    if (t === maxT) {
      if (sameBits(s.vs[s.n - 1]!, v)) return;
      throw new DuplicateSampleForTimestampError();
    }
    s.push(t, v);
  }

  seriesByRef(ref: SeriesRef): MemSeries | undefined {
    return this.series[ref - 1];
  }

  seriesByLabels(labels: Labels): MemSeries | undefined {
    return this.byKey.get(labels.key());
  }

  getOrCreate(labels: Labels): MemSeries {
    const key = labels.key();
    let s = this.byKey.get(key);
    if (s) return s;
    s = new MemSeries(this.series.length + 1, labels);
    this.series.push(s);
    this.rank = null;
    this.byKey.set(key, s);
    labels.forEach((n, v) => {
      let vals = this.postings.get(n);
      if (!vals) this.postings.set(n, (vals = new Map()));
      let refs = vals.get(v);
      if (!refs) vals.set(v, (refs = []));
      refs.push(s.ref);
    });
    return s;
  }

  /** Number of series. */
  get numSeries(): number {
    return this.series.length;
  }

  /** Every series, in creation order. */
  allSeries(): readonly MemSeries[] {
    return this.series;
  }

  /** Sorts series views by labels, using a cached label-order rank of every series. */
  sortByLabels<T extends { series: MemSeries }>(items: T[]): void {
    if (items.length < 2) return;
    if (!this.rank) {
      const order = this.series.map((_, i) => i);
      order.sort((a, b) => Labels.compare(this.series[a]!.labels, this.series[b]!.labels));
      const rank = new Int32Array(this.series.length);
      order.forEach((idx, pos) => (rank[idx] = pos));
      this.rank = rank;
    }
    const rank = this.rank;
    items.sort((a, b) => rank[a.series.ref - 1]! - rank[b.series.ref - 1]!);
  }

  /** Refs of series matching all matchers, ascending. */
  matchRefs(matchers: readonly Matcher[]): number[] {
    let result: number[] | null = null;
    const negatives: Matcher[] = [];
    // Positive matchers that do not match the empty string select from postings.
    for (const m of matchers) {
      if (m.matchesEmpty()) {
        negatives.push(m);
        continue;
      }
      const vals = this.postings.get(m.name);
      let refs: number[];
      if (!vals) refs = [];
      else if (m.type === '=') refs = vals.get(m.value) ?? [];
      else {
        const lists: number[][] = [];
        const set = m.type === '=~' ? m.re!.literalSet() : null;
        if (set) {
          for (const v of set) {
            const l = vals.get(v);
            if (l) lists.push(l);
          }
        } else {
          for (const [v, l] of vals) if (m.matches(v)) lists.push(l);
        }
        refs = unionSorted(lists);
      }
      result = result === null ? refs : intersectSorted(result, refs);
      if (result.length === 0) return [];
    }
    if (result === null) {
      result = new Array<number>(this.series.length);
      for (let i = 0; i < this.series.length; i++) result[i] = i + 1;
    }
    if (negatives.length === 0) return result;
    return result.filter((ref) => {
      const l = this.series[ref - 1]!.labels;
      for (const m of negatives) if (!m.matches(l.get(m.name))) return false;
      return true;
    });
  }

  querier(mint: number, maxt: number): Promise<Querier> {
    if (this.closed) return Promise.reject(new StorageUnavailableError('storage closed'));
    return Promise.resolve(new MemQuerier(this, mint, maxt));
  }

  startTime(): Promise<number> {
    let min = Infinity;
    for (const s of this.series) if (s.n > 0 && s.ts[0]! < min) min = s.ts[0]!;
    return Promise.resolve(min);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

function intersectSorted(a: number[], b: number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out;
}

function unionSorted(lists: number[][]): number[] {
  if (lists.length === 0) return [];
  if (lists.length === 1) return lists[0]!;
  const all: number[] = [];
  for (const l of lists) for (const r of l) all.push(r);
  all.sort((x, y) => x - y);
  const out: number[] = [];
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) out.push(all[i]!);
  return out;
}

/** Iterates one series' samples within [lo, hi) of its arrays. */
export class MemIterator implements SampleIterator {
  private i: number;
  t = 0;
  v = 0;

  constructor(
    private readonly s: MemSeries,
    private readonly lo: number,
    private readonly hi: number,
  ) {
    this.i = lo - 1;
  }

  next(): ValueType {
    if (this.i >= this.hi) return ValueType.None;
    this.i++;
    if (this.i >= this.hi) return ValueType.None;
    this.t = this.s.ts[this.i]!;
    this.v = this.s.vs[this.i]!;
    return ValueType.Float;
  }

  seek(t: number): ValueType {
    if (this.i >= this.lo && this.i < this.hi && this.t >= t) return ValueType.Float;
    let i = Math.max(this.i, this.lo);
    const ts = this.s.ts;
    while (i < this.hi && ts[i]! < t) i++;
    this.i = i;
    if (i >= this.hi) return ValueType.None;
    this.t = ts[i]!;
    this.v = this.s.vs[i]!;
    return ValueType.Float;
  }

  err(): Error | null {
    return null;
  }
}

/** A series view limited to [mint, maxt]; exposes its backing arrays for zero-copy readers. */
export class MemSeriesView implements Series {
  constructor(
    readonly series: MemSeries,
    readonly lo: number,
    readonly hi: number,
  ) {}

  get labels(): Labels {
    return this.series.labels;
  }

  iterator(): SampleIterator {
    return new MemIterator(this.series, this.lo, this.hi);
  }
}

class ArraySeriesSet implements SeriesSet {
  private i = -1;
  constructor(private readonly items: Series[]) {}
  next(): boolean {
    return ++this.i < this.items.length;
  }
  at(): Series {
    return this.items[this.i]!;
  }
  err(): Error | null {
    return null;
  }
  warnings(): string[] {
    return [];
  }
}

class MemQuerier implements Querier {
  constructor(
    private readonly db: MemoryStorage,
    private readonly mint: number,
    private readonly maxt: number,
  ) {}

  select(sortSeries: boolean, hints: SelectHints | undefined, matchers: readonly Matcher[]): Promise<SeriesSet> {
    const mint = Math.max(this.mint, hints?.start ?? -Infinity);
    const maxt = Math.min(this.maxt, hints?.end ?? Infinity);
    const out: MemSeriesView[] = [];
    for (const ref of this.db.matchRefs(matchers)) {
      const s = this.db.seriesByRef(ref)!;
      const lo = s.lowerBound(mint);
      const hi = s.lowerBound(maxt + 1);
      if (hi > lo) out.push(new MemSeriesView(s, lo, hi));
    }
    if (sortSeries) this.db.sortByLabels(out);
    return Promise.resolve(new ArraySeriesSet(out));
  }

  private matching(matchers: readonly Matcher[]): MemSeries[] {
    const out: MemSeries[] = [];
    for (const ref of this.db.matchRefs(matchers)) {
      const s = this.db.seriesByRef(ref)!;
      const lo = s.lowerBound(this.mint);
      if (lo < s.n && s.ts[lo]! <= this.maxt) out.push(s);
    }
    return out;
  }

  labelValues(name: string, hints: LabelHints | undefined, matchers: readonly Matcher[]): Promise<LabelResult> {
    const set = new Set<string>();
    for (const s of this.matching(matchers)) {
      const v = s.labels.get(name);
      if (v !== '') set.add(v);
    }
    return Promise.resolve({ values: limit([...set].sort(compareStrings), hints), warnings: [] });
  }

  labelNames(hints: LabelHints | undefined, matchers: readonly Matcher[]): Promise<LabelResult> {
    const set = new Set<string>();
    for (const s of this.matching(matchers)) s.labels.forEach((n) => set.add(n));
    return Promise.resolve({ values: limit([...set].sort(compareStrings), hints), warnings: [] });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function limit(values: string[], hints: LabelHints | undefined): string[] {
  return hints?.limit ? values.slice(0, hints.limit) : values;
}
