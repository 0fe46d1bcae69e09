/**
 * Byte-level helpers shared by every TSDB format: CRC32 (Castagnoli), varints as Go's
 * encoding/binary writes them, big-endian fixed-width integers, and a growable byte buffer.
 *
 * Numbers: timestamps and offsets are JS numbers (exact up to 2^53). 64-bit fields are written from
 * numbers in that range; reads of larger values lose precision only past 2^53, which no field we
 * read (times in ms, file offsets, series refs) reaches.
 */

// ---- CRC32C (Castagnoli), slicing-by-8 -------------------------------------------------------
// npm has @aws-crypto/crc32c (byte-at-a-time table) and native addons (fast-crc32c, needs a build
// toolchain); a slicing-by-8 table in plain JS is faster than the former and needs neither.

const POLY = 0x82f63b78;
const T = new Int32Array(8 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = T[n]!;
  for (let k = 1; k < 8; k++) {
    c = T[c & 0xff]! ^ (c >>> 8);
    T[k * 256 + n] = c;
  }
}

/** Continues a CRC32C over buf[start, end). Start with crc = 0. */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length, crc = 0): number {
  let c = ~crc;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const a = c ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24));
    c =
      T[1792 + (a & 0xff)]! ^
      T[1536 + ((a >>> 8) & 0xff)]! ^
      T[1280 + ((a >>> 16) & 0xff)]! ^
      T[1024 + (a >>> 24)]! ^
      T[768 + buf[i + 4]!]! ^
      T[512 + buf[i + 5]!]! ^
      T[256 + buf[i + 6]!]! ^
      T[buf[i + 7]!]!;
  }
  for (; i < end; i++) c = T[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

// ---- float bits -----------------------------------------------------------------------------

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LO = LE ? 0 : 1;
const HI = LE ? 1 : 0;
/** Index of a float64's high and low 32-bit word in a Uint32Array over Float64Array memory. */
export const F64_HI_WORD = HI;
export const F64_LO_WORD = LO;

/** The staleness marker's canonical high word when (hi, lo) are its bits, possibly quieted by V8. */
export function canonicalNaNHi(hi: number, lo: number): number {
  return lo === 2 && (hi & 0x7ff7ffff) === 0x7ff00000 ? 0x7ff00000 : hi;
}

/** Scratch result of floatBits: the high and low 32 bits of the last converted float. */
export const bits = { hi: 0, lo: 0 };

/**
 * Splits v into its IEEE-754 bits (in `bits`). The staleness marker is written with its canonical
 * bits 0x7ff0000000000002 even when V8 has quieted it to 0x7ff8000000000002.
 */
export function floatBits(v: number): void {
  F64[0] = v;
  const lo = U32[LO]!;
  bits.hi = canonicalNaNHi(U32[HI]!, lo);
  bits.lo = lo;
}

/** The float with the given IEEE-754 bits (payload preserved: the result is a double, not an array element). */
export function bitsToFloat(hi: number, lo: number): number {
  U32[HI] = hi;
  U32[LO] = lo;
  return F64[0]!;
}

// ---- Encbuf ---------------------------------------------------------------------------------

const TWO32 = 4294967296;

export class Encbuf {
  buf: Uint8Array;
  len = 0;
  private view: DataView;

  constructor(cap = 256) {
    this.buf = new Uint8Array(cap);
    this.view = new DataView(this.buf.buffer);
  }

  reset(): this {
    this.len = 0;
    return this;
  }

  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
    this.view = new DataView(nb.buffer);
  }

  /** The bytes written so far (a view, valid until the next write). */
  get(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  putByte(b: number): void {
    this.grow(1);
    this.buf[this.len++] = b;
  }

  putBytes(b: Uint8Array): void {
    this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  putBE16(v: number): void {
    this.grow(2);
    this.view.setUint16(this.len, v);
    this.len += 2;
  }

  putBE32(v: number): void {
    this.grow(4);
    this.view.setUint32(this.len, v >>> 0);
    this.len += 4;
  }

  /** Writes a non-negative or negative integer (within ±2^53) as 8 bytes big-endian two's complement. */
  putBE64(v: number): void {
    this.grow(8);
    this.view.setUint32(this.len, Math.floor(v / TWO32) >>> 0);
    this.view.setUint32(this.len + 4, v >>> 0);
    this.len += 8;
  }

  /** Writes 8 bytes of float bits (staleness marker canonical). */
  putFloat(v: number): void {
    floatBits(v);
    this.grow(8);
    this.view.setUint32(this.len, bits.hi);
    this.view.setUint32(this.len + 4, bits.lo);
    this.len += 8;
  }

  putUvarint(v: number): void {
    this.grow(10);
    const b = this.buf;
    let i = this.len;
    while (v >= 0x80000000) {
      b[i++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    while (v >= 0x80) {
      b[i++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[i++] = v;
    this.len = i;
  }

  /** Zig-zag signed varint (Go's binary.PutVarint). */
  putVarint(v: number): void {
    this.putUvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  putUvarintStr(s: string): void {
    const n = Buffer.byteLength(s);
    this.putUvarint(n);
    this.grow(n);
    if (n === s.length && n < 64) {
      for (let i = 0; i < n; i++) this.buf[this.len + i] = s.charCodeAt(i);
    } else {
      Buffer.from(this.buf.buffer, this.buf.byteOffset, this.buf.length).write(s, this.len, 'utf8');
    }
    this.len += n;
  }

  /** Appends the CRC32C of buf[start, len). */
  putCRC32(start: number): void {
    const c = crc32c(this.buf, start, this.len);
    this.putBE32(c);
  }

  /** Zero padding to a multiple of `align` counting from `base`. */
  pad(align: number, base = 0): void {
    const rem = (base + this.len) % align;
    if (rem === 0) return;
    const n = align - rem;
    this.grow(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
  }
}

// ---- Decbuf ---------------------------------------------------------------------------------

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
}

const textDecoder = new TextDecoder('utf-8', { fatal: false });

export class Decbuf {
  off: number;
  private readonly view: DataView;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.off = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  remaining(): number {
    return this.end - this.off;
  }

  private need(n: number): void {
    if (this.off + n > this.end) throw new DecodeError('unexpected end of data');
  }

  byte(): number {
    this.need(1);
    return this.buf[this.off++]!;
  }

  be16(): number {
    this.need(2);
    const v = this.view.getUint16(this.off);
    this.off += 2;
    return v;
  }

  be32(): number {
    this.need(4);
    const v = this.view.getUint32(this.off);
    this.off += 4;
    return v;
  }

  /** 8 bytes big-endian as an unsigned number. */
  be64(): number {
    this.need(8);
    const v = this.view.getUint32(this.off) * TWO32 + this.view.getUint32(this.off + 4);
    this.off += 8;
    return v;
  }

  /** 8 bytes big-endian as a signed (two's complement) number. */
  be64int(): number {
    this.need(8);
    const v = this.view.getInt32(this.off) * TWO32 + this.view.getUint32(this.off + 4);
    this.off += 8;
    return v;
  }

  /** 8 bytes of float bits. */
  float(): number {
    this.need(8);
    const v = bitsToFloat(this.view.getUint32(this.off), this.view.getUint32(this.off + 4));
    this.off += 8;
    return v;
  }

  uvarint(): number {
    const b = this.buf;
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.off >= this.end) throw new DecodeError('unexpected end of data in varint');
      const c = b[this.off++]!;
      x += (c & 0x7f) * mul;
      if (c < 0x80) return x;
      mul *= 128;
    }
    throw new DecodeError('varint overflows 64 bits');
  }

  varint(): number {
    const u = this.uvarint();
    // Zig-zag: (u >>> 1) ^ -(u & 1), arithmetically for values past 2^32.
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const v = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return v;
  }

  uvarintStr(): string {
    const n = this.uvarint();
    this.need(n);
    const s = decodeUtf8(this.buf, this.off, this.off + n);
    this.off += n;
    return s;
  }
}

/** Decodes UTF-8 with an ASCII fast path (most label strings). */
export function decodeUtf8(b: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n < 48) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (b[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      let s = '';
      for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
      return s;
    }
  }
  return textDecoder.decode(b.subarray(start, end));
}

/** Bytes needed for uvarint(v). */
export function uvarintSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}
