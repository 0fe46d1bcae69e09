/** Typed TSDB errors; each names the file or directory involved. */
import { StorageUnavailableError } from '../storage/errors.js';

export class TsdbError extends Error {
  override readonly name: string = 'TsdbError';
}

/** The directory exists but holds something other than a TSDB. */
export class NotATsdbError extends TsdbError {
  override readonly name = 'NotATsdbError';
  constructor(
    readonly dir: string,
    readonly unexpected: string[],
  ) {
    super(
      `${dir} is not a TSDB data directory (unexpected entries: ${unexpected.slice(0, 5).join(', ')}${unexpected.length > 5 ? ', …' : ''})`,
    );
  }
}

/** Another process holds the directory's lock file. */
export class LockedError extends TsdbError {
  override readonly name = 'LockedError';
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`${dir} is in use by another process (pid ${pid}; lock file ${dir}/lock)`);
  }
}

/** Data on disk failed a checksum or could not be decoded. */
export class CorruptionError extends TsdbError {
  override readonly name = 'CorruptionError';
  constructor(
    readonly file: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`${file}: corruption at offset ${offset}: ${reason}`);
  }
}

/** Permission denied on a TSDB file or directory. */
export class TsdbPermissionError extends TsdbError {
  override readonly name = 'TsdbPermissionError';
  constructor(readonly path: string) {
    super(`${path}: permission denied (check the owner and mode of the data directory)`);
  }
}

/** Wraps an fs error from an append/commit: the batch was not stored, nothing earlier was damaged. */
export class WriteFailedError extends StorageUnavailableError {
  constructor(
    readonly path: string,
    readonly code: string | undefined,
  ) {
    super(
      code === 'ENOSPC'
        ? `${path}: no space left on device; the batch was not stored (earlier data is intact)`
        : `${path}: write failed (${code ?? 'unknown error'}); the batch was not stored (earlier data is intact)`,
    );
  }
}

/** Maps EACCES/EPERM to TsdbPermissionError, leaves everything else alone. */
export function mapFsError(e: unknown, path: string): unknown {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code === 'EACCES' || code === 'EPERM') return new TsdbPermissionError((e as NodeJS.ErrnoException).path ?? path);
  return e;
}
