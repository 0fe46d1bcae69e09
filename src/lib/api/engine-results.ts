/**
 * How the PromQL engine's results and errors become API answers: annotations as warnings and infos
 * with their positions, and engine errors as Prometheus' error types. Shared by `promctl serve` and
 * `promctl query --data-dir`, so both answer alike.
 */
import { QueryCanceledError, QueryTimeoutError, TooManySamplesError } from '../promql/engine/errors.js';
import type { QueryResult } from '../promql/engine/types.js';
import { lineCol } from '../promql/parser/errors.js';
import { ApiHttpError } from './params.js';

/** The result's annotations as the API's warnings and infos, each with its line:column in `expr`. */
export function annotationsWithPositions(expr: string, r: QueryResult): { warnings: string[]; infos: string[] } {
  const warnings: string[] = [];
  const infos: string[] = [];
  for (const a of r.annotations) {
    let m = a.message;
    if (a.pos) {
      const { line, col } = lineCol(expr, a.pos.start);
      m += ` (${line}:${col})`;
    }
    (a.kind === 'warning' ? warnings : infos).push(m);
  }
  return { warnings, infos };
}

/** Maps engine and parser errors to the API's error types, once. */
export function apiError(e: unknown): ApiHttpError {
  if (e instanceof ApiHttpError) return e;
  const err = e as Error;
  if (err?.name === 'ParseError') return new ApiHttpError('bad_data', `invalid parameter "query": ${err.message}`);
  if (e instanceof QueryTimeoutError) return new ApiHttpError('timeout', err.message);
  if (e instanceof QueryCanceledError) return new ApiHttpError('canceled', err.message);
  if (e instanceof TooManySamplesError) return new ApiHttpError('execution', err.message);
  if (err?.name === 'QueryStorageError') return new ApiHttpError('internal', err.message);
  return new ApiHttpError('execution', err?.message ?? String(e));
}
