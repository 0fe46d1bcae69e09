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

  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      /* ignore */
    }
  }
}
