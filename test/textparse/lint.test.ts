import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/lib/textparse/interface.js';
import { detectFormat, lintExposition } from '../../src/lib/textparse/lint.js';
import { conformanceDir } from '../support/conformance.js';
import { which } from '../support/procs.js';

const lint = (s: string) => lintExposition(Buffer.from(s)).problems.map((p) => `${p.metric} ${p.text}`);

describe('lint like promtool check metrics', () => {
  it('reports each promlint rule with its exact text', () => {
    expect(
      lint(`# HELP http_requests Requests.
# TYPE http_requests counter
http_requests{code="200"} 1
# TYPE latency_milliseconds gauge
latency_milliseconds 3
# HELP fooBar camel
# TYPE fooBar gauge
fooBar{someLabel="x"} 1
# HELP x_ms abbreviated
# TYPE x_ms gauge
x_ms 1
# HELP a:b colon
# TYPE a:b gauge
a:b 1
# HELP g_total gauge total
# TYPE g_total gauge
g_total 1
# HELP my_gauge_count x
# TYPE my_gauge_count gauge
my_gauge_count{le="1",quantile="0.5"} 1
# HELP c_bucket x
# TYPE c_bucket counter
c_bucket 1
# HELP t_timestamp_seconds x
# TYPE t_timestamp_seconds counter
t_timestamp_seconds 1
# HELP size_kilobits x
# TYPE size_kilobits gauge
size_kilobits 1
# HELP ok_bytes_total fine
# TYPE ok_bytes_total counter
ok_bytes_total 1
`),
    ).toEqual([
      "a:b metric names should not contain ':'",
      'c_bucket counter metrics should have "_total" suffix',
      'c_bucket non-histogram metrics should not have "_bucket" suffix',
      "fooBar label names should be written in 'snake_case' not 'camelCase'",
      "fooBar metric names should be written in 'snake_case' not 'camelCase'",
      'g_total non-counter metrics should not have "_total" suffix',
      'http_requests counter metrics should have "_total" suffix',
      'latency_milliseconds no help text',
      'latency_milliseconds use base unit "seconds" instead of "milliseconds"',
      "my_gauge_count metric name should not include type 'gauge'",
      'my_gauge_count non-histogram and non-summary metrics should not have "_count" suffix',
      'my_gauge_count non-histogram metrics should not have "le" label',
      'my_gauge_count non-summary metrics should not have "quantile" label',
      'size_kilobits use base unit "bytes" instead of "kilobits"',
      't_timestamp_seconds counter metrics should have "_total" suffix',
      't_timestamp_seconds non-gauge metrics should not have "_timestamp_seconds" suffix',
      'x_ms metric names should not contain abbreviated units',
    ]);
  });

  it('finds duplicate series, with the series and the line', () => {
    const r = lintExposition(
      Buffer.from('# HELP a_total x\n# TYPE a_total counter\na_total{x="1"} 1\na_total{x="2"} 1\na_total{x="1"} 2\n'),
    );
    expect(r.problems).toEqual([{ metric: 'a_total', text: 'metric not unique', series: 'a_total{x="1"}', line: 5 }]);
  });

  it('groups histogram and summary samples under their family', () => {
    expect(
      lint(`# HELP rpc_seconds x
# TYPE rpc_seconds histogram
rpc_seconds_bucket{le="1"} 1
rpc_seconds_bucket{le="+Inf"} 1
rpc_seconds_sum 1
rpc_seconds_count 1
# HELP q_seconds x
# TYPE q_seconds summary
q_seconds{quantile="0.5"} 1
q_seconds_sum 1
q_seconds_count 1
`),
    ).toEqual([]);
  });

  it('lints OpenMetrics families under their exposed counter names and validates the spec', () => {
    const r = lintExposition(Buffer.from('# HELP a x\n# TYPE a counter\na_total 1\na_created 5\n# EOF\n'));
    expect(r.format).toBe('openmetrics');
    expect(r.problems).toEqual([]);
    const bad = lintExposition(Buffer.from('# HELP a x\n# TYPE a counter\na_total -1\n# EOF\n'), {
      format: 'openmetrics',
    });
    expect(bad.problems.map((p) => p.text)).toEqual([
      'not valid OpenMetrics 1.0: 3:1: counter a_total must not be NaN or negative, got -1',
    ]);
  });

  it('detects the format', () => {
    expect(detectFormat(Buffer.from('a 1\n# EOF\n'))).toBe('openmetrics');
    expect(detectFormat(Buffer.from('a 1\n'))).toBe('prometheus-text');
  });

  it('throws a positioned ParseError on unparseable input', () => {
    expect(() => lintExposition(Buffer.from('a 1\nb{ 2\n'))).toThrow(ParseError);
  });

  // promtool is the oracle: same findings on real payloads.
  const promtool = which('promtool');
  const files: string[] = [];
  const tf = conformanceDir('textformat');
  if (tf) files.push(join(tf, 'alltypes.237mfs.prom.txt'), join(tf, 'alltypes.237mfs.nometa.prom.txt'));
  const ne = conformanceDir('node_exporter');
  if (ne) files.push(join(ne, 'e2e-output.txt'));
  it.skipIf(!promtool || files.length === 0)('matches promtool check metrics output line for line', () => {
    for (const f of files) {
      const body = readFileSync(f);
      const theirs = spawnSync(promtool!, ['check', 'metrics'], { input: body, encoding: 'utf8' });
      const ours = lintExposition(body).problems.map((p) => `${p.metric} ${p.text}`);
      const expected = theirs.stderr.split('\n').filter((l) => l !== '');
      expect(ours, f).toEqual(expected);
      expect(theirs.status).toBe(expected.length > 0 ? 3 : 0);
    }
  });
});
