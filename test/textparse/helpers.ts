import type { Parser } from '../../src/lib/textparse/interface.js';
import { OpenMetricsParser } from '../../src/lib/textparse/openmetricsparse.js';
import { PromParser } from '../../src/lib/textparse/promparse.js';

/** One parsed entry in a comparable form. */
export type Entry =
  | {
      series: string;
      value: number;
      ts?: number;
      key: string;
      type?: string;
      exemplar?: { labels: string; value: number; ts?: number };
      ct?: number;
    }
  | { help: string; text: string }
  | { type: string; name: string }
  | { unit: string; name: string }
  | { comment: string };

export function collect(p: Parser, opts: { types?: boolean; ct?: boolean } = {}): Entry[] {
  const out: Entry[] = [];
  for (let e = p.next(); e !== null; e = p.next()) {
    switch (e) {
      case 'series': {
        const s: Entry = { series: p.labels().toString(), value: p.value(), key: p.seriesKey() };
        const ts = p.timestamp();
        if (ts !== undefined) s.ts = ts;
        if (opts.types) s.type = p.type();
        const ex = p.exemplar();
        if (ex)
          s.exemplar = {
            labels: ex.labels.toString(),
            value: ex.value,
            ...(ex.timestamp !== undefined ? { ts: ex.timestamp } : {}),
          };
        if (opts.ct) {
          const ct = p.createdTimestamp();
          if (ct !== undefined) s.ct = ct;
        }
        out.push(s);
        break;
      }
      case 'help':
        out.push({ help: p.metricName(), text: p.help() });
        break;
      case 'type':
        out.push({ type: p.type(), name: p.metricName() });
        break;
      case 'unit':
        out.push({ unit: p.unit(), name: p.metricName() });
        break;
      case 'comment':
        out.push({ comment: p.comment() });
        break;
    }
  }
  return out;
}

export const prom = (s: string | Uint8Array, o?: { types?: boolean }) =>
  collect(new PromParser(typeof s === 'string' ? Buffer.from(s) : s), o);
export const om = (s: string | Uint8Array, o?: { types?: boolean; ct?: boolean; skip?: boolean }) =>
  collect(new OpenMetricsParser(typeof s === 'string' ? Buffer.from(s) : s, { skipCreatedSeries: o?.skip }), o);

/** The error a parse throws (or null). */
export function parseError(f: () => unknown): Error | null {
  try {
    f();
    return null;
  } catch (e) {
    return e as Error;
  }
}

/** Only the series entries as `labels value [ts]` strings. */
export function seriesOf(entries: Entry[]): string[] {
  return entries
    .filter((e): e is Extract<Entry, { series: string }> => 'series' in e)
    .map((e) => `${e.series} ${e.value}${e.ts !== undefined ? ' @' + e.ts : ''}`);
}
