/**
 * PromQL function kernels as pure functions over typed arrays (Prometheus 3.5 promql/functions.go
 * and quantile.go semantics). Range kernels read the window [lo, hi) of a series' buffered samples,
 * so range queries slide windows over one buffer instead of copying samples per step.
 */

/** Neumaier-improved Kahan summation step. Returns the new sum; the new compensation is in `kahan.c`. */
export const kahan = { c: 0 };
export function kahanSumInc(inc: number, sum: number, c: number): number {
  const t = sum + inc;
  if (t === Infinity || t === -Infinity) c = 0;
  else if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc;
  else c += inc - t + sum;
  kahan.c = c;
  return t;
}

/** Comparator: ascending, NaN first (Prometheus' vectorByValueHeap). */
export function nanFirstAsc(a: number, b: number): number {
  if (a !== a) return b !== b ? 0 : -1;
  if (b !== b) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Prometheus' quantile(): values is sorted in place. */
export function quantile(q: number, values: number[] | Float64Array): number {
  const n = values.length;
  if (n === 0 || q !== q) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  if (values instanceof Float64Array) values.sort(nanFirstAsc);
  else values.sort(nanFirstAsc);
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return values[lower]! * (1 - weight) + values[upper]! * weight;
}

/** Go's math.Pow special cases where JS differs. */
export function goPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if ((y === Infinity || y === -Infinity) && x === -1) return 1;
  return Math.pow(x, y);
}

/** Go's math.Mod (same as JS % for all inputs incl. NaN/Inf). */
export function goMod(x: number, y: number): number {
  return x % y;
}

export interface RangeCtx {
  /** Evaluation (step) time, ms. */
  stepT: number;
  /** Window (rangeEnd - range, rangeEnd], ms. */
  rangeStart: number;
  rangeEnd: number;
  rangeMs: number;
  /** Scalar arguments at this step, in argument order (excluding the matrix). */
  params: number[];
  /** The kernel's result. */
  out: number;
}

/**
 * A range kernel computes one window [lo, hi): it stores the result in `c.out` and returns true, or
 * returns false for no output. (Returning the double in a field avoids boxing one per step.)
 */
export type RangeKernel = (ts: Float64Array, vs: Float64Array, lo: number, hi: number, c: RangeCtx) => boolean;

function extrapolatedRate(isCounter: boolean, isRate: boolean): RangeKernel {
  return (ts, vs, lo, hi, c) => {
    const n = hi - lo;
    if (n < 2) return false;
    const first = vs[lo]!;
    const last = vs[hi - 1]!;
    let result = last - first;
    if (isCounter) {
      let prev = 0;
      for (let i = lo; i < hi; i++) {
        const v = vs[i]!;
        if (v < prev) result += prev;
        prev = v;
      }
    }
    const firstT = ts[lo]!;
    const lastT = ts[hi - 1]!;
    let durationToStart = (firstT - c.rangeStart) / 1000;
    let durationToEnd = (c.rangeEnd - lastT) / 1000;
    const sampledInterval = (lastT - firstT) / 1000;
    const avg = sampledInterval / (n - 1);
    const threshold = avg * 1.1;
    if (durationToStart >= threshold) durationToStart = avg / 2;
    if (isCounter) {
      let durationToZero = durationToStart;
      if (result > 0 && first >= 0) durationToZero = sampledInterval * (first / result);
      if (durationToZero < durationToStart) durationToStart = durationToZero;
    }
    if (durationToEnd >= threshold) durationToEnd = avg / 2;
    let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
    if (isRate) factor /= c.rangeMs / 1000;
    c.out = result * factor;
    return true;
  };
}

function instantValue(isRate: boolean): RangeKernel {
  return (ts, vs, lo, hi, c) => {
    if (hi - lo < 2) return false;
    const last = vs[hi - 1]!;
    const prev = vs[hi - 2]!;
    let result: number;
    if (isRate && last < prev) result = last;
    else result = last - prev;
    if (!isRate) {
      c.out = result;
      return true;
    }
    const dt = ts[hi - 1]! - ts[hi - 2]!;
    if (dt === 0) return false;
    c.out = result / (dt / 1000);
    return true;
  };
}

/** Least-squares slope and intercept at `interceptT` (ms), Prometheus' linearRegression. */
export const regression = { slope: 0, intercept: 0 };
export function linearRegression(ts: Float64Array, vs: Float64Array, lo: number, hi: number, interceptT: number): void {
  let n = 0;
  let sumX = 0;
  let cX = 0;
  let sumY = 0;
  let cY = 0;
  let sumXY = 0;
  let cXY = 0;
  let sumX2 = 0;
  let cX2 = 0;
  const initY = vs[lo]!;
  let constY = true;
  for (let i = lo; i < hi; i++) {
    const y = vs[i]!;
    if (constY && i > lo && y !== initY) constY = false;
    n += 1;
    const x = (ts[i]! - interceptT) / 1e3;
    sumX = kahanSumInc(x, sumX, cX);
    cX = kahan.c;
    sumY = kahanSumInc(y, sumY, cY);
    cY = kahan.c;
    sumXY = kahanSumInc(x * y, sumXY, cXY);
    cXY = kahan.c;
    sumX2 = kahanSumInc(x * x, sumX2, cX2);
    cX2 = kahan.c;
  }
  if (constY) {
    if (initY === Infinity || initY === -Infinity) {
      regression.slope = NaN;
      regression.intercept = NaN;
    } else {
      regression.slope = 0;
      regression.intercept = initY;
    }
    return;
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  regression.slope = slope;
  regression.intercept = sumY / n - (slope * sumX) / n;
}

function avgOf(vs: Float64Array, lo: number, hi: number): number {
  let sum = vs[lo]!;
  let c = 0;
  let mean = 0;
  let incremental = false;
  let count = 1;
  for (let i = lo + 1; i < hi; i++) {
    const f = vs[i]!;
    count = i - lo + 1;
    if (!incremental) {
      const ns = kahanSumInc(f, sum, c);
      if (ns !== Infinity && ns !== -Infinity) {
        sum = ns;
        c = kahan.c;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const q = (count - 1) / count;
    mean = kahanSumInc(f / count, q * mean, q * c);
    c = kahan.c;
  }
  if (incremental) return mean + c;
  return sum / count + c / count;
}

function variance(vs: Float64Array, lo: number, hi: number): number {
  let count = 0;
  let mean = 0;
  let cMean = 0;
  let aux = 0;
  let cAux = 0;
  for (let i = lo; i < hi; i++) {
    const f = vs[i]!;
    count++;
    const delta = f - (mean + cMean);
    mean = kahanSumInc(delta / count, mean, cMean);
    cMean = kahan.c;
    aux = kahanSumInc(delta * (f - (mean + cMean)), aux, cAux);
    cAux = kahan.c;
  }
  return (aux + cAux) / count;
}

function windowCopy(vs: Float64Array, lo: number, hi: number): Float64Array {
  return vs.slice(lo, hi);
}

export class FunctionArgError extends Error {}

/** Range-vector kernels: name → kernel. `keepName` for functions that keep `__name__`. */
export const RANGE_FUNCTIONS: ReadonlyMap<string, { kernel: RangeKernel; keepName?: boolean }> = new Map<
  string,
  { kernel: RangeKernel; keepName?: boolean }
>([
  ['rate', { kernel: extrapolatedRate(true, true) }],
  ['increase', { kernel: extrapolatedRate(true, false) }],
  ['delta', { kernel: extrapolatedRate(false, false) }],
  ['irate', { kernel: instantValue(true) }],
  ['idelta', { kernel: instantValue(false) }],
  [
    'deriv',
    {
      kernel: (ts, vs, lo, hi, c) => {
        if (hi - lo < 2) return false;
        linearRegression(ts, vs, lo, hi, ts[lo]!);
        c.out = regression.slope;
        return true;
      },
    },
  ],
  [
    'predict_linear',
    {
      kernel: (ts, vs, lo, hi, c) => {
        if (hi - lo < 2) return false;
        linearRegression(ts, vs, lo, hi, c.stepT);
        c.out = regression.intercept + regression.slope * c.params[0]!;
        return true;
      },
    },
  ],
  [
    'resets',
    {
      kernel: (_ts, vs, lo, hi, c) => {
        if (hi <= lo) return false;
        let r = 0;
        for (let i = lo + 1; i < hi; i++) if (vs[i]! < vs[i - 1]!) r++;
        c.out = r;
        return true;
      },
    },
  ],
  [
    'changes',
    {
      kernel: (_ts, vs, lo, hi, c) => {
        if (hi <= lo) return false;
        let r = 0;
        for (let i = lo + 1; i < hi; i++) {
          const a = vs[i]!;
          const b = vs[i - 1]!;
          if (!(a === b || (a !== a && b !== b))) r++;
        }
        c.out = r;
        return true;
      },
    },
  ],
  ['avg_over_time', { kernel: (_ts, vs, lo, hi, c) => (hi > lo ? ((c.out = avgOf(vs, lo, hi)), true) : false) }],
  ['count_over_time', { kernel: (_ts, _vs, lo, hi, c) => (hi > lo ? ((c.out = hi - lo), true) : false) }],
  [
    'sum_over_time',
    {
      kernel: (_ts, vs, lo, hi, c) => {
        if (hi <= lo) return false;
        let sum = 0;
        let comp = 0;
        for (let i = lo; i < hi; i++) {
          sum = kahanSumInc(vs[i]!, sum, comp);
          comp = kahan.c;
        }
        c.out = sum === Infinity || sum === -Infinity ? sum : sum + comp;
        return true;
      },
    },
  ],
  [
    'min_over_time',
    {
      kernel: (_ts, vs, lo, hi, c) => {
        if (hi <= lo) return false;
        let m = vs[lo]!;
        for (let i = lo; i < hi; i++) {
          const v = vs[i]!;
          if (v < m || m !== m) m = v;
        }
        c.out = m;
        return true;
      },
    },
  ],
  [
    'max_over_time',
    {
      kernel: (_ts, vs, lo, hi, c) => {
        if (hi <= lo) return false;
        let m = vs[lo]!;
        for (let i = lo; i < hi; i++) {
          const v = vs[i]!;
          if (v > m || m !== m) m = v;
        }
        c.out = m;
        return true;
      },
    },
  ],
  [
    'last_over_time',
    { kernel: (_ts, vs, lo, hi, c) => (hi > lo ? ((c.out = vs[hi - 1]!), true) : false), keepName: true },
  ],
  ['present_over_time', { kernel: (_ts, _vs, lo, hi, c) => (hi > lo ? ((c.out = 1), true) : false) }],
  [
    'quantile_over_time',
    {
      kernel: (_ts, vs, lo, hi, c) =>
        hi > lo ? ((c.out = quantile(c.params[0]!, windowCopy(vs, lo, hi))), true) : false,
    },
  ],
  [
    'stddev_over_time',
    { kernel: (_ts, vs, lo, hi, c) => (hi > lo ? ((c.out = Math.sqrt(variance(vs, lo, hi))), true) : false) },
  ],
  ['stdvar_over_time', { kernel: (_ts, vs, lo, hi, c) => (hi > lo ? ((c.out = variance(vs, lo, hi)), true) : false) }],
  [
    'mad_over_time',
    {
      kernel: (_ts, vs, lo, hi, c) => {
        if (hi <= lo) return false;
        const w = windowCopy(vs, lo, hi);
        const median = quantile(0.5, w);
        for (let i = 0; i < w.length; i++) w[i] = Math.abs(w[i]! - median);
        c.out = quantile(0.5, w);
        return true;
      },
    },
  ],
  [
    'ts_of_min_over_time',
    {
      kernel: (ts, vs, lo, hi, c) => {
        if (hi <= lo) return false;
        let m = vs[lo]!;
        let t = ts[lo]!;
        for (let i = lo; i < hi; i++) {
          const v = vs[i]!;
          if (v <= m || m !== m) {
            m = v;
            t = ts[i]!;
          }
        }
        c.out = t / 1000;
        return true;
      },
    },
  ],
  [
    'ts_of_max_over_time',
    {
      kernel: (ts, vs, lo, hi, c) => {
        if (hi <= lo) return false;
        let m = vs[lo]!;
        let t = ts[lo]!;
        for (let i = lo; i < hi; i++) {
          const v = vs[i]!;
          if (v >= m || m !== m) {
            m = v;
            t = ts[i]!;
          }
        }
        c.out = t / 1000;
        return true;
      },
    },
  ],
  [
    'ts_of_last_over_time',
    { kernel: (ts, _vs, lo, hi, c) => (hi > lo ? ((c.out = ts[hi - 1]! / 1000), true) : false) },
  ],
  [
    'double_exponential_smoothing',
    {
      kernel: (_ts, vs, lo, hi, c) => {
        const sf = c.params[0]!;
        const tf = c.params[1]!;
        if (!(sf > 0 && sf < 1))
          throw new FunctionArgError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${goF(sf)}`);
        if (!(tf > 0 && tf < 1))
          throw new FunctionArgError(`invalid trend factor. Expected: 0 < tf < 1, got: ${goF(tf)}`);
        const l = hi - lo;
        if (l < 2) return false;
        let s0 = 0;
        let s1 = vs[lo]!;
        let b = vs[lo + 1]! - vs[lo]!;
        for (let i = 1; i < l; i++) {
          const x = sf * vs[lo + i]!;
          if (i - 1 !== 0) b = tf * (s1 - s0) + (1 - tf) * b;
          const y = (1 - sf) * (s1 + b);
          s0 = s1;
          s1 = x + y;
        }
        c.out = s1;
        return true;
      },
    },
  ],
]);

/** Go's %f. */
function goF(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return v.toFixed(6);
}

/** Functions applied to each sample value (drop the metric name). */
export const MATH_FUNCTIONS: ReadonlyMap<string, (x: number) => number> = new Map<string, (x: number) => number>([
  ['abs', Math.abs],
  ['ceil', Math.ceil],
  ['floor', Math.floor],
  ['exp', Math.exp],
  ['sqrt', Math.sqrt],
  ['ln', Math.log],
  ['log2', Math.log2],
  ['log10', Math.log10],
  ['sin', Math.sin],
  ['cos', Math.cos],
  ['tan', Math.tan],
  ['asin', Math.asin],
  ['acos', Math.acos],
  ['atan', Math.atan],
  ['sinh', Math.sinh],
  ['cosh', Math.cosh],
  ['tanh', Math.tanh],
  ['asinh', Math.asinh],
  ['acosh', Math.acosh],
  ['atanh', Math.atanh],
  ['deg', (x) => (x * 180) / Math.PI],
  ['rad', (x) => (x * Math.PI) / 180],
  ['sgn', (x) => (x < 0 ? -1 : x > 0 ? 1 : x)],
]);

/** Date functions over Unix seconds (UTC). NaN/Inf inputs give NaN. */
export const DATE_FUNCTIONS: ReadonlyMap<string, (d: Date) => number> = new Map<string, (d: Date) => number>([
  ['minute', (d) => d.getUTCMinutes()],
  ['hour', (d) => d.getUTCHours()],
  ['day_of_week', (d) => d.getUTCDay()],
  ['day_of_month', (d) => d.getUTCDate()],
  [
    'day_of_year',
    (d) =>
      Math.floor(
        (Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 864e5,
      ) + 1,
  ],
  ['days_in_month', (d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate()],
  ['month', (d) => d.getUTCMonth() + 1],
  ['year', (d) => d.getUTCFullYear()],
]);

export function dateFn(name: string, seconds: number): number {
  if (!Number.isFinite(seconds)) return NaN;
  // Go converts float seconds with int64(); out-of-range dates are not meaningful in JS either.
  const d = new Date(Math.trunc(seconds) * 1000);
  if (Number.isNaN(d.getTime())) return NaN;
  return DATE_FUNCTIONS.get(name)!(d);
}

/** A classic-histogram bucket. */
export interface Bucket {
  upperBound: number;
  count: number;
}

function almostEqual(a: number, b: number, eps: number): boolean {
  if (a !== a && b !== b) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  const minNormal = 2.2250738585072014e-308;
  if (a === 0 || b === 0 || absSum < minNormal) return diff < eps * minNormal;
  return diff / Math.min(absSum, Number.MAX_VALUE) < eps;
}

/** Prometheus' BucketQuantile: returns the quantile and whether monotonicity had to be forced. */
export function bucketQuantile(q: number, buckets: Bucket[]): { value: number; forcedMonotonic: boolean } {
  if (q !== q) return { value: NaN, forcedMonotonic: false };
  if (q < 0) return { value: -Infinity, forcedMonotonic: false };
  if (q > 1) return { value: Infinity, forcedMonotonic: false };
  buckets.sort((a, b) => (a.upperBound < b.upperBound ? -1 : a.upperBound > b.upperBound ? 1 : 0));
  if (buckets[buckets.length - 1]!.upperBound !== Infinity) return { value: NaN, forcedMonotonic: false };
  // Coalesce buckets with the same upper bound.
  const co: Bucket[] = [];
  for (const b of buckets) {
    const last = co[co.length - 1];
    if (last && last.upperBound === b.upperBound) last.count += b.count;
    else co.push({ upperBound: b.upperBound, count: b.count });
  }
  let forced = false;
  let prev = co[0]!.count;
  for (let i = 1; i < co.length; i++) {
    const curr = co[i]!.count;
    if (curr === prev) continue;
    if (almostEqual(prev, curr, 1e-12)) {
      co[i]!.count = prev;
      continue;
    }
    if (curr < prev) {
      co[i]!.count = prev;
      forced = true;
      continue;
    }
    prev = curr;
  }
  if (co.length < 2) return { value: NaN, forcedMonotonic: forced };
  const observations = co[co.length - 1]!.count;
  if (observations === 0) return { value: NaN, forcedMonotonic: forced };
  let rank = q * observations;
  // sort.Search over the first len-1 buckets.
  let lo = 0;
  let hi = co.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (co[mid]!.count >= rank) hi = mid;
    else lo = mid + 1;
  }
  const b = lo;
  if (b === co.length - 1) return { value: co[co.length - 2]!.upperBound, forcedMonotonic: forced };
  if (b === 0 && co[0]!.upperBound <= 0) return { value: co[0]!.upperBound, forcedMonotonic: forced };
  let bucketStart = 0;
  const bucketEnd = co[b]!.upperBound;
  let count = co[b]!.count;
  if (b > 0) {
    bucketStart = co[b - 1]!.upperBound;
    count -= co[b - 1]!.count;
    rank -= co[b - 1]!.count;
  }
  return { value: bucketStart + (bucketEnd - bucketStart) * (rank / count), forcedMonotonic: forced };
}

/** Prometheus' BucketFraction for classic buckets: the fraction of observations in [lower, upper]. */
export function bucketFraction(lower: number, upper: number, buckets: Bucket[]): number {
  buckets.sort((a, b) => (a.upperBound < b.upperBound ? -1 : a.upperBound > b.upperBound ? 1 : 0));
  if (buckets.length === 0 || buckets[buckets.length - 1]!.upperBound !== Infinity) return NaN;
  const co: Bucket[] = [];
  for (const b of buckets) {
    const last = co[co.length - 1];
    if (last && last.upperBound === b.upperBound) last.count += b.count;
    else co.push({ upperBound: b.upperBound, count: b.count });
  }
  const count = co[co.length - 1]!.count;
  if (count === 0 || lower !== lower || upper !== upper) return NaN;
  if (lower >= upper) return 0;
  let rank = 0;
  let lowerRank = 0;
  let upperRank = 0;
  let lowerSet = false;
  let upperSet = false;
  for (let i = 0; i < co.length; i++) {
    const b = co[i]!;
    let lowerBound = i > 0 ? co[i - 1]!.upperBound : -Infinity;
    if (i === 0 && b.upperBound > 0) lowerBound = 0;
    const upperBound = b.upperBound;
    const interp = (v: number): number => rank + ((b.count - rank) * (v - lowerBound)) / (upperBound - lowerBound);
    if (!lowerSet && lowerBound >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && lowerBound >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    if (!lowerSet && lowerBound < lower && upperBound > lower) {
      lowerRank = interp(lower);
      lowerSet = true;
    }
    if (!upperSet && lowerBound < upper && upperBound > upper) {
      upperRank = interp(upper);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank = b.count;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return (upperRank - lowerRank) / count;
}

/** Natural-order comparison (digit runs compared numerically), as Prometheus' sort_by_label. */
export function naturalLess(a: string, b: string): boolean {
  const re = /(\d+|\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = x.replace(/^0+/, '');
      const ny = y.replace(/^0+/, '');
      if (nx.length !== ny.length) return nx.length < ny.length;
      if (nx !== ny) return nx < ny;
      return x.length < y.length;
    }
    return x < y;
  }
  return pa.length < pb.length;
}
