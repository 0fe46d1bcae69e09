/**
 * Prometheus durations (model.Duration): an integer and a unit, units chained from largest to
 * smallest, e.g. `1h30m`, `5m`, `500ms`, `2d`, `1y` (365d), `0`. Values are milliseconds.
 */

const UNITS: Record<string, number> = {
  y: 365 * 24 * 3600_000,
  w: 7 * 24 * 3600_000,
  d: 24 * 3600_000,
  h: 3600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};
const ORDER = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

export class DurationError extends Error {
  override readonly name = 'DurationError';
}

/** Parses a Prometheus duration to milliseconds. Throws DurationError with Prometheus' wording. */
export function parseDuration(s: string): number {
  if (s === '0') return 0;
  if (s === '') throw new DurationError('empty duration string');
  const m = DURATION.exec(s);
  if (!m) throw new DurationError(`not a valid duration string: ${JSON.stringify(s)}`);
  let ms = 0;
  let any = false;
  for (let i = 0; i < ORDER.length; i++) {
    const g = m[i + 1];
    if (g === undefined) continue;
    any = true;
    ms += Number(g) * UNITS[ORDER[i]!]!;
  }
  if (!any) throw new DurationError(`not a valid duration string: ${JSON.stringify(s)}`);
  if (!Number.isSafeInteger(ms)) throw new DurationError(`duration out of range: ${JSON.stringify(s)}`);
  return ms;
}

/** Formats milliseconds as Prometheus does (model.Duration.String): `1h30m`, `0s`, `1y2w`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let out = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  for (const u of ORDER) {
    const size = UNITS[u]!;
    if (rest >= size) {
      const n = Math.floor(rest / size);
      out += `${n}${u}`;
      rest -= n * size;
    }
  }
  return out;
}
