/**
 * Atomic file writes: write a temporary file in the same folder, flush it to disk, then rename it
 * over the target (or link it, when the target must not exist yet), so that a reader never sees a
 * half-written prometheus.yml and a crash never loses the old one.
 */
import { closeSync, fsyncSync, linkSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export class FileExistsError extends Error {
  override readonly name = 'FileExistsError';
  constructor(readonly path: string) {
    super(`${path} already exists`);
  }
}

export interface AtomicWriteOptions {
  /** Replace an existing file (default false: fail with FileExistsError). */
  overwrite?: boolean;
  /** File mode for a new file (an existing file's mode is kept). */
  mode?: number;
}

export function writeFileAtomic(path: string, text: string, opts: AtomicWriteOptions = {}): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`);
  let mode = opts.mode ?? 0o644;
  try {
    mode = statSync(path).mode & 0o7777;
  } catch {
    /* new file */
  }
  const fd = openSync(tmp, 'wx', mode);
  try {
    const buf = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (opts.overwrite) renameSync(tmp, path);
    else {
      try {
        linkSync(tmp, path); // fails with EEXIST instead of replacing
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new FileExistsError(path);
        throw e;
      }
      unlinkSync(tmp);
    }
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    /* some file systems cannot fsync a folder */
  }
}
