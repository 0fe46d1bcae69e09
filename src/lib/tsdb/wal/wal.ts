/**
 * The write-ahead log, in Prometheus' format (tsdb/wlog, see wal.md beside this file).
 *
 * A WAL directory holds segment files named by an 8-digit index (00000000, 00000001, …). Segments
 * are split into 32 KiB pages; records are written as fragments, each with a 7-byte header:
 * type (1 byte: 1 full, 2 first, 3 middle, 4 last; bit 3 set = snappy-compressed), length
 * (2 bytes BE) and the CRC32C of the fragment's data (4 bytes BE). A fragment never crosses a page,
 * a record never crosses a segment. Unused page space is zero (type 0 means "rest of page empty").
 *
 * Durability (same as Prometheus): every `log()` call writes its records to the segment file
 * (write(2), so they are in the OS page cache and survive a crash of the process) before it
 * returns; segments are fsynced when they are completed and on close. A power loss can lose the
 * records written since the last segment fsync, as with Prometheus. `fsync: 'always'` fsyncs after
 * every `log()` for stronger guarantees at a large cost in throughput.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { crc32c } from '../encoding.js';
import { CorruptionError, WriteFailedError } from '../errors.js';
import { SnappyEncoder, snappyDecode, snappyDecodedLen } from './snappy.js';

export const PAGE_SIZE = 32 * 1024;
export const RECORD_HEADER_SIZE = 7;
export const DEFAULT_SEGMENT_SIZE = 128 * 1024 * 1024;

const REC_PAGE_TERM = 0;
const REC_FULL = 1;
const REC_FIRST = 2;
const REC_MIDDLE = 3;
const REC_LAST = 4;
const SNAPPY_MASK = 1 << 3;
const ZSTD_MASK = 1 << 4;
const TYPE_MASK = SNAPPY_MASK - 1;

export function segmentName(i: number): string {
  return String(i).padStart(8, '0');
}

/** Segment indexes present in dir, sorted. Throws CorruptionError on a gap. */
export function listSegments(dir: string): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out = names
    .filter((n) => /^\d{8}$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
  for (let i = 1; i < out.length; i++) {
    if (out[i] !== out[i - 1]! + 1)
      throw new CorruptionError(dir, 0, `segments are not sequential (${out[i - 1]} then ${out[i]})`);
  }
  return out;
}

/** File operations the writer uses; tests inject failures (disk full) here. */
export interface WalFileOps {
  writeSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
  fsyncSync(fd: number): void;
  ftruncateSync(fd: number, len: number): void;
}

const realOps: WalFileOps = {
  writeSync: (fd, buf, off, len, pos) => fs.writeSync(fd, buf, off, len, pos),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  ftruncateSync: (fd, len) => fs.ftruncateSync(fd, len),
};

export interface WalOptions {
  segmentSize?: number;
  /** 'segment' (default, like Prometheus): fsync completed segments and on close. 'always': after every log(). */
  fsync?: 'segment' | 'always';
  fileOps?: WalFileOps;
  /**
   * Snappy-compress records (fragments flagged with bit 3), as Prometheus'
   * --storage.tsdb.wal-compression; a record is stored compressed only when that makes it smaller.
   * Default false here; the TSDB turns it on by default as Prometheus does.
   */
  compress?: boolean;
}

export class WalWriter {
  private readonly page = new Uint8Array(PAGE_SIZE);
  private alloc = 0;
  private flushed = 0;
  private donePages = 0;
  private fd = -1;
  private seg = -1;
  private readonly segmentSize: number;
  private readonly ops: WalFileOps;
  private readonly fsyncAlways: boolean;
  private broken = false;
  private closed = false;
  private readonly snappy: SnappyEncoder | null;
  /** Bytes written (stats). */
  bytesWritten = 0;
  recordsWritten = 0;
  /** Bytes saved by compression (Prometheus' prometheus_tsdb_wal_record_bytes_saved_total). */
  bytesSaved = 0;

  private constructor(
    readonly dir: string,
    opts: WalOptions,
  ) {
    this.segmentSize = Math.max(
      PAGE_SIZE * 2,
      Math.floor((opts.segmentSize ?? DEFAULT_SEGMENT_SIZE) / PAGE_SIZE) * PAGE_SIZE,
    );
    this.ops = opts.fileOps ?? realOps;
    this.fsyncAlways = opts.fsync === 'always';
    this.snappy = opts.compress ? new SnappyEncoder() : null;
  }

  /** Whether records are snappy-compressed. */
  get compressed(): boolean {
    return this.snappy !== null;
  }

  /** Opens the WAL for writing, starting a new segment after the last existing one (as Prometheus does). */
  static open(dir: string, opts: WalOptions = {}): WalWriter {
    fs.mkdirSync(dir, { recursive: true });
    const w = new WalWriter(dir, opts);
    const segs = listSegments(dir);
    const last = segs.length ? segs[segs.length - 1]! : -1;
    w.createSegment(last + 1);
    return w;
  }

  /** Index of the segment being written. */
  get currentSegment(): number {
    return this.seg;
  }

  private createSegment(i: number): void {
    const p = join(this.dir, segmentName(i));
    this.fd = fs.openSync(p, 'w', 0o644);
    this.seg = i;
    this.alloc = this.flushed = this.donePages = 0;
    this.page.fill(0);
    fsyncDir(this.dir);
  }

  private pagesPerSegment(): number {
    return this.segmentSize / PAGE_SIZE;
  }

  private pageFull(): boolean {
    return PAGE_SIZE - this.alloc < RECORD_HEADER_SIZE;
  }

  /** Writes the unwritten part of the page; with clear, pads the page to its end and moves on. */
  private flushPage(clear: boolean): void {
    if (clear) this.alloc = PAGE_SIZE;
    const pos = this.donePages * PAGE_SIZE + this.flushed;
    let off = this.flushed;
    while (off < this.alloc) {
      const n = this.ops.writeSync(this.fd, this.page, off, this.alloc - off, pos + off - this.flushed);
      off += n;
    }
    this.bytesWritten += this.alloc - this.flushed;
    this.flushed = this.alloc;
    if (this.alloc === PAGE_SIZE) {
      this.donePages++;
      this.page.fill(0);
      this.alloc = this.flushed = 0;
    }
  }

  /** Completes the current segment (padded, fsynced) and starts the next one. Returns its index. */
  nextSegment(): number {
    if (this.alloc > 0) this.flushPage(true);
    this.ops.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.createSegment(this.seg + 1);
    return this.seg;
  }

  /**
   * Writes records; returns once they are in the segment file. On a write error nothing of this
   * call remains in the file (it is truncated back) and a WriteFailedError is thrown; the next
   * call starts a new segment.
   */
  log(recs: readonly Uint8Array[]): void {
    if (this.closed) throw new WriteFailedError(this.dir, 'closed');
    if (this.broken) {
      // After a failed write: continue in a fresh segment (the old one ends cleanly where we truncated it).
      try {
        fs.closeSync(this.fd);
      } catch {
        /* already closed */
      }
      this.createSegment(this.seg + 1);
      this.broken = false;
    }
    const startSeg = this.seg;
    const startPos = this.donePages * PAGE_SIZE + this.flushed;
    const snapAlloc = this.alloc;
    const snapFlushed = this.flushed;
    const snapDone = this.donePages;
    try {
      for (let i = 0; i < recs.length; i++) this.logOne(recs[i]!, i === recs.length - 1);
      if (this.fsyncAlways) this.ops.fsyncSync(this.fd);
      this.recordsWritten += recs.length;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      try {
        if (this.seg === startSeg) {
          this.ops.ftruncateSync(this.fd, startPos);
          this.alloc = snapAlloc;
          this.flushed = snapFlushed;
          this.donePages = snapDone;
          this.page.fill(0);
          // Every call ends with its page written out, so the page as it was is in the file: read
          // it back (only on this failure path; copying it on every call cost 16 KB per commit).
          let got = 0;
          while (got < snapAlloc) {
            const n = fs.readSync(this.fd, this.page, got, snapAlloc - got, snapDone * PAGE_SIZE + got);
            if (n <= 0) throw new Error('short read');
            got += n;
          }
        } else {
          // We had moved on to a new segment: drop it entirely.
          this.ops.ftruncateSync(this.fd, 0);
          this.broken = true;
        }
      } catch {
        this.broken = true;
      }
      throw new WriteFailedError(join(this.dir, segmentName(this.seg)), code ?? (e as Error).message);
    }
  }

  private logOne(rec: Uint8Array, final: boolean): void {
    if (this.pageFull()) this.flushPage(true);
    // As Prometheus: compress before deciding whether the record fits the segment, and keep the
    // compressed form only when it is smaller. Every fragment of a compressed record is flagged.
    let flag = 0;
    if (this.snappy !== null && rec.length > 0) {
      const c = this.snappy.encode(rec);
      if (c.length < rec.length) {
        this.bytesSaved += rec.length - c.length;
        rec = c;
        flag = SNAPPY_MASK;
      }
    }
    let left = PAGE_SIZE - this.alloc - RECORD_HEADER_SIZE;
    left += (PAGE_SIZE - RECORD_HEADER_SIZE) * (this.pagesPerSegment() - this.donePages - 1);
    if (rec.length > left) this.nextSegment();
    let off = 0;
    for (let i = 0; i === 0 || off < rec.length; i++) {
      const l = Math.min(rec.length - off, PAGE_SIZE - this.alloc - RECORD_HEADER_SIZE);
      const end = off + l;
      let typ: number;
      if (i === 0 && end === rec.length) typ = REC_FULL;
      else if (end === rec.length) typ = REC_LAST;
      else if (i === 0) typ = REC_FIRST;
      else typ = REC_MIDDLE;
      const p = this.page;
      const a = this.alloc;
      p[a] = typ | flag;
      p[a + 1] = l >>> 8;
      p[a + 2] = l & 0xff;
      const crc = crc32c(rec, off, end);
      p[a + 3] = crc >>> 24;
      p[a + 4] = (crc >>> 16) & 0xff;
      p[a + 5] = (crc >>> 8) & 0xff;
      p[a + 6] = crc & 0xff;
      p.set(rec.subarray(off, end), a + RECORD_HEADER_SIZE);
      this.alloc = a + RECORD_HEADER_SIZE + l;
      off = end;
      if (this.pageFull()) this.flushPage(true);
    }
    if (final && this.alloc > 0) this.flushPage(false);
  }

  sync(): void {
    this.ops.fsyncSync(this.fd);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.alloc > this.flushed) this.flushPage(false);
      this.ops.fsyncSync(this.fd);
    } finally {
      fs.closeSync(this.fd);
    }
  }
}

export function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* some filesystems do not allow fsync on directories */
  }
}

export interface WalRecord {
  /** The record, uncompressed. Valid until the iteration moves on (buffers are reused): copy to keep. */
  rec: Uint8Array;
  /** Offset just past the record's last fragment. */
  end: number;
}

/**
 * Reads the records of one segment. A torn or corrupted tail ends the iteration with a
 * CorruptionError carrying `lastGoodEnd` (offset just past the last complete record).
 */
export class SegmentCorruption extends CorruptionError {
  constructor(
    file: string,
    offset: number,
    reason: string,
    readonly lastGoodEnd: number,
  ) {
    super(file, offset, reason);
  }
}

export function* readSegmentRecords(file: string, buf: Uint8Array = fs.readFileSync(file)): Generator<WalRecord> {
  let pos = 0;
  let parts: Uint8Array[] = [];
  let partsLen = 0;
  let partsCompressed = false;
  let recStart = 0;
  let lastGoodEnd = 0;
  // Reused for reassembled fragments and for decompressed records.
  let whole = new Uint8Array(0);
  let plain = new Uint8Array(0);
  const fail = (off: number, reason: string): never => {
    throw new SegmentCorruption(file, off, reason, lastGoodEnd);
  };
  const decompress = (data: Uint8Array, off: number): Uint8Array => {
    try {
      const n = snappyDecodedLen(data);
      if (n > plain.length) plain = new Uint8Array(Math.max(n, plain.length * 2));
      return snappyDecode(data, plain);
    } catch (e) {
      return fail(off, (e as Error).message);
    }
  };
  while (pos < buf.length) {
    const pageEnd = (Math.floor(pos / PAGE_SIZE) + 1) * PAGE_SIZE;
    if (pageEnd - pos < RECORD_HEADER_SIZE) {
      for (let i = pos; i < Math.min(pageEnd, buf.length); i++)
        if (buf[i] !== 0) fail(i, 'unexpected non-zero byte in page padding');
      pos = pageEnd;
      continue;
    }
    const typByte = buf[pos]!;
    const typ = typByte & TYPE_MASK;
    if (typ === REC_PAGE_TERM) {
      const e = Math.min(pageEnd, buf.length);
      for (let i = pos + 1; i < e; i++) if (buf[i] !== 0) fail(i, 'unexpected non-zero byte in padded page');
      pos = pageEnd;
      continue;
    }
    if (pos + RECORD_HEADER_SIZE > buf.length) fail(pos, 'torn record header at end of segment');
    const len = (buf[pos + 1]! << 8) | buf[pos + 2]!;
    const crc = ((buf[pos + 3]! << 24) | (buf[pos + 4]! << 16) | (buf[pos + 5]! << 8) | buf[pos + 6]!) >>> 0;
    const dStart = pos + RECORD_HEADER_SIZE;
    const dEnd = dStart + len;
    if (dEnd > pageEnd) fail(pos, `fragment length ${len} crosses the page boundary`);
    if (dEnd > buf.length) fail(pos, 'torn record at end of segment');
    if (crc32c(buf, dStart, dEnd) !== crc) fail(pos, 'record checksum mismatch');
    if (typ > REC_LAST) fail(pos, `unknown fragment type ${typByte}`);
    const compressed = (typByte & SNAPPY_MASK) !== 0;
    if (typByte & ZSTD_MASK) fail(pos, 'zstd-compressed WAL records are not supported');
    const data = buf.subarray(dStart, dEnd);
    pos = dEnd;
    if (typ === REC_FULL) {
      if (parts.length) fail(recStart, 'full record while a fragmented record is open');
      yield { rec: compressed ? decompress(data, dStart) : data, end: pos };
      lastGoodEnd = pos;
      recStart = pos;
    } else if (typ === REC_FIRST) {
      if (parts.length) fail(recStart, 'first fragment while a fragmented record is open');
      recStart = dStart - RECORD_HEADER_SIZE;
      parts = [data];
      partsLen = len;
      partsCompressed = compressed;
    } else {
      if (!parts.length) fail(pos - len - RECORD_HEADER_SIZE, 'middle/last fragment without a first one');
      parts.push(data);
      partsLen += len;
      if (typ === REC_LAST) {
        if (partsLen > whole.length) whole = new Uint8Array(Math.max(partsLen, whole.length * 2));
        let o = 0;
        for (const p of parts) {
          whole.set(p, o);
          o += p.length;
        }
        parts = [];
        const rec = whole.subarray(0, partsLen);
        yield { rec: partsCompressed ? decompress(rec, recStart) : rec, end: pos };
        lastGoodEnd = pos;
        recStart = pos;
      }
    }
  }
  if (parts.length) fail(recStart, 'torn fragmented record at end of segment');
}

/** Truncates a segment to `size` bytes (repair of a torn tail) and fsyncs it. */
export function truncateSegment(file: string, size: number): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.ftruncateSync(fd, size);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Checkpoint directories (checkpoint.NNNNNNNN) in a WAL dir, sorted by index. */
export function listCheckpoints(dir: string): { name: string; index: number }[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((n) => /^checkpoint\.(\d{8,})$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[0], index: Number(m[1]) }))
    .sort((a, b) => a.index - b.index);
}
