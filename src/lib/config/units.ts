/**
 * Sizes as Prometheus reads them (alecthomas/units.ParseBase2Bytes): a number and a unit, units
 * chained, base 2: `512B`, `10MB` (= 10 MiB), `1GiB`, `1GB512MB`, or `0`. The error texts are that
 * library's, which Prometheus prints unchanged (`units: unknown unit  in 100`).
 */

export class SizeError extends Error {
  override readonly name = 'SizeError';
}

function unitMap(suffix: string): Map<string, number> {
  const m = new Map<string, number>([['B', 1]]);
  let scale = 1;
  for (const p of ['K', 'M', 'G', 'T', 'P', 'E']) {
    scale *= 1024;
    m.set(p + suffix, scale);
  }
  return m;
}
const IEC = unitMap('iB');
const OLD = unitMap('B');

function parseUnit(orig: string, units: Map<string, number>): number {
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new SizeError(`units: invalid ${orig}`);
  let total = 0;
  while (s !== '') {
    if (!(s[0] === '.' || (s[0]! >= '0' && s[0]! <= '9'))) throw new SizeError(`units: invalid ${orig}`);
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const pre = m[1]!.length > 0;
    const post = (m[2] ?? '').length > 0;
    if (!pre && !post) throw new SizeError(`units: invalid ${orig}`);
    s = s.slice(m[0].length);
    let i = 0;
    while (i < s.length && !(s[i] === '.' || (s[i]! >= '0' && s[i]! <= '9'))) i++;
    const u = s.slice(0, i);
    s = s.slice(i);
    const mult = units.get(u);
    if (mult === undefined) throw new SizeError(`units: unknown unit ${u} in ${orig}`);
    total += Number(`${m[1] || '0'}.${m[2] || '0'}`) * mult;
  }
  return Math.trunc(neg ? -total : total);
}

/** Parses a Prometheus size (Base2Bytes) to bytes. Throws SizeError with the library's wording. */
export function parseSize(s: string): number {
  try {
    return parseUnit(s, IEC);
  } catch {
    return parseUnit(s, OLD);
  }
}
