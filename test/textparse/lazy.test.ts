/**
 * Lazy label parsing (ParserOptions.lazyLabels, with SeriesCache as the seriesHint): label pairs
 * are skimmed, and checked only when labels() asks, at the next next(), or never again for a
 * series byte-identical to one the cache learnt. Whatever the input, a scrape through the cache
 * must see exactly what the eager parser sees: the same series, values and timestamps, and the
 * same error, at the same line and column.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Parser, ParserOptions } from '../../src/lib/textparse/interface.js';
import { ParseError } from '../../src/lib/textparse/interface.js';
import { OpenMetricsParser } from '../../src/lib/textparse/openmetricsparse.js';
import { PromParser } from '../../src/lib/textparse/promparse.js';
import { SeriesCache } from '../../src/lib/textparse/series-cache.js';
import { conformanceDir } from '../support/conformance.js';

type Make = (b: Buffer, o: ParserOptions) => Parser;
const prom: Make = (b, o) => new PromParser(b, o);
const om: Make = (b, o) => new OpenMetricsParser(b, o);

// Label values in canonical form: `le`/`quantile` normalisation does not depend on TYPE lines.
const SEED_TEXT = `# HELP go_gc_duration_seconds A summary.
# TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0.5"} 4.9351e-05
go_gc_duration_seconds_sum 0.0001 1234
{"odd.name","x y"="é\\n\\""} +Inf
m{a="1",b="}{\\"",c="x y"} 2
m { a = "1" , b="2" ,} 3 17
m{a="1"b="2"} 4
# TYPE h histogram
h_bucket{le="1.0"} 1
h_bucket{le="+Inf"} 2
`;
const SEED_OM = `# HELP a_seconds x \\" y
# TYPE a_seconds counter
# UNIT a_seconds seconds
a_seconds_total{b="c"} 1 1.5 # {id="x"} 2 3
a_seconds_created{b="c"} 1.5
m{a="1",b="}{\\"",c="x y"} 2
m{a="1",b="2",} 3
# TYPE h histogram
h_bucket{le="1.0"} 0
h_bucket{le="+Inf"} 1 # {} 1
h_count 1
h_sum 1
# EOF
`;

interface Sample {
  key: string;
  labels: string;
  value: number;
  ts?: number;
}
interface Result {
  series: Sample[];
  error: string | null;
}

function errText(e: unknown): string {
  if (!(e instanceof ParseError)) throw e;
  return `${e.line}:${e.column}: ${e.message}`;
}

/** Eager parse: every series' labels. */
function eager(make: Make, body: Buffer): Result {
  const p = make(body, {});
  const series: Sample[] = [];
  try {
    for (let e = p.next(); e !== null; e = p.next()) {
      if (e !== 'series') continue;
      series.push({ key: p.seriesKey(), labels: p.labels().toString(), value: p.value(), ts: p.timestamp() });
    }
    return { series, error: null };
  } catch (e) {
    return { series, error: errText(e) };
  }
}

/** A scrape through a SeriesCache, as the scrape loop does it: labels only on a cache miss. */
function scrape(make: Make, body: Buffer, cache: SeriesCache<string>, hint = true): Result {
  const p = make(body, { lazyLabels: true, ...(hint ? { seriesHint: cache } : {}) });
  const series: Sample[] = [];
  try {
    for (let e = p.next(); e !== null; e = p.next()) {
      if (e !== 'series') continue;
      let id = cache.find(p);
      if (id < 0) id = cache.add(p, p.labels().toString());
      series.push({ key: p.seriesKey(), labels: cache.value(id), value: p.value(), ts: p.timestamp() });
    }
    return { series, error: null };
  } catch (e) {
    return { series, error: errText(e) };
  }
}

/** A parse where nobody asks for labels (lazy: errors surface at the next next()). */
function keysOnly(make: Make, body: Buffer, lazy: boolean): Result {
  const p = make(body, { lazyLabels: lazy });
  const series: Sample[] = [];
  try {
    for (let e = p.next(); e !== null; e = p.next()) {
      if (e !== 'series') continue;
      series.push({ key: p.seriesKey(), labels: '', value: p.value(), ts: p.timestamp() });
    }
    return { series, error: null };
  } catch (e) {
    return { series, error: errText(e) };
  }
}

function mutations(src: Buffer, n: number, seed: number): Buffer[] {
  const rnd = (k: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % k;
  const alphabet = Buffer.from('{}",=\\ \n\t#_:aZ09.+-eE\0\xff\xc3\x80');
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    let b = Buffer.from(src);
    for (let k = 1 + rnd(3); k > 0; k--) {
      const at = rnd(b.length);
      const op = rnd(3);
      if (op === 0) b[at] = alphabet[rnd(alphabet.length)]!;
      else if (op === 1) b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
      else b = Buffer.concat([b.subarray(0, at), Buffer.from([alphabet[rnd(alphabet.length)]!]), b.subarray(at)]);
    }
    out.push(b);
  }
  return out;
}

/** Checks every way of reading `body` lazily against the eager parse. */
function agree(make: Make, warmWith: Buffer, body: Buffer): void {
  const want = eager(make, body);
  // Cold cache, and a cache warmed by a previous (valid) scrape, with and without the hint.
  for (const hint of [true, false]) {
    expect(scrape(make, body, new SeriesCache<string>(), hint)).toEqual(want);
    const cache = new SeriesCache<string>();
    scrape(make, warmWith, cache, hint);
    expect(scrape(make, body, cache, hint)).toEqual(want);
  }
  // Nobody asks for labels: the same error; the bad series itself may come out first.
  const k = keysOnly(make, body, true);
  const w = keysOnly(make, body, false);
  expect(k.error).toBe(w.error);
  if (w.error === null) expect(k.series).toEqual(w.series);
  else {
    expect(k.series.slice(0, w.series.length)).toEqual(w.series);
    expect(k.series.length - w.series.length).toBeLessThanOrEqual(1);
  }
}

describe('lazy label parsing agrees with the eager parser', () => {
  it('on the seeds, and on a warm cache the labels come from the cache without parsing', () => {
    for (const [make, seed] of [
      [prom, SEED_TEXT],
      [om, SEED_OM],
    ] as const) {
      const body = Buffer.from(seed);
      const want = eager(make, body);
      expect(want.error).toBeNull();
      agree(make, body, body);
      // Second scrape: every series is predicted (no labels() call at all).
      const cache = new SeriesCache<string>();
      scrape(make, body, cache);
      let parsed = 0;
      const p = make(body, { lazyLabels: true, seriesHint: cache });
      const labels = p.labels.bind(p);
      p.labels = () => (parsed++, labels());
      for (let e = p.next(); e !== null; e = p.next()) {
        if (e === 'series') expect(cache.find(p)).toBeGreaterThanOrEqual(0);
      }
      expect(parsed).toBe(0);
    }
  });

  it('an invalid label set never passes unchecked, even right after a valid scrape', () => {
    const good = Buffer.from('m{a="1",b="2"} 1\nm{a="1",b="3"} 2\n');
    for (const bad of ['m{a="1",b="2"}} 1\n', 'm{a="1",a="2"} 1\n', 'm{a="\xff"} 1\n', 'm{a="1",b="3" 2\n']) {
      const body = Buffer.concat([Buffer.from('m{a="1",b="2"} 1\n'), Buffer.from(bad, 'latin1')]);
      const cache = new SeriesCache<string>();
      expect(scrape(prom, good, cache).error).toBeNull();
      const r = scrape(prom, body, cache);
      expect(r.error).not.toBeNull();
      expect(r).toEqual(eager(prom, body));
    }
  });

  it('a series learnt from the text format is checked again by the OpenMetrics parser', () => {
    // Valid text format (no comma needed), invalid OpenMetrics.
    const text = Buffer.from('m{a="1"b="2"} 1\n');
    const cache = new SeriesCache<string>();
    expect(scrape(prom, text, cache).error).toBeNull();
    const r = scrape(om, Buffer.from('m{a="1"b="2"} 1\n# EOF\n'), cache);
    expect(r.error).toMatch(/expected comma or brace close/);
  });

  it('on random mutations of the seeds', () => {
    for (const [make, seed] of [
      [prom, SEED_TEXT],
      [om, SEED_OM],
    ] as const) {
      const src = Buffer.from(seed);
      for (const m of mutations(src, 400, 11)) agree(make, src, m);
      for (let cut = 0; cut < src.length; cut++) agree(make, src, src.subarray(0, cut));
    }
  });

  it('on the OpenMetrics conformance cases and the text format files', () => {
    const dir = conformanceDir('openmetrics/parsers');
    const tf = conformanceDir('textformat');
    if (!dir || !tf) return;
    let n = 0;
    const testsDir = join(dir, '..');
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(d, e.name)) : e.name === 'metrics' ? [join(d, e.name)] : [],
      );
    for (const f of walk(testsDir)) {
      const body = readFileSync(f);
      agree(om, body, body);
      for (const m of mutations(body, 2, n)) agree(om, body, m);
      n++;
    }
    for (const f of readdirSync(tf).filter((x) => x.endsWith('.txt'))) {
      const body = readFileSync(join(tf, f));
      const make = f.includes('.om.') ? om : prom;
      agree(make, body, body);
      for (const m of mutations(body, 4, n++)) agree(make, body, m);
    }
    expect(n).toBeGreaterThan(100);
  });
});
