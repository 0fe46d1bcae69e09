/**
 * The OpenMetrics project's parser suite (../shared/conformance/openmetrics/parsers, 211 cases: 44
 * valid, 167 invalid). The strict validator must agree with every verdict; the lenient scrape
 * parser (Prometheus' behaviour) must read every valid case; and for valid cases the samples we
 * read must equal what the reference Python parser (Debian's python3-prometheus-client) reads.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateOpenMetrics } from '../../src/lib/textparse/omvalidate.js';
import { OpenMetricsParser } from '../../src/lib/textparse/openmetricsparse.js';
import { conformanceDir } from '../support/conformance.js';

interface Case {
  name: string;
  shouldParse: boolean;
  body: Buffer;
}

const dir = conformanceDir('openmetrics/parsers');
const cases: Case[] = dir
  ? readdirSync(dir)
      .filter((d) => existsSync(join(dir, d, 'test.json')))
      .sort()
      .map((d) => {
        const t = JSON.parse(readFileSync(join(dir, d, 'test.json'), 'utf8')) as { shouldParse: boolean; file: string };
        return { name: d, shouldParse: t.shouldParse, body: readFileSync(join(dir, d, t.file)) };
      })
  : [];

const tally = { validOk: 0, valid: 0, invalidOk: 0, invalid: 0, lenientValid: 0, lenientRejects: 0, oracle: 0 };

/** Samples as comparable tuples: name, labels, value, timestamp (ms), exemplar. */
type Tuple = [
  string,
  Record<string, string>,
  string,
  number | null,
  [Record<string, string>, string, number | null] | null,
];

function num(v: number): string {
  return Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : String(v);
}

function ours(body: Buffer): Tuple[] {
  const p = new OpenMetricsParser(body, { strict: true });
  const out: Tuple[] = [];
  for (let e = p.next(); e !== null; e = p.next()) {
    if (e !== 'series') continue;
    const l = p.labels();
    const labels: Record<string, string> = {};
    l.forEach((k, v) => {
      if (k !== '__name__') labels[k] = v;
    });
    const ex = p.exemplar();
    out.push([
      p.metricName(),
      labels,
      num(p.value()),
      p.timestamp() ?? null,
      ex ? [ex.labels.toObject(), num(ex.value), ex.timestamp ?? null] : null,
    ]);
  }
  return out;
}

const ORACLE = `
import json, math, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
def num(v):
    v = float(v)
    if math.isnan(v): return 'nan'
    if math.isinf(v): return 'inf' if v > 0 else '-inf'
    return repr(v)
def ms(t):
    return None if t is None else math.trunc(float(t) * 1000)
out = {}
for path in json.load(sys.stdin):
    rows = []
    for fam in text_string_to_metric_families(open(path, encoding='utf-8').read()):
        for s in fam.samples:
            ex = None
            if s.exemplar is not None:
                ex = [dict(s.exemplar.labels), num(s.exemplar.value), ms(s.exemplar.timestamp)]
            rows.append([s.name, dict(s.labels), num(s.value), ms(s.timestamp), ex])
    out[path] = rows
json.dump(out, sys.stdout)
`;

/** JS and Python print floats differently: normalise both through Number. */
function normNum(s: string): string {
  return s === 'nan' || s === 'inf' || s === '-inf' ? s : String(Number(s));
}
/** Labels sorted by name, without empty values (Prometheus treats `a=""` as no label `a`). */
function canonLabels(l: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(l).sort()) if (l[k] !== '') out[k] = l[k]!;
  return out;
}
function normalise(rows: Tuple[]): Tuple[] {
  return rows.map(([n, l, v, t, e]) => [
    n,
    canonLabels(l),
    normNum(v),
    t,
    e ? [canonLabels(e[0]), normNum(e[1]), e[2]] : null,
  ]);
}

describe.skipIf(!dir)('OpenMetrics parser conformance', () => {
  afterAll(() => {
    if (!dir) return;
    console.log(
      `openmetrics conformance (strict validator): valid ${tally.validOk}/${tally.valid} parse, ` +
        `invalid ${tally.invalidOk}/${tally.invalid} rejected — passed=${tally.validOk + tally.invalidOk}, ` +
        `failed=${tally.valid + tally.invalid - tally.validOk - tally.invalidOk}`,
    );
    console.log(
      `openmetrics conformance (lenient scrape parser, Prometheus' behaviour): valid ${tally.lenientValid}/${tally.valid} parse; ` +
        `it also rejects ${tally.lenientRejects}/${tally.invalid} invalid cases on syntax alone`,
    );
    if (tally.oracle)
      console.log(`openmetrics: ${tally.oracle} valid cases give the same samples as python3-prometheus-client`);
  });

  it('has the 211 cases the README describes', () => {
    expect(cases.length).toBe(211);
    expect(cases.filter((c) => c.shouldParse).length).toBe(44);
  });

  for (const c of cases) {
    it(`${c.name} (${c.shouldParse ? 'valid' : 'invalid'})`, () => {
      let err: unknown = null;
      try {
        validateOpenMetrics(c.body);
      } catch (e) {
        err = e;
      }
      let lenientErr: unknown = null;
      try {
        const p = new OpenMetricsParser(c.body);
        while (p.next() !== null) {
          p.labels();
          p.exemplar();
        }
      } catch (e) {
        lenientErr = e;
      }
      if (c.shouldParse) {
        tally.valid++;
        if (err === null) tally.validOk++;
        if (lenientErr === null) tally.lenientValid++;
        expect(err).toBeNull();
        expect(lenientErr).toBeNull();
      } else {
        tally.invalid++;
        if (err !== null) tally.invalidOk++;
        if (lenientErr !== null) tally.lenientRejects++;
        expect(err, 'should be rejected').not.toBeNull();
      }
    });
  }

  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : null;
  const hasClient =
    python !== null && spawnSync(python, ['-c', 'import prometheus_client'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!hasClient)('reads the same samples as the Python reference parser on every valid case', () => {
    const valid = cases.filter((c) => c.shouldParse);
    const paths = valid.map((c) => join(dir!, c.name, 'metrics'));
    const r = spawnSync(python!, ['-c', ORACLE], {
      input: JSON.stringify(paths),
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    expect(r.status, r.stderr).toBe(0);
    const theirs = JSON.parse(r.stdout) as Record<string, Tuple[]>;
    const mismatched: string[] = [];
    for (const c of valid) {
      // The Python parser collapses samples of one series that share a timestamp (it keeps one);
      // Prometheus' parser, like ours, returns every line and lets storage reject duplicates.
      if (c.name.startsWith('duplicate_timestamps_')) continue;
      const path = join(dir!, c.name, 'metrics');
      if (JSON.stringify(normalise(ours(c.body))) === JSON.stringify(normalise(theirs[path]!))) tally.oracle++;
      else mismatched.push(c.name);
    }
    expect(mismatched).toEqual([]);
  });
});
