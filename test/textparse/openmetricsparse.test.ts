import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/lib/textparse/interface.js';
import { OpenMetricsParser } from '../../src/lib/textparse/openmetricsparse.js';
import { om, parseError, seriesOf } from './helpers.js';

const all = (s: string | Buffer, strict = false) => {
  const p = new OpenMetricsParser(typeof s === 'string' ? Buffer.from(s) : s, { strict });
  while (p.next() !== null) {
    p.labels();
    p.exemplar();
  }
};

describe('OpenMetrics parser', () => {
  it('parses metadata, units, exemplars, timestamps in seconds and # EOF', () => {
    const e = om(`# HELP foo_seconds Some \\"help\\" \\n text.
# TYPE foo_seconds counter
# UNIT foo_seconds seconds
foo_seconds_total{a="b"} 17.0 1520879607.789 # {id="counter-test"} 5
foo_seconds_created{a="b"} 1520872607.123
# TYPE hh histogram
hh_bucket{le="0.01"} 0 # {id="x"} 0.005 1520879607.5
hh_bucket{le="+Inf"} 17
hh_count 17
hh_sum 324789.3
# EOF
`);
    expect(e).toEqual([
      { help: 'foo_seconds', text: 'Some "help" \n text.' },
      { type: 'counter', name: 'foo_seconds' },
      { unit: 'seconds', name: 'foo_seconds' },
      {
        series: '{__name__="foo_seconds_total", a="b"}',
        value: 17,
        ts: 1520879607789,
        key: 'foo_seconds_total{a="b"}',
        exemplar: { labels: '{id="counter-test"}', value: 5 },
      },
      { series: '{__name__="foo_seconds_created", a="b"}', value: 1520872607.123, key: 'foo_seconds_created{a="b"}' },
      { type: 'histogram', name: 'hh' },
      {
        series: '{__name__="hh_bucket", le="0.01"}',
        value: 0,
        key: 'hh_bucket{le="0.01"}',
        exemplar: { labels: '{id="x"}', value: 0.005, ts: 1520879607500 },
      },
      { series: '{__name__="hh_bucket", le="+Inf"}', value: 17, key: 'hh_bucket{le="+Inf"}' },
      { series: '{__name__="hh_count"}', value: 17, key: 'hh_count' },
      { series: '{__name__="hh_sum"}', value: 324789.3, key: 'hh_sum' },
    ]);
  });

  it('knows the eight OpenMetrics types', () => {
    const types = ['counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset', 'unknown'];
    const e = om(types.map((t, i) => `# TYPE m${i} ${t}\n`).join('') + '# EOF\n');
    expect(e.map((x) => (x as { type: string }).type)).toEqual(types);
    expect(parseError(() => all('# TYPE a untyped\n# EOF\n'))!.message).toBe('invalid metric type "untyped"');
  });

  describe('# EOF', () => {
    it('is required', () => {
      const e = parseError(() => all('a 1\n')) as ParseError;
      expect(e).toBeInstanceOf(ParseError);
      expect(e.message).toBe('data does not end with # EOF');
      expect(e.line).toBe(2);
      expect(parseError(() => all(''))!.message).toBe('data does not end with # EOF');
    });
    it('may lack its final newline', () => {
      expect(seriesOf(om('a 1\n# EOF'))).toEqual(['{__name__="a"} 1']);
    });
    it('must be last', () => {
      expect(parseError(() => all('# EOF\na 1\n'))!.message).toBe('unexpected data after # EOF');
      expect(parseError(() => all('# EOF\n\n'))!.message).toBe('unexpected data after # EOF');
      expect(parseError(() => all('# EOFblah\n'))).toBeInstanceOf(ParseError);
    });
    it('ends iteration for good', () => {
      const p = new OpenMetricsParser(Buffer.from('a 1\n# EOF\n'));
      expect(p.next()).toBe('series');
      expect(p.next()).toBeNull();
      expect(p.next()).toBeNull();
    });
  });

  it('rejects blank lines, free comments and extra whitespace', () => {
    for (const bad of [
      'a 1\n\n# EOF\n',
      '# random\n# EOF\n',
      'a  1\n# EOF\n',
      'a 1 \n# EOF\n',
      ' a 1\n# EOF\n',
      'a{b="c", d="e"} 1\n# EOF\n',
      'a 1\t\n# EOF\n',
    ]) {
      expect(
        parseError(() => all(bad)),
        JSON.stringify(bad),
      ).toBeInstanceOf(ParseError);
    }
  });

  it('requires commas between labels and closes on }', () => {
    expect(parseError(() => all('a{a="1"b="2"} 1\n# EOF\n'))!.message).toBe(
      'expected comma or brace close, got "b" ("LNAME") while parsing: "a{a=\\"1\\"b"',
    );
    // Prometheus tolerates a trailing comma; the strict mode does not.
    expect(seriesOf(om('a{a="1",} 1\n# EOF\n'))).toEqual(['{__name__="a", a="1"} 1']);
    expect(parseError(() => all('a{a="1",} 1\n# EOF\n', true))).toBeInstanceOf(ParseError);
  });

  it('parses timestamps as float seconds and rejects NaN/Inf timestamps', () => {
    expect(seriesOf(om('a 1 1.5\na 1 000\na 1 1.5e3\na 1 -1.1\n# EOF\n'))).toEqual([
      '{__name__="a"} 1 @1500',
      '{__name__="a"} 1 @0',
      '{__name__="a"} 1 @1500000',
      '{__name__="a"} 1 @-1100',
    ]);
    for (const t of ['NaN', 'Inf', '-Inf', '1_2', '0x1p-3', 'z', '1.1.1']) {
      expect(
        parseError(() => all(`a 1 ${t}\n# EOF\n`)),
        t,
      ).toBeInstanceOf(ParseError);
    }
    expect(parseError(() => all('a 1 NaN\n# EOF\n'))!.message).toBe('invalid timestamp NaN');
  });

  it('parses exemplars with and without timestamps, and rejects bad ones', () => {
    const e = om('a_total 1 # {} 2\na_total 1 5 # {x="y"} 2 3\n# EOF\n');
    expect(e).toEqual([
      { series: '{__name__="a_total"}', value: 1, key: 'a_total', exemplar: { labels: '{}', value: 2 } },
      {
        series: '{__name__="a_total"}',
        value: 1,
        ts: 5000,
        key: 'a_total',
        exemplar: { labels: '{x="y"}', value: 2, ts: 3000 },
      },
    ]);
    for (const bad of [
      'a_total 1 #\n',
      'a_total 1# {} 1\n',
      'a_total 1 #{} 1\n',
      'a_total 1 # {}1\n',
      'a_total 1 # {} 1 \n',
      'a_total 1 # {} 1 1 \n',
      'a_total 1 # {} 0x1p-3\n',
      'a_total 1 # {} 1 NaN\n',
      'a_total 1 # {"q"} 1\n',
      'a_total 1 # {id="a"}  \n',
    ]) {
      expect(
        parseError(() => all(bad + '# EOF\n')),
        JSON.stringify(bad),
      ).toBeInstanceOf(ParseError);
    }
  });

  it('keeps # and braces inside label values', () => {
    expect(seriesOf(om('a{foo="} foo # bar # "} 1\n# EOF\n'))).toEqual(['{__name__="a", foo="} foo # bar # "} 1']);
  });

  it('accepts quoted UTF-8 names (Prometheus 3), but not in strict mode', () => {
    const text = '# TYPE "my.counter" counter\n{"my.counter_total","some.label"="x"} 1\n# EOF\n';
    expect(om(text)).toEqual([
      { type: 'counter', name: 'my.counter' },
      {
        series: '{__name__="my.counter_total", "some.label"="x"}',
        value: 1,
        key: '{"my.counter_total","some.label"="x"}',
      },
    ]);
    expect(parseError(() => all(text, true))).toBeInstanceOf(ParseError);
  });

  it('checks that UNIT is a suffix of the family name', () => {
    expect(parseError(() => all('# UNIT a seconds\n# EOF\n'))!.message).toBe(
      'unit "seconds" not a suffix of metric "a"',
    );
    expect(om('# UNIT a_seconds seconds\n# UNIT b \n# EOF\n')).toEqual([
      { unit: 'seconds', name: 'a_seconds' },
      { unit: '', name: 'b' },
    ]);
  });

  it('needs text after HELP/TYPE/UNIT names', () => {
    for (const bad of [
      '# HELP\n',
      '# HELP \n',
      '# HELP a\n',
      '# HELP a\t\n',
      '# TYPE a\n',
      '# UNIT a\n',
      '# FOO a x\n',
    ]) {
      expect(
        parseError(() => all(bad + '# EOF\n')),
        bad,
      ).toBeInstanceOf(ParseError);
    }
    expect(om('# HELP a \n# EOF\n')).toEqual([{ help: 'a', text: '' }]);
  });

  it('rejects invalid UTF-8 in label values and help', () => {
    const bad = Buffer.concat([Buffer.from('a{b="'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"} 1\n# EOF\n')]);
    expect(parseError(() => all(bad))!.message).toMatch(/^invalid UTF-8 label value/);
    const help = Buffer.concat([Buffer.from('# HELP a '), Buffer.from([0xfe]), Buffer.from('\n# EOF\n')]);
    expect(parseError(() => all(help))!.message).toMatch(/is not a valid utf8 string$/);
  });

  describe('_created series', () => {
    const text = `# TYPE a counter
a_total{x="1"} 1
a_created{x="1"} 1000.5
a_total{x="2"} 2
a_created{x="2"} 2000
# TYPE h histogram
h_bucket{le="1"} 1
h_bucket{le="+Inf"} 2
h_count 2
h_sum 3
h_created 3000
# TYPE g gauge
g_created 5
# EOF
`;
    it('are ordinary samples by default', () => {
      expect(seriesOf(om(text))).toHaveLength(10);
    });
    it('are skipped with skipCreatedSeries and exposed as createdTimestamp()', () => {
      const e = om(text, { skip: true, ct: true });
      expect(
        e
          .filter((x) => 'series' in x)
          .map((x) => {
            const s = x as { series: string; ct?: number };
            return `${s.series} ${s.ct ?? '-'}`;
          }),
      ).toEqual([
        '{__name__="a_total", x="1"} 1000500',
        '{__name__="a_total", x="2"} 2000000',
        '{__name__="h_bucket", le="1.0"} 3000000',
        '{__name__="h_bucket", le="+Inf"} 3000000',
        '{__name__="h_count"} 3000000',
        '{__name__="h_sum"} 3000000',
        // A gauge's _created is just a series.
        '{__name__="g_created"} -',
      ]);
    });
  });

  it('reports the type in force for each series', () => {
    const e = om('# TYPE a counter\na_total 1\n# TYPE s stateset\ns{s="x"} 1\nother 2\n# EOF\n', { types: true });
    expect(e.filter((x) => 'series' in x).map((x) => (x as { type: string }).type)).toEqual([
      'counter',
      'stateset',
      'unknown',
    ]);
  });

  it('fails a truncated body with a position', () => {
    const full = '# TYPE a counter\na_total{x="1"} 1 # {id="q"} 2\n# EOF\n';
    for (let cut = 1; cut < full.length - 6; cut++) {
      const e = parseError(() => all(full.slice(0, cut)));
      expect(e, `cut at ${cut}`).toBeInstanceOf(ParseError);
      expect((e as ParseError).line).toBeGreaterThanOrEqual(1);
    }
  });
});
