/**
 * Positioned PromQL parse errors. The message format follows Prometheus' ParseErr:
 * `1:14: parse error: unexpected <EOF>` (line:column of the start, column counted in UTF-8 bytes,
 * 1-based). `excerpt()` prints the query line with a caret under the error range.
 */

import type { PositionRange } from './ast.js';

/** One error found while parsing. */
export interface ParseErrorDetail {
  readonly pos: PositionRange;
  /** The bare message, e.g. `unexpected <EOF>`. */
  readonly message: string;
}

/** Line and column (both 1-based, column in UTF-8 bytes like Prometheus) of a string index. */
export function lineCol(query: string, index: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(index, 0), query.length);
  for (let i = 0; i < end; i++) {
    if (query.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: utf8Length(query, lineStart, end) + 1 };
}

function utf8Length(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < to) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function positionPrefix(query: string, pos: PositionRange): string {
  if (query === '') return 'unknown position';
  if (pos.start < 0 || pos.start > query.length) return 'invalid position';
  const { line, col } = lineCol(query, pos.start);
  return `${line}:${col}`;
}

/** Formats one error exactly like Prometheus' ParseErr.Error(). */
export function formatParseError(query: string, d: ParseErrorDetail): string {
  return `${positionPrefix(query, d.pos)}: parse error: ${d.message}`;
}

/**
 * A failed parse. `message` is the first error (Prometheus' ParseErrors.Error() also reports only
 * the first); `errors` holds all of them when the parser could report several.
 */
export class ParseError extends Error {
  override readonly name = 'ParseError';
  readonly errors: readonly ParseErrorDetail[];

  constructor(
    readonly query: string,
    errors: readonly ParseErrorDetail[],
  ) {
    super(errors.length > 0 ? formatParseError(query, errors[0]!) : 'error contains no error message');
    this.errors = errors;
  }

  /** Range of the first error. */
  get pos(): PositionRange {
    return this.errors[0]?.pos ?? { start: -1, end: -1 };
  }

  /** The bare message of the first error, without position prefix. */
  get detail(): string {
    return this.errors[0]?.message ?? '';
  }

  /**
   * A human-readable report: each error's message, then the offending line with carets under
   * the error range, e.g.
   * ```
   * 1:5: parse error: unexpected <EOF>
   *   sum(
   *       ^
   * ```
   */
  excerpt(): string {
    const out: string[] = [];
    for (const d of this.errors) {
      out.push(formatParseError(this.query, d));
      out.push(caret(this.query, d.pos));
    }
    return out.join('\n');
  }
}

/** The line containing `pos.start` with `^` markers under the range (at least one). */
export function caret(query: string, pos: PositionRange): string {
  const start = Math.min(Math.max(pos.start, 0), query.length);
  let lineStart = query.lastIndexOf('\n', start - 1) + 1;
  if (start === 0) lineStart = 0;
  let lineEnd = query.indexOf('\n', start);
  if (lineEnd < 0) lineEnd = query.length;
  const line = query.slice(lineStart, lineEnd).replace(/\t/g, ' ');
  const end = Math.min(Math.max(pos.end, start + 1), lineEnd + 1);
  const pad = ' '.repeat(start - lineStart);
  return `  ${line}\n  ${pad}${'^'.repeat(Math.max(1, end - start))}`;
}
