import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/lib/textparse/interface.js';
import { PromParser } from '../../src/lib/textparse/promparse.js';
import { parseError, prom, seriesOf } from './helpers.js';

const all = (s: string) => {
  const p = new PromParser(Buffer.from(s));
  while (p.next() !== null) p.labels();
};

describe('Prometheus text format parser', () => {
  it('parses a typical exposition with HELP, TYPE, comments, labels, timestamps', () => {
    const entries = prom(`# HELP go_gc_duration_seconds A summary of the GC invocation durations.
# TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 4.9351e-05
go_gc_duration_seconds{quantile="0.25",} 7.424100000000001e-05
go_gc_duration_seconds_sum 0.0001
go_gc_duration_seconds_count 3
# Hrandom comment
go_goroutines 33  \t123123
_metric_starting_with_underscore 1
testmetric{_label_starting_with_underscore="foo"} 1
testmetric{label="\\"bar\\""} 1
some:aggregate:rate5m{a_b="c"} 1
`);
    expect(entries).toEqual([
      { help: 'go_gc_duration_seconds', text: 'A summary of the GC invocation durations.' },
      { type: 'summary', name: 'go_gc_duration_seconds' },
      {
        series: '{__name__="go_gc_duration_seconds", quantile="0.0"}',
        value: 4.9351e-5,
        key: 'go_gc_duration_seconds{quantile="0"}',
      },
      {
        series: '{__name__="go_gc_duration_seconds", quantile="0.25"}',
        value: 7.424100000000001e-5,
        key: 'go_gc_duration_seconds{quantile="0.25",}',
      },
      { series: '{__name__="go_gc_duration_seconds_sum"}', value: 0.0001, key: 'go_gc_duration_seconds_sum' },
      { series: '{__name__="go_gc_duration_seconds_count"}', value: 3, key: 'go_gc_duration_seconds_count' },
      { comment: '# Hrandom comment' },
      { series: '{__name__="go_goroutines"}', value: 33, ts: 123123, key: 'go_goroutines' },
      { series: '{__name__="_metric_starting_with_underscore"}', value: 1, key: '_metric_starting_with_underscore' },
      {
        series: '{__name__="testmetric", _label_starting_with_underscore="foo"}',
        value: 1,
        key: 'testmetric{_label_starting_with_underscore="foo"}',
      },
      { series: '{__name__="testmetric", label="\\"bar\\""}', value: 1, key: 'testmetric{label="\\"bar\\""}' },
      { series: '{__name__="some:aggregate:rate5m", a_b="c"}', value: 1, key: 'some:aggregate:rate5m{a_b="c"}' },
    ]);
  });

  // CASES.md 1: a final line without newline; blank lines skipped.
  it('accepts a last line without newline and skips blank lines', () => {
    expect(seriesOf(prom('\n\na 1\n\n\nb 2'))).toEqual(['{__name__="a"} 1', '{__name__="b"} 2']);
    expect(prom('')).toEqual([]);
  });

  // CASES.md 2-4: whitespace, no comma between pairs, trailing comma.
  it('allows spaces and tabs around names, braces, = and commas; no comma needed; trailing comma', () => {
    expect(seriesOf(prom('m { a = "b" , }  1\n'))).toEqual(['{__name__="m", a="b"} 1']);
    expect(seriesOf(prom('m{ quantile = "2.0" a = "b" } 1\n'))).toEqual(['{__name__="m", a="b", quantile="2.0"} 1']);
    expect(seriesOf(prom('m{a="b",} 1\n'))).toEqual(['{__name__="m", a="b"} 1']);
    expect(seriesOf(prom('  m\t{a="b"}\t1\t2\n'))).toEqual(['{__name__="m", a="b"} 1 @2']);
  });

  // CASES.md 6-8: comments, HELP, TYPE.
  it('treats "#" lines as comments unless they are HELP/TYPE after # and blanks', () => {
    expect(prom('#\tTYPE x summary\n# HELP x  two spaces\n#\n# comment with \\n and \\\\\n#HELP x not meta\n')).toEqual(
      [
        { type: 'summary', name: 'x' },
        { help: 'x', text: ' two spaces' },
        { comment: '#' },
        { comment: '# comment with \\n and \\\\' },
        { comment: '#HELP x not meta' },
      ],
    );
  });

  it('gives an empty help for "# HELP name" with no text or one trailing space', () => {
    expect(prom('# HELP a\n# HELP b \n')).toEqual([
      { help: 'a', text: '' },
      { help: 'b', text: '' },
    ]);
  });

  it('unescapes only \\\\ and \\n in HELP and allows NUL', () => {
    expect(prom('# HELP a x\\\\y\\nz \\t \\"q\\" \0nul\n')).toEqual([{ help: 'a', text: 'x\\y\nz \\t \\"q\\" \0nul' }]);
  });

  it('rejects HELP text that is not UTF-8', () => {
    const err = parseError(() => all('# HELP a bad \xff\n'.replace('\xff', '\u00ff')));
    expect(err).toBeNull(); // U+00FF encoded as UTF-8 is valid
    const bad = Buffer.concat([Buffer.from('# HELP a bad '), Buffer.from([0xff]), Buffer.from('\n')]);
    const e = parseError(() => prom(bad));
    expect(e).toBeInstanceOf(ParseError);
    expect(e!.message).toBe('help text "bad \\xff" is not a valid utf8 string');
  });

  // CASES.md 9-10.
  it('knows the five text-format types, untyped meaning unknown, and rejects others', () => {
    expect(prom('# TYPE a counter\n# TYPE b gauge\n# TYPE c histogram\n# TYPE d summary\n# TYPE e untyped\n')).toEqual([
      { type: 'counter', name: 'a' },
      { type: 'gauge', name: 'b' },
      { type: 'histogram', name: 'c' },
      { type: 'summary', name: 'd' },
      { type: 'unknown', name: 'e' },
    ]);
    for (const t of ['info', 'gaugehistogram', 'stateset', 'Counter', 'counter ']) {
      const e = parseError(() => all(`# TYPE a ${t}\n`));
      expect(e, t).toBeInstanceOf(ParseError);
      expect(e!.message).toBe(`invalid metric type ${JSON.stringify(t)}`);
    }
  });

  it('accepts TYPE before or after HELP and reports the type in force for series', () => {
    const e = prom('# TYPE a counter\n# HELP a h\na 1\na_total 2\nb 3\n', { types: true });
    expect(e.filter((x) => 'series' in x).map((x) => (x as { type: string }).type)).toEqual([
      'counter',
      'counter',
      'unknown',
    ]);
  });

  // CASES.md 11.
  it('rejects # TYPE # and # HELP # with Prometheus wording', () => {
    expect(parseError(() => all('# TYPE #\n'))!.message).toBe(
      'expected metric name after TYPE, got "#" ("INVALID") while parsing: "# TYPE #"',
    );
    expect(parseError(() => all('# HELP #\n'))!.message).toMatch(/^expected metric name after HELP/);
  });

  // CASES.md 13.
  it('unescapes label values and keeps NUL bytes inside them', () => {
    expect(seriesOf(prom('m{a="x\\\\y\\nz\\"w",b="\0",c="\\t"} 1\n'))).toEqual([
      '{__name__="m", a="x\\\\y\\nz\\"w", b="\\x00", c="\\\\t"} 1',
    ]);
  });

  it('rejects label values that are not UTF-8 with the line and column', () => {
    const body = Buffer.concat([Buffer.from('ok 1\nm{a="'), Buffer.from([0xc3, 0x28]), Buffer.from('"} 1\n')]);
    const e = parseError(() => prom(body)) as ParseError;
    expect(e).toBeInstanceOf(ParseError);
    expect(e.line).toBe(2);
    expect(e.column).toBe(6);
    expect(e.message).toBe('invalid UTF-8 label value: "\\"\\xc3(\\""');
  });

  // CASES.md 14.
  it('normalises le in histograms and quantile in summaries only', () => {
    const s = seriesOf(
      prom(`# TYPE h histogram
h_bucket{le="1"} 1
h_bucket{le="0"} 1
h_bucket{le="0.25"} 1
h_bucket{le="+Inf"} 1
h_bucket{le="1e3"} 1
h_bucket{le="foo"} 1
# TYPE s summary
s{quantile="1"} 1
# TYPE c counter
c{le="10"} 1
# TYPE u untyped
u{le="10"} 1
`),
    );
    expect(s).toEqual([
      '{__name__="h_bucket", le="1.0"} 1',
      '{__name__="h_bucket", le="0.0"} 1',
      '{__name__="h_bucket", le="0.25"} 1',
      '{__name__="h_bucket", le="+Inf"} 1',
      '{__name__="h_bucket", le="1000.0"} 1',
      '{__name__="h_bucket", le="foo"} 1',
      '{__name__="s", quantile="1.0"} 1',
      '{__name__="c", le="10"} 1',
      '{__name__="u", le="10"} 1',
    ]);
  });

  // CASES.md 15.
  it('accepts quoted UTF-8 metric and label names', () => {
    const e = prom(`# HELP "go.gc_duration_seconds" A summary.
# TYPE "go.gc_duration_seconds" summary
{"go.gc_duration_seconds",quantile="0"} 1
{"strange©™\\n'quoted' \\"name\\""="6", "my.name"} 2
{"a", b="c"} 3
`);
    expect(e).toEqual([
      { help: 'go.gc_duration_seconds', text: 'A summary.' },
      { type: 'summary', name: 'go.gc_duration_seconds' },
      {
        series: '{__name__="go.gc_duration_seconds", quantile="0.0"}',
        value: 1,
        key: '{"go.gc_duration_seconds",quantile="0"}',
      },
      {
        series: '{__name__="my.name", "strange©™\\n\'quoted\' \\"name\\""="6"}',
        value: 2,
        key: Buffer.from('{"strange©™\\n\'quoted\' \\"name\\""="6", "my.name"}').toString('latin1'),
      },
      { series: '{__name__="a", b="c"}', value: 3, key: '{"a", b="c"}' },
    ]);
    expect(parseError(() => all('{"a","b"} 1\n'))!.message).toBe(
      'metric name already set while parsing: "{\\"a\\",\\"b\\"}"',
    );
    expect(parseError(() => all('m{"b"} 1\n'))!.message).toMatch(/^metric name already set/);
    expect(parseError(() => all('{a="ok"} 1\n'))!.message).toBe('metric name not set while parsing: "{a=\\"ok\\"}"');
  });

  // CASES.md 16.
  it('parses values like Go floats, minus _ separators, hex and words', () => {
    const vals = seriesOf(prom('a 1.5e3\na -0\na .5\na 5.\na +Inf\na -Inf\na inf\na NaN\na nan\na 1e-400\na +1\n'));
    expect(vals).toEqual([
      '{__name__="a"} 1500',
      '{__name__="a"} 0',
      '{__name__="a"} 0.5',
      '{__name__="a"} 5',
      '{__name__="a"} Infinity',
      '{__name__="a"} -Infinity',
      '{__name__="a"} Infinity',
      '{__name__="a"} NaN',
      '{__name__="a"} NaN',
      '{__name__="a"} 0',
      '{__name__="a"} 1',
    ]);
    for (const v of ['1_2', '0x1p-3', '0x1P-3', 'true', '1e400', '0x10', '', '1..2', '+nan']) {
      expect(
        parseError(() => all(`a ${v}\n`)),
        v,
      ).toBeInstanceOf(ParseError);
    }
    expect(parseError(() => all('a 1_2\n'))!.message).toBe(
      'strconv.ParseFloat: parsing "1_2": unsupported character in float while parsing: "a 1_2"',
    );
  });

  it('gives exact values for long mantissas and big exponents', () => {
    const v = (s: string) => (prom(`a ${s}\n`)[0] as { value: number }).value;
    expect(v('0.1')).toBe(0.1);
    expect(v('123456789012345678901234567890')).toBe(1.2345678901234568e29);
    expect(v('2.2250738585072014e-308')).toBe(2.2250738585072014e-308);
    expect(v('1.7976931348623157e308')).toBe(1.7976931348623157e308);
    expect(v('9007199254740993')).toBe(2 ** 53); // round half to even
  });

  it('keeps a __type__ label as an ordinary label', () => {
    expect(seriesOf(prom('# TYPE a gauge\na{__type__="counter"} 1\n'))).toEqual([
      '{__name__="a", __type__="counter"} 1',
    ]);
  });

  it('builds labels lazily and only when asked, dropping empty values', () => {
    const p = new PromParser(Buffer.from('m{a="",b="x"} 1\n'));
    expect(p.next()).toBe('series');
    expect(p.seriesKey()).toBe('m{a="",b="x"}');
    expect(p.labels().toString()).toBe('{__name__="m", b="x"}');
    expect(p.next()).toBeNull();
    expect(p.next()).toBeNull();
  });

  it('rejects duplicate label names when labels are built', () => {
    const p = new PromParser(Buffer.from('m{a="1",a="2"} 1\n'));
    p.next();
    expect(() => p.labels()).toThrow('label name "a" is not unique: invalid sample');
  });

  describe('rejected inputs (CASES.md) with Prometheus-style messages and positions', () => {
    const cases: [string, string, number, number][] = [
      ['metric\n', 'expected value after metric, got "\\n" ("LINEBREAK") while parsing: "metric\\n"', 1, 7],
      ["a{b='c'} 1\n", 'expected label value, got "\'" ("INVALID") while parsing: "a{b=\'"', 1, 5],
      ['a{b="c} 1\n', 'expected label value, got "\\"c} 1\\n" ("INVALID") while parsing: "a{b=\\"c} 1\\n"', 1, 5],
      ['a{b=\n', 'expected label value, got "\\n" ("INVALID") while parsing: "a{b=\\n"', 1, 5],
      ['a{\xff="foo"} 1\n', '', 1, 3],
      ['a{="foo"} 1\n', 'expected label name, got "=" ("INVALID") while parsing: "a{="', 1, 3],
      ['a{"b" 1} 1\n', 'expected equal, got "1" ("INVALID") while parsing: "a{\\"b\\" 1"', 1, 7],
      ['a{b\\c="d"} 1\n', 'expected equal, got "\\\\" ("INVALID") while parsing: "a{b\\\\"', 1, 4],
      ['a true\n', 'strconv.ParseFloat: parsing "true": invalid syntax while parsing: "a true"', 1, 3],
      ['foo 0 1_2\n', 'expected next entry after timestamp, got "_" ("INVALID") while parsing: "foo 0 1_"', 1, 8],
      ['a\0=1\n', '', 1, 2],
      ['a{b\0="c"} 1\n', '', 1, 4],
      ['a 1 2\0\n', '', 1, 6],
      ['a{b=\0"c"} 1\n', '', 1, 5],
      ['a 1 -5\n', 'expected timestamp or new record, got "-" ("INVALID") while parsing: "a 1 -"', 1, 5],
      ['a{b="c"}} 1\n', '', 1, 9],
      ['5a 1\n', 'expected a valid start token, got "5" ("INVALID") while parsing: "5"', 1, 1],
      ['a 1\nb{c="d"\n', 'expected label name, got "\\n" ("LINEBREAK") while parsing: "b{c=\\"d\\"\\n"', 2, 8],
    ];
    for (const [input, msg, line, col] of cases) {
      it(JSON.stringify(input), () => {
        const body = Buffer.from(input, 'latin1');
        const err = parseError(() => {
          const p = new PromParser(body);
          while (p.next() !== null) p.labels();
        });
        expect(err).toBeInstanceOf(ParseError);
        if (msg) expect(err!.message).toBe(msg);
        expect([(err as ParseError).line, (err as ParseError).column]).toEqual([line, col]);
      });
    }

    it('accepts a NUL as the first character of a label value', () => {
      expect(seriesOf(prom('a{b="\0c"} 1\n'))).toEqual(['{__name__="a", b="\\x00c"} 1']);
    });
  });

  it('returns the entries before an error, then throws at the broken line', () => {
    const p = new PromParser(Buffer.from('a 1\nb 2\nc{ 3\n'));
    expect(p.next()).toBe('series');
    expect(p.next()).toBe('series');
    expect(() => p.next()).toThrow(ParseError);
  });

  it('reports the line of every entry', () => {
    const p = new PromParser(Buffer.from('# HELP a x\n\na 1\n# c\nb{x="1\n2"} 2\nc 3\n'));
    const lines: number[] = [];
    while (p.next() !== null) lines.push(p.line());
    expect(lines).toEqual([1, 3, 4, 5, 7]);
  });
});
