/**
 * Reads a block's `index` file with positional reads: the TOC, symbol table and postings offset
 * table are read at open (they are small); series entries and postings lists are read on demand.
 */
import { Labels, compareStrings } from '../../model/labels.js';
import { Decbuf, DecodeError, crc32c } from '../encoding.js';
import { CorruptionError } from '../errors.js';
import { FileReader } from '../fileio.js';
import { EMPTY, type Postings, type PostingsIndex } from './postings.js';
import { INDEX_MAGIC } from './writer.js';
import type { ChunkMeta } from './writer.js';

export interface Toc {
  symbols: number;
  series: number;
  labelIndices: number;
  labelIndicesTable: number;
  postings: number;
  postingsTable: number;
}

export interface SeriesEntry {
  labels: Labels;
  chunks: ChunkMeta[];
}

export class IndexReader implements PostingsIndex {
  private readonly f: FileReader;
  readonly toc: Toc;
  readonly version: number;
  private readonly symbols: string[];
  /** name → sorted values and their postings offsets. */
  private readonly table = new Map<string, { values: string[]; offsets: number[] }>();

  constructor(readonly path: string) {
    this.f = new FileReader(path);
    try {
      const head = this.f.read(0, 5);
      if (head.length < 5 || new DataView(head.buffer).getUint32(0) !== INDEX_MAGIC)
        this.corrupt(0, 'invalid magic number');
      this.version = head[4]!;
      if (this.version !== 2) this.corrupt(4, `unsupported index version ${this.version}`);
      if (this.f.size < 5 + 52) this.corrupt(0, 'file too small');
      const tocB = this.f.read(this.f.size - 52, 52);
      const d = new Decbuf(tocB);
      if (crc32c(tocB, 0, 48) !== new DataView(tocB.buffer).getUint32(48))
        this.corrupt(this.f.size - 52, 'TOC checksum mismatch');
      this.toc = {
        symbols: d.be64(),
        series: d.be64(),
        labelIndices: d.be64(),
        labelIndicesTable: d.be64(),
        postings: d.be64(),
        postingsTable: d.be64(),
      };
      this.symbols = [];
      if (this.toc.symbols) {
        const sec = this.section(this.toc.symbols);
        const sd = new Decbuf(sec);
        const n = sd.be32();
        for (let i = 0; i < n; i++) this.symbols.push(sd.uvarintStr());
      }
      if (this.toc.postingsTable) {
        const sec = this.section(this.toc.postingsTable);
        const sd = new Decbuf(sec);
        const n = sd.be32();
        for (let i = 0; i < n; i++) {
          const k = sd.uvarint();
          if (k !== 2) this.corrupt(this.toc.postingsTable, `postings offset entry with ${k} keys`);
          const name = sd.uvarintStr();
          const value = sd.uvarintStr();
          const off = sd.uvarint();
          let e = this.table.get(name);
          if (!e) this.table.set(name, (e = { values: [], offsets: [] }));
          e.values.push(value);
          e.offsets.push(off);
        }
      }
    } catch (e) {
      this.f.close();
      if (e instanceof DecodeError) throw new CorruptionError(path, 0, e.message);
      throw e;
    }
  }

  private corrupt(off: number, reason: string): never {
    throw new CorruptionError(this.path, off, reason);
  }

  /** Reads a `len <4b> | data | CRC32 <4b>` section; returns data. */
  private section(off: number): Uint8Array {
    const hdr = this.f.read(off, 4);
    if (hdr.length < 4) this.corrupt(off, 'section header beyond end of file');
    const len = new DataView(hdr.buffer, hdr.byteOffset).getUint32(0);
    const b = this.f.read(off + 4, len + 4);
    if (b.length < len + 4) this.corrupt(off, 'section beyond end of file');
    const want = new DataView(b.buffer, b.byteOffset).getUint32(len);
    if (crc32c(b, 0, len) !== want) this.corrupt(off, 'section checksum mismatch');
    return b.subarray(0, len);
  }

  symbol(i: number): string {
    const s = this.symbols[i];
    if (s === undefined) this.corrupt(0, `unknown symbol ${i}`);
    return s;
  }

  allSymbols(): readonly string[] {
    return this.symbols;
  }

  labelNames(): string[] {
    return [...this.table.keys()].filter((n) => n !== '');
  }

  labelValues(name: string): string[] {
    return name === '' ? [] : (this.table.get(name)?.values ?? []);
  }

  postings(name: string, value: string): Postings {
    const e = this.table.get(name);
    if (!e) return EMPTY;
    // values are sorted: binary search (by Go byte order, which equals the table's order).
    let lo = 0;
    let hi = e.values.length - 1;
    let idx = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = e.values[mid]!;
      if (v === value) {
        idx = mid;
        break;
      }
      if (compareStrings(v, value) < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    if (idx < 0) {
      idx = e.values.indexOf(value);
      if (idx < 0) return EMPTY;
    }
    return this.readPostings(e.offsets[idx]!);
  }

  allPostings(): Postings {
    return this.postings('', '');
  }

  private readPostings(off: number): Postings {
    const sec = this.section(off);
    const d = new DataView(sec.buffer, sec.byteOffset, sec.byteLength);
    const n = d.getUint32(0);
    if (4 + n * 4 > sec.length) this.corrupt(off, 'postings list longer than its section');
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = d.getUint32(4 + 4 * i);
    return out;
  }

  /** Reads the series entry with the given id (offset/16). */
  series(id: number): SeriesEntry {
    const off = id * 16;
    let b = this.f.readCached(off, 512);
    // Varints decoded in place (this runs once per series a query touches).
    let p = 0;
    const uv = (end: number): number => {
      let x = 0;
      let mul = 1;
      for (let i = 0; i < 10; i++) {
        if (p >= end) throw new DecodeError('unexpected end of data in varint');
        const c = b[p++]!;
        x += (c & 0x7f) * mul;
        if (c < 0x80) return x;
        mul *= 128;
      }
      throw new DecodeError('varint overflows 64 bits');
    };
    try {
      const len = uv(b.length);
      const hdr = p;
      if (b.length < hdr + len + 4) b = this.f.read(off, hdr + len + 4);
      if (b.length < hdr + len + 4) this.corrupt(off, 'series entry beyond end of file');
      const e = hdr + len;
      const want = ((b[e]! << 24) | (b[e + 1]! << 16) | (b[e + 2]! << 8) | b[e + 3]!) >>> 0;
      if (crc32c(b, hdr, e) !== want) this.corrupt(off, `series ${id}: checksum mismatch`);
      const nl = uv(e);
      const flat: string[] = new Array(nl * 2);
      for (let i = 0; i < nl * 2; i++) flat[i] = this.symbol(uv(e));
      const nc = uv(e);
      const chunks: ChunkMeta[] = new Array(nc);
      let prevMaxt = 0;
      let prevRef = 0;
      const sv = (): number => {
        const u = uv(e);
        return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
      };
      for (let i = 0; i < nc; i++) {
        let mint: number;
        let ref: number;
        if (i === 0) {
          mint = sv();
          prevMaxt = mint + uv(e);
          ref = uv(e);
        } else {
          mint = prevMaxt + uv(e);
          prevMaxt = mint + uv(e);
          ref = prevRef + sv();
        }
        prevRef = ref;
        chunks[i] = { mint, maxt: prevMaxt, ref };
      }
      return { labels: Labels.fromSortedFlat(flat), chunks };
    } catch (e) {
      if (e instanceof DecodeError) this.corrupt(off, `series ${id}: ${e.message}`);
      throw e;
    }
  }

  close(): void {
    this.f.close();
  }
}
