import type { MetricFamily, MetricKind } from '../../src/lib/model/metricfamily.js';
import { PromParser } from '../../src/lib/textparse/promparse.js';

/** One family of an exposition, keyed for comparisons: samples by `name{labels}` (empty labels dropped). */
export interface ExpoFamily {
  name: string;
  type: MetricKind;
  help: string;
  samples: Map<string, number>;
}

/** Reads exposition text with promctl's text parser into families (the family of a sample = last HELP/TYPE name). */
export function readExposition(text: string): Map<string, ExpoFamily> {
  const p = new PromParser(new TextEncoder().encode(text));
  const out = new Map<string, ExpoFamily>();
  let current: ExpoFamily | null = null;
  const get = (name: string): ExpoFamily => {
    let f = out.get(name);
    if (!f) {
      f = { name, type: 'unknown', help: '', samples: new Map() };
      out.set(name, f);
    }
    return f;
  };
  for (let e = p.next(); e !== null; e = p.next()) {
    if (e === 'help') {
      current = get(p.metricName());
      current.help = p.help();
    } else if (e === 'type') {
      current = get(p.metricName());
      current.type = p.type();
    } else if (e === 'series') {
      const name = p.metricName();
      const fam = current && name.startsWith(current.name) ? current : get(name);
      fam.samples.set(p.labels().toString(), p.value());
    }
  }
  return out;
}

/** The same structure from MetricFamily objects. */
export function fromFamilies(families: MetricFamily[]): Map<string, ExpoFamily> {
  const out = new Map<string, ExpoFamily>();
  for (const f of families) {
    const samples = new Map<string, number>();
    for (const s of f.samples) samples.set(s.labels.builder().set('__name__', s.name).labels().toString(), s.value);
    out.set(f.name, { name: f.name, type: f.type, help: f.help, samples });
  }
  return out;
}

/** The label names of a series key like `name{a="1", b="2"}`. */
export function labelNames(key: string): string {
  const names: string[] = [];
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g;
  const brace = key.indexOf('{');
  if (brace < 0) return '';
  for (let m = re.exec(key.slice(brace)); m; m = re.exec(key.slice(brace))) names.push(m[1]!);
  return names.join(',');
}

/** The metric name of a series key. */
export function seriesName(key: string): string {
  const b = key.indexOf('{');
  return b < 0 ? key : key.slice(0, b);
}
