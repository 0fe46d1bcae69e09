import { describe, expect, it } from 'vitest';
import {
  exprToString,
  formatFloatF,
  formatPromDuration,
  parseExpr,
  prettify,
} from '../../../src/lib/promql/parser/index.js';
import { normalize } from './roundtrip.js';

// Expected strings come from Prometheus itself: printer_test.go (TestExprString) and, for
// prettify, the output of a real Prometheus' /api/v1/format_query (what `promtool promql format`
// prints) for the same input.

const stringCases: [string, string?][] = [
  ['sum by() (task:errors:rate10s{job="s"})', 'sum(task:errors:rate10s{job="s"})'],
  ['sum by(code) (task:errors:rate10s{job="s"})', 'sum by (code) (task:errors:rate10s{job="s"})'],
  ['sum without() (task:errors:rate10s{job="s"})', 'sum without () (task:errors:rate10s{job="s"})'],
  ['sum without(instance) (task:errors:rate10s{job="s"})', 'sum without (instance) (task:errors:rate10s{job="s"})'],
  ['sum by("foo.bar") (task:errors:rate10s{job="s"})', 'sum by ("foo.bar") (task:errors:rate10s{job="s"})'],
  ['sum without("foo.bar") (task:errors:rate10s{job="s"})', 'sum without ("foo.bar") (task:errors:rate10s{job="s"})'],
  ['sum(x) by (job)', 'sum by (job) (x)'],
  ['topk(5, task:errors:rate10s{job="s"})'],
  ['count_values("value", task:errors:rate10s{job="s"})'],
  ['a - on() c', 'a - on () c'],
  ['a - on(b) c', 'a - on (b) c'],
  ['a - on(b) group_left(x) c', 'a - on (b) group_left (x) c'],
  ['a - on(b) group_left(x, y) c', 'a - on (b) group_left (x, y) c'],
  ['a - on(b) group_left c', 'a - on (b) group_left () c'],
  ['a - on(b) group_left() (c)', 'a - on (b) group_left () (c)'],
  ['a - ignoring(b) c', 'a - ignoring (b) c'],
  ['a - ignoring() c', 'a - c'],
  ['up > bool 0'],
  ['a offset 1m'],
  ['a offset -7m'],
  ['a{c="d"}[5m] offset 1m'],
  ['a[5m] offset 1m'],
  ['a[12m] offset -3m'],
  ['a[1h:5m] offset 1m'],
  ['{__name__="a"}'],
  ['a{b!="c"}[1m]'],
  ['a{b=~"c"}[1m]'],
  ['a{b!~"c"}[1m]'],
  ['a @ 10', 'a @ 10.000'],
  ['a[1m] @ 10', 'a[1m] @ 10.000'],
  ['a @ start()'],
  ['a @ end()'],
  ['a[1m] @ start()'],
  ['a[1m] @ end()'],
  ['{__name__="",a="x"}'],
  ['{"a.b"="c"}'],
  ['{"0"="1"}'],
  ['{"_0"="1"}', '{_0="1"}'],
  ['{""="0"}'],
  ['{``="0"}', '{""="0"}'],
  ['1048576', '1048576'],
  ['foo offset +(5*2)', 'foo offset (5 * 2)'],
  ['predict_linear(foo[1h], 3000)'],
  // Numbers are printed with FormatFloat(v, 'f', -1) in Prometheus 3.
  ['1e10', '10000000000'],
  ['1.5e-7', '0.00000015'],
  ['0x10', '16'],
  ['+Inf', '+Inf'],
  ['-Inf'],
  ['NaN'],
  ['-1 ^ 2', '-1 ^ 2'],
  ['- 1 ^ 2', '-1 ^ 2'],
  ['-(1 ^ 2)'],
  // Durations, offsets and duration expressions.
  ['foo[90d]', 'foo[90d]'],
  ['foo[8d]', 'foo[8d]'],
  ['foo[14d]', 'foo[2w]'],
  ['foo[365d]', 'foo[1y]'],
  ['foo[1500ms]', 'foo[1s500ms]'],
  ['foo[5m+1m]', 'foo[5m + 1m]'],
  ['foo[(5m+1m)*2:30s/2]', 'foo[(5m + 1m) * 2:30s / 2]'],
  ['foo offset -(1m*2)', 'foo offset -(1m * 2)'],
  ['foo offset -5m ^ 2', 'foo offset -5m ^ 2'],
  ['time() - 1h', 'time() - 1h'],
  ['foo @ 1603774568.123'],
  // Strings and names.
  [`"a\\nb"`, '"a\\nb"'],
  [`'it\\'s'`, '"it\'s"'],
  ['`raw\\n`', '"raw\\\\n"'],
  ['label_replace(x, "dst", "\\xff", "src", ".*")', 'label_replace(x, "dst", "\\xff", "src", ".*")'],
  ['{"my.metric", "label.name"="v"}', '{"label.name"="v",__name__="my.metric"}'],
  ['foo{b="1",a="2"}', 'foo{a="2",b="1"}'],
  ['sum by ("k8s.namespace") (x)', 'sum by ("k8s.namespace") (x)'],
  ['SUM BY (group) (http_requests{job="api-server"})', 'sum by (group) (http_requests{job="api-server"})'],
];

describe('exprToString (Prometheus String())', () => {
  it.each(stringCases)('%s', (input, out) => {
    expect(exprToString(parseExpr(input))).toBe(out ?? input);
  });
});

const prettyCases: [string, string][] = [
  [
    'sum by (job, instance) (rate(http_requests_total{job="api-server",code=~"5..",handler!~"/debug.*"}[5m])) / ignoring (code) group_left sum by (job, instance) (rate(http_requests_total{job="api-server"}[5m])) > bool 0.05',
    `    sum by (job, instance) (
      rate(http_requests_total{code=~"5..",handler!~"/debug.*",job="api-server"}[5m])
    )
  / ignoring (code) group_left ()
    sum by (job, instance) (rate(http_requests_total{job="api-server"}[5m]))
> bool
  0.05`,
  ],
  [
    'histogram_quantile(0.99, sum by (le, service) (rate(request_duration_seconds_bucket{service="checkout", environment="production", cluster="eu-west-1"}[5m])))',
    `histogram_quantile(
  0.99,
  sum by (le, service) (
    rate(
      request_duration_seconds_bucket{cluster="eu-west-1",environment="production",service="checkout"}[5m]
    )
  )
)`,
  ],
  [
    '100 - (avg by (instance) (irate(node_cpu_seconds_total{mode="idle",instance=~"node-exporter-prod-eu-west-1-.*:9100"}[5m])) * 100)',
    `  100
-
  (
      avg by (instance) (
        irate(node_cpu_seconds_total{instance=~"node-exporter-prod-eu-west-1-.*:9100",mode="idle"}[5m])
      )
    *
      100
  )`,
  ],
  [
    'topk(10, sum without (instance, pod, container, namespace, service, endpoint) (rate(container_cpu_usage_seconds_total{image!=""}[5m])))',
    `topk(
  10,
  sum without (instance, pod, container, namespace, service, endpoint) (
    rate(container_cpu_usage_seconds_total{image!=""}[5m])
  )
)`,
  ],
  [
    '-sum(rate(some_very_long_metric_name_that_goes_on_and_on_total{label_one="value one",label_two="value two"}[5m]))',
    `-sum(
  rate(
    some_very_long_metric_name_that_goes_on_and_on_total{label_one="value one",label_two="value two"}[5m]
  )
)`,
  ],
  [
    'max_over_time(rate(some_very_long_metric_name_that_goes_on_and_on_total{label_one="value one",label_two="value two"}[5m])[1h:1m])',
    `max_over_time(
  rate(
    some_very_long_metric_name_that_goes_on_and_on_total{label_one="value one",label_two="value two"}[5m]
  )[1h:1m]
)`,
  ],
  [
    'label_replace(up{job="kubernetes-service-endpoints",kubernetes_namespace="monitoring"}, "host", "$1", "instance", "(.*):.*")',
    `label_replace(
  up{job="kubernetes-service-endpoints",kubernetes_namespace="monitoring"},
  "host",
  "$1",
  "instance",
  "(.*):.*"
)`,
  ],
  [
    '(node_filesystem_avail_bytes{fstype!~"tmpfs|overlay",mountpoint="/"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay",mountpoint="/"}) * 100 < 10',
    `    (
        node_filesystem_avail_bytes{fstype!~"tmpfs|overlay",mountpoint="/"}
      /
        node_filesystem_size_bytes{fstype!~"tmpfs|overlay",mountpoint="/"}
    )
  *
    100
<
  10`,
  ],
  ['sum(rate(x[5m])) by (job)', 'sum by (job) (rate(x[5m]))'],
];

describe('prettify (Prometheus Pretty(0), promtool promql format)', () => {
  it.each(prettyCases)('%s', (input, out) => {
    expect(prettify(parseExpr(input))).toBe(out);
  });
});

// parse(print(ast)) must give back the same AST (positions aside), for String() and Pretty().
const roundTrip = [
  ...stringCases.map(([i]) => i),
  ...prettyCases.map(([i]) => i),
  'a + b * c ^ d ^ e - f / g % h atan2 i',
  '(a + b) * (c - d)',
  'a or b and c unless d',
  'a == bool b != bool c',
  '-(-a)',
  '- - 1',
  '+a',
  'rate(x[5m] offset -1h @ 100)',
  'x @ -5.5',
  'quantile(0.5, x)',
  'limit_ratio(0.1, x)',
  'info(up, {k8s_cluster_name=~".+"})',
  'count_values by (a) ("v", x)',
  'sum_over_time(x[1m:10s] @ start() offset 5m)',
  'foo[-(10s-5s)+20s]',
  'foo offset (100 + 2)',
  'foo offset -(2 ^ 2)',
  'foo[2m*(10+5)]',
  'vector(1) * on() group_left(a, "b.c") x',
  '"\\a\\b\\f\\n\\r\\t\\v"',
  '"\\u00e9\\U0001F600"',
  '1.7976931348623157e308',
  '5e-324',
  '0.1 + 0.2',
  '-0',
];

describe('round trip', () => {
  it.each(roundTrip)('%s', (input) => {
    const ast = parseExpr(input);
    const printed = exprToString(ast);
    expect(normalize(parseExpr(printed))).toEqual(normalize(ast));
    expect(exprToString(parseExpr(printed))).toBe(printed);
    expect(normalize(parseExpr(prettify(ast)))).toEqual(normalize(ast));
  });
});

describe('number and duration formatting', () => {
  it.each([
    [0, '0'],
    [-0, '-0'],
    [1, '1'],
    [0.1, '0.1'],
    [1e21, '1000000000000000000000'],
    [1.5e-7, '0.00000015'],
    [-2.5e22, '-25000000000000000000000'],
    [123456.789, '123456.789'],
    [5e-324, '0.' + '0'.repeat(323) + '5'],
  ])('formatFloatF(%s) = %s', (v, s) => {
    expect(formatFloatF(v)).toBe(s);
    expect(Number(s)).toBe(v);
  });
  it.each([
    [0, '0s'],
    [1, '1ms'],
    [90_061_001, '1d1h1m1s1ms'],
    [90 * 86_400_000, '90d'],
    [14 * 86_400_000, '2w'],
    [365 * 86_400_000, '1y'],
    [366 * 86_400_000, '366d'],
  ])('formatPromDuration(%s) = %s', (ms, s) => {
    expect(formatPromDuration(ms)).toBe(s);
  });
});
