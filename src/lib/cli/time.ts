import { parseDuration } from '../model/duration.js';

/**
 * Parses a time given on the command line to milliseconds since the epoch: `now`, a relative time
 * (`-1h`, `now-30m`, `now+5m`), unix seconds (`1700000000`, `1700000000.5`) or RFC 3339
 * (`2024-01-02T03:04:05Z`). Throws an Error naming the accepted forms.
 */
export function parseTimeArg(s: string, now: number = Date.now()): number {
  const v = s.trim();
  if (v === 'now') return now;
  const rel = /^(?:now)?([+-])(.+)$/.exec(v);
  if (rel && !/^[+-]?\d+(\.\d+)?$/.test(v)) {
    const ms = parseDuration(rel[2]!);
    return rel[1] === '-' ? now - ms : now + ms;
  }
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  if (/^\d{4}-\d{2}-\d{2}T/.test(v)) {
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return t;
  }
  throw new Error(`invalid time ${JSON.stringify(s)}: use now, -1h, now-30m, unix seconds or RFC 3339`);
}

/** Parses a step: a Prometheus duration (`15s`, `1m`) or a number of seconds. Returns ms. */
export function parseStepArg(s: string): number {
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  return parseDuration(s);
}
