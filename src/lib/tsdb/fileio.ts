/** Small synchronous file helpers: buffered sequential writer and positional reads. */
import * as fs from 'node:fs';

/** Sequential writer with an in-memory buffer, tracking the absolute offset. */
export class FileWriter {
  private readonly fd: number;
  private buf: Uint8Array;
  private len = 0;
  /** Bytes written so far (including buffered). */
  pos = 0;

  constructor(
    readonly path: string,
    bufSize = 1 << 20,
  ) {
    this.fd = fs.openSync(path, 'w', 0o644);
    this.buf = new Uint8Array(bufSize);
  }

  write(b: Uint8Array): void {
    if (this.len + b.length > this.buf.length) {
      this.flush();
      if (b.length > this.buf.length) {
        writeAll(this.fd, b);
        this.pos += b.length;
        return;
      }
    }
    this.buf.set(b, this.len);
    this.len += b.length;
    this.pos += b.length;
  }

  /** Writes `n` zero bytes. */
  zeros(n: number): void {
    if (n > 0) this.write(new Uint8Array(n));
  }

  /** Pads with zeros to a multiple of `align`. */
  align(align: number): void {
    const rem = this.pos % align;
    if (rem) this.zeros(align - rem);
  }

  flush(): void {
    if (this.len) writeAll(this.fd, this.buf.subarray(0, this.len));
    this.len = 0;
  }

  /** Flushes, fsyncs and closes. */
  close(): void {
    try {
      this.flush();
      fs.fsyncSync(this.fd);
    } finally {
      fs.closeSync(this.fd);
    }
  }

  /** Closes without flushing (error path). */
  abort(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      /* ignore */
    }
  }
}

function writeAll(fd: number, b: Uint8Array): void {
  let off = 0;
  while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off);
}

/** Positional reads from an open file. */
export class FileReader {
  readonly fd: number;
  readonly size: number;

  constructor(readonly path: string) {
    this.fd = fs.openSync(path, 'r');
    this.size = fs.fstatSync(this.fd).size;
  }

  /** Reads up to `len` bytes at `pos` (fewer at end of file). */
  read(pos: number, len: number): Uint8Array {
    const n = Math.max(0, Math.min(len, this.size - pos));
    const b = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const r = fs.readSync(this.fd, b, off, n - off, pos + off);
      if (r === 0) break;
      off += r;
    }
    return off === n ? b : b.subarray(0, off);
  }

  private readonly pages = new Map<number, Uint8Array>();
  private lastP = -1;
  private lastPage: Uint8Array | null = null;

  /**
   * Like read, for small reads of an immutable file (block index series entries, chunks): served
   * from a few cached pages (queries read series and chunks in file order), one pread per page
   * instead of one per call. The result may be a view into a cached page: do not modify it, and
   * use its byteOffset with its buffer.
   */
  readCached(pos: number, len: number): Uint8Array {
    const n = Math.max(0, Math.min(len, this.size - pos));
    const p = Math.floor(pos / PAGE);
    if (n === 0 || n > PAGE / 4 || Math.floor((pos + n - 1) / PAGE) !== p) return this.read(pos, len);
    if (p === this.lastP) return this.lastPage!.subarray(pos - p * PAGE, pos - p * PAGE + n);
    let page = this.pages.get(p);
    if (page === undefined) {
      page = this.read(p * PAGE, PAGE);
      if (this.pages.size >= MAX_PAGES) this.pages.delete(this.pages.keys().next().value!);
    } else this.pages.delete(p); // re-inserted below: most recently used last
    this.pages.set(p, page);
    this.lastP = p;
    this.lastPage = page;
    const off = pos - p * PAGE;
    return page.subarray(off, off + n);
  }

  close(): void {
    this.pages.clear();
    this.lastP = -1;
    this.lastPage = null;
    try {
      fs.closeSync(this.fd);
    } catch {
      /* ignore */
    }
  }
}

const PAGE = 1 << 18;
const MAX_PAGES = 16;
