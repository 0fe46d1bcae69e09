/** Parameter parsing for the HTTP API, with Prometheus' rules and error wording. */
import { parseDuration } from '../model/duration.js';

/** An API error with Prometheus' errorType; mapped to an HTTP status in one place (server.ts). */
export class ApiHttpError extends Error {
  override readonly name = 'ApiHttpError';
  constructor(
    readonly errorType: 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'internal' | 'unavailable' | 'not_found',
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/**
 * The defaults for open time ranges (ms). Prometheus' MinTime/MaxTime lie beyond what a double holds
 * exactly; ±2^53 ms (±285,000 years) covers every real timestamp.
 */
export const MIN_TIME = -Number.MAX_SAFE_INTEGER;
export const MAX_TIME = Number.MAX_SAFE_INTEGER;

/** The formatted boundary times Prometheus accepts literally. */
const MIN_TIME_FORMATTED = '-292273086-05-16T16:47:06Z';
const MAX_TIME_FORMATTED = '292277025-08-18T07:12:54.999999999Z';

/** Parses a time parameter (unix seconds as a float, or RFC 3339) to ms. */
export function parseTimeParam(s: string): number {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s.trim())) {
    const t = Number(s);
    const sec = Math.trunc(t);
    const frac = Math.round((t - sec) * 1000) / 1000;
    return sec * 1000 + Math.round(frac * 1000);
  }
  if (s === MIN_TIME_FORMATTED) return MIN_TIME;
  if (s === MAX_TIME_FORMATTED) return MAX_TIME;
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(s);
  if (m) {
    const t = Date.parse(s.replace(/(\.\d{3})\d+/, '$1'));
    if (!Number.isNaN(t)) return t;
  }
  throw new Error(`cannot parse ${JSON.stringify(s)} to a valid timestamp`);
}

/** Parses a duration parameter (seconds as a float, or a Prometheus duration) to ms. */
export function parseDurationParam(s: string): number {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s.trim())) {
    const d = Number(s) * 1000;
    if (!Number.isFinite(d) || Math.abs(d) > Number.MAX_SAFE_INTEGER)
      throw new Error(`cannot parse ${JSON.stringify(s)} to a valid duration. It overflows int64`);
    return Math.round(d);
  }
  try {
    return parseDuration(s);
  } catch {
    throw new Error(`cannot parse ${JSON.stringify(s)} to a valid duration`);
  }
}

/** Request parameters: the query string merged with a form body, multi-valued. */
export class Params {
  constructor(private readonly p: URLSearchParams) {}

  get(name: string): string | undefined {
    return this.p.get(name) ?? undefined;
  }

  all(name: string): string[] {
    return this.p.getAll(name);
  }

  has(name: string): boolean {
    return this.p.has(name);
  }

  /** A time parameter, or `dflt` when absent/empty. */
  time(name: string, dflt: number): number {
    const v = this.get(name);
    if (v === undefined || v === '') return dflt;
    try {
      return parseTimeParam(v);
    } catch (e) {
      throw new ApiHttpError('bad_data', `invalid parameter ${JSON.stringify(name)}: ${(e as Error).message}`);
    }
  }

  /**
   * A time parameter read as Prometheus' parseTimeParam reads it (query `time`, the `start`/`end`
   * of series, labels, exemplars and deletions): a bad one is worded
   * `Invalid time value for '<name>': …`.
   */
  timeParam(name: string, dflt: number): number {
    try {
      return this.time(name, dflt);
    } catch (e) {
      if (!(e instanceof ApiHttpError)) throw e;
      const prefix = `invalid parameter ${JSON.stringify(name)}: `;
      const inner = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
      throw new ApiHttpError('bad_data', `${prefix}Invalid time value for '${name}': ${inner}`);
    }
  }

  duration(name: string): number | undefined {
    const v = this.get(name);
    if (v === undefined || v === '') return undefined;
    try {
      return parseDurationParam(v);
    } catch (e) {
      throw new ApiHttpError('bad_data', `invalid parameter ${JSON.stringify(name)}: ${(e as Error).message}`);
    }
  }

  /** A non-negative integer `limit` parameter (0 = none), read as Go's strconv.Atoi reads it. */
  limit(): number {
    const v = this.get('limit');
    if (v === undefined || v === '') return 0;
    const bad = (why: string) => new ApiHttpError('bad_data', `invalid parameter "limit": ${why}`);
    if (!/^[+-]?\d+$/.test(v)) throw bad(`strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
    const n = BigInt(v);
    if (n > 9223372036854775807n || n < -9223372036854775808n) {
      throw bad(`strconv.Atoi: parsing ${JSON.stringify(v)}: value out of range`);
    }
    if (n < 0n) throw bad('limit must be non-negative');
    return Number(n);
  }
}
