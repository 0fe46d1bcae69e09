/**
 * ../shared/conformance/textformat: Prometheus v3.5.0's parser benchmark inputs (read through
 * without error, sample for sample what the reference Python client reads) and the behaviours of
 * upstream's promparse/interface tests listed in CASES.md, one table row per case.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Parser } from '../../src/lib/textparse/interface.js';
import { ParseError } from '../../src/lib/textparse/interface.js';
import { chooseParser } from '../../src/lib/textparse/negotiate.js';
import { OpenMetricsParser } from '../../src/lib/textparse/openmetricsparse.js';
import { PromParser } from '../../src/lib/textparse/promparse.js';
import { conformanceDir } from '../support/conformance.js';

const dir = conformanceDir('textformat');

interface Row {
  series: string;
  value: number;
  ts?: number;
}

function read(p: Parser): { rows: Row[]; help: number; type: number; comments: number } {
  const rows: Row[] = [];
  let help = 0;
  let type = 0;
  let comments = 0;
  for (let e = p.next(); e !== null; e = p.next()) {
    if (e === 'series') {
      const r: Row = { series: p.labels().toString(), value: p.value() };
      const ts = p.timestamp();
      if (ts !== undefined) r.ts = ts;
      rows.push(r);
    } else if (e === 'help') help++;
    else if (e === 'type') type++;
    else if (e === 'comment') comments++;
  }
  return { rows, help, type, comments };
}

const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : null;
const hasClient =
  python !== null && spawnSync(python, ['-c', 'import prometheus_client'], { stdio: 'ignore' }).status === 0;

/** Samples as the Python client reads them: `{labels} value`, labels sorted, empty values dropped. */
function pythonRows(file: string, om: boolean): string[] {
  const script = `
import json, math, sys
from prometheus_client.${om ? 'openmetrics.parser' : 'parser'} import text_string_to_metric_families
rows = []
for fam in text_string_to_metric_families(open(sys.argv[1], encoding='utf-8').read()):
    for s in fam.samples:
        v = float(s.value)
        rows.append([s.name, {k: x for k, x in s.labels.items() if x != ''}, 'NaN' if math.isnan(v) else repr(v)])
json.dump(rows, sys.stdout)
`;
  const r = spawnSync(python!, ['-c', script, file], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(r.stderr);
  return (JSON.parse(r.stdout) as [string, Record<string, string>, string][]).map(([n, l, v]) => {
    const names = Object.keys(l).sort();
    const labels = [`__name__=${JSON.stringify(n)}`, ...names.map((k) => `${k}=${JSON.stringify(l[k])}`)];
    return `{${labels.join(', ')}} ${v === 'NaN' ? 'NaN' : Number(v)}`;
  });
}

function ourRows(rows: Row[]): string[] {
  return rows.map((r) => `${r.series} ${r.value}`);
}

describe.skipIf(!dir)('text format data files (Prometheus v3.5.0 testdata)', () => {
  const file = (f: string) => readFileSync(join(dir!, f));

  it('alltypes.237mfs.prom.txt reads through: 237 families, HELP and TYPE each, # EOF a comment', () => {
    const r = read(new PromParser(file('alltypes.237mfs.prom.txt')));
    expect(r.type).toBe(237);
    expect(r.help).toBe(237);
    expect(r.comments).toBe(1);
    const lines = file('alltypes.237mfs.prom.txt')
      .toString()
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(r.rows.length).toBe(lines.length);
  });

  it('the nometa file has the same samples, all untyped, with le/quantile as written', () => {
    const meta = read(new PromParser(file('alltypes.237mfs.prom.txt')));
    const nometa = read(new PromParser(file('alltypes.237mfs.nometa.prom.txt')));
    expect(nometa.help + nometa.type).toBe(0);
    expect(nometa.rows.map((r) => r.value)).toEqual(meta.rows.map((r) => r.value));
    expect(nometa.rows.length).toBe(meta.rows.length);
  });

  it.skipIf(!hasClient)('both read sample for sample like python3-prometheus-client', () => {
    // Python keeps le/quantile as written: compare with the nometa file, where we do too, and the
    // typed file's values.
    const nometa = join(dir!, 'alltypes.237mfs.nometa.prom.txt');
    expect(ourRows(read(new PromParser(readFileSync(nometa))).rows)).toEqual(pythonRows(nometa, false));
    const typed = join(dir!, 'alltypes.237mfs.prom.txt');
    expect(read(new PromParser(readFileSync(typed))).rows.map((r) => String(r.value))).toEqual(
      pythonRows(typed, false).map((s) => s.slice(s.lastIndexOf(' ') + 1)),
    );
  });

  it('1histogram.om.txt reads as OpenMetrics (sum/count with another port label) like the Python client', () => {
    const r = read(new OpenMetricsParser(file('1histogram.om.txt')));
    expect(r.rows.length).toBe(42);
    if (hasClient) {
      const p = join(dir!, '1histogram.om.txt');
      const ours = read(new OpenMetricsParser(readFileSync(p), { strict: true })).rows;
      expect(ourRows(ours)).toEqual(pythonRows(p, true));
    }
  });

  it('alltypes.5mfs.om.txt reads as OpenMetrics, with _created series and exemplars', () => {
    const p = new OpenMetricsParser(file('alltypes.5mfs.om.txt'));
    const r = read(p);
    expect(r.type).toBe(5);
    expect(r.rows.some((x) => x.series.includes('_created'))).toBe(true);
    const skip = read(new OpenMetricsParser(file('alltypes.5mfs.om.txt'), { skipCreatedSeries: true }));
    expect(skip.rows.some((x) => x.series.includes('_created'))).toBe(false);
  });
});

// ---- CASES.md ----------------------------------------------------------------------------

type Expect = { series: string[] } | { error: string | RegExp } | { entries: string[] };
interface CaseRow {
  item: string;
  input: string;
  expect: Expect;
}

function entriesOf(input: string): { entries: string[]; series: string[] } {
  // Inputs with \xff-style bytes are byte strings (latin1); the others are UTF-8 text.
  const p = new PromParser(Buffer.from(input, [...input].some((ch) => ch.charCodeAt(0) > 0xff) ? 'utf8' : 'latin1'));
  const entries: string[] = [];
  const series: string[] = [];
  for (let e = p.next(); e !== null; e = p.next()) {
    if (e === 'series') {
      const s = `${p.labels().toString()} ${p.value()}${p.timestamp() !== undefined ? ' @' + p.timestamp() : ''}`;
      series.push(s);
      entries.push(s);
    } else if (e === 'help') entries.push(`HELP ${p.metricName()} ${JSON.stringify(p.help())}`);
    else if (e === 'type') entries.push(`TYPE ${p.metricName()} ${p.type()}`);
    else if (e === 'comment') entries.push(`COMMENT ${JSON.stringify(p.comment())}`);
  }
  return { entries, series };
}

const CASES: CaseRow[] = [
  { item: '1 final line without newline', input: 'a 1', expect: { series: ['{__name__="a"} 1'] } },
  { item: '1 blank lines skipped', input: '\n\na 1\n\n', expect: { series: ['{__name__="a"} 1'] } },
  { item: '2 whitespace inside braces', input: 'm { a = "b" , } 1\n', expect: { series: ['{__name__="m", a="b"} 1'] } },
  {
    item: '3 no comma between pairs',
    input: 'm{ quantile = "2.0" a = "b" } 1\n',
    expect: { series: ['{__name__="m", a="b", quantile="2.0"} 1'] },
  },
  { item: '4 trailing comma', input: 'm{a="b",} 1\n', expect: { series: ['{__name__="m", a="b"} 1'] } },
  {
    item: '5 spaces and tabs before timestamp',
    input: 'go_goroutines 33  \t123123\n',
    expect: { series: ['{__name__="go_goroutines"} 33 @123123'] },
  },
  { item: '6 tab after #', input: '#\tTYPE x summary\n', expect: { entries: ['TYPE x summary'] } },
  { item: '6 lone #', input: '#\n', expect: { entries: ['COMMENT "#"'] } },
  { item: '6 looks like HELP', input: '# Hrandom stuff\n', expect: { entries: ['COMMENT "# Hrandom stuff"'] } },
  {
    item: '6 comment with \\n and \\',
    input: '# comment \\n \\\\ x\n',
    expect: { entries: ['COMMENT "# comment \\\\n \\\\\\\\ x"'] },
  },
  { item: '7 HELP with no text', input: '# HELP a\n', expect: { entries: ['HELP a ""'] } },
  { item: '7 HELP with one trailing space', input: '# HELP a \n', expect: { entries: ['HELP a ""'] } },
  { item: '8 HELP escapes', input: '# HELP a x\\\\y\\nz\\q\n', expect: { entries: ['HELP a "x\\\\y\\nz\\\\q"'] } },
  { item: '8 HELP with NUL', input: '# HELP a b\0c\n', expect: { entries: ['HELP a "b\\u0000c"'] } },
  { item: '8 HELP not UTF-8', input: '# HELP a \xff\n', expect: { error: /is not a valid utf8 string/ } },
  { item: '9 untyped is unknown', input: '# TYPE a untyped\n', expect: { entries: ['TYPE a unknown'] } },
  { item: '9 info rejected', input: '# TYPE a info\n', expect: { error: 'invalid metric type "info"' } },
  {
    item: '9 gaugehistogram rejected',
    input: '# TYPE a gaugehistogram\n',
    expect: { error: 'invalid metric type "gaugehistogram"' },
  },
  {
    item: '9 TYPE after HELP',
    input: '# HELP a h\n# TYPE a gauge\n',
    expect: { entries: ['HELP a "h"', 'TYPE a gauge'] },
  },
  {
    item: '10 TYPE carried over (le normalised for a later family)',
    input: '# TYPE h histogram\nh_bucket{le="1"} 1\nother_bucket{le="2"} 1\n',
    expect: { series: ['{__name__="h_bucket", le="1.0"} 1', '{__name__="other_bucket", le="2.0"} 1'] },
  },
  { item: '11 # TYPE #', input: '# TYPE #\n', expect: { error: /^expected metric name after TYPE/ } },
  { item: '11 # HELP #', input: '# HELP #\n', expect: { error: /^expected metric name after HELP/ } },
  {
    item: '12 colons and underscores',
    input: 'some:aggregate:rate5m 1\n_m{_l="x"} 2\n',
    expect: { series: ['{__name__="some:aggregate:rate5m"} 1', '{__name__="_m", _l="x"} 2'] },
  },
  {
    item: '13 label escapes',
    input: 'm{label="\\"bar\\""} 1\n',
    expect: { series: ['{__name__="m", label="\\"bar\\""} 1'] },
  },
  { item: '13 NUL in value', input: 'm{a="x\0y"} 1\n', expect: { series: ['{__name__="m", a="x\\x00y"} 1'] } },
  { item: '13 label value not UTF-8', input: 'm{a="\xff"} 1\n', expect: { error: /^invalid UTF-8 label value/ } },
  {
    item: '14 le normalised in histograms',
    input:
      '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="0"} 1\nh_bucket{le="0.25"} 1\nh_bucket{le="+Inf"} 1\nh_bucket{le="x"} 1\n',
    expect: {
      series: [
        '{__name__="h_bucket", le="1.0"} 1',
        '{__name__="h_bucket", le="0.0"} 1',
        '{__name__="h_bucket", le="0.25"} 1',
        '{__name__="h_bucket", le="+Inf"} 1',
        '{__name__="h_bucket", le="x"} 1',
      ],
    },
  },
  {
    item: '14 quantile normalised in summaries',
    input: '# TYPE s summary\ns{quantile="1"} 1\n',
    expect: { series: ['{__name__="s", quantile="1.0"} 1'] },
  },
  {
    item: '14 le kept on counters',
    input: '# TYPE c counter\nc{le="10"} 1\n',
    expect: { series: ['{__name__="c", le="10"} 1'] },
  },
  { item: '14 le kept on untyped', input: 'u{le="10"} 1\n', expect: { series: ['{__name__="u", le="10"} 1'] } },
  {
    item: '15 quoted metric name',
    input: '{"go.gc_duration_seconds",quantile="0"} 1\n',
    expect: { series: ['{__name__="go.gc_duration_seconds", quantile="0"} 1'] },
  },
  {
    item: '15 quoted label name with escapes',
    input: '{"a", "strange©™\\n\'quoted\' \\"name\\""="6"} 1\n',
    expect: { series: ['{__name__="a", "strange©™\\n\'quoted\' \\"name\\""="6"} 1'] },
  },
  {
    item: '15 quoted HELP name',
    input: '# HELP "quoted.name" text\n',
    expect: { entries: ['HELP quoted.name "text"'] },
  },
  {
    item: '15 second quoted name',
    input: '{"a","b"} 1\n',
    expect: { error: /^metric name already set while parsing/ },
  },
  { item: '15 no metric name', input: '{a="ok"} 1\n', expect: { error: /^metric name not set while parsing/ } },
  { item: '16 _ separators', input: 'a 1_2\n', expect: { error: /unsupported character in float/ } },
  { item: '16 hex float', input: 'a 0x1p-3\n', expect: { error: /unsupported character in float/ } },
  { item: '16 hex float P', input: 'a 0x1P-3\n', expect: { error: /unsupported character in float/ } },
  { item: '16 true', input: 'a true\n', expect: { error: /invalid syntax/ } },
  {
    item: '16 NaN canonical',
    input: 'a NaN\na nan\n',
    expect: { series: ['{__name__="a"} NaN', '{__name__="a"} NaN'] },
  },
  {
    item: '17 __type__ kept as a label',
    input: '# TYPE a gauge\na{__type__="counter"} 1\n',
    expect: { series: ['{__name__="a", __type__="counter"} 1'] },
  },
  { item: 'reject: name without value', input: 'metric\n', expect: { error: /^expected value after metric/ } },
  {
    item: 'reject: single quotes',
    input: "a{b='c'} 1\n",
    expect: { error: 'expected label value, got "\'" ("INVALID") while parsing: "a{b=\'"' },
  },
  { item: 'reject: unterminated value', input: 'a{b="c} 1\n', expect: { error: /^expected label value/ } },
  { item: 'reject: line break after =', input: 'a{b=\n"c"} 1\n', expect: { error: /^expected label value/ } },
  {
    item: 'reject: label name starting with \\xff',
    input: 'a{\xff="c"} 1\n',
    expect: { error: /^expected label name/ },
  },
  { item: 'reject: empty label name', input: 'a{=""} 1\n', expect: { error: /^expected label name/ } },
  { item: 'reject: quoted label name without =', input: 'a{"b" "c"} 1\n', expect: { error: /^expected equal/ } },
  { item: 'reject: backslash in unquoted label name', input: 'a{b\\c="d"} 1\n', expect: { error: /^expected equal/ } },
  {
    item: 'reject: garbage after timestamp',
    input: 'foo 0 1_2\n',
    expect: { error: /^expected next entry after timestamp/ },
  },
  { item: 'reject: NUL before =', input: 'a{b\0="c"} 1\n', expect: { error: /^expected equal/ } },
  { item: 'reject: NUL after metric name', input: 'a\0 1\n', expect: { error: /./ } },
  {
    item: 'reject: NUL after timestamp',
    input: 'a 1 2\0\n',
    expect: { error: /^expected next entry after timestamp/ },
  },
  { item: 'reject: NUL instead of opening quote', input: 'a{b=\0"c"} 1\n', expect: { error: /^expected label value/ } },
  {
    item: 'accept: NUL first in a quoted value',
    input: 'a{b="\0"} 1\n',
    expect: { series: ['{__name__="a", b="\\x00"} 1'] },
  },
];

const CONTENT_TYPES: [string, string | null, string | undefined, string | null][] = [
  ['text/plain', null, undefined, 'prometheus-text'],
  ['text/plain; version=0.0.4', null, undefined, 'prometheus-text'],
  ['application/openmetrics-text; version=1.0.0; charset=utf-8', null, undefined, 'openmetrics'],
  ['application/openmetrics-text; version=0.0.1', null, undefined, 'openmetrics'],
  ['application/vnd.google.protobuf', null, undefined, 'protobuf'],
  ['', 'error', undefined, null],
  ['invalid/', 'error', undefined, null],
  ['/', 'error', undefined, null],
  ['a/b/c', 'error', undefined, null],
  ['text/plain; version=1; version=2', 'error', undefined, null],
  ['text/html', 'error', undefined, null],
  ['', 'warning', 'PrometheusText0.0.4', 'prometheus-text'],
  ['text/html', 'warning', 'OpenMetricsText1.0.0', 'openmetrics'],
  ['a/b/c', 'warning', 'PrometheusText0.0.4', 'prometheus-text'],
];

let passed = 0;
describe('CASES.md (promparse_test.go / interface_test.go behaviours)', () => {
  afterAll(() => console.log(`textformat CASES.md: ${passed}/${CASES.length + CONTENT_TYPES.length} cases pass`));

  for (const c of CASES) {
    it(c.item, () => {
      let got: { entries: string[]; series: string[] } | null = null;
      let err: unknown = null;
      try {
        got = entriesOf(c.input);
      } catch (e) {
        err = e;
      }
      if ('error' in c.expect) {
        expect(err).toBeInstanceOf(ParseError);
        if (typeof c.expect.error === 'string') expect((err as Error).message).toBe(c.expect.error);
        else expect((err as Error).message).toMatch(c.expect.error);
      } else {
        expect(err).toBeNull();
        if ('series' in c.expect) expect(got!.series).toEqual(c.expect.series);
        else expect(got!.entries).toEqual(c.expect.entries);
      }
      passed++;
    });
  }

  for (const [ct, problem, fallback, kind] of CONTENT_TYPES) {
    it(`Content-Type ${JSON.stringify(ct)}${fallback ? ` with fallback ${fallback}` : ''}`, () => {
      const c = chooseParser(ct, fallback as Parameters<typeof chooseParser>[1]);
      expect(c.kind).toBe(kind);
      if (problem === null) expect(c.error).toBeUndefined();
      else expect(c.error).toBeTruthy();
      passed++;
    });
  }
});
