/**
 * Snappy block format (github.com/google/snappy format_description.txt), as Prometheus uses it to
 * compress WAL records (--storage.tsdb.wal-compression, on by default since 2.20).
 *
 * A block is the uncompressed length as a uvarint, then elements: a literal (tag & 3 = 0; length−1
 * in the tag's upper 6 bits, or in 1–4 following little-endian bytes when those bits are 60–63) or
 * a copy of earlier output (tag & 3 = 1: length 4–11 and an 11-bit offset; 2: length 1–64 and a
 * 16-bit LE offset; 3: length 1–64 and a 32-bit LE offset).
 *
 * The encoder works as the reference encoders do (and so as Go's github.com/golang/snappy, which
 * Prometheus links): input in independent 64 KiB blocks, a hash table of 4-byte sequences (up to
 * 2^14 entries), lookups that skip faster through incompressible data, and greedy match extension.
 * No npm package fits: `snappyjs` (pure JS) allocates per call and is unmaintained since 2022;
 * the others are native addons.
 */
export class SnappyError extends Error {
  override readonly name = 'SnappyError';
}

const MAX_BLOCK = 65536;
const INPUT_MARGIN = 15;
const MIN_NON_LITERAL_BLOCK = 1 + 1 + INPUT_MARGIN;
const MAX_TABLE_BITS = 14;

/** The largest possible encoding of n bytes (as snappy's MaxEncodedLen). */
export function snappyMaxEncodedLen(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

/** Reusable state of the encoder: the hash table and an output buffer. */
export class SnappyEncoder {
  private readonly table = new Int32Array(1 << MAX_TABLE_BITS);
  private out: Uint8Array = new Uint8Array(0);

  /**
   * Compresses src. The result is a view of an internal buffer, valid until the next call
   * (copy it to keep it).
   */
  encode(src: Uint8Array): Uint8Array {
    const need = snappyMaxEncodedLen(src.length);
    if (this.out.length < need) this.out = new Uint8Array(Math.max(need, this.out.length * 2));
    const dst = this.out;
    let d = 0;
    let n = src.length;
    while (n >= 0x80) {
      dst[d++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    dst[d++] = n;
    for (let p = 0; p < src.length; p += MAX_BLOCK) {
      const end = Math.min(src.length, p + MAX_BLOCK);
      if (end - p < MIN_NON_LITERAL_BLOCK) d = emitLiteral(dst, d, src, p, end);
      else d = this.encodeBlock(dst, d, src, p, end);
    }
    return dst.subarray(0, d);
  }

  private encodeBlock(dst: Uint8Array, d: number, src: Uint8Array, base: number, end: number): number {
    const len = end - base;
    let shift = 32 - 8;
    let tableSize = 1 << 8;
    while (tableSize < 1 << MAX_TABLE_BITS && tableSize < len) {
      tableSize <<= 1;
      shift--;
    }
    const table = this.table;
    table.fill(0, 0, tableSize);
    // Positions below are absolute indexes into src; the table holds them relative to base.
    const sLimit = end - INPUT_MARGIN;
    let nextEmit = base;
    let s = base + 1;
    let nextHash = Math.imul(load32(src, s), 0x1e35a7bd) >>> shift;
    for (;;) {
      // Find a 4-byte match, looking further apart the longer nothing matches.
      let skip = 32;
      let nextS = s;
      let candidate = 0;
      do {
        s = nextS;
        const step = skip >> 5;
        nextS = s + step;
        skip += step;
        if (nextS > sLimit) return nextEmit < end ? emitLiteral(dst, d, src, nextEmit, end) : d;
        candidate = base + table[nextHash]!;
        table[nextHash] = s - base;
        nextHash = Math.imul(load32(src, nextS), 0x1e35a7bd) >>> shift;
      } while (load32(src, s) !== load32(src, candidate));

      d = emitLiteral(dst, d, src, nextEmit, s);

      // Emit copies for as long as the position right after a match starts another one.
      for (;;) {
        const matchStart = s;
        s += 4;
        let c = candidate + 4;
        while (s + 4 <= end && load32(src, c) === load32(src, s)) {
          c += 4;
          s += 4;
        }
        while (s < end && src[c] === src[s]) {
          c++;
          s++;
        }
        d = emitCopy(dst, d, matchStart - candidate, s - matchStart);
        nextEmit = s;
        if (s >= sLimit) return nextEmit < end ? emitLiteral(dst, d, src, nextEmit, end) : d;
        // Insert hashes at s−1 and s, and check for a match at s.
        table[Math.imul(load32(src, s - 1), 0x1e35a7bd) >>> shift] = s - 1 - base;
        const cur = load32(src, s);
        const h = Math.imul(cur, 0x1e35a7bd) >>> shift;
        candidate = base + table[h]!;
        table[h] = s - base;
        if (cur !== load32(src, candidate)) {
          nextHash = Math.imul(load32(src, s + 1), 0x1e35a7bd) >>> shift;
          s++;
          break;
        }
      }
    }
  }
}

function load32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

function emitLiteral(dst: Uint8Array, d: number, src: Uint8Array, start: number, end: number): number {
  const n = end - start - 1;
  if (n < 60) {
    dst[d++] = n << 2;
  } else if (n < 256) {
    dst[d++] = 60 << 2;
    dst[d++] = n;
  } else {
    // Blocks are at most 64 KiB, so two length bytes always suffice.
    dst[d++] = 61 << 2;
    dst[d++] = n & 0xff;
    dst[d++] = n >>> 8;
  }
  const len = end - start;
  if (len <= 16) for (let i = 0; i < len; i++) dst[d + i] = src[start + i]!;
  else dst.set(src.subarray(start, end), d);
  return d + len;
}

/** Copies with a 2-byte offset for long matches or far offsets, else the 1-byte-offset form. */
function emitCopy(dst: Uint8Array, d: number, offset: number, length: number): number {
  while (length >= 68) {
    dst[d++] = (63 << 2) | 2;
    dst[d++] = offset & 0xff;
    dst[d++] = offset >>> 8;
    length -= 64;
  }
  if (length > 64) {
    dst[d++] = (59 << 2) | 2;
    dst[d++] = offset & 0xff;
    dst[d++] = offset >>> 8;
    length -= 60;
  }
  if (length >= 12 || offset >= 2048) {
    dst[d++] = ((length - 1) << 2) | 2;
    dst[d++] = offset & 0xff;
    dst[d++] = offset >>> 8;
    return d;
  }
  dst[d++] = ((offset >>> 8) << 5) | ((length - 4) << 2) | 1;
  dst[d++] = offset & 0xff;
  return d;
}

const defaultEncoder = new SnappyEncoder();

/** Compresses src into a new array. */
export function snappyEncode(src: Uint8Array): Uint8Array {
  return defaultEncoder.encode(src).slice();
}

/** Uncompressed length stored at the start of a snappy block. */
export function snappyDecodedLen(src: Uint8Array): number {
  let n = 0;
  let shift = 0;
  for (let p = 0; ; p++) {
    if (p >= src.length) throw new SnappyError('snappy: corrupt input (length)');
    const c = src[p]!;
    n += (c & 0x7f) * 2 ** shift;
    if (c < 0x80) return n;
    shift += 7;
    if (shift > 35) throw new SnappyError('snappy: corrupt input (length)');
  }
}

/** Decompresses src into a new array, or into `into` (from offset 0) when it is large enough. */
export function snappyDecode(src: Uint8Array, into?: Uint8Array): Uint8Array {
  let p = 0;
  while (p < src.length && src[p]! >= 0x80) p++;
  p++;
  const n = snappyDecodedLen(src);
  const dst = into && into.length >= n ? into.subarray(0, n) : new Uint8Array(n);
  let d = 0;
  const sl = src.length;
  while (p < sl) {
    const tag = src[p++]!;
    let len: number;
    let off: number;
    switch (tag & 3) {
      case 0: {
        len = tag >>> 2;
        if (len >= 60) {
          const nb = len - 59;
          if (p + nb > sl) throw new SnappyError('snappy: corrupt input (literal)');
          len = src[p]!;
          if (nb > 1) len |= src[p + 1]! << 8;
          if (nb > 2) len |= src[p + 2]! << 16;
          if (nb > 3) len += src[p + 3]! * 16777216;
          p += nb;
        }
        len += 1;
        if (p + len > sl || d + len > n) throw new SnappyError('snappy: corrupt input (literal)');
        if (len <= 16) for (let i = 0; i < len; i++) dst[d + i] = src[p + i]!;
        else dst.set(src.subarray(p, p + len), d);
        p += len;
        d += len;
        continue;
      }
      case 1:
        len = 4 + ((tag >>> 2) & 7);
        if (p >= sl) throw new SnappyError('snappy: corrupt input (copy1)');
        off = ((tag >>> 5) << 8) | src[p++]!;
        break;
      case 2:
        len = (tag >>> 2) + 1;
        if (p + 2 > sl) throw new SnappyError('snappy: corrupt input (copy2)');
        off = src[p]! | (src[p + 1]! << 8);
        p += 2;
        break;
      default:
        len = (tag >>> 2) + 1;
        if (p + 4 > sl) throw new SnappyError('snappy: corrupt input (copy4)');
        off = (src[p]! | (src[p + 1]! << 8) | (src[p + 2]! << 16) | (src[p + 3]! << 24)) >>> 0;
        p += 4;
    }
    if (off === 0 || off > d || d + len > n) throw new SnappyError('snappy: corrupt input (offset)');
    if (off >= len && len > 16) dst.copyWithin(d, d - off, d - off + len);
    else for (let i = 0; i < len; i++) dst[d + i] = dst[d + i - off]!;
    d += len;
  }
  if (d !== n) throw new SnappyError('snappy: corrupt input (short)');
  return dst;
}
