/**
 * The storage contracts, mirroring Prometheus' storage package. Producers (scrape, rules, remote
 * write receiver, tsdb import) write through Appendable/Appender; consumers (PromQL engine, API,
 * federation) read through Queryable/Querier. Neither side knows the implementation.
 */
import type { Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';

/** A storage-assigned numeric series reference. 0 means "unknown, look it up by labels". */
export type SeriesRef = number;

/** Metric metadata as carried by expositions (TYPE, HELP, UNIT). */
export interface Metadata {
  type: MetricType;
  help: string;
  unit: string;
}

export type MetricType =
  'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'info' | 'stateset' | 'unknown';

export interface Exemplar {
  labels: Labels;
  value: number;
  /** Milliseconds; undefined when the exemplar carried no timestamp. */
  ts?: number;
}

/**
 * A batch of appends. Nothing is visible to readers or durable until `commit()` resolves; after
 * `rollback()` nothing of the batch remains. An Appender is used by one caller at a time and must
 * not be reused after commit or rollback.
 */
export interface Appender {
  /**
   * Adds a float sample. Pass the ref returned by an earlier call for the same series (or 0) to skip
   * the label lookup. Returns the series' ref. Throws a StorageError (see errors.ts) for samples
   * that cannot be stored (out of order, duplicate with a different value, too old); the rest of
   * the batch is unaffected.
   */
  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef;
  /** Adds an exemplar to a series. Optional for stores that do not keep exemplars. */
  appendExemplar?(ref: SeriesRef, labels: Labels, e: Exemplar): SeriesRef;
  /** Records metadata for a series. Optional. */
  updateMetadata?(ref: SeriesRef, labels: Labels, m: Metadata): SeriesRef;
  /** Makes the batch durable (in the WAL where there is one) and visible. */
  commit(): Promise<void>;
  /** Discards the batch. */
  rollback(): Promise<void>;
}

export interface Appendable {
  appender(): Appender;
}

/** Kinds of values an iterator can be positioned on. */
export const ValueType = {
  None: 0,
  Float: 1,
  Histogram: 2,
  FloatHistogram: 3,
} as const;
export type ValueType = (typeof ValueType)[keyof typeof ValueType];

/**
 * A pull iterator over one series' samples in increasing time order. After next() or seek() returns
 * ValueType.Float, `t` and `v` hold the current sample. Errors are reported by err() once the
 * iterator returns None.
 */
export interface SampleIterator {
  /** Advances to the next sample. */
  next(): ValueType;
  /** Advances to the first sample with timestamp >= t (never moves backwards). */
  seek(t: number): ValueType;
  /** Timestamp (ms) of the current sample. */
  readonly t: number;
  /** Value of the current float sample. */
  readonly v: number;
  err(): Error | null;
}

/**
 * Sample arrays shared by many series. A bulk reader appends one series at [start, …) and
 * advances n; when it needs room, growSampleBuffer moves that series (only) into fresh arrays, so
 * series read earlier stay where they are, in the arrays they were read into.
 */
export interface SampleBuffer {
  ts: Float64Array;
  vs: Float64Array;
  n: number;
  /** Where the series being read begins. */
  start: number;
}

const SEGMENT = 1 << 16;

/** Makes room for `extra` more samples in `buf` (see SampleBuffer). */
export function growSampleBuffer(buf: SampleBuffer, extra: number): void {
  if (buf.n + extra <= buf.ts.length) return;
  const keep = buf.n - buf.start;
  const cap = Math.max(keep + extra, Math.min(SEGMENT, Math.max(1024, buf.ts.length * 2)));
  const ts = new Float64Array(cap);
  const vs = new Float64Array(cap);
  if (keep > 0) {
    ts.set(buf.ts.subarray(buf.start, buf.n));
    vs.set(buf.vs.subarray(buf.start, buf.n));
  }
  buf.ts = ts;
  buf.vs = vs;
  buf.start = 0;
  buf.n = keep;
}

export interface Series {
  readonly labels: Labels;
  iterator(): SampleIterator;
  /**
   * Optional bulk read: appends the float samples the iterator would return to `buf` (no object per
   * series or sample). Throws on storage errors (as err() would report them).
   */
  appendTo?(buf: SampleBuffer): void;
}

/** A pull iterator of series, sorted by labels when asked. Errors and warnings come at the end. */
export interface SeriesSet {
  next(): boolean;
  at(): Series;
  err(): Error | null;
  warnings(): string[];
}

/** Hints a reader gives the store about what it will read (all optional). */
export interface SelectHints {
  /** Milliseconds; the store may return samples outside but must cover [start, end]. */
  start?: number;
  end?: number;
  /** Query step, ms. */
  step?: number;
  /** The function that will consume the data, e.g. "rate" or "series" (labels only). */
  func?: string;
  /** Range of the selector, ms. */
  range?: number;
}

export interface LabelHints {
  /** Maximum number of results; 0 or undefined for no limit. */
  limit?: number;
}

export interface LabelResult {
  values: string[];
  warnings: string[];
}

/** A read view of the store over [mint, maxt] (inclusive, ms). Close it when done. */
export interface Querier {
  /**
   * The series that match all matchers, with samples within [mint, maxt]. The set is resolved
   * asynchronously (index and chunk reads) and then iterated synchronously.
   */
  select(sortSeries: boolean, hints: SelectHints | undefined, matchers: readonly Matcher[]): Promise<SeriesSet>;
  /** Sorted unique values of label `name` among series matching `matchers` (all series if none). */
  labelValues(name: string, hints: LabelHints | undefined, matchers: readonly Matcher[]): Promise<LabelResult>;
  /** Sorted unique label names among series matching `matchers` (all series if none). */
  labelNames(hints: LabelHints | undefined, matchers: readonly Matcher[]): Promise<LabelResult>;
  close(): Promise<void>;
}

export interface Queryable {
  querier(mint: number, maxt: number): Promise<Querier>;
}

/** Both sides, as the TSDB and the in-memory test store provide. */
export interface Storage extends Appendable, Queryable {
  /** The oldest timestamp stored, or +Infinity when empty. */
  startTime(): Promise<number>;
  close(): Promise<void>;
}
