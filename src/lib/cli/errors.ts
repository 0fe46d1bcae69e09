/**
 * Errors that reach the command line. Every command maps failures to these exit codes once, in
 * BaseCommand.catch, following promtool's convention.
 */
export const ExitCode = {
  success: 0,
  failure: 1,
  /** Usage errors (bad flags or arguments). oclif uses 2 for these as well. */
  usage: 2,
  /** The input was read and understood, but lint checks found problems. */
  lint: 3,
} as const;

/** A failure the user can act on: printed as a message (no stack), exit code 1 unless given. */
export class UserError extends Error {
  override readonly name: string = 'UserError';
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.failure,
    /** A short suggestion printed after the message. */
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Lint findings: the command's result is printed normally and the process exits 3. */
export class LintError extends UserError {
  override readonly name: string = 'LintError';
  constructor(message: string) {
    super(message, ExitCode.lint);
  }
}

/** The exit code for any thrown value. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof UserError) return err.exitCode;
  const oclifExit = (err as { oclif?: { exit?: number } } | null)?.oclif?.exit;
  if (typeof oclifExit === 'number') return oclifExit;
  return ExitCode.failure;
}

/** A one-line (or few-line) description of any thrown value, never a stack trace. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    const path = (err as NodeJS.ErrnoException).path;
    if (code && path && typeof code === 'string') {
      const what: Record<string, string> = {
        ENOENT: 'no such file or directory',
        EACCES: 'permission denied',
        EPERM: 'operation not permitted',
        EISDIR: 'is a directory, not a file',
        ENOTDIR: 'not a directory',
        ENOSPC: 'no space left on device',
        EEXIST: 'already exists',
        EROFS: 'read-only file system',
      };
      if (what[code]) return `${path}: ${what[code]}`;
    }
    return err.message || err.name;
  }
  return String(err);
}
