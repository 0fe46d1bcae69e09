/**
 * Bulk XOR chunk decoding for queries: decodes a whole chunk straight into shared typed arrays (a
 * SampleBuffer), clipped to [mint, maxt] and minus deleted intervals. Same format as XorIterator
 * (xor.ts, chunkenc.md), but one function with the bit cursor in locals: no iterator object, no
 * method call per field, no exception handling per sample.
 */
import { growSampleBuffer, type SampleBuffer } from '../../storage/interface.js';

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE ? 1 : 0;
const LO = LITTLE ? 0 : 1;
const TWO32 = 4294967296;

export class ChunkDecodeError extends Error {}

/** Reads n (1..32) bits at bit position pos as an unsigned number. */
function bitsAt(b: Uint8Array, pos: number, n: number): number {
  const i = pos >> 3;
  if (i + 4 < b.length) {
    // Fast path: the bits lie within the 5 bytes at i.
    // The 32 bits at pos (from the 40 bits at i), then their top n.
    const off = pos & 7;
    const w = (b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!;
    return ((w << off) | (b[i + 4]! >>> (8 - off))) >>> (32 - n);
  }
  let v = 0;
  while (n > 0) {
    const avail = 8 - (pos & 7);
    const take = avail < n ? avail : n;
    v = v * (1 << take) + ((b[pos >> 3]! >>> (avail - take)) & ((1 << take) - 1));
    pos += take;
    n -= take;
  }
  return v;
}

/** A deleted interval (tombstone), inclusive. */
export interface DeletedRange {
  mint: number;
  maxt: number;
}

/** Bit position just after the varint uvarintAt last read. */
let varintEnd = 0;

/** Reads an unsigned varint of whole bytes starting at bit `pos`; sets varintEnd. */
function uvarintAt(b: Uint8Array, pos: number): number {
  let u = 0;
  let mul = 1;
  for (let k = 0; ; k++) {
    if (k === 10) throw new ChunkDecodeError('corrupt XOR chunk: varint overflow');
    const c = bitsAt(b, pos, 8);
    pos += 8;
    u += (c & 0x7f) * mul;
    if (c < 0x80) break;
    mul *= 128;
  }
  varintEnd = pos;
  return u;
}

/**
 * Appends the samples of an XOR chunk with t in [mint, maxt] (and outside `deleted`) to `buf`.
 * `count` is the number of samples to read (defaults to the chunk header). Returns false when a
 * sample past maxt was seen (later chunks need not be read). Throws ChunkDecodeError on a
 * truncated or malformed chunk.
 */
export function decodeXorInto(
  b: Uint8Array,
  count: number | undefined,
  mint: number,
  maxt: number,
  deleted: readonly DeletedRange[] | undefined,
  buf: SampleBuffer,
): boolean {
  const total = count ?? (b.length >= 2 ? (b[0]! << 8) | b[1]! : 0);
  if (total === 0) return true;
  const endBits = b.length * 8;
  growSampleBuffer(buf, total);
  const ots = buf.ts;
  const ovs = buf.vs;
  let n = buf.n;
  let pos = 16;
  let t = 0;
  let tDelta = 0;
  let vHi = 0;
  let vLo = 0;
  let leading = 0;
  let trailing = 0;
  let more = true;
  for (let i = 0; i < total; i++) {
    if (i === 0) {
      // Signed varint timestamp, then 64 raw bits.
      const u = uvarintAt(b, pos);
      pos = varintEnd;
      t = u % 2 === 0 ? u / 2 : -(u + 1) / 2;
      vHi = bitsAt(b, pos, 32);
      vLo = bitsAt(b, pos + 32, 32);
      pos += 64;
    } else {
      if (i === 1) {
        tDelta = uvarintAt(b, pos);
        pos = varintEnd;
      } else {
        // Delta of delta: 0 | 10+14 | 110+17 | 1110+20 | 1111+64 bits.
        let ones = 0;
        while (ones < 4 && ((b[pos >> 3]! >>> (7 - (pos & 7))) & 1) === 1) {
          ones++;
          pos++;
        }
        if (ones < 4) pos++; // the terminating 0
        let dod = 0;
        if (ones === 1) {
          dod = bitsAt(b, pos, 14);
          pos += 14;
          if (dod > 8192) dod -= 16384;
        } else if (ones === 2) {
          dod = bitsAt(b, pos, 17);
          pos += 17;
          if (dod > 65536) dod -= 131072;
        } else if (ones === 3) {
          dod = bitsAt(b, pos, 20);
          pos += 20;
          if (dod > 524288) dod -= 1048576;
        } else if (ones === 4) {
          const hi = bitsAt(b, pos, 32);
          const lo = bitsAt(b, pos + 32, 32);
          pos += 64;
          dod = (hi | 0) * TWO32 + lo;
        }
        tDelta += dod;
      }
      t += tDelta;
      // Value: 0 (same) | 10 (previous window) | 11 + 5 bits leading + 6 bits length.
      if (((b[pos >> 3]! >>> (7 - (pos & 7))) & 1) === 0) pos++;
      else {
        pos++;
        if (((b[pos >> 3]! >>> (7 - (pos & 7))) & 1) === 1) {
          pos++;
          leading = bitsAt(b, pos, 5);
          let m = bitsAt(b, pos + 5, 6);
          pos += 11;
          if (m === 0) m = 64;
          trailing = 64 - leading - m;
        } else pos++;
        const m = 64 - leading - trailing;
        let hi = 0;
        let lo: number;
        if (m > 32) {
          hi = bitsAt(b, pos, m - 32);
          lo = bitsAt(b, pos + m - 32, 32);
        } else lo = bitsAt(b, pos, m);
        pos += m;
        const tr = trailing;
        if (tr === 0) {
          vHi = (vHi ^ hi) >>> 0;
          vLo = (vLo ^ lo) >>> 0;
        } else if (tr < 32) {
          vHi = (vHi ^ (((hi << tr) | (lo >>> (32 - tr))) >>> 0)) >>> 0;
          vLo = (vLo ^ ((lo << tr) >>> 0)) >>> 0;
        } else {
          vHi = (vHi ^ ((lo << (tr - 32)) >>> 0)) >>> 0;
        }
      }
    }
    if (pos > endBits) throw new ChunkDecodeError('corrupt XOR chunk: EOF');
    if (t < mint) continue;
    if (t > maxt) {
      more = false;
      break;
    }
    if (deleted !== undefined && deleted.length > 0 && isDeleted(deleted, t)) continue;
    U32[HI] = vHi;
    U32[LO] = vLo;
    ots[n] = t;
    ovs[n] = F64[0]!;
    n++;
  }
  buf.n = n;
  return more;
}

function isDeleted(ivs: readonly DeletedRange[], t: number): boolean {
  for (const iv of ivs) if (t >= iv.mint && t <= iv.maxt) return true;
  return false;
}
