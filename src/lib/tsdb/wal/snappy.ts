/**
 * Snappy block-format decompression (github.com/google/snappy format_description.txt). Prometheus
 * compresses WAL records with snappy by default (--storage.tsdb.wal-compression); we read such
 * records and write uncompressed ones.
 */
export class SnappyError extends Error {
  override readonly name = 'SnappyError';
}

export function snappyDecode(src: Uint8Array): Uint8Array {
  let p = 0;
  let n = 0;
  let shift = 0;
  for (;;) {
    if (p >= src.length) throw new SnappyError('snappy: corrupt input (length)');
    const c = src[p++]!;
    n += (c & 0x7f) * 2 ** shift;
    if (c < 0x80) break;
    shift += 7;
    if (shift > 35) throw new SnappyError('snappy: corrupt input (length)');
  }
  const dst = new Uint8Array(n);
  let d = 0;
  while (p < src.length) {
    const tag = src[p++]!;
    let len: number;
    let off: number;
    switch (tag & 3) {
      case 0: {
        len = tag >>> 2;
        if (len >= 60) {
          const nb = len - 59;
          if (p + nb > src.length) throw new SnappyError('snappy: corrupt input (literal)');
          len = 0;
          for (let i = 0; i < nb; i++) len += src[p + i]! * 2 ** (8 * i);
          p += nb;
        }
        len += 1;
        if (p + len > src.length || d + len > n) throw new SnappyError('snappy: corrupt input (literal)');
        dst.set(src.subarray(p, p + len), d);
        p += len;
        d += len;
        continue;
      }
      case 1:
        len = 4 + ((tag >>> 2) & 7);
        if (p >= src.length) throw new SnappyError('snappy: corrupt input (copy1)');
        off = ((tag >>> 5) << 8) | src[p++]!;
        break;
      case 2:
        len = (tag >>> 2) + 1;
        if (p + 2 > src.length) throw new SnappyError('snappy: corrupt input (copy2)');
        off = src[p]! | (src[p + 1]! << 8);
        p += 2;
        break;
      default:
        len = (tag >>> 2) + 1;
        if (p + 4 > src.length) throw new SnappyError('snappy: corrupt input (copy4)');
        off = (src[p]! | (src[p + 1]! << 8) | (src[p + 2]! << 16) | (src[p + 3]! << 24)) >>> 0;
        p += 4;
    }
    if (off === 0 || off > d || d + len > n) throw new SnappyError('snappy: corrupt input (offset)');
    for (let i = 0; i < len; i++, d++) dst[d] = dst[d - off]!;
  }
  if (d !== n) throw new SnappyError('snappy: corrupt input (short)');
  return dst;
}
