/**
 * Gorilla-style XOR chunks, bit-for-bit as Prometheus writes them (tsdb/chunkenc/xor.go, described
 * in chunkenc.md beside this file):
 *
 *   2 bytes big-endian sample count, then a bit stream:
 *   sample 0: t as signed varint, v as 64 raw bits
 *   sample 1: t-delta as unsigned varint, v XOR-encoded
 *   sample n: delta-of-delta in '0' | '10'+14 bits | '110'+17 | '1110'+20 | '1111'+64, v XOR-encoded
 *   value: '0' (same bits) | '10' + meaningful bits in the previous window |
 *          '11' + 5 bits leading zeros + 6 bits significant length (64 written as 0) + the bits
 *
 * 64-bit quantities are handled as two unsigned 32-bit halves (no BigInt on the hot path). Values
 * go through a Float64Array, so NaN payloads (the staleness marker) survive bit-exactly.
 */
import { F64_HI_WORD, F64_LO_WORD, bits, bitsToFloat, canonicalNaNHi } from '../encoding.js';
import { ValueType } from '../../storage/interface.js';
import type { SampleIterator } from '../../storage/interface.js';

/** Chunk encodings (the byte stored before each chunk in chunk files). */
export const Encoding = {
  None: 0,
  XOR: 1,
  Histogram: 2,
  FloatHistogram: 3,
} as const;
export type Encoding = (typeof Encoding)[keyof typeof Encoding];

export function encodingName(e: number): string {
  return ['none', 'XOR', 'histogram', 'floathistogram'][e] ?? `<unknown ${e}>`;
}

/** Samples per chunk Prometheus aims for. */
export const SAMPLES_PER_CHUNK = 120;

const TWO32 = 4294967296;

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/**
 * The state of an XOR chunk being appended to: XOR_STATE numbers at an offset of a Float64Array.
 * The head keeps the state of every open chunk in one such array (no object per series);
 * XorAppender keeps its own. Fields: last t, last t delta, last value's bits (two 32-bit halves),
 * bits written (including the 16-bit header), sample count, leading/trailing zeros of the last
 * value window (leading 0xff: none yet), and whether the stream carries Go's empty trailing byte.
 */
export const XS_T = 0;
export const XS_TDELTA = 1;
export const XS_VHI = 2;
export const XS_VLO = 3;
export const XS_POS = 4;
export const XS_COUNT = 5;
export const XS_LEAD = 6;
export const XS_TRAIL = 7;
export const XS_TAIL = 8;
export const XOR_STATE = 9;

/** Starts an empty chunk's state at st[o..o+XOR_STATE). */
export function xorReset(st: Float64Array, o: number): void {
  st[o + XS_T] = 0;
  st[o + XS_TDELTA] = 0;
  st[o + XS_VHI] = 0;
  st[o + XS_VLO] = 0;
  st[o + XS_POS] = 16;
  st[o + XS_COUNT] = 0;
  st[o + XS_LEAD] = 0xff;
  st[o + XS_TRAIL] = 0;
  st[o + XS_TAIL] = 0;
}

/**
 * Bytes of the chunk. Go's bstream.writeByte always appends a fresh byte, so a stream whose last
 * logical write was whole bytes ending on a byte boundary carries one empty trailing byte: tracked
 * (XS_TAIL) to produce byte-identical chunks.
 */
export function xorByteLength(st: Float64Array, o: number): number {
  return ((st[o + XS_POS]! + 7) >> 3) + st[o + XS_TAIL]!;
}

/** Bytes the buffer must hold before the next append (a sample takes at most 160 bits). */
export function xorNeed(st: Float64Array, o: number): number {
  return (st[o + XS_POS]! + 160 + 7) >> 3;
}

/** Writes the low n (<= 32) bits of v at bit `pos` of b (zero-filled there); returns the new pos. */
function wb(b: Uint8Array, pos: number, v: number, n: number): number {
  while (n > 0) {
    const free = 8 - (pos & 7);
    const take = free < n ? free : n;
    const part = (v >>> (n - take)) & ((1 << take) - 1);
    b[pos >> 3]! |= part << (free - take);
    pos += take;
    n -= take;
  }
  return pos;
}

function wuvarint(b: Uint8Array, pos: number, v: number): number {
  while (v >= 0x80) {
    pos = wb(b, pos, (v % 128) | 0x80, 8);
    v = Math.floor(v / 128);
  }
  return wb(b, pos, v, 8);
}

/** Size in bits of the last logical write of xorWriteV (for XS_TAIL). */
let lastOp = 0;

/*
 * Bit patterns travel as int32 (`| 0`) between these functions: an unsigned 32-bit value of 2^31
 * or more is not a small integer to V8, and passing one to a function it does not inline
 * allocates a heap number.
 */

/** XOR-encodes value bits (hi, lo) against the state's previous value; returns the new pos. */
function xorWriteV(st: Float64Array, o: number, b: Uint8Array, pos: number, hi: number, lo: number): number {
  const dh = (hi ^ st[o + XS_VHI]!) | 0;
  const dl = (lo ^ st[o + XS_VLO]!) | 0;
  st[o + XS_VHI] = hi;
  st[o + XS_VLO] = lo;
  if (dh === 0 && dl === 0) {
    lastOp = 1;
    return wb(b, pos, 0, 1);
  }
  let leading = dh !== 0 ? Math.clz32(dh) : 32 + Math.clz32(dl);
  const trailing = dl !== 0 ? ctz32(dl) : 32 + ctz32(dh);
  if (leading >= 32) leading = 31;
  const prevLead = st[o + XS_LEAD]!;
  const prevTrail = st[o + XS_TRAIL]!;
  let tr: number;
  let sig: number;
  if (prevLead !== 0xff && leading >= prevLead && trailing >= prevTrail) {
    pos = wb(b, pos, 0b10, 2);
    tr = prevTrail;
    sig = 64 - prevLead - tr;
  } else {
    st[o + XS_LEAD] = leading;
    st[o + XS_TRAIL] = trailing;
    tr = trailing;
    sig = 64 - leading - trailing;
    pos = wb(b, pos, 0b11, 2);
    pos = wb(b, pos, leading, 5);
    pos = wb(b, pos, sig & 63, 6);
  }
  // delta >> tr, written as its low `sig` bits
  let sh: number;
  let sl: number;
  if (tr === 0) {
    sh = dh;
    sl = dl;
  } else if (tr < 32) {
    sl = (dl >>> tr) | (dh << (32 - tr));
    sh = dh >>> tr;
  } else {
    sl = (dh >>> (tr - 32)) | 0;
    sh = 0;
  }
  if (sig > 32) {
    pos = wb(b, pos, sh, sig - 32);
    pos = wb(b, pos, sl, 32);
  } else {
    pos = wb(b, pos, sl, sig);
  }
  lastOp = sig;
  return pos;
}

/**
 * The sample xorAppend appends: t in xorIn[0], v in xorIn[1]. Passed through this array, not as
 * arguments: a timestamp or a float passed to a function V8 does not inline is boxed in a heap
 * object, and that was two allocations per sample ingested.
 */
export const xorIn = new Float64Array(2);
const xorInBits = new Uint32Array(xorIn.buffer);
const V_HI = 2 + F64_HI_WORD;
const V_LO = 2 + F64_LO_WORD;

/**
 * Appends the sample in xorIn to the chunk at b[base..] whose state is at st[o..]. The caller made
 * room (the region holds xorNeed(st, o) bytes, zero past the bytes written); appends are in time
 * order. Leaves the value's bits in `bits` (as floatBits does).
 */
export function xorAppend(st: Float64Array, o: number, b: Uint8Array, base: number): void {
  const t = xorIn[0]!;
  const lo = xorInBits[V_LO]!;
  // The staleness marker keeps its canonical bits even when V8 quieted the NaN (see floatBits).
  const hi = canonicalNaNHi(xorInBits[V_HI]!, lo);
  bits.hi = hi;
  bits.lo = lo;
  const num = st[o + XS_COUNT]!;
  const base8 = base * 8;
  let pos = base8 + st[o + XS_POS]!;
  if (num === 0) {
    pos = wuvarint(b, pos, t >= 0 ? t * 2 : -t * 2 - 1);
    pos = wb(b, pos, hi | 0, 32);
    pos = wb(b, pos, lo | 0, 32);
    lastOp = 64;
    st[o + XS_VHI] = hi | 0;
    st[o + XS_VLO] = lo | 0;
  } else if (num === 1) {
    const tDelta = t - st[o + XS_T]!;
    // Go writes uint64(t - a.t); a negative delta never reaches here (appends are in order).
    pos = wuvarint(b, pos, tDelta);
    st[o + XS_TDELTA] = tDelta;
    pos = xorWriteV(st, o, b, pos, hi | 0, lo | 0);
  } else {
    const tDelta = t - st[o + XS_T]!;
    const dod = tDelta - st[o + XS_TDELTA]!;
    if (dod === 0) {
      pos = wb(b, pos, 0, 1);
    } else if (dod >= -8191 && dod <= 8192) {
      pos = wb(b, pos, 0b10, 2);
      pos = wb(b, pos, dod & 0x3fff, 14);
    } else if (dod >= -65535 && dod <= 65536) {
      pos = wb(b, pos, 0b110, 3);
      pos = wb(b, pos, dod & 0x1ffff, 17);
    } else if (dod >= -524287 && dod <= 524288) {
      pos = wb(b, pos, 0b1110, 4);
      pos = wb(b, pos, dod & 0xfffff, 20);
    } else {
      pos = wb(b, pos, 0b1111, 4);
      pos = wb(b, pos, Math.floor(dod / TWO32) | 0, 32);
      pos = wb(b, pos, dod | 0, 32);
    }
    st[o + XS_TDELTA] = tDelta;
    pos = xorWriteV(st, o, b, pos, hi | 0, lo | 0);
  }
  st[o + XS_TAIL] = lastOp % 8 === 0 && (pos & 7) === 0 ? 1 : 0;
  st[o + XS_POS] = pos - base8;
  st[o + XS_T] = t;
  st[o + XS_COUNT] = num + 1;
  b[base] = (num + 1) >>> 8;
  b[base + 1] = (num + 1) & 0xff;
}

/** Appends samples to a growing XOR chunk (one chunk; the head appends through xorAppend). */
export class XorAppender {
  /** Chunk bytes; only [0, byteLength) are meaningful. */
  buf: Uint8Array;
  private readonly st = new Float64Array(XOR_STATE);

  constructor(cap = 32) {
    this.buf = new Uint8Array(cap);
    xorReset(this.st, 0);
  }

  get count(): number {
    return this.st[XS_COUNT]!;
  }

  get byteLength(): number {
    return xorByteLength(this.st, 0);
  }

  /** A copy of the finished bytes (exact length). */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.byteLength);
  }

  append(t: number, v: number): void {
    const need = xorNeed(this.st, 0);
    if (need > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < need) cap *= 2;
      const nb = new Uint8Array(cap);
      nb.set(this.buf);
      this.buf = nb;
    }
    xorIn[0] = t;
    xorIn[1] = v;
    xorAppend(this.st, 0, this.buf, 0);
  }
}

/** Reads the samples of an XOR chunk. Implements the storage SampleIterator. */
export class XorIterator implements SampleIterator {
  t = 0;
  v = 0;
  private b: Uint8Array;
  private pos = 16;
  private endBits: number;
  private total: number;
  private read = 0;
  private tDelta = 0;
  private vHi = 0;
  private vLo = 0;
  private leading = 0;
  private trailing = 0;
  private error: Error | null = null;

  /** `count` limits the samples read (for a chunk still being appended to); defaults to the header. */
  constructor(b: Uint8Array, count?: number) {
    this.b = b;
    this.total = count ?? (b[0]! << 8) | b[1]!;
    this.endBits = b.length * 8;
  }

  reset(b: Uint8Array, count?: number): void {
    this.b = b;
    this.total = count ?? (b[0]! << 8) | b[1]!;
    this.endBits = b.length * 8;
    this.pos = 16;
    this.read = 0;
    this.t = 0;
    this.v = 0;
    this.tDelta = 0;
    this.vHi = this.vLo = this.leading = this.trailing = 0;
    this.error = null;
  }

  err(): Error | null {
    return this.error;
  }

  /** Reads n (<= 32) bits as an unsigned number. */
  private r(n: number): number {
    if (this.pos + n > this.endBits) throw new RangeError('EOF');
    const b = this.b;
    let pos = this.pos;
    let v = 0;
    while (n > 0) {
      const avail = 8 - (pos & 7);
      const take = avail < n ? avail : n;
      const byte = b[pos >> 3]!;
      const part = (byte >>> (avail - take)) & ((1 << take) - 1);
      v = v * (1 << take) + part;
      pos += take;
      n -= take;
    }
    this.pos = pos;
    return v;
  }

  private bit(): number {
    const pos = this.pos;
    if (pos >= this.endBits) throw new RangeError('EOF');
    this.pos = pos + 1;
    return (this.b[pos >> 3]! >>> (7 - (pos & 7))) & 1;
  }

  private uvarint(): number {
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const c = this.r(8);
      x += (c & 0x7f) * mul;
      if (c < 0x80) return x;
      mul *= 128;
    }
    throw new RangeError('varint overflow');
  }

  next(): ValueType {
    if (this.error !== null || this.read >= this.total) return ValueType.None;
    try {
      if (this.read === 0) {
        const u = this.uvarint();
        this.t = u % 2 === 0 ? u / 2 : -(u + 1) / 2;
        this.vHi = this.r(32);
        this.vLo = this.r(32);
        this.v = bitsToFloat(this.vHi, this.vLo);
        this.read = 1;
        return ValueType.Float;
      }
      if (this.read === 1) {
        this.tDelta = this.uvarint();
        this.t += this.tDelta;
      } else {
        let dod = 0;
        // Prefix: 0 | 10 | 110 | 1110 | 1111 (count the leading ones, at most 4).
        let ones = 0;
        while (ones < 4 && this.bit() === 1) ones++;
        if (ones === 1) {
          dod = this.r(14);
          if (dod > 8192) dod -= 16384;
        } else if (ones === 2) {
          dod = this.r(17);
          if (dod > 65536) dod -= 131072;
        } else if (ones === 3) {
          dod = this.r(20);
          if (dod > 524288) dod -= 1048576;
        } else if (ones === 4) {
          const hi = this.r(32);
          const lo = this.r(32);
          dod = (hi | 0) * TWO32 + lo;
        }
        this.tDelta += dod;
        this.t += this.tDelta;
      }
      this.readValue();
      this.read++;
      return ValueType.Float;
    } catch (e) {
      this.error = e instanceof RangeError ? new Error(`corrupt XOR chunk: ${e.message}`) : (e as Error);
      return ValueType.None;
    }
  }

  private readValue(): void {
    if (this.bit() === 0) return; // same value
    if (this.bit() === 1) {
      this.leading = this.r(5);
      let m = this.r(6);
      if (m === 0) m = 64;
      this.trailing = 64 - this.leading - m;
    }
    const m = 64 - this.leading - this.trailing;
    let hi = 0;
    let lo: number;
    if (m > 32) {
      hi = this.r(m - 32);
      lo = this.r(32);
    } else {
      lo = this.r(m);
    }
    // (hi,lo) << trailing
    const tr = this.trailing;
    let sh: number;
    let sl: number;
    if (tr === 0) {
      sh = hi;
      sl = lo;
    } else if (tr < 32) {
      sh = ((hi << tr) | (lo >>> (32 - tr))) >>> 0;
      sl = (lo << tr) >>> 0;
    } else {
      sh = (lo << (tr - 32)) >>> 0;
      sl = 0;
    }
    this.vHi = (this.vHi ^ sh) >>> 0;
    this.vLo = (this.vLo ^ sl) >>> 0;
    this.v = bitsToFloat(this.vHi, this.vLo);
  }

  seek(t: number): ValueType {
    if (this.read > 0 && this.t >= t) return ValueType.Float;
    while (this.next() === ValueType.Float) if (this.t >= t) return ValueType.Float;
    return ValueType.None;
  }

  /** Raw bits of the current value (for bit-exact comparisons). */
  valueBits(): { hi: number; lo: number } {
    return { hi: this.vHi, lo: this.vLo };
  }
}

/** Number of samples recorded in a chunk's header. */
export function chunkNumSamples(b: Uint8Array): number {
  return (b[0]! << 8) | b[1]!;
}

/** Encodes samples into one XOR chunk. */
export function encodeXor(ts: ArrayLike<number>, vs: Float64Array, from = 0, to = ts.length): Uint8Array {
  const a = new XorAppender(Math.max(32, (to - from) * 2 + 16));
  for (let i = from; i < to; i++) a.append(ts[i]!, vs[i]!);
  return a.bytes();
}
