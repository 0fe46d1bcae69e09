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
import { bits, bitsToFloat, floatBits } from '../encoding.js';
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

/** Appends samples to a growing XOR chunk. */
export class XorAppender {
  /** Chunk bytes; only [0, byteLength) are meaningful. */
  buf: Uint8Array;
  /** Bits written, including the 16-bit header. */
  pos = 16;
  count = 0;
  t = 0;
  private tDelta = 0;
  private vHi = 0;
  private vLo = 0;
  private leading = 0xff;
  private trailing = 0;
  /**
   * Go's bstream.writeByte always appends a fresh byte, so a stream whose last write was a whole
   * byte ending on a byte boundary carries one empty trailing byte. We track that to produce
   * byte-identical chunks.
   */
  private emptyTail = false;

  constructor(cap = 32) {
    this.buf = new Uint8Array(cap);
  }

  get byteLength(): number {
    return ((this.pos + 7) >> 3) + (this.emptyTail ? 1 : 0);
  }

  /** Records the shape of the last logical Go write (writeBits(_, n) / writeByte = 8 / writeBit = 1). */
  private op(n: number): void {
    this.emptyTail = n % 8 === 0 && (this.pos & 7) === 0;
  }

  /** A copy of the finished bytes (exact length). */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.byteLength);
  }

  private ensure(nbits: number): void {
    const need = (this.pos + nbits + 7) >> 3;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf);
    this.buf = nb;
  }

  /** Writes the low n (<= 32) bits of v. Caller ensured capacity. */
  private w(v: number, n: number): void {
    const b = this.buf;
    let pos = this.pos;
    while (n > 0) {
      const free = 8 - (pos & 7);
      const take = free < n ? free : n;
      const part = (v >>> (n - take)) & ((1 << take) - 1);
      b[pos >> 3]! |= part << (free - take);
      pos += take;
      n -= take;
    }
    this.pos = pos;
  }

  private w64(hi: number, lo: number, n: number): void {
    if (n > 32) {
      this.w(hi, n - 32);
      this.w(lo, 32);
    } else {
      this.w(lo, n);
    }
  }

  private byteOut(x: number): void {
    this.w(x, 8);
  }

  private uvarint(v: number): void {
    while (v >= 0x80) {
      this.byteOut((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    this.byteOut(v);
  }

  append(t: number, v: number): void {
    this.ensure(160);
    floatBits(v);
    const hi = bits.hi;
    const lo = bits.lo;
    const num = this.count;
    if (num === 0) {
      this.uvarint(t >= 0 ? t * 2 : -t * 2 - 1);
      this.w(hi, 32);
      this.w(lo, 32);
      this.op(64);
      this.vHi = hi;
      this.vLo = lo;
    } else if (num === 1) {
      const tDelta = t - this.t;
      // Go writes uint64(t - a.t); a negative delta never reaches here (appends are in order).
      this.uvarint(tDelta);
      this.op(8);
      this.tDelta = tDelta;
      this.writeV(hi, lo);
    } else {
      const tDelta = t - this.t;
      const dod = tDelta - this.tDelta;
      if (dod === 0) {
        this.w(0, 1);
        this.op(1);
      } else if (dod >= -8191 && dod <= 8192) {
        this.w(0b10, 2);
        this.w(dod & 0x3fff, 14);
        this.op(14);
      } else if (dod >= -65535 && dod <= 65536) {
        this.w(0b110, 3);
        this.w(dod & 0x1ffff, 17);
        this.op(17);
      } else if (dod >= -524287 && dod <= 524288) {
        this.w(0b1110, 4);
        this.w(dod & 0xfffff, 20);
        this.op(20);
      } else {
        this.w(0b1111, 4);
        this.w(Math.floor(dod / TWO32) >>> 0, 32);
        this.w(dod >>> 0, 32);
        this.op(64);
      }
      this.tDelta = tDelta;
      this.writeV(hi, lo);
    }
    this.t = t;
    this.count = num + 1;
    this.buf[0] = (num + 1) >>> 8;
    this.buf[1] = (num + 1) & 0xff;
  }

  private writeV(hi: number, lo: number): void {
    const dh = (hi ^ this.vHi) >>> 0;
    const dl = (lo ^ this.vLo) >>> 0;
    this.vHi = hi;
    this.vLo = lo;
    if (dh === 0 && dl === 0) {
      this.w(0, 1);
      this.op(1);
      return;
    }
    let leading = dh !== 0 ? Math.clz32(dh) : 32 + Math.clz32(dl);
    const trailing = dl !== 0 ? ctz32(dl) : 32 + ctz32(dh);
    if (leading >= 32) leading = 31;
    let tr: number;
    let sig: number;
    if (this.leading !== 0xff && leading >= this.leading && trailing >= this.trailing) {
      this.w(0b10, 2);
      tr = this.trailing;
      sig = 64 - this.leading - tr;
    } else {
      this.leading = leading;
      this.trailing = trailing;
      tr = trailing;
      sig = 64 - leading - trailing;
      this.w(0b11, 2);
      this.w(leading, 5);
      this.w(sig & 63, 6);
    }
    // delta >> tr
    let sh: number;
    let sl: number;
    if (tr === 0) {
      sh = dh;
      sl = dl;
    } else if (tr < 32) {
      sl = ((dl >>> tr) | (dh << (32 - tr))) >>> 0;
      sh = dh >>> tr;
    } else {
      sl = dh >>> (tr - 32);
      sh = 0;
    }
    this.w64(sh, sl, sig);
    this.op(sig);
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
