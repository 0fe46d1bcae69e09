import type { PrometheusClient, Result } from '../api/client.js';
import type { QueryData } from '../api/types.js';
import { ParseError, parseExpr, parseMetricSelector } from '../promql/parser/index.js';
import { UserError } from './errors.js';
import { apiFromFlags, explainClientError, type ServerFlagValues } from './server-flags.js';
import { parseStepArg, parseTimeArg } from './time.js';

export interface QueryFlags extends ServerFlagValues {
  time?: string;
  start?: string;
  end?: string;
  step?: string;
  timeout?: string;
}

function timeFlag(name: string, v: string, now: number): number {
  try {
    return parseTimeArg(v, now);
  } catch (e) {
    throw new UserError(`--${name}: ${(e as Error).message}`, 2);
  }
}

/** The range query's [start, end, step] in ms from the flags, or null for an instant query. */
export function rangeFromFlags(f: QueryFlags, now = Date.now()): { start: number; end: number; step: number } | null {
  if (f.start === undefined && f.end === undefined && f.step === undefined) return null;
  if (f.time !== undefined)
    throw new UserError('--time is for instant queries; use --start/--end/--step for a range', 2);
  const end = f.end !== undefined ? timeFlag('end', f.end, now) : now;
  const start = f.start !== undefined ? timeFlag('start', f.start, now) : end - 3600_000;
  if (start > end) throw new UserError('--start is after --end', 2);
  let step: number;
  if (f.step !== undefined) {
    try {
      step = parseStepArg(f.step);
    } catch (e) {
      throw new UserError(`--step: ${(e as Error).message}`, 2);
    }
    if (step <= 0) throw new UserError('--step must be positive', 2);
  } else {
    // About 250 points, rounded to a whole second, like Prometheus' graph page.
    step = Math.max(1000, Math.round((end - start) / 250 / 1000) * 1000);
  }
  if ((end - start) / step > 11_000)
    throw new UserError(
      'exceeded maximum resolution of 11,000 points per timeseries: try decreasing the query resolution (--step)',
      2,
    );
  return { start, end, step };
}

/**
 * Parses the expression locally so that a syntax or type error is shown with Prometheus' message
 * and a caret under the offending text, before anything is sent. Experimental functions are
 * accepted: the server decides whether it enables them.
 */
export function checkExpr(expr: string): void {
  try {
    parseExpr(expr);
  } catch (e) {
    if (e instanceof ParseError) throw new UserError(e.excerpt());
    throw e;
  }
}

/** Checks series selectors (`--match`) locally, like checkExpr. */
export function checkSelectors(match: readonly string[]): void {
  for (const m of match) {
    try {
      parseMetricSelector(m);
    } catch (e) {
      if (e instanceof ParseError) throw new UserError(`--match ${m}: ${e.excerpt()}`);
      throw e;
    }
  }
}

/** Runs fn with the API client for the flags (server or --data-dir), mapping failures to messages. */
async function withClient<T>(
  f: ServerFlagValues,
  fn: (c: PrometheusClient) => Promise<T>,
  onSpan?: (span: { min: number; max: number } | null) => void,
): Promise<T> {
  const api = await apiFromFlags(f);
  if (api.span !== undefined) onSpan?.(api.span);
  try {
    return await fn(api.client);
  } catch (e) {
    throw explainClientError(e);
  } finally {
    await api.close();
  }
}

/** A query's answer; with --data-dir, `hint` explains an empty result outside the data's time span. */
export type QueryResult = Result<QueryData> & { hint?: string };

/** Runs an instant or range query against the server named by the flags (or --data-dir). */
export async function runQuery(expr: string, f: QueryFlags, now = Date.now()): Promise<QueryResult> {
  checkExpr(expr);
  const range = rangeFromFlags(f, now);
  const time = range === null && f.time !== undefined ? timeFlag('time', f.time, now) / 1000 : undefined;
  let span: { min: number; max: number } | null | undefined;
  const res: QueryResult = await withClient(
    f,
    (client) =>
      range
        ? client.queryRange(expr, range.start / 1000, range.end / 1000, range.step / 1000, { timeout: f.timeout })
        : client.query(expr, time, { timeout: f.timeout }),
    (s) => (span = s),
  );
  const empty = Array.isArray(res.data.result) && res.data.result.length === 0;
  if (empty && span !== undefined) {
    const from = range ? range.start : (time ?? now / 1000) * 1000 - 300_000;
    const to = range ? range.end : (time ?? now / 1000) * 1000;
    if (span === null) res.hint = `${f['data-dir']} holds no samples`;
    else if (to < span.min || from > span.max)
      res.hint = `the data in ${f['data-dir']} spans ${new Date(span.min).toISOString()} to ${new Date(span.max).toISOString()}: pass --time (or --start/--end) within it`;
  }
  return res;
}

export interface MatchFlags extends ServerFlagValues {
  match?: string[];
  start?: string;
  end?: string;
  limit?: number;
}

/** [start, end] in unix seconds from --start/--end (each optional: the server's open bounds). */
function matchRange(f: MatchFlags, now: number): { start?: number; end?: number } {
  const start = f.start !== undefined ? timeFlag('start', f.start, now) : undefined;
  const end = f.end !== undefined ? timeFlag('end', f.end, now) : undefined;
  if (start !== undefined && end !== undefined && start > end) throw new UserError('--start is after --end', 2);
  return { start: start === undefined ? undefined : start / 1000, end: end === undefined ? undefined : end / 1000 };
}

/** The series matching --match (at least one), like promtool query series. */
export async function runSeries(f: MatchFlags, now = Date.now()): Promise<Result<Record<string, string>[]>> {
  const match = f.match ?? [];
  if (match.length === 0) throw new UserError('--match is required (e.g. --match \'{job="node"}\')', 2);
  checkSelectors(match);
  const { start, end } = matchRange(f, now);
  return withClient(f, (c) => c.series(match, start, end, f.limit));
}

/** Label names, optionally of the series matching --match. */
export async function runLabels(f: MatchFlags, now = Date.now()): Promise<Result<string[]>> {
  const match = f.match ?? [];
  checkSelectors(match);
  const { start, end } = matchRange(f, now);
  return withClient(f, (c) => c.labels(match, start, end, f.limit));
}

/** The values of one label, optionally of the series matching --match (promtool query labels). */
export async function runLabelValues(name: string, f: MatchFlags, now = Date.now()): Promise<Result<string[]>> {
  const match = f.match ?? [];
  checkSelectors(match);
  const { start, end } = matchRange(f, now);
  return withClient(f, (c) => c.labelValues(name, match, start, end, f.limit));
}
