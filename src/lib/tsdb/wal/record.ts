/**
 * WAL record codec (Prometheus tsdb/record): the first byte is the record type.
 *
 *   Series (1):     repeated { ref <8b BE>, #labels <uvarint>, (name, value) <uvarint len + bytes> }
 *   Samples (2):    first ref <8b BE>, first t <8b BE>, repeated { ref-Δ <varint>, t-Δ <varint>, v <8b float bits> }
 *   Tombstones (3): repeated { ref <8b BE>, mint <varint>, maxt <varint> }
 * Other types (exemplars 4, mmap markers 5, metadata 6, histograms 7/8) are recognised and skipped
 * on replay.
 */
import { Labels, compareStrings } from '../../model/labels.js';
import { Decbuf, Encbuf, F64_HI_WORD, F64_LO_WORD, canonicalNaNHi, decodeUtf8 } from '../encoding.js';

export const RecordType = {
  Unknown: 255,
  Series: 1,
  Samples: 2,
  Tombstones: 3,
  Exemplars: 4,
  MmapMarkers: 5,
  Metadata: 6,
  HistogramSamples: 7,
  FloatHistogramSamples: 8,
} as const;

export interface RefSeries {
  ref: number;
  labels: Labels;
}

/** Samples in columnar form (no object per sample). */
export interface RefSamples {
  refs: ArrayLike<number>;
  ts: ArrayLike<number>;
  vs: Float64Array;
  length: number;
}

export interface Stone {
  ref: number;
  mint: number;
  maxt: number;
}

export function recordType(rec: Uint8Array): number {
  return rec.length === 0 ? RecordType.Unknown : rec[0]!;
}

export function encodeSeries(series: readonly RefSeries[], b = new Encbuf()): Uint8Array {
  b.reset();
  b.putByte(RecordType.Series);
  for (const s of series) {
    b.putBE64(s.ref);
    const f = s.labels.toFlat();
    b.putUvarint(f.length >> 1);
    for (let i = 0; i < f.length; i++) b.putUvarintStr(f[i]!);
  }
  return b.get();
}

export function encodeSamples(s: RefSamples, b = new Encbuf()): Uint8Array {
  b.reset();
  b.putByte(RecordType.Samples);
  if (s.length === 0) return b.get();
  const r0 = s.refs[0]!;
  const t0 = s.ts[0]!;
  b.putBE64(r0);
  b.putBE64(t0);
  // Values are written from their bits in the array: a float passed to a method is boxed (an
  // allocation per sample), and deltas are small integers.
  const vb = new Uint32Array(s.vs.buffer, s.vs.byteOffset, s.length * 2);
  for (let i = 0; i < s.length; i++) {
    b.putVarint(s.refs[i]! - r0);
    b.putVarint(s.ts[i]! - t0);
    const lo = vb[2 * i + F64_LO_WORD]!;
    b.putBE32(canonicalNaNHi(vb[2 * i + F64_HI_WORD]!, lo) | 0);
    b.putBE32(lo | 0);
  }
  return b.get();
}

export function encodeTombstones(stones: readonly Stone[], b = new Encbuf()): Uint8Array {
  b.reset();
  b.putByte(RecordType.Tombstones);
  for (const s of stones) {
    b.putBE64(s.ref);
    b.putVarint(s.mint);
    b.putVarint(s.maxt);
  }
  return b.get();
}

export class RecordError extends Error {
  override readonly name = 'RecordError';
}

/**
 * Interns label strings straight from their UTF-8 bytes: a string seen before is returned without
 * being decoded again (WAL replay meets every metric name and most label values thousands of
 * times). `onNew` is called once per new string and returns the instance to share.
 */
export class ByteInterner {
  private hashes = new Int32Array(4096);
  private strs: (string | undefined)[] = new Array<string | undefined>(4096).fill(undefined);
  private size = 0;

  constructor(private readonly onNew: (s: string) => string = (s) => s) {}

  get(b: Uint8Array, start: number, end: number): string {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 16777619);
    const strs = this.strs;
    const mask = strs.length - 1;
    const n = end - start;
    let i = h & mask;
    for (;;) {
      const s = strs[i];
      if (s === undefined) break;
      if (this.hashes[i] === h && s.length === n) {
        let j = 0;
        while (j < n && s.charCodeAt(j) === b[start + j]) j++;
        if (j === n) return s;
      }
      i = (i + 1) & mask;
    }
    const s = this.onNew(decodeUtf8(b, start, end));
    // Only ASCII strings can be matched byte for char later.
    for (let j = 0; j < n; j++) if (b[start + j]! >= 0x80) return s;
    strs[i] = s;
    this.hashes[i] = h;
    if (++this.size * 2 > strs.length) this.grow();
    return s;
  }

  private grow(): void {
    const old = this.strs;
    const oldH = this.hashes;
    const cap = old.length * 2;
    this.strs = new Array<string | undefined>(cap).fill(undefined);
    this.hashes = new Int32Array(cap);
    for (let k = 0; k < old.length; k++) {
      const s = old[k];
      if (s === undefined) continue;
      let i = oldH[k]! & (cap - 1);
      while (this.strs[i] !== undefined) i = (i + 1) & (cap - 1);
      this.strs[i] = s;
      this.hashes[i] = oldH[k]!;
    }
  }
}

/** Decodes a Series record. `intern` maps strings (or their bytes) to shared instances. */
export function decodeSeries(rec: Uint8Array, intern: ((s: string) => string) | ByteInterner = (s) => s): RefSeries[] {
  const out: RefSeries[] = [];
  forEachSeries(rec, intern, (ref, labels) => out.push({ ref, labels }));
  return out;
}

/**
 * Calls fn for every series of a Series record without collecting them first (WAL replay: a
 * record can hold hundreds of thousands of series, and an array of them all would survive
 * several young-generation collections).
 */
export function forEachSeries(
  rec: Uint8Array,
  intern: ((s: string) => string) | ByteInterner,
  fn: (ref: number, labels: Labels) => void,
): void {
  if (rec[0] !== RecordType.Series) throw new RecordError('not a series record');
  const bi = intern instanceof ByteInterner ? intern : null;
  const sfn = intern instanceof ByteInterner ? null : intern;
  const end = rec.length;
  let p = 1;
  // Byte-level reads with one bounds check per field (this runs once per series on replay).
  while (p < end) {
    if (p + 9 > end) throw new RecordError('unexpected end of series record');
    const ref =
      (((rec[p]! << 24) | (rec[p + 1]! << 16) | (rec[p + 2]! << 8) | rec[p + 3]!) >>> 0) * 4294967296 +
      (((rec[p + 4]! << 24) | (rec[p + 5]! << 16) | (rec[p + 6]! << 8) | rec[p + 7]!) >>> 0);
    p += 8;
    let n = rec[p++]!;
    if (n >= 0x80) {
      const d = new Decbuf(rec, p - 1);
      n = d.uvarint();
      p = d.off;
    }
    const flat: string[] = new Array<string>(n * 2);
    for (let i = 0; i < n * 2; i++) {
      if (p >= end) throw new RecordError('unexpected end of series record');
      let len = rec[p++]!;
      if (len >= 0x80) {
        const d = new Decbuf(rec, p - 1);
        len = d.uvarint();
        p = d.off;
      }
      if (p + len > end) throw new RecordError('unexpected end of series record');
      flat[i] = bi !== null ? bi.get(rec, p, p + len) : sfn!(decodeUtf8(rec, p, p + len));
      p += len;
    }
    fn(ref, labelsFromFlat(flat));
  }
}

/**
 * The entries of a Series record whose ref passes `keep`, copied byte for byte (no label strings
 * are decoded: checkpoints only filter). Returns the kept and total counts; `out` holds the new
 * record (type byte included) when kept > 0.
 */
export function filterSeriesRecord(
  rec: Uint8Array,
  keep: (ref: number) => boolean,
  out: Encbuf,
): { kept: number; total: number } {
  if (rec[0] !== RecordType.Series) throw new RecordError('not a series record');
  const d = new Decbuf(rec, 1);
  out.reset();
  out.putByte(RecordType.Series);
  let kept = 0;
  let total = 0;
  while (d.remaining() > 0) {
    const start = d.off;
    const ref = d.be64();
    const n = d.uvarint();
    for (let i = 0; i < n * 2; i++) {
      const len = d.uvarint();
      if (d.off + len > d.end) throw new RecordError('unexpected end of series record');
      d.off += len;
    }
    total++;
    if (keep(ref)) {
      kept++;
      out.putBytes(rec.subarray(start, d.off));
    }
  }
  return { kept, total };
}

/** Labels from a flat list that should already be sorted (re-sorts when it is not). */
export function labelsFromFlat(flat: string[]): Labels {
  for (let i = 2; i < flat.length; i += 2) {
    if (compareStrings(flat[i - 2]!, flat[i]!) >= 0) {
      const pairs: [string, string][] = [];
      for (let j = 0; j < flat.length; j += 2) pairs.push([flat[j]!, flat[j + 1]!]);
      return Labels.fromPairs(pairs);
    }
  }
  return Labels.fromSortedFlat(flat);
}

/** Decodes a Samples record into columns. */
export function decodeSamples(rec: Uint8Array): {
  refs: Float64Array;
  ts: Float64Array;
  vs: Float64Array;
  length: number;
} {
  if (rec[0] !== RecordType.Samples) throw new RecordError('not a samples record');
  const d = new Decbuf(rec, 1);
  if (d.remaining() === 0)
    return { refs: new Float64Array(0), ts: new Float64Array(0), vs: new Float64Array(0), length: 0 };
  const r0 = d.be64();
  const t0 = d.be64int();
  // Each sample takes at least 10 bytes.
  const cap = Math.ceil(d.remaining() / 10);
  const refs = new Float64Array(cap);
  const ts = new Float64Array(cap);
  const vs = new Float64Array(cap);
  let n = 0;
  while (d.remaining() > 0) {
    refs[n] = r0 + d.varint();
    ts[n] = t0 + d.varint();
    vs[n] = d.float();
    n++;
  }
  return { refs, ts, vs, length: n };
}

export function decodeTombstones(rec: Uint8Array): Stone[] {
  if (rec[0] !== RecordType.Tombstones) throw new RecordError('not a tombstones record');
  const d = new Decbuf(rec, 1);
  const out: Stone[] = [];
  while (d.remaining() > 0) out.push({ ref: d.be64(), mint: d.varint(), maxt: d.varint() });
  return out;
}
