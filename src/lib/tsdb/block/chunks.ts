/**
 * Chunk segment files of a block (`chunks/000001`, …; see chunks.md beside this file):
 *
 *   header: magic 0x85BD40DD <4b> | version 1 <1b> | padding <3b>
 *   chunk:  len(data) <uvarint> | encoding <1b> | data | CRC32C(encoding + data) <4b>
 *
 * A chunk reference is (segment index << 32) | offset, where the index counts files from 0.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { Encbuf, crc32c } from '../encoding.js';
import { CorruptionError } from '../errors.js';
import { FileReader, FileWriter } from '../fileio.js';

export const CHUNKS_MAGIC = 0x85bd40dd;
export const CHUNKS_VERSION = 1;
export const SEGMENT_HEADER_SIZE = 8;
export const DEFAULT_CHUNK_SEGMENT_SIZE = 512 * 1024 * 1024;
const TWO32 = 4294967296;

export function chunkSegmentName(i: number): string {
  return String(i + 1).padStart(6, '0');
}

export class ChunkWriter {
  private f: FileWriter | null = null;
  private seq = -1;
  private readonly e = new Encbuf(256);

  constructor(
    readonly dir: string,
    private readonly segmentSize = DEFAULT_CHUNK_SEGMENT_SIZE,
  ) {
    fs.mkdirSync(dir, { recursive: true });
  }

  private cut(): void {
    this.f?.close();
    this.seq++;
    this.f = new FileWriter(join(this.dir, chunkSegmentName(this.seq)));
    const h = new Uint8Array(SEGMENT_HEADER_SIZE);
    new DataView(h.buffer).setUint32(0, CHUNKS_MAGIC);
    h[4] = CHUNKS_VERSION;
    this.f.write(h);
  }

  /** Writes one chunk; returns its reference. */
  write(encoding: number, data: Uint8Array): number {
    const e = this.e.reset();
    e.putUvarint(data.length);
    e.putByte(encoding);
    const crcStart = e.len - 1;
    e.putBytes(data);
    e.putCRC32(crcStart);
    if (!this.f || (this.f.pos + e.len > this.segmentSize && this.f.pos > SEGMENT_HEADER_SIZE)) this.cut();
    const ref = this.seq * TWO32 + this.f!.pos;
    this.f!.write(e.get());
    return ref;
  }

  close(): void {
    if (!this.f) this.cut(); // Prometheus always writes at least one (possibly empty) segment
    this.f!.close();
  }

  abort(): void {
    this.f?.abort();
  }
}

export interface RawChunk {
  encoding: number;
  data: Uint8Array;
}

export class ChunkReader {
  private readonly files: FileReader[] = [];

  constructor(readonly dir: string) {
    const names = fs
      .readdirSync(dir)
      .filter((n) => /^\d{6}$/.test(n))
      .sort();
    try {
      for (const n of names) {
        const f = new FileReader(join(dir, n));
        this.files.push(f);
        const h = f.read(0, SEGMENT_HEADER_SIZE);
        if (h.length < SEGMENT_HEADER_SIZE || new DataView(h.buffer).getUint32(0) !== CHUNKS_MAGIC) {
          throw new CorruptionError(f.path, 0, 'invalid chunk segment magic number');
        }
        if (h[4] !== CHUNKS_VERSION) throw new CorruptionError(f.path, 4, `unsupported chunk segment version ${h[4]}`);
      }
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** Total bytes of chunk segments. */
  size(): number {
    return this.files.reduce((a, f) => a + f.size, 0);
  }

  /** Reads several chunks, batching reads of neighbouring chunks in one segment. */
  chunks(refs: readonly number[]): RawChunk[] {
    if (refs.length === 0) return [];
    const out: RawChunk[] = new Array(refs.length);
    let i = 0;
    while (i < refs.length) {
      const seg = Math.floor(refs[i]! / TWO32);
      let j = i;
      let last = refs[i]! % TWO32;
      const first = last;
      while (
        j + 1 < refs.length &&
        Math.floor(refs[j + 1]! / TWO32) === seg &&
        refs[j + 1]! % TWO32 > last &&
        (refs[j + 1]! % TWO32) - last < 65536
      ) {
        j++;
        last = refs[j]! % TWO32;
      }
      const f = this.files[seg];
      if (!f) throw new CorruptionError(this.dir, 0, `chunk reference to missing segment ${seg}`);
      const span = f.readCached(first, last - first + 2048);
      for (let k = i; k <= j; k++) {
        const off = (refs[k]! % TWO32) - first;
        out[k] = this.parse(f, span, off, first) ?? this.chunk(refs[k]!);
      }
      i = j + 1;
    }
    return out;
  }

  /** Parses a chunk at `off` in `b` (which starts at file position base); null when b is too short. */
  private parse(f: FileReader, b: Uint8Array, off: number, base: number): RawChunk | null {
    let len = 0;
    let mul = 1;
    let p = off;
    for (;;) {
      if (p >= b.length) return null;
      const c = b[p++]!;
      len += (c & 0x7f) * mul;
      if (c < 0x80) break;
      mul *= 128;
      if (p - off > 10) throw new CorruptionError(f.path, base + off, 'bad chunk length');
    }
    if (p + 1 + len + 4 > b.length) return null;
    const enc = b[p]!;
    const want = ((b[p + 1 + len]! << 24) | (b[p + 2 + len]! << 16) | (b[p + 3 + len]! << 8) | b[p + 4 + len]!) >>> 0;
    if (crc32c(b, p, p + 1 + len) !== want) throw new CorruptionError(f.path, base + off, 'chunk checksum mismatch');
    return { encoding: enc, data: b.subarray(p + 1, p + 1 + len) };
  }

  chunk(ref: number): RawChunk {
    const seg = Math.floor(ref / TWO32);
    const off = ref % TWO32;
    const f = this.files[seg];
    if (!f) throw new CorruptionError(this.dir, 0, `chunk reference to missing segment ${seg}`);
    let b = f.readCached(off, 512);
    let c = this.parse(f, b, 0, off);
    if (!c) {
      // Longer than the first read: read exactly its length (varint) + encoding + data + CRC.
      let len = 0;
      let mul = 1;
      let p = 0;
      while (p < b.length && p < 10) {
        const x = b[p++]!;
        len += (x & 0x7f) * mul;
        if (x < 0x80) break;
        mul *= 128;
      }
      b = f.readCached(off, p + 1 + len + 4);
      c = this.parse(f, b, 0, off);
      if (!c) throw new CorruptionError(f.path, off, 'chunk beyond end of file');
    }
    return c;
  }

  close(): void {
    for (const f of this.files) f.close();
    this.files.length = 0;
  }
}
