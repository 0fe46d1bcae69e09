/**
 * Byte-level helpers for the exposition parsers: character classes, float and integer parsing
 * straight from bytes (no intermediate string on the common path), UTF-8 validation, decoding
 * and unescaping. Nothing here allocates per call except the strings it returns.
 */
import { Buffer } from 'node:buffer';

export const LF = 0x0a;
export const SP = 0x20;
export const TAB = 0x09;
export const HASH = 0x23;
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const LBRACE = 0x7b;
export const RBRACE = 0x7d;
export const EQUAL = 0x3d;
export const COMMA = 0x2c;

/** Class bits per byte: 1 = metric-name start [a-zA-Z_:], 2 = metric-name char, 4 = label start, 8 = label char, 16 = digit. */
export const CLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
  const digit = c >= 0x30 && c <= 0x39;
  let v = 0;
  if (alpha || c === 0x3a) v |= 1 | 2;
  if (digit) v |= 2 | 8 | 16;
  if (alpha) v |= 4 | 8;
  CLASS[c] = v;
}
export const M_START = 1;
export const M_CHAR = 2;
export const L_START = 4;
export const L_CHAR = 8;
export const DIGIT = 16;

/** A Buffer view over the same memory (no copy), so the fast latin1/utf8 slicers can be used. */
export function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

interface FastSlicers {
  latin1Slice?(start: number, end: number): string;
  utf8Slice?(start: number, end: number): string;
}
const proto = Buffer.prototype as unknown as FastSlicers;
const HAS_FAST = typeof proto.latin1Slice === 'function' && typeof proto.utf8Slice === 'function';

/** Bytes [start, end) as a string with one char per byte (an exact, reversible key). */
export const latin1: (b: Buffer, start: number, end: number) => string = HAS_FAST
  ? (b, s, e) => (b as unknown as Required<FastSlicers>).latin1Slice(s, e)
  : (b, s, e) => b.toString('latin1', s, e);

/** Bytes [start, end) decoded as UTF-8 (validate first: invalid sequences become U+FFFD). */
export const utf8: (b: Buffer, start: number, end: number) => string = HAS_FAST
  ? (b, s, e) => (b as unknown as Required<FastSlicers>).utf8Slice(s, e)
  : (b, s, e) => b.toString('utf8', s, e);

/** Decodes [start, end): latin1 when `ascii` (faster, same result), UTF-8 otherwise. */
export function decode(b: Buffer, start: number, end: number, ascii: boolean): string {
  return ascii ? latin1(b, start, end) : utf8(b, start, end);
}

/** Set by lineEnd: whether the bytes it scanned had any byte ≥ 0x80 (0 when all ASCII). */
export let lineHi = 0;

/**
 * The offset of the first line feed at or after `p` (before `end`), or -1; sets `lineHi` when a
 * byte ≥ 0x80 came before it, so ASCII lines need no UTF-8 validation. `dv` views the same bytes
 * as `b`: four bytes are tested at a time (a zero byte of `w ^ 0x0a0a0a0a` is a line feed).
 */
export function lineEnd(b: Uint8Array, dv: DataView, p: number, end: number): number {
  let hi = 0;
  for (const stop = end - 4; p <= stop; p += 4) {
    const w = dv.getInt32(p, true);
    const x = w ^ 0x0a0a0a0a;
    if (((x - 0x01010101) & ~x & 0x80808080) !== 0) break;
    hi |= w;
  }
  for (; p < end; p++) {
    const c = b[p]!;
    if (c === LF) {
      lineHi = (hi & 0x80808080) !== 0 ? 0x80 : 0;
      return p;
    }
    hi |= c;
  }
  lineHi = (hi & 0x80808080) !== 0 ? 0x80 : 0;
  return -1;
}

/** Whether bytes [start, end) are valid UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF). */
export function validUtf8(b: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf) {
      if (i + 1 >= end || (b[i + 1]! & 0xc0) !== 0x80) return false;
      i += 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      if (i + 2 >= end) return false;
      const c1 = b[i + 1]!;
      if ((c1 & 0xc0) !== 0x80 || (b[i + 2]! & 0xc0) !== 0x80) return false;
      if (c === 0xe0 && c1 < 0xa0) return false; // overlong
      if (c === 0xed && c1 >= 0xa0) return false; // surrogate
      i += 3;
    } else if (c >= 0xf0 && c <= 0xf4) {
      if (i + 3 >= end) return false;
      const c1 = b[i + 1]!;
      if ((c1 & 0xc0) !== 0x80 || (b[i + 2]! & 0xc0) !== 0x80 || (b[i + 3]! & 0xc0) !== 0x80) return false;
      if (c === 0xf0 && c1 < 0x90) return false;
      if (c === 0xf4 && c1 >= 0x90) return false;
      i += 4;
    } else return false;
  }
  return true;
}

const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
];

/** Set by parseFloatBytes / parseIntBytes: '' on success, else why the number was rejected. */
export let numError = '';

function lowerAt(b: Uint8Array, i: number): number {
  return b[i]! | 0x20;
}

function matchLower(b: Uint8Array, i: number, end: number, word: string): boolean {
  if (end - i !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (lowerAt(b, i + k) !== word.charCodeAt(k)) return false;
  return true;
}

/**
 * Parses bytes [start, end) as Go's strconv.ParseFloat does, minus what Prometheus refuses (hex
 * floats, `_` separators). Accepts `Inf`/`Infinity` with any case and sign, and `NaN` with any case.
 * On failure returns NaN and sets `numError`; callers check `numError !== ''`.
 */
export function parseFloatBytes(b: Uint8Array, start: number, end: number): number {
  parseFloatInto(b, start, end);
  return parsedFloat[0]!;
}

/**
 * The result of parseFloatInto. The parser's hot path reads values from here: a float returned
 * from a function V8 does not inline is boxed (an allocation per sample).
 */
export const parsedFloat = new Float64Array(1);

/** parseFloatBytes, leaving the result in parsedFloat[0]. */
export function parseFloatInto(b: Uint8Array, start: number, end: number): void {
  numError = '';
  let i = start;
  if (i >= end) {
    numError = 'invalid syntax';
    parsedFloat[0] = NaN;
    return;
  }
  let neg = false;
  const c0 = b[i]!;
  if (c0 === 0x2d || c0 === 0x2b) {
    neg = c0 === 0x2d;
    i++;
  }
  // Fast path: up to 15 significant digits with an optional fraction and exponent.
  let mant = 0;
  let digits = 0;
  let sawDigit = false;
  let fracDigits = 0;
  let j = i;
  while (j < end) {
    const c = b[j]! - 0x30;
    if (c < 0 || c > 9) break;
    sawDigit = true;
    if (mant !== 0 || c !== 0) digits++;
    mant = mant * 10 + c;
    j++;
  }
  if (j < end && b[j] === 0x2e) {
    j++;
    while (j < end) {
      const c = b[j]! - 0x30;
      if (c < 0 || c > 9) break;
      sawDigit = true;
      if (mant !== 0 || c !== 0) digits++;
      mant = mant * 10 + c;
      fracDigits++;
      j++;
    }
  }
  let exp = 0;
  if (sawDigit && j < end && (b[j] === 0x65 || b[j] === 0x45)) {
    j++;
    let eneg = false;
    if (j < end && (b[j] === 0x2d || b[j] === 0x2b)) {
      eneg = b[j] === 0x2d;
      j++;
    }
    const es = j;
    while (j < end) {
      const c = b[j]! - 0x30;
      if (c < 0 || c > 9) break;
      if (exp < 100000) exp = exp * 10 + c;
      j++;
    }
    if (j === es) {
      numError = 'invalid syntax';
      parsedFloat[0] = NaN;
      return;
    }
    if (eneg) exp = -exp;
  }
  if (j === end && sawDigit) {
    if (digits <= 15) {
      const e = exp - fracDigits;
      if (e === 0) {
        parsedFloat[0] = neg ? -mant : mant;
        return;
      }
      if (e > 0 && e <= 22) {
        parsedFloat[0] = neg ? -(mant * POW10[e]!) : mant * POW10[e]!;
        return;
      }
      if (e < 0 && e >= -22) {
        parsedFloat[0] = neg ? -(mant / POW10[-e]!) : mant / POW10[-e]!;
        return;
      }
    }
    // Correctly rounded slow path: the grammar is already validated.
    const v = Number(latin1(asBuffer(b), start, end));
    if (!Number.isFinite(v)) {
      numError = 'value out of range';
      parsedFloat[0] = NaN;
      return;
    }
    parsedFloat[0] = v;
    return;
  }
  if (!sawDigit && j === i) {
    // Special values.
    if (matchLower(b, i, end, 'inf') || matchLower(b, i, end, 'infinity')) {
      parsedFloat[0] = neg ? -Infinity : Infinity;
      return;
    }
    if (i === start && matchLower(b, i, end, 'nan')) {
      parsedFloat[0] = NaN;
      return;
    }
  }
  numError = 'invalid syntax';
  for (let k = start; k < end; k++) {
    const c = b[k]!;
    if (c === 0x5f || c === 0x70 || c === 0x50) {
      numError = 'unsupported character in float';
      break;
    }
  }
  parsedFloat[0] = NaN;
  return;
}

/** Parses [start, end) as a signed decimal int64 (as strconv.ParseInt(s, 10, 64)); sets numError. */
export function parseIntBytes(b: Uint8Array, start: number, end: number): number {
  numError = '';
  let i = start;
  let neg = false;
  if (i < end && (b[i] === 0x2d || b[i] === 0x2b)) {
    neg = b[i] === 0x2d;
    i++;
  }
  if (i >= end) {
    numError = 'invalid syntax';
    return 0;
  }
  let v = 0;
  for (; i < end; i++) {
    const c = b[i]! - 0x30;
    if (c < 0 || c > 9) {
      numError = 'invalid syntax';
      return 0;
    }
    v = v * 10 + c;
  }
  if (v > 9.223372036854776e18) {
    numError = 'value out of range';
    return 0;
  }
  return neg ? -v : v;
}

/** Unescapes `\\`, `\"` and `\n` (others stay as written, like Prometheus' replacer). */
export function unescapeLabel(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) !== BACKSLASH || i + 1 >= s.length) continue;
    const n = s[i + 1];
    const rep = n === '\\' ? '\\' : n === '"' ? '"' : n === 'n' ? '\n' : null;
    if (rep === null) continue;
    out += s.slice(last, i) + rep;
    i++;
    last = i + 1;
  }
  return out + s.slice(last);
}

/** Unescapes HELP text of the text format: only `\\` and `\n`. */
export function unescapeHelp(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) !== BACKSLASH || i + 1 >= s.length) continue;
    const n = s[i + 1];
    const rep = n === '\\' ? '\\' : n === 'n' ? '\n' : null;
    if (rep === null) continue;
    out += s.slice(last, i) + rep;
    i++;
    last = i + 1;
  }
  return out + s.slice(last);
}

/** Go's %q of raw bytes, for error messages (invalid UTF-8 bytes print as \xNN). */
export function quoteBytes(b: Uint8Array, start: number, end: number): string {
  let out = '"';
  let i = start;
  while (i < end) {
    const c = b[i]!;
    if (c >= 0x80) {
      // Find the extent of a valid sequence.
      const n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
      if (n > 1 && i + n <= end && validUtf8(b, i, i + n)) {
        out += utf8(asBuffer(b), i, i + n);
        i += n;
      } else {
        out += '\\x' + c.toString(16).padStart(2, '0');
        i++;
      }
      continue;
    }
    if (c === QUOTE) out += '\\"';
    else if (c === BACKSLASH) out += '\\\\';
    else if (c === LF) out += '\\n';
    else if (c === TAB) out += '\\t';
    else if (c === 0x0d) out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += String.fromCharCode(c);
    i++;
  }
  return out + '"';
}
