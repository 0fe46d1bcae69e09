/**
 * Writes a block's `index` file (format v2, see index.md beside this file): header, symbol table,
 * series (16-byte aligned, id = offset/16), label indices, postings (4-byte aligned, all-postings
 * first under the empty label pair), label offset table, postings offset table, TOC.
 */
import { Labels, compareStrings } from '../../model/labels.js';
import { Encbuf, crc32c } from '../encoding.js';
import { FileWriter } from '../fileio.js';

export const INDEX_MAGIC = 0xbaaad700;
export const INDEX_VERSION = 2;

export interface ChunkMeta {
  mint: number;
  maxt: number;
  ref: number;
}

export class IndexWriter {
  private readonly f: FileWriter;
  private readonly symIndex = new Map<string, number>();
  private readonly symbols: string[];
  private readonly postings = new Map<string, Map<string, number[]>>();
  private readonly all: number[] = [];
  private seriesStart = 0;
  private lastLabels: Labels | null = null;
  private readonly e = new Encbuf(1024);
  private readonly content = new Encbuf(1024);
  numSeries = 0;

  /** `symbols`: every label name and value used by the series, sorted and unique. */
  constructor(path: string, symbols: readonly string[]) {
    this.f = new FileWriter(path);
    this.symbols = [...symbols];
    const e = this.e.reset();
    e.putBE32(INDEX_MAGIC);
    e.putByte(INDEX_VERSION);
    this.f.write(e.get());
    // Symbol table.
    e.reset();
    e.putBE32(0); // len placeholder
    e.putBE32(this.symbols.length);
    this.symbols.forEach((s, i) => {
      e.putUvarintStr(s);
      this.symIndex.set(s, i);
    });
    const len = e.len - 4;
    new DataView(e.buf.buffer).setUint32(0, len);
    e.putCRC32(4);
    this.f.write(e.get());
  }

  /** Adds a series; series must come in Labels.compare order. */
  addSeries(labels: Labels, chunks: readonly ChunkMeta[]): void {
    if (this.lastLabels && Labels.compare(this.lastLabels, labels) >= 0) {
      throw new Error(`index: series out of order: ${labels.toString()} after ${this.lastLabels.toString()}`);
    }
    this.lastLabels = labels;
    if (this.numSeries === 0) this.seriesStart = this.f.pos; // before padding, as Prometheus records it
    this.f.align(16);
    const id = this.f.pos / 16;
    const c = this.content.reset();
    const flat = labels.toFlat();
    c.putUvarint(flat.length >> 1);
    for (let i = 0; i < flat.length; i += 2) {
      const n = this.symIndex.get(flat[i]!);
      const v = this.symIndex.get(flat[i + 1]!);
      if (n === undefined || v === undefined) throw new Error(`index: symbol missing for ${labels.toString()}`);
      c.putUvarint(n);
      c.putUvarint(v);
      let byVal = this.postings.get(flat[i]!);
      if (!byVal) this.postings.set(flat[i]!, (byVal = new Map()));
      let list = byVal.get(flat[i + 1]!);
      if (!list) byVal.set(flat[i + 1]!, (list = []));
      list.push(id);
    }
    this.all.push(id);
    c.putUvarint(chunks.length);
    let prevMaxt = 0;
    let prevRef = 0;
    chunks.forEach((m, i) => {
      if (i === 0) {
        c.putVarint(m.mint);
        c.putUvarint(m.maxt - m.mint);
        c.putUvarint(m.ref);
      } else {
        c.putUvarint(m.mint - prevMaxt);
        c.putUvarint(m.maxt - m.mint);
        c.putVarint(m.ref - prevRef);
      }
      prevMaxt = m.maxt;
      prevRef = m.ref;
    });
    const e = this.e.reset();
    e.putUvarint(c.len);
    e.putBytes(c.get());
    e.putBE32(crc32c(c.get()));
    this.f.write(e.get());
    this.numSeries++;
  }

  /** Writes the remaining sections and the TOC, fsyncs and closes. */
  close(): void {
    const f = this.f;
    try {
      const names = [...this.postings.keys()].sort(compareStrings);
      // Label indices (kept for older readers; Prometheus no longer reads them).
      // Section starts are recorded before their alignment padding, as Prometheus does.
      const labelIndicesStart = f.pos;
      const labelOffsets: [string, number][] = [];
      for (const name of names) {
        f.align(4);
        labelOffsets.push([name, f.pos]);
        const values = [...this.postings.get(name)!.keys()].sort(compareStrings);
        const e = this.e.reset();
        e.putBE32(0);
        e.putBE32(1);
        e.putBE32(values.length);
        for (const v of values) e.putBE32(this.symIndex.get(v)!);
        new DataView(e.buf.buffer).setUint32(0, e.len - 4);
        e.putCRC32(4);
        f.write(e.get());
      }
      // Postings.
      const postingsStart = f.pos;
      const postingOffsets: [string, string, number][] = [];
      const writeList = (name: string, value: string, ids: number[]): void => {
        f.align(4);
        postingOffsets.push([name, value, f.pos]);
        const e = this.e.reset();
        e.putBE32(4 + 4 * ids.length);
        e.putBE32(ids.length);
        for (const id of ids) e.putBE32(id);
        e.putCRC32(4);
        f.write(e.get());
      };
      writeList('', '', this.all);
      for (const name of names) {
        const byVal = this.postings.get(name)!;
        for (const v of [...byVal.keys()].sort(compareStrings)) writeList(name, v, byVal.get(v)!);
      }
      // Label offset table.
      const labelOffsetTable = f.pos;
      {
        const e = this.e.reset();
        e.putBE32(0);
        e.putBE32(labelOffsets.length);
        for (const [n, off] of labelOffsets) {
          e.putUvarint(1);
          e.putUvarintStr(n);
          e.putUvarint(off);
        }
        new DataView(e.buf.buffer).setUint32(0, e.len - 4);
        e.putCRC32(4);
        f.write(e.get());
      }
      // Postings offset table.
      const postingsTable = f.pos;
      {
        const e = this.e.reset();
        e.putBE32(0);
        e.putBE32(postingOffsets.length);
        for (const [n, v, off] of postingOffsets) {
          e.putUvarint(2);
          e.putUvarintStr(n);
          e.putUvarintStr(v);
          e.putUvarint(off);
        }
        new DataView(e.buf.buffer).setUint32(0, e.len - 4);
        e.putCRC32(4);
        f.write(e.get());
      }
      // TOC.
      const e = this.e.reset();
      e.putBE64(5);
      e.putBE64(this.numSeries ? this.seriesStart : 0);
      e.putBE64(labelIndicesStart);
      e.putBE64(labelOffsetTable);
      e.putBE64(postingsStart);
      e.putBE64(postingsTable);
      e.putCRC32(0);
      f.write(e.get());
      f.close();
    } catch (err) {
      f.abort();
      throw err;
    }
  }

  abort(): void {
    this.f.abort();
  }
}
