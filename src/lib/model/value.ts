/**
 * Sample values. Timestamps are integer milliseconds since the Unix epoch (as in Prometheus),
 * values are float64.
 */

/** The bit pattern Prometheus writes as a staleness marker: a NaN distinct from math.NaN(). */
export const STALE_NAN_BITS = 0x7ff0000000000002n;

const buf = new DataView(new ArrayBuffer(8));
buf.setBigUint64(0, STALE_NAN_BITS);
/**
 * The staleness marker as a JS number.
 *
 * NOTE: V8 keeps a NaN's payload in typed arrays, object fields and Maps, but a plain JS array of
 * doubles (`[x]`, `arr.push(x)`) sets the quiet bit (0x7ff0…02 becomes 0x7ff8…02). isStaleNaN
 * accepts both forms; code that writes bits to disk or the wire writes STALE_NAN_BITS exactly
 * (see writeFloat64Stale).
 */
export const STALE_NAN = buf.getFloat64(0);

/** Whether `v` is the staleness marker (compares bits, since every NaN is !== itself). */
export function isStaleNaN(v: number): boolean {
  if (v === v) return false; // not NaN
  buf.setFloat64(0, v);
  return (buf.getUint32(0) & 0x7ff7ffff) === 0x7ff00000 && buf.getUint32(4) === 2;
}

/** Writes `v` big-endian at `offset`, with the staleness marker in its exact canonical bits. */
export function writeFloat64Stale(view: DataView, offset: number, v: number, littleEndian = false): void {
  if (isStaleNaN(v)) view.setBigUint64(offset, STALE_NAN_BITS, littleEndian);
  else view.setFloat64(offset, v, littleEndian);
}

/** Formats a float the way Prometheus' API does (strconv.FormatFloat(v, 'f', -1, 64)). */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  const s = String(v);
  if (!s.includes('e')) return s;
  // Go 'f' with -1 precision never uses exponent notation.
  return expandExponent(s);
}

function expandExponent(s: string): string {
  const neg = s.startsWith('-');
  const [mant, expStr] = (neg ? s.slice(1) : s).split('e') as [string, string];
  const exp = Number(expStr);
  const [intPart, frac = ''] = mant.split('.') as [string, string?];
  const digits = intPart + frac;
  const point = intPart.length + exp;
  let out: string;
  if (point <= 0) out = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = digits.slice(0, point) + '.' + digits.slice(point);
  return (neg ? '-' : '') + out;
}

/**
 * Go's strconv.FormatFloat(v, 'g', -1, 64): the shortest digits that round-trip, in exponent form
 * when the decimal exponent is < -4 or >= 6 (1e+06, 123456, 1.234567e+06, 1e-05, 0.0001), with at
 * least two exponent digits. Used by the text exposition format (as client_golang writes it).
 */
export function formatFloatG(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mant, expStr] = v.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= 6) {
    const abs = Math.abs(exp);
    return `${mant}e${exp < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
  }
  return formatValue(v);
}
