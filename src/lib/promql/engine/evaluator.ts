/**
 * The PromQL evaluator. Like Prometheus, an instant query is a range evaluation with one step:
 * every node evaluates over all steps of [start, end] at once. Selectors fetch each series once for
 * the whole range and then slide their lookback or range window over the buffered samples step by
 * step (no re-reading or re-decoding per step); range-vector functions read windows in place.
 */
import { Labels, METRIC_NAME, LabelsBuilder, compareStrings, isValidUtf8Name } from '../../model/labels.js';
import type { Matcher } from '../../model/matcher.js';
import { Regex, RegexError, expandTemplate } from '../../model/regex.js';
import { formatFloatG, formatValue, isStaleNaN } from '../../model/value.js';
import type { Querier, Queryable, SampleBuffer, SeriesSet } from '../../storage/interface.js';
import { ValueType, growSampleBuffer } from '../../storage/interface.js';
import { MemSeriesView } from '../../storage/memory.js';
import type {
  AggregateExpr,
  BinaryExpr,
  Call,
  Expr,
  SubqueryExpr,
  VectorMatching,
  VectorSelector,
} from '../parser/ast.js';
import { exprType } from '../parser/ast.js';
import type { Annotations } from './annotations.js';
import { EvalError, QueryCanceledError, QueryStorageError, QueryTimeoutError, TooManySamplesError } from './errors.js';
import {
  FunctionArgError,
  MATH_FUNCTIONS,
  RANGE_FUNCTIONS,
  bucketFraction,
  bucketQuantile,
  dateFn,
  goPow,
  kahan,
  kahanSumInc,
  naturalLess,
  quantile,
  type Bucket,
  type RangeCtx,
  type RangeKernel,
} from './functions.js';
import { labelsHash } from './hash.js';
import type { Matrix, Series } from './types.js';

export interface EvalOptions {
  lookbackDelta: number;
  /** Step of subqueries written without one (`[5m:]`), ms. */
  noStepSubqueryInterval: number;
  enableDelayedNameRemoval: boolean;
  maxSamples: number;
  deadline: number;
  signal?: AbortSignal;
}

/** Shared state of one query (all nested evaluators). */
export interface QueryState {
  queryable: Queryable;
  queriers: Querier[];
  annotations: Annotations;
  opts: EvalOptions;
  /** Query start/end, for `@ start()` / `@ end()`. */
  queryStart: number;
  queryEnd: number;
  currentSamples: number;
  peakSamples: number;
  samplesLoaded: number;
}

/** A buffered series: samples [lo, hi) of ts/vs. */
interface Buf {
  metric: Labels;
  ts: Float64Array;
  vs: Float64Array;
  lo: number;
  hi: number;
  dropName: boolean;
}

export type Val =
  | { kind: 'scalar'; vs: Float64Array }
  | { kind: 'vector'; m: Matrix }
  | { kind: 'range'; m: Matrix }
  | { kind: 'string'; s: string };

const RESERVED = [METRIC_NAME, '__type__', '__unit__'];
const EMPTY_F64 = new Float64Array(0);

export function dropMetricName(l: Labels): Labels {
  const f = l.toFlat();
  let reserved = 0;
  for (let i = 0; i < f.length; i += 2) {
    const n = f[i]!;
    if (n === METRIC_NAME || n === '__type__' || n === '__unit__') reserved++;
  }
  if (reserved === 0) return l;
  if (reserved === 1 && f[0] === METRIC_NAME) return l.dropMetricName();
  return l.without(...RESERVED);
}

/**
 * Whether dropping the reserved names (dropMetricName) keeps distinct label sets distinct: true
 * when none has `__type__`/`__unit__` and all have the same metric name (or none).
 */
function nameDropKeepsDistinct(list: readonly { metric: Labels }[]): boolean {
  let name: string | null = null;
  for (let k = 0; k < list.length; k++) {
    const f = list[k]!.metric.toFlat();
    let n = '';
    for (let i = 0; i < f.length; i += 2) {
      const x = f[i]!;
      if (x.charCodeAt(0) !== 95 || x.charCodeAt(1) !== 95) {
        // Names are sorted: past the "__…" ones, none can follow.
        if (x > '__') break;
        continue;
      }
      if (x === METRIC_NAME) n = f[i + 1]!;
      else if (x === '__type__' || x === '__unit__') return false;
    }
    if (name === null) name = n;
    else if (n !== name) return false;
  }
  return true;
}

function unwrap(e: Expr): Expr {
  while (e.type === 'ParenExpr') e = e.expr;
  return e;
}

/** Collects output samples into series keyed by labels; detects duplicates at one timestamp. */
class Collector {
  readonly map = new Map<string, Series>();
  readonly list: Series[] = [];

  add(metric: Labels, dropName: boolean, t: number, f: number): void {
    const key = metric.key();
    let s = this.map.get(key);
    if (!s) {
      s = { metric, ts: [], fs: [], dropName };
      this.map.set(key, s);
      this.list.push(s);
    } else if (s.ts.length > 0 && s.ts[s.ts.length - 1] === t) {
      throw new EvalError('vector cannot contain metrics with the same labelset');
    }
    s.ts.push(t);
    s.fs.push(f);
  }

  /** The output series for `metric` (created empty when new). */
  series(metric: Labels, dropName: boolean): Series {
    const key = metric.key();
    let s = this.map.get(key);
    if (!s) {
      s = { metric, ts: [], fs: [], dropName };
      this.map.set(key, s);
      this.list.push(s);
    }
    return s;
  }

  /** Appends a point at step time t; a second point at the same t is a collision. */
  static push(s: Series, t: number, f: number): void {
    if (s.ts.length > 0 && s.ts[s.ts.length - 1] === t)
      throw new EvalError('vector cannot contain metrics with the same labelset');
    s.ts.push(t);
    s.fs.push(f);
  }

  /**
   * Adds a whole series whose points are at distinct increasing step times. `distinct`: the caller
   * knows no other series added to this collector has the same labels (no map lookup needed).
   */
  addSeries(s: Series, distinct = false): void {
    if (s.ts.length === 0) return;
    if (distinct) {
      this.list.push(s);
      return;
    }
    const key = s.metric.key();
    const prev = this.map.get(key);
    if (!prev) {
      this.map.set(key, s);
      this.list.push(s);
      return;
    }
    // Merge two series with the same labels; any common timestamp is a collision.
    const ts: number[] = [];
    const fs: number[] = [];
    let i = 0;
    let j = 0;
    while (i < prev.ts.length || j < s.ts.length) {
      const a = i < prev.ts.length ? prev.ts[i]! : Infinity;
      const b = j < s.ts.length ? s.ts[j]! : Infinity;
      if (a === b) throw new EvalError('vector cannot contain metrics with the same labelset');
      if (a < b) {
        ts.push(a);
        fs.push(prev.fs[i++]!);
      } else {
        ts.push(b);
        fs.push(s.fs[j++]!);
      }
    }
    prev.ts = ts;
    prev.fs = fs;
  }
}

/** Receives the points of series k of a range function at step i (fused aggregation). */
type PointSink = (k: number, i: number, f: number) => void;
const NO_POINTS: number[] = [];

const SIMPLE_AGGS = new Set(['sum', 'avg', 'count', 'group', 'min', 'max', 'stddev', 'stdvar']);

/**
 * Accumulators of sum/avg/count/group/min/max/stddev/stdvar per cell (group × step), in typed
 * arrays; values are added in input-series order as Prometheus 3.5 does (Kahan sums).
 */
class SimpleAgg {
  readonly cnt: Float64Array;
  private readonly a: Float64Array; // sum / min / max / mean
  private readonly c: Float64Array; // kahan compensation / M2
  private readonly mean: Float64Array | null;
  private readonly incr: Uint8Array | null;

  constructor(
    private readonly op: string,
    n: number,
  ) {
    this.cnt = new Float64Array(n);
    this.a = new Float64Array(n);
    this.c = new Float64Array(n);
    this.mean = op === 'avg' ? new Float64Array(n) : null;
    this.incr = op === 'avg' ? new Uint8Array(n) : null;
  }

  add(x: number, f: number): void {
    const { a, c } = this;
    const n = ++this.cnt[x]!;
    switch (this.op) {
      case 'sum':
        if (n === 1) {
          a[x] = f;
          c[x] = 0;
        } else {
          a[x] = kahanSumInc(f, a[x]!, c[x]!);
          c[x] = kahan.c;
        }
        break;
      case 'avg': {
        const mean = this.mean!;
        const incr = this.incr!;
        if (n === 1) {
          a[x] = f;
          c[x] = 0;
          break;
        }
        if (!incr[x]) {
          const ns = kahanSumInc(f, a[x]!, c[x]!);
          if (ns !== Infinity && ns !== -Infinity) {
            a[x] = ns;
            c[x] = kahan.c;
            break;
          }
          incr[x] = 1;
          mean[x] = a[x]! / (n - 1);
          c[x] = c[x]! / (n - 1);
        }
        const q = (n - 1) / n;
        mean[x] = kahanSumInc(f / n, q * mean[x]!, q * c[x]!);
        c[x] = kahan.c;
        break;
      }
      case 'min':
        if (n === 1 || f < a[x]! || a[x]! !== a[x]!) a[x] = f;
        break;
      case 'max':
        if (n === 1 || f > a[x]! || a[x]! !== a[x]!) a[x] = f;
        break;
      case 'stddev':
      case 'stdvar': {
        if (n === 1) {
          a[x] = 0;
          c[x] = 0;
        }
        const delta = f - a[x]!;
        a[x] = a[x]! + delta / n;
        c[x] = c[x]! + delta * (f - a[x]!);
        break;
      }
    }
  }

  /** The aggregate of cell x (which has at least one value). */
  value(x: number): number {
    const { a, c } = this;
    const n = this.cnt[x]!;
    switch (this.op) {
      case 'sum':
        return a[x] === Infinity || a[x] === -Infinity ? a[x]! : a[x]! + c[x]!;
      case 'avg':
        return this.incr![x] ? this.mean![x]! + c[x]! : a[x]! / n + c[x]! / n;
      case 'count':
        return n;
      case 'group':
        return 1;
      case 'stdvar':
        return c[x]! / n;
      case 'stddev':
        return Math.sqrt(c[x]! / n);
      default:
        return a[x]!;
    }
  }
}

/** Per-step access to a vector value: samples at step i as (series index, value). */
class StepReader {
  private readonly cur: Int32Array;
  constructor(readonly m: Matrix) {
    this.cur = new Int32Array(m.length);
  }
  /** Fills idx/vals with the series present at time t; returns the count. */
  at(t: number, idx: number[], vals: number[]): number {
    let n = 0;
    const m = this.m;
    for (let s = 0; s < m.length; s++) {
      const ser = m[s]!;
      let c = this.cur[s]!;
      while (c < ser.ts.length && ser.ts[c]! < t) c++;
      this.cur[s] = c;
      if (c < ser.ts.length && ser.ts[c] === t) {
        idx[n] = s;
        vals[n] = ser.fs[c]!;
        n++;
      }
    }
    return n;
  }
}

export class Evaluator {
  readonly numSteps: number;

  constructor(
    readonly q: QueryState,
    readonly start: number,
    readonly end: number,
    readonly interval: number,
  ) {
    this.numSteps = Math.floor((end - start) / interval) + 1;
  }

  stepT(i: number): number {
    return this.start + i * this.interval;
  }

  private stepIndex(t: number): number {
    return Math.round((t - this.start) / this.interval);
  }

  checkInterrupt(): void {
    const o = this.q.opts;
    if (o.signal?.aborted) throw new QueryCanceledError();
    if (Date.now() > o.deadline) throw new QueryTimeoutError();
  }

  private account(points: number): void {
    this.q.currentSamples += points;
    if (this.q.currentSamples > this.q.peakSamples) this.q.peakSamples = this.q.currentSamples;
    if (this.q.currentSamples > this.q.opts.maxSamples) throw new TooManySamplesError();
  }

  private nameDrop(metric: Labels): { metric: Labels; dropName: boolean } {
    if (this.q.opts.enableDelayedNameRemoval) return { metric, dropName: true };
    return { metric: dropMetricName(metric), dropName: false };
  }

  private atOf(n: VectorSelector | SubqueryExpr): number | null {
    if (n.timestamp !== null) return n.timestamp;
    if (n.startOrEnd === 'start') return this.q.queryStart;
    if (n.startOrEnd === 'end') return this.q.queryEnd;
    return null;
  }

  async eval(e: Expr): Promise<Val> {
    this.checkInterrupt();
    switch (e.type) {
      case 'NumberLiteral':
        return { kind: 'scalar', vs: new Float64Array(this.numSteps).fill(e.value) };
      case 'StringLiteral':
        return { kind: 'string', s: e.value };
      case 'ParenExpr':
        return this.eval(e.expr);
      case 'UnaryExpr': {
        const v = await this.eval(e.expr);
        if (e.op === '+') return v;
        if (v.kind === 'scalar') return { kind: 'scalar', vs: v.vs.map((x) => -x) };
        if (v.kind !== 'vector') throw new EvalError('unary minus on non-vector');
        const col = new Collector();
        for (const s of v.m) {
          const nd = this.nameDrop(s.metric);
          col.addSeries({ metric: nd.metric, dropName: nd.dropName || s.dropName, ts: s.ts, fs: s.fs.map((x) => -x) });
        }
        return { kind: 'vector', m: col.list };
      }
      case 'VectorSelector':
        return { kind: 'vector', m: await this.evalVectorSelector(e, false) };
      case 'MatrixSelector': {
        const bufs = await this.fetchRange(e.vectorSelector, e.range);
        return { kind: 'range', m: this.rawWindows(bufs, e.vectorSelector, e.range) };
      }
      case 'SubqueryExpr': {
        const bufs = await this.evalSubqueryBuffers(e);
        return { kind: 'range', m: this.rawWindowsSub(bufs, e) };
      }
      case 'Call':
        return this.evalCall(e);
      case 'AggregateExpr':
        return this.evalAggregate(e);
      case 'BinaryExpr':
        return this.evalBinary(e);
    }
  }

  // ---------------------------------------------------------------- selectors

  private async select(vs: VectorSelector, mint: number, maxt: number, func?: string, range?: number): Promise<Buf[]> {
    let querier: Querier;
    let set: SeriesSet;
    try {
      querier = await this.q.queryable.querier(mint, maxt);
      this.q.queriers.push(querier);
      set = await querier.select(
        true,
        { start: mint, end: maxt, step: this.interval, ...(func ? { func } : {}), ...(range ? { range } : {}) },
        vs.matchers,
      );
    } catch (err) {
      throw new QueryStorageError(err);
    }
    const out: Buf[] = [];
    let loaded = 0;
    // Samples of all series go into shared arrays (each Buf is a [lo, hi) slice of them), not a
    // pair of typed arrays per series: at 50k series those allocations dominate.
    const arena: SampleBuffer = { ts: EMPTY_F64, vs: EMPTY_F64, n: 0, start: 0 };
    while (set.next()) {
      const s = set.at();
      if (s instanceof MemSeriesView) {
        out.push({ metric: s.labels, ts: s.series.ts, vs: s.series.vs, lo: s.lo, hi: s.hi, dropName: false });
        loaded += s.hi - s.lo;
        continue;
      }
      arena.start = arena.n;
      if (s.appendTo) {
        try {
          s.appendTo(arena);
        } catch (err) {
          throw new QueryStorageError(err);
        }
      } else {
        const it = s.iterator();
        for (let vt = it.next(); vt !== ValueType.None; vt = it.next()) {
          if (vt !== ValueType.Float) continue;
          if (it.t < mint || it.t > maxt) continue;
          if (arena.n === arena.ts.length) growSampleBuffer(arena, 1);
          arena.ts[arena.n] = it.t;
          arena.vs[arena.n] = it.v;
          arena.n++;
        }
        const err = it.err();
        if (err) throw new QueryStorageError(err);
      }
      // The series may have moved to fresh arrays while being read: it is at [start, n).
      const lo = arena.start;
      const hi = arena.n;
      if (hi > lo) out.push({ metric: s.labels, ts: arena.ts, vs: arena.vs, lo, hi, dropName: false });
      loaded += hi - lo;
    }
    const err = set.err();
    if (err) throw new QueryStorageError(err);
    for (const w of set.warnings()) this.q.annotations.add('warning', w);
    this.q.samplesLoaded += loaded;
    // The storage returns series sorted by labels (asked for above), Prometheus' order.
    return out;
  }

  /** Reference times range of a selector over this evaluator's steps. */
  private refRange(vs: VectorSelector): [number, number] {
    const at = this.atOf(vs);
    if (at !== null) return [at - vs.offset, at - vs.offset];
    return [this.start - vs.offset, this.end - vs.offset];
  }

  async evalVectorSelector(vs: VectorSelector, timestamps: boolean): Promise<Matrix> {
    const [r0, r1] = this.refRange(vs);
    const lb = this.q.opts.lookbackDelta;
    const bufs = await this.select(vs, Math.floor(r0 - lb) + 1, r1);
    const at = this.atOf(vs);
    const out: Matrix = [];
    let points = 0;
    for (let k = 0; k < bufs.length; k++) {
      if ((k & 1023) === 0) this.checkInterrupt();
      const b = bufs[k]!;
      let ts: number[] = NO_POINTS;
      let fs: number[] = NO_POINTS;
      let j = b.lo;
      for (let i = 0; i < this.numSteps; i++) {
        const t = this.stepT(i);
        const ref = (at ?? t) - vs.offset;
        while (j < b.hi && b.ts[j]! <= ref) j++;
        const idx = j - 1;
        if (idx < b.lo) continue;
        const st = b.ts[idx]!;
        if (st <= ref - lb) continue;
        const v = b.vs[idx]!;
        if (v !== v && isStaleNaN(v)) continue;
        // Exact-size arrays for the first point (an instant query's only one).
        if (ts === NO_POINTS) {
          ts = [t];
          fs = [timestamps ? st / 1000 : v];
        } else {
          ts.push(t);
          fs.push(timestamps ? st / 1000 : v);
        }
      }
      if (ts.length) {
        out.push({ metric: b.metric, ts, fs, dropName: false });
        points += ts.length;
      }
    }
    this.account(points);
    return out;
  }

  /** Fetches the samples a matrix selector needs over all steps, without staleness markers. */
  private async fetchRange(vs: VectorSelector, range: number, func?: string): Promise<Buf[]> {
    const [r0, r1] = this.refRange(vs);
    const bufs = await this.select(vs, Math.floor(r0 - range) + 1, r1, func, range);
    for (let k = 0; k < bufs.length; k++) bufs[k] = withoutStale(bufs[k]!);
    return bufs.filter((b) => b.hi > b.lo);
  }

  /** A top-level matrix selector (instant queries): raw samples in each window. */
  private rawWindows(bufs: Buf[], vs: VectorSelector, range: number): Matrix {
    const at = this.atOf(vs);
    const ref = (at ?? this.end) - vs.offset;
    return windowsAt(bufs, ref, range);
  }

  private rawWindowsSub(bufs: Buf[], sq: SubqueryExpr): Matrix {
    const at = this.atOf(sq);
    const ref = (at ?? this.end) - sq.offset;
    return windowsAt(bufs, ref, sq.range);
  }

  /** Evaluates a subquery's inner expression over its aligned steps; returns buffers like a selector's. */
  private async evalSubqueryBuffers(sq: SubqueryExpr): Promise<Buf[]> {
    const interval = sq.step > 0 ? sq.step : this.q.opts.noStepSubqueryInterval;
    const at = this.atOf(sq);
    const base0 = (at ?? this.start) - sq.offset;
    const base1 = (at ?? this.end) - sq.offset;
    const rawStart = base0 - sq.range;
    let start = interval * Math.trunc(rawStart / interval);
    if (start <= rawStart) start += interval;
    if (start > base1) return [];
    const sub = new Evaluator(this.q, start, base1, interval);
    const v = await sub.eval(sq.expr);
    if (v.kind !== 'vector') throw new EvalError('subquery is only allowed on instant vector');
    return v.m.map((s) => ({
      metric: s.metric,
      ts: Float64Array.from(s.ts),
      vs: Float64Array.from(s.fs),
      lo: 0,
      hi: s.ts.length,
      dropName: s.dropName,
    }));
  }

  // ---------------------------------------------------------------- functions

  private async scalarArg(e: Expr): Promise<Float64Array> {
    const v = await this.eval(e);
    if (v.kind !== 'scalar') throw new EvalError(`expected scalar argument, got ${v.kind}`);
    return v.vs;
  }

  private async vectorArg(e: Expr): Promise<Matrix> {
    const v = await this.eval(e);
    if (v.kind !== 'vector') throw new EvalError(`expected instant vector argument, got ${v.kind}`);
    return v.m;
  }

  private stringArg(e: Expr): string {
    const u = unwrap(e);
    if (u.type !== 'StringLiteral') throw new EvalError('expected string literal argument');
    return u.value;
  }

  private async evalCall(e: Call): Promise<Val> {
    const name = e.func.name;
    const rf = RANGE_FUNCTIONS.get(name);
    if (rf) return this.evalRangeFunction(e, rf.kernel, !!rf.keepName);
    const mf = MATH_FUNCTIONS.get(name);
    if (mf) return this.mapVector(await this.vectorArg(e.args[0]!), (x) => mf(x));
    switch (name) {
      case 'time':
        return { kind: 'scalar', vs: Float64Array.from({ length: this.numSteps }, (_, i) => this.stepT(i) / 1000) };
      case 'pi':
        return { kind: 'scalar', vs: new Float64Array(this.numSteps).fill(Math.PI) };
      case 'vector': {
        const vs = await this.scalarArg(e.args[0]!);
        const ts: number[] = [];
        const fs: number[] = [];
        for (let i = 0; i < this.numSteps; i++) {
          ts.push(this.stepT(i));
          fs.push(vs[i]!);
        }
        return { kind: 'vector', m: [{ metric: Labels.EMPTY, ts, fs, dropName: false }] };
      }
      case 'scalar': {
        const m = await this.vectorArg(e.args[0]!);
        const out = new Float64Array(this.numSteps).fill(NaN);
        const cnt = new Int32Array(this.numSteps);
        for (const s of m) {
          for (let k = 0; k < s.ts.length; k++) {
            const i = this.stepIndex(s.ts[k]!);
            cnt[i]!++;
            out[i] = cnt[i] === 1 ? s.fs[k]! : NaN;
          }
        }
        return { kind: 'scalar', vs: out };
      }
      case 'timestamp': {
        const a = unwrap(e.args[0]!);
        if (a.type === 'VectorSelector') {
          const m = await this.evalVectorSelector(a, true);
          return this.mapVector(m, (x) => x);
        }
        const m = await this.vectorArg(a);
        return this.mapVector(m, (_x, t) => t / 1000);
      }
      case 'round': {
        const m = await this.vectorArg(e.args[0]!);
        const to = e.args[1] ? await this.scalarArg(e.args[1]) : null;
        return this.mapVector(m, (x, _t, i) => {
          const inv = 1 / (to ? to[i]! : 1);
          return Math.floor(x * inv + 0.5) / inv;
        });
      }
      case 'clamp': {
        const m = await this.vectorArg(e.args[0]!);
        const mn = await this.scalarArg(e.args[1]!);
        const mx = await this.scalarArg(e.args[2]!);
        return this.mapVector(m, (x, _t, i) => (mx[i]! < mn[i]! ? null : goMax(mn[i]!, goMin(mx[i]!, x))));
      }
      case 'clamp_min': {
        const m = await this.vectorArg(e.args[0]!);
        const mn = await this.scalarArg(e.args[1]!);
        return this.mapVector(m, (x, _t, i) => goMax(x, mn[i]!));
      }
      case 'clamp_max': {
        const m = await this.vectorArg(e.args[0]!);
        const mx = await this.scalarArg(e.args[1]!);
        return this.mapVector(m, (x, _t, i) => goMin(x, mx[i]!));
      }
      case 'minute':
      case 'hour':
      case 'day_of_week':
      case 'day_of_month':
      case 'day_of_year':
      case 'days_in_month':
      case 'month':
      case 'year': {
        if (e.args.length === 0) {
          const ts: number[] = [];
          const fs: number[] = [];
          for (let i = 0; i < this.numSteps; i++) {
            ts.push(this.stepT(i));
            fs.push(dateFn(name, this.stepT(i) / 1000));
          }
          return { kind: 'vector', m: [{ metric: Labels.EMPTY, ts, fs, dropName: false }] };
        }
        return this.mapVector(await this.vectorArg(e.args[0]!), (x) => dateFn(name, x));
      }
      case 'absent':
      case 'absent_over_time':
        return this.evalAbsent(e);
      case 'label_replace':
        return this.evalLabelReplace(e);
      case 'label_join':
        return this.evalLabelJoin(e);
      case 'sort':
      case 'sort_desc':
      case 'sort_by_label':
      case 'sort_by_label_desc':
        return this.evalSort(e);
      case 'histogram_quantile':
      case 'histogram_fraction':
        return this.evalHistogramQuantile(e);
      case 'histogram_count':
      case 'histogram_sum':
      case 'histogram_avg':
      case 'histogram_stddev':
      case 'histogram_stdvar':
        // Native histograms only; float samples are ignored.
        await this.vectorArg(e.args[0]!);
        return { kind: 'vector', m: [] };
      case 'info':
        // No info metrics are joined (the data model keeps no target_info metadata here).
        return { kind: 'vector', m: await this.vectorArg(e.args[0]!) };
    }
    throw new EvalError(`function ${JSON.stringify(name)} is not implemented`);
  }

  /** Maps every point of a vector (drops the metric name). `fn` returning null drops the point. */
  private mapVector(m: Matrix, fn: (x: number, t: number, step: number) => number | null): Val {
    const col = new Collector();
    for (const s of m) {
      const ts: number[] = [];
      const fs: number[] = [];
      for (let k = 0; k < s.ts.length; k++) {
        const t = s.ts[k]!;
        const r = fn(s.fs[k]!, t, this.stepIndex(t));
        if (r === null) continue;
        ts.push(t);
        fs.push(r);
      }
      const nd = this.nameDrop(s.metric);
      col.addSeries({ metric: nd.metric, dropName: nd.dropName || s.dropName, ts, fs });
    }
    return { kind: 'vector', m: col.list };
  }

  /**
   * A range-vector function over a matrix selector or subquery. With `fuse`, the caller may take
   * the points instead (given the input series and whether their outputs are distinct): the
   * function then returns null and materialises no output series.
   */
  private async evalRangeFunction(e: Call, kernel: RangeKernel, keepName: boolean): Promise<Val>;
  private async evalRangeFunction(
    e: Call,
    kernel: RangeKernel,
    keepName: boolean,
    fuse: (bufs: readonly Buf[], distinct: boolean) => PointSink | null,
  ): Promise<Val | null>;
  private async evalRangeFunction(
    e: Call,
    kernel: RangeKernel,
    keepName: boolean,
    fuse?: (bufs: readonly Buf[], distinct: boolean) => PointSink | null,
  ): Promise<Val | null> {
    const name = e.func.name;
    let mi = e.func.argTypes.indexOf('matrix');
    if (mi < 0) mi = 0;
    const params: Float64Array[] = [];
    for (let a = 0; a < e.args.length; a++) if (a !== mi) params.push(await this.scalarArg(e.args[a]!));
    const arg = unwrap(e.args[mi]!);
    let bufs: Buf[];
    let offset: number;
    let range: number;
    let at: number | null;
    if (arg.type === 'MatrixSelector') {
      bufs = await this.fetchRange(arg.vectorSelector, arg.range, name);
      offset = arg.vectorSelector.offset;
      range = arg.range;
      at = this.atOf(arg.vectorSelector);
    } else if (arg.type === 'SubqueryExpr') {
      bufs = await this.evalSubqueryBuffers(arg);
      offset = arg.offset;
      range = arg.range;
      at = this.atOf(arg);
    } else {
      throw new EvalError(`expected range vector argument to ${name}`);
    }
    if (name === 'quantile_over_time') {
      for (let i = 0; i < this.numSteps; i++) {
        const q = params[0]![i]!;
        if (!(q >= 0 && q <= 1) && bufs.length > 0) this.q.annotations.invalidQuantile(q, e.args[0]!.pos);
      }
    }
    if (name === 'double_exponential_smoothing' && bufs.length > 0) {
      // Argument errors are raised even when windows are too small.
      const sf = params[0]![0]!;
      const tf = params[1]![0]!;
      if (!(sf > 0 && sf < 1))
        throw new EvalError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${goFmtF(sf)}`);
      if (!(tf > 0 && tf < 1)) throw new EvalError(`invalid trend factor. Expected: 0 < tf < 1, got: ${goFmtF(tf)}`);
    }
    const counterCheck = name === 'rate' || name === 'increase';
    const ctx: RangeCtx = {
      stepT: 0,
      rangeStart: 0,
      rangeEnd: 0,
      rangeMs: range,
      params: new Array<number>(params.length).fill(0),
      out: 0,
    };
    const col = new Collector();
    // Input series are distinct; unless dropping the name can merge two, skip the labels map.
    const distinct = keepName || this.q.opts.enableDelayedNameRemoval || nameDropKeepsDistinct(bufs);
    const sink = fuse ? fuse(bufs, distinct) : null;
    let peakWindow = 0;
    let points = 0;
    for (let k = 0; k < bufs.length; k++) {
      if ((k & 255) === 0) this.checkInterrupt();
      const b = bufs[k]!;
      let ts: number[] = NO_POINTS;
      let fs: number[] = NO_POINTS;
      let n = 0;
      let lo = b.lo;
      let hi = b.lo;
      let win = 0;
      for (let i = 0; i < this.numSteps; i++) {
        const t = this.stepT(i);
        const ref = (at ?? t) - offset;
        const from = ref - range;
        while (hi < b.hi && b.ts[hi]! <= ref) hi++;
        while (lo < hi && b.ts[lo]! <= from) lo++;
        if (hi <= lo) continue;
        if (hi - lo > win) win = hi - lo;
        ctx.stepT = t;
        ctx.rangeStart = from;
        ctx.rangeEnd = ref;
        for (let p = 0; p < params.length; p++) ctx.params[p] = params[p]![i]!;
        let ok: boolean;
        try {
          ok = kernel(b.ts, b.vs, lo, hi, ctx);
        } catch (err) {
          if (err instanceof FunctionArgError) throw new EvalError(err.message);
          throw err;
        }
        if (!ok) continue;
        if (sink) sink(k, i, ctx.out);
        else if (n === 0) {
          // Exact-size arrays: an instant query's series has one point (push would reserve 17).
          ts = [t];
          fs = [ctx.out];
        } else {
          ts.push(t);
          fs.push(ctx.out);
        }
        n++;
      }
      peakWindow += win;
      if (n === 0) continue;
      points += n;
      if (counterCheck) {
        const mn = b.metric.metricName();
        if (
          mn !== '' &&
          !mn.endsWith('_total') &&
          !mn.endsWith('_sum') &&
          !mn.endsWith('_count') &&
          !mn.endsWith('_bucket')
        )
          this.q.annotations.possibleNonCounter(mn, e.args[mi]!.pos);
      }
      if (sink) continue;
      if (keepName) col.addSeries({ metric: b.metric, dropName: b.dropName, ts, fs }, distinct);
      else {
        const nd = this.nameDrop(b.metric);
        col.addSeries({ metric: nd.metric, dropName: nd.dropName, ts, fs }, distinct);
      }
    }
    this.account(peakWindow);
    this.q.currentSamples -= peakWindow;
    this.account(points);
    return sink ? null : { kind: 'vector', m: col.list };
  }

  private async evalAbsent(e: Call): Promise<Val> {
    const arg = unwrap(e.args[0]!);
    let present: Uint8Array;
    if (e.func.name === 'absent') {
      const m = await this.vectorArg(arg);
      present = new Uint8Array(this.numSteps);
      for (const s of m) for (const t of s.ts) present[this.stepIndex(t)] = 1;
    } else {
      const v = await this.evalCall({
        type: 'Call',
        func: {
          name: 'present_over_time',
          argTypes: ['matrix'],
          variadic: 0,
          returnType: 'vector',
          experimental: false,
        },
        args: e.args,
        pos: e.pos,
      });
      present = new Uint8Array(this.numSteps);
      if (v.kind === 'vector') for (const s of v.m) for (const t of s.ts) present[this.stepIndex(t)] = 1;
    }
    let matchers: readonly Matcher[] = [];
    if (arg.type === 'VectorSelector') matchers = arg.matchers;
    else if (arg.type === 'MatrixSelector') matchers = arg.vectorSelector.matchers;
    const b = new LabelsBuilder();
    const has = new Set<string>();
    for (const m of matchers) {
      if (m.name === METRIC_NAME) continue;
      if (m.type === '=' && !has.has(m.name)) {
        b.set(m.name, m.value);
        has.add(m.name);
      } else b.del(m.name);
    }
    const metric = b.labels();
    const ts: number[] = [];
    const fs: number[] = [];
    for (let i = 0; i < this.numSteps; i++) {
      if (present[i]) continue;
      ts.push(this.stepT(i));
      fs.push(1);
    }
    return { kind: 'vector', m: ts.length ? [{ metric, ts, fs, dropName: false }] : [] };
  }

  private async evalLabelReplace(e: Call): Promise<Val> {
    const m = await this.vectorArg(e.args[0]!);
    const dst = this.stringArg(e.args[1]!);
    const repl = this.stringArg(e.args[2]!);
    const src = this.stringArg(e.args[3]!);
    const regexStr = this.stringArg(e.args[4]!);
    let re: Regex;
    try {
      re = Regex.compile(regexStr);
    } catch (err) {
      throw new EvalError(
        `invalid regular expression in label_replace(): ${err instanceof RegexError ? err.message : String(err)}`,
      );
    }
    if (!validLabelName(dst)) throw new EvalError(`invalid destination label name in label_replace(): ${dst}`);
    const col = new Collector();
    for (const s of m) {
      const srcVal = s.metric.get(src);
      const match = re.exec(srcVal);
      let metric = s.metric;
      let dropName = s.dropName;
      if (match) {
        const res = expandTemplate(repl, match.groups, match.named);
        metric = s.metric.builder().set(dst, res).labels();
        if (dst === METRIC_NAME) dropName = false;
      }
      col.addSeries({ metric, dropName, ts: s.ts, fs: s.fs });
    }
    return { kind: 'vector', m: col.list };
  }

  private async evalLabelJoin(e: Call): Promise<Val> {
    const m = await this.vectorArg(e.args[0]!);
    const dst = this.stringArg(e.args[1]!);
    const sep = this.stringArg(e.args[2]!);
    const srcs = e.args.slice(3).map((a) => this.stringArg(a));
    for (const s of srcs)
      if (!validLabelName(s)) throw new EvalError(`invalid source label name in label_join(): ${s}`);
    if (!validLabelName(dst)) throw new EvalError(`invalid destination label name in label_join(): ${dst}`);
    const col = new Collector();
    for (const s of m) {
      const val = srcs.map((n) => s.metric.get(n)).join(sep);
      const metric = s.metric.builder().set(dst, val).labels();
      col.addSeries({ metric, dropName: dst === METRIC_NAME ? false : s.dropName, ts: s.ts, fs: s.fs });
    }
    return { kind: 'vector', m: col.list };
  }

  private async evalSort(e: Call): Promise<Val> {
    const m = await this.vectorArg(e.args[0]!);
    const name = e.func.name;
    const labelArgs = e.args.slice(1).map((a) => this.stringArg(a));
    if (this.numSteps > 1) return { kind: 'vector', m };
    // Instant evaluation: order the series (each has at most one point).
    const items = m.filter((s) => s.ts.length > 0);
    const byValue = (a: number, b: number, desc: boolean): number => {
      if (a !== a) return b !== b ? 0 : 1;
      if (b !== b) return -1;
      return desc ? b - a : a - b;
    };
    if (name === 'sort') items.sort((a, b) => byValue(a.fs[0]!, b.fs[0]!, false));
    else if (name === 'sort_desc') items.sort((a, b) => byValue(a.fs[0]!, b.fs[0]!, true));
    else {
      const cmp = (a: Series, b: Series): number => {
        for (const l of labelArgs) {
          const x = a.metric.get(l);
          const y = b.metric.get(l);
          if (x === y) continue;
          return naturalLess(x, y) ? -1 : 1;
        }
        return Labels.compare(a.metric, b.metric);
      };
      items.sort(name === 'sort_by_label' ? cmp : (a, b) => cmp(b, a));
    }
    return { kind: 'vector', m: items };
  }

  private async evalHistogramQuantile(e: Call): Promise<Val> {
    const fraction = e.func.name === 'histogram_fraction';
    const p1 = await this.scalarArg(e.args[0]!);
    const p2 = fraction ? await this.scalarArg(e.args[1]!) : null;
    const vecArg = e.args[fraction ? 2 : 1]!;
    const m = await this.vectorArg(vecArg);
    // Group series by labels without `le` once; the grouping is the same at every step.
    interface Group {
      metric: Labels;
      members: { si: number; le: number }[];
      name: string;
    }
    const groups = new Map<string, Group>();
    const order: Group[] = [];
    // Bucket bounds repeat across series: parse each distinct `le` once.
    const leOf = new Map<string, number | null>();
    for (let si = 0; si < m.length; si++) {
      const s = m[si]!;
      const leStr = s.metric.get('le');
      let le = leOf.get(leStr);
      if (le === undefined) leOf.set(leStr, (le = parseGoFloat(leStr)));
      if (le === null) {
        if (s.ts.length) this.q.annotations.badBucketLabel(s.metric.metricName(), leStr, vecArg.pos);
        continue;
      }
      // The labels without `le`, as a key (no intermediate label set per series).
      const f = s.metric.toFlat();
      let key = '';
      for (let i = 0; i < f.length; i += 2) if (f[i] !== 'le') key += f[i] + '\xff' + f[i + 1] + '\xff';
      let g = groups.get(key);
      if (!g) {
        g = { metric: dropMetricName(s.metric.without('le')), members: [], name: s.metric.metricName() };
        groups.set(key, g);
        order.push(g);
      }
      g.members.push({ si, le });
    }
    const col = new Collector();
    const readers = new StepReader(m);
    const idx: number[] = [];
    const vals: number[] = [];
    const valueAt = new Float64Array(m.length);
    const presentAt = new Uint8Array(m.length);
    for (let i = 0; i < this.numSteps; i++) {
      const t = this.stepT(i);
      const n = readers.at(t, idx, vals);
      if (n === 0) continue;
      presentAt.fill(0);
      for (let k = 0; k < n; k++) {
        presentAt[idx[k]!] = 1;
        valueAt[idx[k]!] = vals[k]!;
      }
      const q = p1[i]!;
      if (!fraction && !(q >= 0 && q <= 1)) this.q.annotations.invalidQuantile(q, e.args[0]!.pos);
      for (const g of order) {
        const buckets: Bucket[] = [];
        for (const mem of g.members)
          if (presentAt[mem.si]) buckets.push({ upperBound: mem.le, count: valueAt[mem.si]! });
        if (buckets.length === 0) continue;
        let v: number;
        if (fraction) v = bucketFraction(q, p2![i]!, buckets);
        else {
          const r = bucketQuantile(q, buckets);
          v = r.value;
          if (r.forcedMonotonic) this.q.annotations.forcedMonotonicity(g.name, vecArg.pos);
        }
        col.add(g.metric, false, t, v);
      }
    }
    return { kind: 'vector', m: col.list };
  }

  // ---------------------------------------------------------------- aggregation

  /** Group of each series (computed once per series), the groups' labels and name-drop flags. */
  private groupsOf(
    m: readonly { metric: Labels; dropName: boolean }[],
    grouping: readonly string[],
    without: boolean,
  ): { of: Int32Array; metrics: Labels[]; drop: boolean[] } {
    const groupOf = new Int32Array(m.length);
    const groupMetrics: Labels[] = [];
    const groupDrop: boolean[] = [];
    const gmap = new Map<string, number>();
    const withoutSet = new Set([...grouping, ...RESERVED]);
    const byNames = without ? [] : [...new Set(grouping)];
    for (let si = 0; si < m.length; si++) {
      const l = m[si]!.metric;
      let g: Labels | null = null;
      let key: string;
      if (without) {
        const drop: string[] = [];
        l.forEach((n) => {
          if (withoutSet.has(n)) drop.push(n);
        });
        g = drop.length ? l.without(...drop) : l;
        key = g.key();
      } else if (byNames.length === 1) {
        // `by (x)`: the value identifies the group (empty = absent); labels only per new group.
        key = l.get(byNames[0]!);
      } else {
        key = '';
        for (let k = 0; k < byNames.length; k++) key += l.get(byNames[k]!) + '\xff';
      }
      let gi = gmap.get(key);
      if (gi === undefined) {
        g ??= l.keep(...grouping);
        gi = groupMetrics.length;
        gmap.set(key, gi);
        groupMetrics.push(g);
        groupDrop.push(!without && grouping.includes(METRIC_NAME) ? m[si]!.dropName : false);
      }
      groupOf[si] = gi;
    }
    return { of: groupOf, metrics: groupMetrics, drop: groupDrop };
  }

  /** The output series of a sum/avg/count/group/min/max/stddev/stdvar accumulator. */
  private simpleAggResult(agg: SimpleAgg, groups: { metrics: Labels[]; drop: boolean[] }): Val {
    const out: Matrix = [];
    const S = this.numSteps;
    for (let g = 0; g < groups.metrics.length; g++) {
      const ts: number[] = [];
      const fs: number[] = [];
      for (let i = 0; i < S; i++) {
        const x = g * S + i;
        if (agg.cnt[x] === 0) continue;
        ts.push(this.stepT(i));
        fs.push(agg.value(x));
      }
      if (ts.length) out.push({ metric: groups.metrics[g]!, ts, fs, dropName: groups.drop[g]! });
    }
    this.account(out.reduce((n, s) => n + s.ts.length, 0));
    return { kind: 'vector', m: out };
  }

  private async evalAggregate(e: AggregateExpr): Promise<Val> {
    const op = e.op;
    let paramS: Float64Array | null = null;
    let paramStr: string | null = null;
    if (e.param) {
      if (op === 'count_values') paramStr = this.stringArg(e.param);
      else paramS = await this.scalarArg(e.param);
    }
    const grouping = e.grouping;
    const without = e.without;
    const S = this.numSteps;
    let m: Matrix | null = null;
    // `sum by (job) (rate(x[5m]))` and the like: feed the range function's points straight into
    // the accumulators — no per-series output labels (name dropped), arrays or Series objects.
    const inner = unwrap(e.expr);
    const rf = inner.type === 'Call' ? RANGE_FUNCTIONS.get(inner.func.name) : undefined;
    if (
      SIMPLE_AGGS.has(op) &&
      inner.type === 'Call' &&
      rf &&
      (without || !grouping.some((n) => RESERVED.includes(n)))
    ) {
      let agg: SimpleAgg | null = null;
      let groups: ReturnType<Evaluator['groupsOf']> | null = null;
      const v = await this.evalRangeFunction(inner, rf.kernel, !!rf.keepName, (bufs, distinct) => {
        // Dropping the name could make two outputs collide: let the unfused path raise it.
        if (!distinct) return null;
        const gs = this.groupsOf(bufs, grouping, without);
        const ag = new SimpleAgg(op, gs.metrics.length * S);
        const of = gs.of;
        groups = gs;
        agg = ag;
        return (k, i, f) => ag.add(of[k]! * S + i, f);
      });
      if (v === null) return this.simpleAggResult(agg!, groups!);
      if (v.kind !== 'vector') throw new EvalError(`expected instant vector argument, got ${v.kind}`);
      m = v.m;
    }
    m ??= await this.vectorArg(e.expr);
    if (op === 'count_values' && !validLabelName(paramStr!))
      throw new EvalError(`invalid label name ${goQuoteBytes(paramStr!)}`);
    const { of: groupOf, metrics: groupMetrics, drop: groupDrop } = this.groupsOf(m, grouping, without);
    const G = groupMetrics.length;
    if (SIMPLE_AGGS.has(op)) {
      const agg = new SimpleAgg(op, G * S);
      for (let si = 0; si < m.length; si++) {
        const s = m[si]!;
        const gbase = groupOf[si]! * S;
        for (let k = 0; k < s.ts.length; k++) agg.add(gbase + this.stepIndex(s.ts[k]!), s.fs[k]!);
      }
      return this.simpleAggResult(agg, { metrics: groupMetrics, drop: groupDrop });
    }
    // Per-step aggregations: topk, bottomk, quantile, count_values, limitk, limit_ratio.
    const reader = new StepReader(m);
    const idx: number[] = [];
    const vals: number[] = [];
    const col = new Collector();
    const members: number[][] = Array.from({ length: G }, () => []);
    for (let i = 0; i < S; i++) {
      const t = this.stepT(i);
      const n = reader.at(t, idx, vals);
      if (n === 0) continue;
      for (const l of members) l.length = 0;
      for (let k = 0; k < n; k++) members[groupOf[idx[k]!]!]!.push(k);
      const param = paramS ? paramS[i]! : NaN;
      switch (op) {
        case 'quantile': {
          if (!(param >= 0 && param <= 1)) this.q.annotations.invalidQuantile(param, e.param!.pos);
          for (let g = 0; g < G; g++) {
            const mem = members[g]!;
            if (!mem.length) continue;
            col.add(
              groupMetrics[g]!,
              groupDrop[g]!,
              t,
              quantile(
                param,
                mem.map((k) => vals[k]!),
              ),
            );
          }
          break;
        }
        case 'count_values': {
          for (let g = 0; g < G; g++) {
            const counts = new Map<string, number>();
            for (const k of members[g]!) {
              const key = formatValue(vals[k]!);
              counts.set(key, (counts.get(key) ?? 0) + 1);
            }
            for (const [valStr, c] of counts)
              col.add(groupMetrics[g]!.builder().set(paramStr!, valStr).labels(), false, t, c);
          }
          break;
        }
        case 'topk':
        case 'bottomk':
        case 'limitk': {
          // Prometheus' convertibleToInt64 (NaN is not convertible either).
          if (!(param < 2 ** 63 && param >= -(2 ** 63)))
            throw new EvalError(`Scalar value ${formatFloatG(param)} overflows int64`);
          const k = Math.trunc(param);
          if (k < 1) break;
          for (let g = 0; g < G; g++) {
            const mem = members[g]!;
            if (!mem.length) continue;
            let chosen: number[];
            if (op === 'limitk') chosen = mem.slice(0, k);
            else chosen = heapSelect(mem, vals, k, op === 'topk');
            for (const kk of chosen) {
              const s = m[idx[kk]!]!;
              col.add(s.metric, s.dropName, t, vals[kk]!);
            }
          }
          break;
        }
        case 'limit_ratio': {
          if (param !== param) throw new EvalError('Ratio value NaN is NaN');
          let ratio = param;
          if (param > 1) {
            ratio = 1;
            this.q.annotations.invalidRatio(param, 1, e.param!.pos);
          } else if (param < -1) {
            ratio = -1;
            this.q.annotations.invalidRatio(param, -1, e.param!.pos);
          }
          if (ratio === 0) break;
          for (let g = 0; g < G; g++) {
            for (const kk of members[g]!) {
              const s = m[idx[kk]!]!;
              const off = labelsHash(s.metric) / 2 ** 64;
              if ((ratio >= 0 && off < ratio) || (ratio < 0 && off >= 1 + ratio))
                col.add(s.metric, s.dropName, t, vals[kk]!);
            }
          }
          break;
        }
        default:
          throw new EvalError(`aggregation ${op} is not implemented`);
      }
    }
    return { kind: 'vector', m: col.list };
  }

  // ---------------------------------------------------------------- binary operators

  private async evalBinary(e: BinaryExpr): Promise<Val> {
    const op = e.op;
    const lt = exprType(e.lhs);
    const rt = exprType(e.rhs);
    if (lt === 'scalar' && rt === 'scalar') {
      const l = await this.scalarArg(e.lhs);
      const r = await this.scalarArg(e.rhs);
      const out = new Float64Array(this.numSteps);
      for (let i = 0; i < this.numSteps; i++) {
        const res = scalarBinop(op, l[i]!, r[i]!);
        out[i] = isComparison(op) ? (res.keep ? 1 : 0) : res.v;
      }
      return { kind: 'scalar', vs: out };
    }
    if (lt === 'scalar' || rt === 'scalar') {
      const swap = lt === 'scalar';
      const sv = await this.scalarArg(swap ? e.lhs : e.rhs);
      const m = await this.vectorArg(swap ? e.rhs : e.lhs);
      const cmp = isComparison(op);
      const drop = !cmp || e.returnBool;
      const col = new Collector();
      for (const s of m) {
        const ts: number[] = [];
        const fs: number[] = [];
        for (let k = 0; k < s.ts.length; k++) {
          const t = s.ts[k]!;
          const sc = sv[this.stepIndex(t)]!;
          const x = s.fs[k]!;
          const res = swap ? scalarBinop(op, sc, x) : scalarBinop(op, x, sc);
          let v = res.v;
          if (cmp && swap) v = x;
          if (e.returnBool) v = res.keep ? 1 : 0;
          else if (!res.keep) continue;
          ts.push(t);
          fs.push(v);
        }
        if (drop) {
          const nd = this.nameDrop(s.metric);
          col.addSeries({ metric: nd.metric, dropName: nd.dropName || s.dropName, ts, fs });
        } else col.addSeries({ metric: s.metric, dropName: s.dropName, ts, fs });
      }
      return { kind: 'vector', m: col.list };
    }
    const lhs = await this.vectorArg(e.lhs);
    const rhs = await this.vectorArg(e.rhs);
    const vm = e.vectorMatching ?? { card: 'one-to-one', matchingLabels: [], on: false, include: [] };
    if (op === 'and' || op === 'or' || op === 'unless') return { kind: 'vector', m: this.setOp(op, lhs, rhs, vm) };
    return { kind: 'vector', m: this.vectorBinop(e, lhs, rhs, vm) };
  }

  private sigFn(vm: VectorMatching): (l: Labels) => string {
    const names = vm.matchingLabels;
    if (vm.on) {
      return (l) => {
        let k = '';
        for (const n of names) k += l.get(n) + '\xff';
        // Distinguish empty values from absent labels the same way (Prometheus treats them as equal).
        return k;
      };
    }
    const excl = new Set([METRIC_NAME, ...names]);
    return (l) => {
      let k = '';
      l.forEach((n, v) => {
        if (!excl.has(n)) k += n + '\xfe' + v + '\xff';
      });
      return k;
    };
  }

  private setOp(op: 'and' | 'or' | 'unless', lhs: Matrix, rhs: Matrix, vm: VectorMatching): Matrix {
    const sig = this.sigFn(vm);
    const lsig = lhs.map((s) => sig(s.metric));
    const rsig = rhs.map((s) => sig(s.metric));
    const S = this.numSteps;
    // Signatures present on each side per step.
    const present = (m: Matrix, sigs: string[]): Map<string, Uint8Array> => {
      const p = new Map<string, Uint8Array>();
      m.forEach((s, i) => {
        let a = p.get(sigs[i]!);
        if (!a) p.set(sigs[i]!, (a = new Uint8Array(S)));
        for (const t of s.ts) a[this.stepIndex(t)] = 1;
      });
      return p;
    };
    const col = new Collector();
    const filter = (s: Series, keep: (step: number) => boolean): void => {
      const ts: number[] = [];
      const fs: number[] = [];
      for (let k = 0; k < s.ts.length; k++) {
        if (!keep(this.stepIndex(s.ts[k]!))) continue;
        ts.push(s.ts[k]!);
        fs.push(s.fs[k]!);
      }
      for (let k = 0; k < ts.length; k++) col.add(s.metric, s.dropName, ts[k]!, fs[k]!);
    };
    if (op === 'and') {
      const rp = present(rhs, rsig);
      lhs.forEach((s, i) => {
        const a = rp.get(lsig[i]!);
        if (a) filter(s, (st) => a[st] === 1);
      });
    } else if (op === 'unless') {
      const rp = present(rhs, rsig);
      lhs.forEach((s, i) => {
        const a = rp.get(lsig[i]!);
        filter(s, (st) => !a || a[st] !== 1);
      });
    } else {
      const lp = present(lhs, lsig);
      lhs.forEach((s) => filter(s, () => true));
      rhs.forEach((s, i) => {
        const a = lp.get(rsig[i]!);
        filter(s, (st) => !a || a[st] !== 1);
      });
    }
    return col.list;
  }

  private vectorBinop(e: BinaryExpr, lhsIn: Matrix, rhsIn: Matrix, vm: VectorMatching): Matrix {
    const op = e.op;
    const sig = this.sigFn(vm);
    const oneToMany = vm.card === 'one-to-many';
    const lhs = oneToMany ? rhsIn : lhsIn;
    const rhs = oneToMany ? lhsIn : rhsIn;
    // Signatures are fixed per series: number them once, then match per step with stamped arrays.
    const ids = new Map<string, number>();
    const idOf = (k: string): number => {
      let id = ids.get(k);
      if (id === undefined) ids.set(k, (id = ids.size));
      return id;
    };
    const rsig = Int32Array.from(rhs, (s) => idOf(sig(s.metric)));
    const lsig = Int32Array.from(lhs, (s) => {
      const id = ids.get(sig(s.metric));
      return id === undefined ? -1 : id;
    });
    const nSig = ids.size;
    const rightAt = new Int32Array(nSig);
    const rightStamp = new Int32Array(nSig).fill(-1);
    const matchedStamp = new Int32Array(nSig).fill(-1);
    const manyMatched = vm.card === 'one-to-one' ? null : new Map<number, Set<Series>>();
    const lr = new StepReader(lhs);
    const rr = new StepReader(rhs);
    const li: number[] = [];
    const lv: number[] = [];
    const ri: number[] = [];
    const rv: number[] = [];
    const cmp = isComparison(op);
    const dropName = !cmp || e.returnBool;
    const R = rhs.length;
    const outCache = new Map<number, Series>();
    const col = new Collector();
    for (let i = 0; i < this.numSteps; i++) {
      const t = this.stepT(i);
      const nl = lr.at(t, li, lv);
      if (nl === 0) continue;
      const nr = rr.at(t, ri, rv);
      if (nr === 0) continue;
      for (let k = 0; k < nr; k++) {
        const id = rsig[ri[k]!]!;
        if (rightStamp[id] === i) {
          const rs = rhs[ri[k]!]!.metric;
          const matchedLabels = vm.on ? rs.keep(...vm.matchingLabels) : rs.without(METRIC_NAME, ...vm.matchingLabels);
          throw new EvalError(
            `found duplicate series for the match group ${matchedLabels.toString()} on the ${oneToMany ? 'left' : 'right'} hand-side of the operation: [${rs.toString()}, ${rhs[ri[rightAt[id]!]!]!.metric.toString()}];many-to-many matching not allowed: matching labels must be unique on one side`,
          );
        }
        rightStamp[id] = i;
        rightAt[id] = k;
      }
      manyMatched?.clear();
      for (let k = 0; k < nl; k++) {
        const id = lsig[li[k]!]!;
        if (id < 0 || rightStamp[id] !== i) continue;
        const rk = rightAt[id]!;
        let fl = lv[k]!;
        let fr = rv[rk]!;
        if (oneToMany) [fl, fr] = [fr, fl];
        const res = scalarBinop(op, fl, fr);
        let v = res.v;
        if (e.returnBool) v = res.keep ? 1 : 0;
        else if (!res.keep) continue;
        const ck = li[k]! * R + ri[rk]!;
        let out = outCache.get(ck);
        if (!out) {
          const rm = this.resultMetric(lhs[li[k]!]!.metric, rhs[ri[rk]!]!.metric, vm, dropName, lhs[li[k]!]!.dropName);
          out = col.series(rm.metric, rm.dropName);
          outCache.set(ck, out);
        }
        if (!manyMatched) {
          if (matchedStamp[id] === i)
            throw new EvalError(
              'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
            );
          matchedStamp[id] = i;
        } else {
          let ins = manyMatched.get(id);
          if (!ins) manyMatched.set(id, (ins = new Set()));
          else if (ins.has(out))
            throw new EvalError(
              'multiple matches for matching labels; many-to-one matching must be explicit (group_left/group_right)',
            );
          ins.add(out);
        }
        Collector.push(out, t, v);
      }
    }
    return col.list.filter((x) => x.ts.length > 0);
  }

  private resultMetric(
    l: Labels,
    r: Labels,
    vm: VectorMatching,
    dropName: boolean,
    lDrop: boolean,
  ): { metric: Labels; dropName: boolean } {
    const b = l.builder();
    const delayed = this.q.opts.enableDelayedNameRemoval;
    if (dropName && !delayed) b.del(...RESERVED);
    if (vm.card === 'one-to-one') {
      if (vm.on) b.keep(...vm.matchingLabels);
      else b.del(...vm.matchingLabels);
    }
    for (const n of vm.include) {
      const v = r.get(n);
      if (v !== '') b.set(n, v);
      else b.del(n);
    }
    return { metric: b.labels(), dropName: (dropName && delayed) || lDrop };
  }
}

/**
 * topk/bottomk selection exactly as Prometheus does it (Go's container/heap with its Less, then a
 * sort of the heap), so that ties pick the same series in the same order.
 */
function heapSelect(mem: number[], vals: number[], k: number, top: boolean): number[] {
  // For topk the heap keeps the smallest on top; for bottomk the largest.
  const less = (a: number, b: number): boolean => {
    const x = vals[a]!;
    if (x !== x) return true;
    return top ? x < vals[b]! : x > vals[b]!;
  };
  const h: number[] = [];
  const up = (j: number): void => {
    for (;;) {
      const i = (j - 1) >> 1;
      if (j <= 0 || i === j || !less(h[j]!, h[i]!)) break;
      [h[i], h[j]] = [h[j]!, h[i]!];
      j = i;
    }
  };
  const down = (i0: number): boolean => {
    let i = i0;
    const n = h.length;
    for (;;) {
      const j1 = 2 * i + 1;
      if (j1 >= n) break;
      let j = j1;
      const j2 = j1 + 1;
      if (j2 < n && less(h[j2]!, h[j1]!)) j = j2;
      if (!less(h[j]!, h[i]!)) break;
      [h[i], h[j]] = [h[j]!, h[i]!];
      i = j;
    }
    return i > i0;
  };
  for (const kk of mem) {
    if (h.length < k) {
      h.push(kk);
      up(h.length - 1);
      continue;
    }
    const head = vals[h[0]!]!;
    const v = vals[kk]!;
    const better = top ? head < v : head > v;
    if (better || (head !== head && v === v)) {
      h[0] = kk;
      if (k > 1 && !down(0)) up(0);
    }
  }
  // sort.Sort(sort.Reverse(heap)): Go sorts small slices with (stable) insertion sort.
  return h.sort((a, b) => (less(b, a) ? -1 : less(a, b) ? 1 : 0));
}

function withoutStale(b: Buf): Buf {
  let has = false;
  for (let i = b.lo; i < b.hi; i++) {
    const v = b.vs[i]!;
    if (v !== v && isStaleNaN(v)) {
      has = true;
      break;
    }
  }
  if (!has) return b;
  const ts = new Float64Array(b.hi - b.lo);
  const vs = new Float64Array(b.hi - b.lo);
  let n = 0;
  for (let i = b.lo; i < b.hi; i++) {
    const v = b.vs[i]!;
    if (v !== v && isStaleNaN(v)) continue;
    ts[n] = b.ts[i]!;
    vs[n] = v;
    n++;
  }
  return { metric: b.metric, ts, vs, lo: 0, hi: n, dropName: b.dropName };
}

function windowsAt(bufs: Buf[], ref: number, range: number): Matrix {
  const out: Matrix = [];
  for (const b of bufs) {
    const ts: number[] = [];
    const fs: number[] = [];
    for (let i = b.lo; i < b.hi; i++) {
      const t = b.ts[i]!;
      if (t > ref - range && t <= ref) {
        ts.push(t);
        fs.push(b.vs[i]!);
      }
    }
    if (ts.length) out.push({ metric: b.metric, ts, fs, dropName: b.dropName });
  }
  return out;
}

function isComparison(op: string): boolean {
  return op === '==' || op === '!=' || op === '>' || op === '<' || op === '>=' || op === '<=';
}

const binRes = { v: 0, keep: true };
function scalarBinop(op: string, l: number, r: number): { v: number; keep: boolean } {
  binRes.keep = true;
  switch (op) {
    case '+':
      binRes.v = l + r;
      break;
    case '-':
      binRes.v = l - r;
      break;
    case '*':
      binRes.v = l * r;
      break;
    case '/':
      binRes.v = l / r;
      break;
    case '%':
      binRes.v = l % r;
      break;
    case '^':
      binRes.v = goPow(l, r);
      break;
    case 'atan2':
      binRes.v = Math.atan2(l, r);
      break;
    case '==':
      binRes.v = l;
      binRes.keep = l === r;
      break;
    case '!=':
      binRes.v = l;
      binRes.keep = l !== r;
      break;
    case '>':
      binRes.v = l;
      binRes.keep = l > r;
      break;
    case '<':
      binRes.v = l;
      binRes.keep = l < r;
      break;
    case '>=':
      binRes.v = l;
      binRes.keep = l >= r;
      break;
    case '<=':
      binRes.v = l;
      binRes.keep = l <= r;
      break;
    default:
      throw new EvalError(`operator ${JSON.stringify(op)} not allowed for scalar operations`);
  }
  return binRes;
}

function goMax(a: number, b: number): number {
  if (a === Infinity || b === Infinity) return Infinity;
  if (a !== a || b !== b) return NaN;
  return Math.max(a, b);
}

function goMin(a: number, b: number): number {
  if (a === -Infinity || b === -Infinity) return -Infinity;
  if (a !== a || b !== b) return NaN;
  return Math.min(a, b);
}

function goFmtF(v: number): string {
  if (v !== v) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return v.toFixed(6);
}

/** Label names valid under Prometheus 3's UTF-8 validation (no replacement characters from bad escapes). */
function validLabelName(n: string): boolean {
  return isValidUtf8Name(n) && !n.includes('\ufffd');
}

/** Go's %q of a string that may hold U+FFFD from invalid bytes. */
function goQuoteBytes(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

/** strconv.ParseFloat for `le` values: decimal, exponent, Inf/NaN spellings, hex floats. */
export function parseGoFloat(s: string): number | null {
  const t = s.trim() === s ? s : null;
  if (t === null || t === '') return null;
  const lower = t.toLowerCase().replace(/^[+]/, '');
  if (lower === 'inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (lower === 'nan' || lower === '-nan') return NaN;
  if (/^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d+)?$/.test(t)) {
    if (t.includes('_')) return null;
    return Number(t);
  }
  if (/^[+-]?0[xX]/.test(t)) {
    const m = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/.exec(t);
    if (!m) return null;
    const int = m[2] ?? '';
    const frac = m[3] ?? '';
    if (int === '' && frac === '') return null;
    let v = parseInt(int || '0', 16);
    for (let i = 0; i < frac.length; i++) v += parseInt(frac[i]!, 16) / 16 ** (i + 1);
    if (m[4]) v *= 2 ** Number(m[4]);
    else if (frac !== '' || t.includes('.')) return null;
    return m[1] === '-' ? -v : v;
  }
  return null;
}

export { compareStrings };
