import type { Result } from '../api/client.js';
import type { QueryData } from '../api/types.js';
import { UserError } from './errors.js';
import { clientFromFlags, type ServerFlagValues } from './server-flags.js';
import { parseStepArg, parseTimeArg } from './time.js';

export interface QueryFlags extends ServerFlagValues {
  time?: string;
  start?: string;
  end?: string;
  step?: string;
  timeout?: string;
}

/** The range query's [start, end, step] in ms from the flags, or null for an instant query. */
export function rangeFromFlags(f: QueryFlags, now = Date.now()): { start: number; end: number; step: number } | null {
  if (f.start === undefined && f.end === undefined && f.step === undefined) return null;
  if (f.time !== undefined)
    throw new UserError('--time is for instant queries; use --start/--end/--step for a range', 2);
  const time = (name: string, v: string) => {
    try {
      return parseTimeArg(v, now);
    } catch (e) {
      throw new UserError(`--${name}: ${(e as Error).message}`, 2);
    }
  };
  const end = f.end !== undefined ? time('end', f.end) : now;
  const start = f.start !== undefined ? time('start', f.start) : end - 3600_000;
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

/** Runs an instant or range query against the server named by the flags. */
export async function runQuery(expr: string, f: QueryFlags): Promise<Result<QueryData>> {
  const range = rangeFromFlags(f);
  const client = await clientFromFlags(f);
  if (range)
    return client.queryRange(expr, range.start / 1000, range.end / 1000, range.step / 1000, { timeout: f.timeout });
  let time: number | undefined;
  if (f.time !== undefined) {
    try {
      time = parseTimeArg(f.time) / 1000;
    } catch (e) {
      throw new UserError(`--time: ${(e as Error).message}`, 2);
    }
  }
  return client.query(expr, time, { timeout: f.timeout });
}
