import { describe, expect, it } from 'vitest';
import type { MatchType } from '../../../src/lib/model/matcher.js';
import {
  ParseError,
  exprType,
  extractSelectors,
  parseExpr,
  parseMetricSelector,
  type Expr,
} from '../../../src/lib/promql/parser/index.js';

// Table-driven like Prometheus' promql/parser/parse_test.go: input → expected AST (partial match)
// or → expected errors with their [start, end) positions and Prometheus' wording.

type M = [MatchType, string, string];
const name = (n: string): M => ['=', '__name__', n];
const pos = (start: number, end: number) => ({ start, end });
const vs = (n: string, ms: M[], p: [number, number], extra: object = {}) => ({
  type: 'VectorSelector',
  name: n,
  matchers: ms.map(([type, nm, value]) => ({ type, name: nm, value })),
  pos: pos(...p),
  ...extra,
});
const num = (value: number, p: [number, number], extra: object = {}) => ({
  type: 'NumberLiteral',
  value,
  pos: pos(...p),
  ...extra,
});

interface AstCase {
  input: string;
  expected: object;
}

const astCases: AstCase[] = [
  // Numbers.
  { input: '1', expected: num(1, [0, 1], { duration: false }) },
  { input: '+Inf', expected: num(Infinity, [0, 4]) },
  { input: '-Inf', expected: num(-Infinity, [0, 4]) },
  { input: 'NaN', expected: num(NaN, [0, 3]) },
  { input: '.5', expected: num(0.5, [0, 2]) },
  { input: '5.', expected: num(5, [0, 2]) },
  { input: '123.4567', expected: num(123.4567, [0, 8]) },
  { input: '5e-3', expected: num(0.005, [0, 4]) },
  { input: '5e3', expected: num(5000, [0, 3]) },
  { input: '0xc', expected: num(12, [0, 3]) },
  { input: '0755', expected: num(493, [0, 4]) },
  { input: '+5.5e-3', expected: num(0.0055, [0, 7]) },
  { input: '-0755', expected: num(-493, [0, 5]) },
  { input: '1_000', expected: num(1000, [0, 5]) },
  { input: '1h', expected: num(3600, [0, 2], { duration: true }) },
  { input: '-5m', expected: num(-300, [0, 3], { duration: true }) },
  // Operators and precedence.
  {
    input: '1 + 1',
    expected: { type: 'BinaryExpr', op: '+', lhs: num(1, [0, 1]), rhs: num(1, [4, 5]), vectorMatching: null },
  },
  { input: '1 == bool 1', expected: { type: 'BinaryExpr', op: '==', returnBool: true, rhs: num(1, [10, 11]) } },
  { input: '1 <= bool 1', expected: { type: 'BinaryExpr', op: '<=', returnBool: true } },
  {
    input: '-1^2',
    expected: {
      type: 'UnaryExpr',
      op: '-',
      expr: { type: 'BinaryExpr', op: '^', lhs: num(1, [1, 2]), rhs: num(2, [3, 4]) },
      pos: pos(0, 4),
    },
  },
  { input: '-1*2', expected: { type: 'BinaryExpr', op: '*', lhs: num(-1, [0, 2]), rhs: num(2, [3, 4]) } },
  {
    input: '-1^-2',
    expected: { type: 'UnaryExpr', expr: { type: 'BinaryExpr', op: '^', rhs: num(-2, [3, 5]) } },
  },
  {
    input: '+1 + -2 * 1',
    expected: {
      type: 'BinaryExpr',
      op: '+',
      lhs: num(1, [0, 2]),
      rhs: { type: 'BinaryExpr', op: '*', lhs: num(-2, [5, 7]), rhs: num(1, [10, 11]) },
    },
  },
  {
    input: '1 + 2/(3*1)',
    expected: {
      type: 'BinaryExpr',
      op: '+',
      rhs: {
        type: 'BinaryExpr',
        op: '/',
        rhs: { type: 'ParenExpr', pos: pos(6, 11), expr: { type: 'BinaryExpr', op: '*' } },
      },
    },
  },
  {
    input: '1 < bool 2 - 1 * 2',
    expected: {
      type: 'BinaryExpr',
      op: '<',
      returnBool: true,
      rhs: { op: '-', lhs: num(2, [9, 10]), rhs: { op: '*', lhs: num(1, [13, 14]), rhs: num(2, [17, 18]) } },
    },
  },
  {
    input: '2 ^ 3 ^ 2',
    expected: { type: 'BinaryExpr', op: '^', lhs: num(2, [0, 1]), rhs: { type: 'BinaryExpr', op: '^' } },
  },
  {
    input: '1 - 2 - 3',
    expected: { type: 'BinaryExpr', op: '-', lhs: { type: 'BinaryExpr', op: '-' }, rhs: num(3, [8, 9]) },
  },
  {
    input: '2 atan2 3 * 4',
    expected: { op: '*', lhs: { op: 'atan2', lhs: num(2, [0, 1]), rhs: num(3, [8, 9]) }, rhs: num(4, [12, 13]) },
  },
  {
    input: '-some_metric',
    expected: { type: 'UnaryExpr', op: '-', expr: vs('some_metric', [name('some_metric')], [1, 12]) },
  },
  {
    input: ' +some_metric',
    expected: { type: 'UnaryExpr', op: '+', pos: pos(1, 13), expr: vs('some_metric', [name('some_metric')], [2, 13]) },
  },
  {
    input: ' +{"some_metric"}',
    expected: { type: 'UnaryExpr', op: '+', expr: vs('', [name('some_metric')], [2, 17]) },
  },
  // Vector binary operations and matching.
  {
    input: 'foo * bar',
    expected: {
      type: 'BinaryExpr',
      op: '*',
      lhs: vs('foo', [name('foo')], [0, 3]),
      rhs: vs('bar', [name('bar')], [6, 9]),
      vectorMatching: { card: 'one-to-one', matchingLabels: [], on: false, include: [] },
    },
  },
  { input: 'foo * sum', expected: { rhs: vs('sum', [name('sum')], [6, 9]) } },
  { input: 'foo == 1', expected: { op: '==', vectorMatching: null, rhs: num(1, [7, 8]) } },
  { input: '2.5 / bar', expected: { op: '/', vectorMatching: null } },
  { input: 'foo and bar', expected: { op: 'and', vectorMatching: { card: 'many-to-many' } } },
  { input: 'foo or bar', expected: { op: 'or', vectorMatching: { card: 'many-to-many' } } },
  { input: 'foo unless bar', expected: { op: 'unless', vectorMatching: { card: 'many-to-many' } } },
  {
    input: 'foo + bar or bla and blub',
    expected: {
      op: 'or',
      lhs: { op: '+', vectorMatching: { card: 'one-to-one' } },
      rhs: { op: 'and', lhs: vs('bla', [name('bla')], [13, 16]), rhs: vs('blub', [name('blub')], [21, 25]) },
    },
  },
  {
    input: 'foo and bar unless baz or qux',
    expected: { op: 'or', lhs: { op: 'unless', lhs: { op: 'and' } }, rhs: vs('qux', [name('qux')], [26, 29]) },
  },
  {
    input: 'bar + on(foo) bla / on(baz, buz) group_right(test) blub',
    expected: {
      op: '+',
      vectorMatching: { card: 'one-to-one', matchingLabels: ['foo'], on: true, include: [] },
      rhs: {
        op: '/',
        lhs: vs('bla', [name('bla')], [14, 17]),
        rhs: vs('blub', [name('blub')], [51, 55]),
        vectorMatching: { card: 'one-to-many', matchingLabels: ['baz', 'buz'], on: true, include: ['test'] },
      },
    },
  },
  {
    input: 'foo * on(test,blub) group_left bar',
    expected: {
      vectorMatching: { card: 'many-to-one', matchingLabels: ['test', 'blub'], on: true, include: [] },
      rhs: vs('bar', [name('bar')], [31, 34]),
    },
  },
  { input: 'foo and on() bar', expected: { vectorMatching: { card: 'many-to-many', matchingLabels: [], on: true } } },
  {
    input: 'foo and ignoring(test,blub) bar',
    expected: { vectorMatching: { card: 'many-to-many', matchingLabels: ['test', 'blub'], on: false } },
  },
  {
    input: 'foo / ignoring(test,blub) group_left(blub) bar',
    expected: {
      vectorMatching: { card: 'many-to-one', matchingLabels: ['test', 'blub'], on: false, include: ['blub'] },
    },
  },
  {
    input: 'foo - on(test,blub) group_right(bar,foo) bar',
    expected: { vectorMatching: { card: 'one-to-many', include: ['bar', 'foo'], on: true } },
  },
  { input: 'foo > bool on(a) bar', expected: { op: '>', returnBool: true, vectorMatching: { on: true } } },
  // Selectors.
  { input: 'foo', expected: vs('foo', [name('foo')], [0, 3]) },
  { input: 'min', expected: vs('min', [name('min')], [0, 3]) },
  {
    input: 'offset{step="1s"}[5m]',
    expected: {
      type: 'MatrixSelector',
      vectorSelector: vs('offset', [['=', 'step', '1s'], name('offset')], [0, 17]),
      range: 300_000,
      pos: pos(0, 21),
    },
  },
  { input: 'start{end="foo"}', expected: vs('start', [['=', 'end', 'foo'], name('start')], [0, 16]) },
  { input: 'by', expected: vs('by', [name('by')], [0, 2]) },
  { input: 'foo offset 5m', expected: vs('foo', [name('foo')], [0, 13], { offset: 300_000, offsetExpr: null }) },
  { input: 'foo offset -7m', expected: vs('foo', [name('foo')], [0, 14], { offset: -420_000 }) },
  { input: 'foo OFFSET 1h30m', expected: { offset: 5_400_000, pos: pos(0, 16) } },
  { input: 'foo OFFSET 1m30ms', expected: { offset: 60_030 } },
  { input: 'foo offset 3600', expected: { offset: 3_600_000 } },
  { input: 'foo @ 1603774568', expected: { timestamp: 1603774568000, startOrEnd: null, pos: pos(0, 16) } },
  { input: 'foo @ -100', expected: { timestamp: -100000, pos: pos(0, 10) } },
  { input: 'foo @ .3', expected: { timestamp: 300 } },
  { input: 'foo @ 3.', expected: { timestamp: 3000 } },
  { input: 'foo @ 3.3333', expected: { timestamp: 3333 } },
  { input: 'foo @ 3.3335', expected: { timestamp: 3334 } },
  { input: 'foo @ 3e2', expected: { timestamp: 300000 } },
  { input: 'foo @ 0xA', expected: { timestamp: 10000 } },
  { input: 'foo @ -3.3e1', expected: { timestamp: -33000 } },
  { input: 'foo @ start()', expected: { timestamp: null, startOrEnd: 'start', pos: pos(0, 13) } },
  { input: 'foo @ end()', expected: { startOrEnd: 'end', pos: pos(0, 11) } },
  { input: 'foo:bar{a="bc"}', expected: vs('foo:bar', [['=', 'a', 'bc'], name('foo:bar')], [0, 15]) },
  { input: '{"foo"}', expected: vs('', [name('foo')], [0, 7]) },
  {
    input: `{'foo\\'bar', 'a\\\\dos\\\\path'='boo\\\\urns'}`,
    expected: vs('', [name("foo'bar"), ['=', 'a\\dos\\path', 'boo\\urns']], [0, 40]),
  },
  { input: '{"foo", a="bc"}', expected: vs('', [name('foo'), ['=', 'a', 'bc']], [0, 15]) },
  {
    input: '{"my.metric", "label.name"="v"}',
    expected: vs('', [name('my.metric'), ['=', 'label.name', 'v']], [0, 31]),
  },
  { input: `foo{NaN='bc'}`, expected: vs('foo', [['=', 'NaN', 'bc'], name('foo')], [0, 13]) },
  { input: `foo{bar='}'}`, expected: vs('foo', [['=', 'bar', '}'], name('foo')], [0, 12]) },
  {
    input: 'foo{a="b", foo!="bar", test=~"test", bar!~"baz"}',
    expected: vs(
      'foo',
      [['=', 'a', 'b'], ['!=', 'foo', 'bar'], ['=~', 'test', 'test'], ['!~', 'bar', 'baz'], name('foo')],
      [0, 48],
    ),
  },
  { input: 'foo{a="b",}', expected: vs('foo', [['=', 'a', 'b'], name('foo')], [0, 11]) },
  {
    input: '{__name__=~"bar", __name__!~"baz"}',
    expected: vs(
      '',
      [
        ['=~', '__name__', 'bar'],
        ['!~', '__name__', 'baz'],
      ],
      [0, 34],
    ),
  },
  { input: '{"bar", __name__="baz"}', expected: vs('', [name('bar'), name('baz')], [0, 23]) },
  { input: 'foo{job="a" # comment\n}', expected: vs('foo', [['=', 'job', 'a'], name('foo')], [0, 23]) },
  // Range selectors and subqueries.
  { input: 'test[1000ms]', expected: { type: 'MatrixSelector', range: 1000, rangeExpr: null, pos: pos(0, 12) } },
  { input: 'test[5m]', expected: { range: 300_000, vectorSelector: vs('test', [name('test')], [0, 4]) } },
  { input: 'foo[5m30s]', expected: { range: 330_000, pos: pos(0, 10) } },
  {
    input: 'test[5h] OFFSET 5m',
    expected: { range: 5 * 3_600_000, vectorSelector: { offset: 300_000, pos: pos(0, 4) }, pos: pos(0, 18) },
  },
  { input: 'test[5w] offset 2w', expected: { range: 35 * 86_400_000, vectorSelector: { offset: 14 * 86_400_000 } } },
  { input: 'test{a="b"}[5y] OFFSET 3d', expected: { range: 5 * 365 * 86_400_000, pos: pos(0, 25) } },
  { input: 'foo[3ms] @ 2.345', expected: { range: 3, vectorSelector: { timestamp: 2345 }, pos: pos(0, 16) } },
  { input: 'foo[4.18] @ 2.345', expected: { range: 4180 } },
  { input: 'foo[4.018] @ 2.345', expected: { range: 4018 } },
  { input: 'test[5]', expected: { range: 5000, pos: pos(0, 7) } },
  { input: 'test[5y] @ start()', expected: { vectorSelector: { startOrEnd: 'start' }, pos: pos(0, 18) } },
  {
    input: 'foo{bar="baz"}[10m:6s]',
    expected: {
      type: 'SubqueryExpr',
      range: 600_000,
      step: 6000,
      expr: vs('foo', [['=', 'bar', 'baz'], name('foo')], [0, 14]),
      pos: pos(0, 22),
    },
  },
  { input: 'foo{bar="baz"}[10m5s:1h6ms]', expected: { range: 605_000, step: 3_600_006, pos: pos(0, 27) } },
  { input: 'foo[10m:]', expected: { type: 'SubqueryExpr', range: 600_000, step: 0, stepExpr: null, pos: pos(0, 9) } },
  {
    input: 'min_over_time(rate(foo{bar="baz"}[2s])[5m:5s])',
    expected: {
      type: 'Call',
      func: { name: 'min_over_time' },
      pos: pos(0, 46),
      args: [
        { type: 'SubqueryExpr', pos: pos(14, 45), expr: { type: 'Call', func: { name: 'rate' }, pos: pos(14, 38) } },
      ],
    },
  },
  {
    input: 'min_over_time(rate(foo{bar="baz"}[2s])[5m:] offset 4m)[4m:3s]',
    expected: { type: 'SubqueryExpr', pos: pos(0, 61), expr: { args: [{ offset: 240_000, pos: pos(14, 53) }] } },
  },
  {
    input: 'min_over_time(rate(foo{bar="baz"}[2s])[5m:] @ -160377509)[4m:3s]',
    expected: { expr: { args: [{ timestamp: -160377509000, pos: pos(14, 56) }] } },
  },
  {
    input: 'sum without(and, by, avg, count, alert, annotations)(some_metric) [30m:10s]',
    expected: {
      type: 'SubqueryExpr',
      pos: pos(0, 75),
      expr: {
        type: 'AggregateExpr',
        without: true,
        grouping: ['and', 'by', 'avg', 'count', 'alert', 'annotations'],
        pos: pos(0, 65),
      },
    },
  },
  {
    input: 'some_metric OFFSET 1m [10m:5s]',
    expected: { type: 'SubqueryExpr', expr: { offset: 60_000, pos: pos(0, 21) }, pos: pos(0, 30) },
  },
  {
    input: 'some_metric @ 123 offset 1m [10m:5s]',
    expected: { expr: { timestamp: 123_000, offset: 60_000, pos: pos(0, 27) } },
  },
  {
    input: 'some_metric[10m:5s] offset 1m @ 123',
    expected: { type: 'SubqueryExpr', offset: 60_000, timestamp: 123_000, pos: pos(0, 35) },
  },
  {
    input: '(foo + bar{nm="val"})[5m:] offset 10m',
    expected: { type: 'SubqueryExpr', expr: { type: 'ParenExpr', pos: pos(0, 21) }, offset: 600_000, pos: pos(0, 37) },
  },
  { input: 'foo[10m:6s] @ end()', expected: { type: 'SubqueryExpr', startOrEnd: 'end', pos: pos(0, 19) } },
  // Duration expressions (Prometheus 3.5).
  {
    input: 'foo[11s+10s-5*2^2]',
    expected: {
      type: 'MatrixSelector',
      range: 1000,
      rangeExpr: {
        type: 'DurationExpr',
        op: '-',
        lhs: { op: '+', lhs: num(11, [4, 7], { duration: true }), rhs: num(10, [8, 11]) },
        rhs: { op: '*', lhs: num(5, [12, 13]), rhs: { op: '^', lhs: num(2, [14, 15]), rhs: num(2, [16, 17]) } },
      },
      pos: pos(0, 18),
    },
  },
  {
    input: 'foo[-(10s-5s)+20s]',
    expected: {
      range: 15_000,
      rangeExpr: { op: '+', lhs: { op: '-', lhs: null, rhs: { op: '-', wrapped: true } }, rhs: num(20, [14, 17]) },
    },
  },
  {
    input: 'foo[-10s+15s]',
    expected: { range: 5000, rangeExpr: { op: '+', lhs: num(-10, [4, 8]), rhs: num(15, [9, 12]) } },
  },
  { input: 'foo[1h/7]', expected: { range: 514_285 } },
  { input: 'foo[(5s)]', expected: { range: 5000, rangeExpr: null } },
  {
    input: 'foo[4s+4s:1s*2] offset (5s-8)',
    expected: {
      type: 'SubqueryExpr',
      range: 8000,
      step: 2000,
      offset: -3000,
      offsetExpr: { op: '-', wrapped: true },
      pos: pos(0, 29),
    },
  },
  {
    input: 'foo offset 5s-8',
    expected: { type: 'BinaryExpr', op: '-', lhs: { offset: 5000, pos: pos(0, 13) }, rhs: num(8, [14, 15]) },
  },
  { input: 'rate(foo[2m+2m])', expected: { args: [{ range: 240_000, pos: pos(5, 15) }], pos: pos(0, 16) } },
  { input: 'foo offset -1^1', expected: { type: 'BinaryExpr', op: '^', lhs: { offset: -1000, pos: pos(0, 13) } } },
  {
    input: 'foo offset -(1^2)',
    expected: { offset: -1000, offsetExpr: { op: '-', lhs: null, rhs: { op: '^', wrapped: true } }, pos: pos(0, 17) },
  },
  { input: 'foo offset (-1^2)', expected: { offset: -1000, offsetExpr: { op: '-', wrapped: true } } },
  { input: 'foo offset +(5*2)', expected: { offset: 10_000, offsetExpr: { op: '*', wrapped: true } } },
  { input: 'foo offset (100 + 2) + 1', expected: { type: 'VectorSelector', offset: 103_000 } },
  { input: 'foo offset 100 + 2', expected: { type: 'BinaryExpr', lhs: { offset: 100_000 } } },
  { input: 'foo offset -2 * 2', expected: { type: 'BinaryExpr', op: '*', lhs: { offset: -2000 } } },
  // Aggregations.
  {
    input: 'sum by (foo)(some_metric)',
    expected: {
      type: 'AggregateExpr',
      op: 'sum',
      grouping: ['foo'],
      without: false,
      param: null,
      expr: vs('some_metric', [name('some_metric')], [13, 24]),
      pos: pos(0, 25),
    },
  },
  {
    input: 'sum by ("foo bar")({"some.metric"})',
    expected: { grouping: ['foo bar'], expr: vs('', [name('some.metric')], [19, 34]), pos: pos(0, 35) },
  },
  {
    input: `sum by ("foo", bar, 'baz')({"some.metric"})`,
    expected: { grouping: ['foo', 'bar', 'baz'], pos: pos(0, 43) },
  },
  { input: 'sum (some_metric) by (foo)', expected: { op: 'sum', grouping: ['foo'], pos: pos(0, 26) } },
  { input: 'avg by (foo)(some_metric)', expected: { op: 'avg' } },
  { input: 'max by (foo)(some_metric)', expected: { op: 'max' } },
  { input: 'sum without (foo) (some_metric)', expected: { without: true, grouping: ['foo'] } },
  { input: 'sum (some_metric) without (foo)', expected: { without: true, grouping: ['foo'], pos: pos(0, 31) } },
  { input: 'stddev(some_metric)', expected: { op: 'stddev', grouping: [] } },
  { input: 'stdvar by (foo)(some_metric)', expected: { op: 'stdvar' } },
  { input: 'sum by ()(some_metric)', expected: { grouping: [] } },
  { input: 'sum by (foo,bar,)(some_metric)', expected: { grouping: ['foo', 'bar'] } },
  { input: 'sum by (foo,)(some_metric)', expected: { grouping: ['foo'] } },
  {
    input: 'topk(5, some_metric)',
    expected: {
      op: 'topk',
      param: num(5, [5, 6]),
      expr: vs('some_metric', [name('some_metric')], [8, 19]),
      pos: pos(0, 20),
    },
  },
  {
    input: 'count_values("value", some_metric)',
    expected: { op: 'count_values', param: { type: 'StringLiteral', value: 'value' } },
  },
  {
    input: 'sum without(and, by, avg, count, alert, annotations)(some_metric)',
    expected: { grouping: ['and', 'by', 'avg', 'count', 'alert', 'annotations'] },
  },
  { input: 'sum by (foo:bar) (x)', expected: { grouping: ['foo:bar'] } },
  { input: 'quantile(0.9, x)', expected: { op: 'quantile', param: num(0.9, [9, 12]) } },
  { input: 'limitk(2, x)', expected: { op: 'limitk' } },
  { input: 'limit_ratio(-0.5, x)', expected: { op: 'limit_ratio', param: num(-0.5, [12, 16]) } },
  { input: 'SUM BY (group) (http_requests{job="api-server"})', expected: { op: 'sum', grouping: ['group'] } },
  { input: 'sum(sum)', expected: { expr: vs('sum', [name('sum')], [4, 7]), pos: pos(0, 8) } },
  { input: 'a + sum', expected: { rhs: vs('sum', [name('sum')], [4, 7]) } },
  // Function calls.
  {
    input: 'time()',
    expected: { type: 'Call', func: { name: 'time', returnType: 'scalar' }, args: [], pos: pos(0, 6) },
  },
  {
    input: 'floor(some_metric{foo!="bar"})',
    expected: {
      func: { name: 'floor' },
      args: [vs('some_metric', [['!=', 'foo', 'bar'], name('some_metric')], [6, 29])],
      pos: pos(0, 30),
    },
  },
  {
    input: 'rate(some_metric[5m])',
    expected: { args: [{ type: 'MatrixSelector', range: 300_000, pos: pos(5, 20) }], pos: pos(0, 21) },
  },
  { input: 'round(some_metric, 5)', expected: { args: [{ type: 'VectorSelector' }, num(5, [19, 20])] } },
  { input: 'label_join(x, "a", ",", "b", "c", "d")', expected: { args: [{}, {}, {}, {}, {}, {}] } },
  { input: 'sort_by_label(x, "a", "b")', expected: { func: { name: 'sort_by_label', experimental: true } } },
  { input: 'info(x, {k8s_cluster_name=~".+"})', expected: { args: [{}, { bypassEmptyMatcherCheck: true }] } },
  {
    input: 'info(http_request_counter_total{namespace="zzz"}, {foo="bar", bar="baz"})',
    expected: {
      args: [
        vs('http_request_counter_total', [['=', 'namespace', 'zzz'], name('http_request_counter_total')], [5, 48]),
        { bypassEmptyMatcherCheck: true, pos: pos(50, 72) },
      ],
      pos: pos(0, 73),
    },
  },
  { input: 'predict_linear(foo[1h], 1h)', expected: { args: [{}, num(3600, [24, 26], { duration: true })] } },
  {
    input: 'histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))',
    expected: { func: { name: 'histogram_quantile' } },
  },
  // Strings.
  {
    input: '"double-quoted string \\" with escaped quote"',
    expected: { type: 'StringLiteral', value: 'double-quoted string " with escaped quote', pos: pos(0, 44) },
  },
  {
    input: "'single-quoted string \\' with escaped quote'",
    expected: { value: "single-quoted string ' with escaped quote" },
  },
  { input: '`backtick-quoted string`', expected: { value: 'backtick-quoted string', pos: pos(0, 24) } },
  {
    input: '"\\a\\b\\f\\n\\r\\t\\v\\\\\\" - \\u1234\\U00010111\\U0001011111☺"',
    expected: { value: '\x07\b\f\n\r\t\v\\" - \u1234\u{10111}\u{10111}11☺' },
  },
  {
    input: '`\\a\\b\\f\\n\\r\\t\\v\\\\\\"\\\' - \\xFF`',
    expected: { value: '\\a\\b\\f\\n\\r\\t\\v\\\\\\"\\\' - \\xFF' },
  },
  { input: '"\\xc3\\xa9"', expected: { value: 'é' } },
  { input: '"\\303\\251"', expected: { value: 'é' } },
  { input: '"\\xff"', expected: { value: '\udcff' } },
  // Comments and whitespace.
  { input: 'foo # comment', expected: vs('foo', [name('foo')], [0, 3]) },
  { input: '# comment\nsum(\n  rate(x[5m]) # per second\n)', expected: { type: 'AggregateExpr' } },
];

/** [start, end, message] of every error. */
type ErrCase = { input: string; errors: [number, number, string][] };

const errorCases: ErrCase[] = [
  { input: '', errors: [[0, 0, 'no expression found in input']] },
  { input: '# just a comment\n\n', errors: [[0, 0, 'no expression found in input']] },
  { input: '1+', errors: [[2, 2, 'unexpected end of input']] },
  { input: '.', errors: [[0, 1, "unexpected character: '.'"]] },
  { input: '2.5.', errors: [[0, 4, 'bad number or duration syntax: "2.5."']] },
  { input: '100..4', errors: [[0, 6, 'bad number or duration syntax: "100.."']] },
  { input: '0deadbeef', errors: [[0, 9, 'bad number or duration syntax: "0de"']] },
  { input: '1 /', errors: [[3, 3, 'unexpected end of input']] },
  { input: '*1', errors: [[0, 1, 'unexpected <op:*>']] },
  { input: '(1))', errors: [[4, 4, "unexpected right parenthesis ')'"]] },
  { input: '((1)', errors: [[4, 4, 'unclosed left parenthesis']] },
  { input: '(', errors: [[1, 1, 'unclosed left parenthesis']] },
  {
    input: '9'.repeat(309),
    errors: [[0, 309, `error parsing number: strconv.ParseFloat: parsing "${'9'.repeat(309)}": value out of range`]],
  },
  { input: '1 and 1', errors: [[0, 7, 'set operator "and" not allowed in binary scalar expression']] },
  { input: '1 == 1', errors: [[2, 3, 'comparisons between scalars must use BOOL modifier']] },
  { input: '1 or 1', errors: [[0, 6, 'set operator "or" not allowed in binary scalar expression']] },
  { input: '1 unless 1', errors: [[0, 10, 'set operator "unless" not allowed in binary scalar expression']] },
  { input: '1 !~ 1', errors: [[2, 6, "unexpected character after '!': '~'"]] },
  { input: '1 =~ 1', errors: [[2, 6, "unexpected character after '=': '~'"]] },
  {
    input: '-"string"',
    errors: [[0, 9, 'unary expression only allowed on expressions of type scalar or instant vector, got "string"']],
  },
  {
    input: '-test[5m]',
    errors: [
      [0, 9, 'unary expression only allowed on expressions of type scalar or instant vector, got "range vector"'],
    ],
  },
  { input: '*test', errors: [[0, 1, 'unexpected <op:*>']] },
  { input: '@@', errors: [[0, 1, 'unexpected <op:@>']] },
  {
    input: '1 offset 1d',
    errors: [
      [0, 1, 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery'],
    ],
  },
  { input: 'foo offset 1s offset 2s', errors: [[0, 13, 'offset may not be set multiple times']] },
  { input: 'a - on(b) ignoring(c) d', errors: [[10, 18, 'unexpected <ignoring>']] },
  { input: 'foo and 1', errors: [[0, 9, 'set operator "and" not allowed in binary scalar expression']] },
  {
    input: '1 or on(bar) foo',
    errors: [
      [0, 16, 'vector matching only allowed between instant vectors'],
      [0, 16, 'set operator "or" not allowed in binary scalar expression'],
    ],
  },
  { input: 'foo == on(bar) 10', errors: [[0, 17, 'vector matching only allowed between instant vectors']] },
  { input: 'foo + group_left(baz) bar', errors: [[6, 16, 'unexpected <group_left>']] },
  {
    input: 'foo and on(bar) group_left(baz) bar',
    errors: [
      [0, 35, 'no grouping allowed for "and" operation'],
      [0, 35, 'set operations must always be many-to-many'],
    ],
  },
  {
    input: 'foo unless on(bar) group_right(baz) bar',
    errors: [
      [0, 39, 'no grouping allowed for "unless" operation'],
      [0, 39, 'set operations must always be many-to-many'],
    ],
  },
  {
    input: 'http_requests{group="production"} + on(instance) group_left(job,instance) cpu_count{type="smp"}',
    errors: [[34, 72, 'label "instance" must not occur in ON and GROUP clause at once']],
  },
  { input: 'foo + bool bar', errors: [[4, 9, 'bool modifier can only be used on comparison operators']] },
  {
    input: 'foo and bool 10',
    errors: [
      [4, 11, 'bool modifier can only be used on comparison operators'],
      [0, 15, 'set operator "and" not allowed in binary scalar expression'],
    ],
  },
  { input: 'foo @ +Inf', errors: [[0, 3, 'timestamp out of bounds for @ modifier: +Inf']] },
  { input: 'foo @ -Inf', errors: [[0, 3, 'timestamp out of bounds for @ modifier: -Inf']] },
  { input: 'foo @ NaN', errors: [[0, 3, 'timestamp out of bounds for @ modifier: NaN']] },
  {
    input: 'foo @ 9223372036854775808.000000',
    errors: [[0, 3, 'timestamp out of bounds for @ modifier: 9223372036854775808.000000']],
  },
  { input: '{', errors: [[1, 1, 'unexpected end of input inside braces']] },
  { input: '}', errors: [[0, 1, "unexpected character: '}'"]] },
  { input: 'some{', errors: [[5, 5, 'unexpected end of input inside braces']] },
  { input: 'some}', errors: [[4, 5, "unexpected character: '}'"]] },
  { input: 'some_metric{a=b}', errors: [[14, 15, 'unexpected identifier "b" in label matching, expected string']] },
  { input: 'some_metric{a:b="b"}', errors: [[13, 20, "unexpected character inside braces: ':'"]] },
  { input: 'foo{a*"b"}', errors: [[5, 10, "unexpected character inside braces: '*'"]] },
  { input: 'foo{a>="b"}', errors: [[5, 11, "unexpected character inside braces: '>'"]] },
  { input: 'foo{gibberish}', errors: [[13, 14, 'unexpected "}" in label matching, expected label matching operator']] },
  { input: 'foo{1}', errors: [[4, 6, "unexpected character inside braces: '1'"]] },
  { input: '{}', errors: [[0, 2, 'vector selector must contain at least one non-empty matcher']] },
  { input: '{x=""}', errors: [[0, 6, 'vector selector must contain at least one non-empty matcher']] },
  { input: '{x=~".*"}', errors: [[0, 9, 'vector selector must contain at least one non-empty matcher']] },
  { input: '{x!~".+"}', errors: [[0, 9, 'vector selector must contain at least one non-empty matcher']] },
  { input: '{x!="a"}', errors: [[0, 8, 'vector selector must contain at least one non-empty matcher']] },
  { input: 'foo{__name__="bar"}', errors: [[0, 19, 'metric name must not be set twice: "foo" or "bar"']] },
  { input: 'foo{__name__= =}', errors: [[14, 15, 'unexpected "=" in label matching, expected string']] },
  { input: 'foo{,}', errors: [[4, 5, 'unexpected "," in label matching, expected identifier or "}"']] },
  { input: 'foo{__name__ == "bar"}', errors: [[14, 15, 'unexpected "=" in label matching, expected string']] },
  {
    input: 'foo{__name__="bar" lol}',
    errors: [[19, 22, 'unexpected identifier "lol" in label matching, expected "," or "}"']],
  },
  { input: 'foo{"a"=}', errors: [[8, 9, 'unexpected "}" in label matching, expected string']] },
  { input: 'foo{a=~"("}', errors: [[4, 10, 'error parsing regexp: missing closing ): `^(?s:()$`']] },
  { input: 'foo{a!~"x**"}', errors: [[4, 12, 'error parsing regexp: invalid nested repetition operator: `**`']] },
  { input: 'foo[5mm]', errors: [[4, 8, 'bad number or duration syntax: "5mm"']] },
  { input: 'foo[5m1]', errors: [[4, 8, 'bad number or duration syntax: "5m1"']] },
  { input: 'foo[5m:1m1]', errors: [[7, 11, 'bad number or duration syntax: "1m1"']] },
  {
    input: 'foo[5y1hs]',
    errors: [
      [4, 9, 'unknown unit "hs" in duration "5y1hs"'],
      [4, 9, 'duration must be greater than 0'],
    ],
  },
  {
    input: 'foo[5m1h]',
    errors: [
      [4, 8, 'not a valid duration string: "5m1h"'],
      [4, 8, 'duration must be greater than 0'],
    ],
  },
  { input: 'foo[0m]', errors: [[4, 6, 'duration must be greater than 0']] },
  { input: 'foo[-1]', errors: [[4, 6, 'duration must be greater than 0']] },
  { input: 'foo[5m-10m]', errors: [[4, 10, 'duration must be greater than 0']] },
  { input: 'foo[5m:0s]', errors: [[7, 9, 'duration must be greater than 0']] },
  // Like Prometheus, the failed operation becomes a 0 literal, which is then not a valid range.
  {
    input: 'foo[1h/0]',
    errors: [
      [6, 7, 'division by zero'],
      [6, 7, 'duration must be greater than 0'],
    ],
  },
  {
    input: 'foo[1h%0]',
    errors: [
      [6, 7, 'modulo by zero'],
      [6, 7, 'duration must be greater than 0'],
    ],
  },
  { input: 'foo offset (1h/(1-1))', errors: [[11, 21, 'division by zero']] },
  { input: 'foo["5m"]', errors: [[4, 9, `unexpected character in duration expression: '"'`]] },
  { input: 'foo[]', errors: [[4, 5, 'unexpected "]" in subquery or range selector, expected number or duration']] },
  { input: 'foo[5m 1]', errors: [[7, 8, 'unexpected number "1" in subquery or range, expected ":" or "]"']] },
  { input: 'foo[5m:1m 2]', errors: [[10, 11, 'unexpected number "2" in subquery selector, expected "]"']] },
  { input: 'some_metric[5m] OFFSET 1mm', errors: [[23, 26, 'bad number or duration syntax: "1mm"']] },
  {
    input: 'some_metric[5m] OFFSET',
    errors: [[22, 22, 'unexpected end of input in offset, expected number or duration']],
  },
  { input: 'some_metric OFFSET 1m[5m]', errors: [[21, 25, 'no offset modifiers allowed before range']] },
  { input: 'some_metric[5m] @', errors: [[17, 17, 'unexpected end of input in @, expected timestamp']] },
  { input: 'some_metric @ 1234 [5m]', errors: [[19, 23, 'no @ modifiers allowed before range']] },
  { input: 'some_metric @ start() [5m]', errors: [[22, 26, 'no @ modifiers allowed before range']] },
  { input: 'some_metric @ end()[5m]', errors: [[19, 23, 'no @ modifiers allowed before range']] },
  { input: 'foo @ 1 @ 2', errors: [[0, 7, '@ <timestamp> may not be set multiple times']] },
  { input: '(foo + bar)[5m]', errors: [[11, 15, 'ranges only allowed for vector selectors']] },
  { input: 'sum by ("foo)(some_metric{})', errors: [[8, 28, 'unterminated quoted string']] },
  { input: 'sum(foo bar)', errors: [[8, 11, 'unexpected identifier "bar" in aggregation']] },
  { input: 'sum(rate(foo bar))', errors: [[13, 16, 'unexpected identifier "bar" in aggregation']] },
  { input: 'sum by (a) foo', errors: [[11, 14, 'unexpected identifier "foo" in aggregation']] },
  { input: 'sum by foo (x)', errors: [[7, 10, 'unexpected identifier "foo" in grouping opts, expected "("']] },
  { input: 'sum by (a b) (x)', errors: [[10, 11, 'unexpected identifier "b" in grouping opts, expected "," or ")"']] },
  { input: 'sum by (1) (x)', errors: [[8, 9, 'unexpected number "1" in grouping opts, expected label']] },
  { input: 'sum()', errors: [[0, 5, 'no arguments for aggregate expression provided']] },
  // yacc's recovery wording: a token that cannot begin an argument right after a comma.
  { input: 'topk(5,== foo)', errors: [[6, 7, 'trailing commas not allowed in function call args']] },
  {
    input: 'label_replace(up, "a", "$1",bool "b", "x")',
    errors: [[27, 28, 'trailing commas not allowed in function call args']],
  },
  { input: 'label_replace(up, "a"( "$1", "b", "x")', errors: [[21, 22, 'unexpected "("']] },
  { input: 'topk(5, max_over_time:(foo[5m]))', errors: [[22, 23, 'unexpected "(" in aggregation']] },
  { input: 'rate(sum(x) bar)', errors: [[12, 15, 'unexpected identifier "bar"']] },
  {
    input: 'nope(foo{a=~"("})',
    errors: [
      [9, 15, 'error parsing regexp: missing closing ): `^(?s:()$`'],
      [0, 4, 'unknown function with name "nope"'],
    ],
  },
  {
    input: 'topk(some_metric)',
    errors: [[0, 17, 'wrong number of arguments for aggregate expression provided, expected 2, got 1']],
  },
  {
    input: 'topk(some_metric,)',
    errors: [
      [16, 17, 'trailing commas not allowed in function call args'],
      [0, 18, 'wrong number of arguments for aggregate expression provided, expected 2, got 1'],
    ],
  },
  {
    input: 'topk(some_metric, other_metric)',
    errors: [[5, 16, 'expected type scalar in aggregation parameter, got instant vector']],
  },
  {
    input: 'count_values(5, other_metric)',
    errors: [[13, 14, 'expected type string in aggregation parameter, got scalar']],
  },
  { input: 'sum(rate(x[5m])[5m])', errors: [[15, 19, 'ranges only allowed for vector selectors']] },
  { input: 'sum(x[5m])', errors: [[4, 9, 'expected type instant vector in aggregation expression, got range vector']] },
  {
    input: 'rate(some_metric[5m]) @ 1234',
    errors: [
      [0, 21, '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery'],
    ],
  },
  { input: 'floor()', errors: [[0, 7, 'expected 1 argument(s) in call to "floor", got 0']] },
  { input: 'floor(some_metric, other_metric)', errors: [[0, 32, 'expected 1 argument(s) in call to "floor", got 2']] },
  { input: 'floor(1)', errors: [[6, 7, 'expected type instant vector in call to function "floor", got scalar']] },
  {
    input: 'hour(some_metric, some_metric, some_metric)',
    errors: [[0, 43, 'expected at most 1 argument(s) in call to "hour", got 3']],
  },
  { input: 'label_join(x)', errors: [[0, 13, 'expected at least 3 argument(s) in call to "label_join", got 1']] },
  { input: 'time(some_metric)', errors: [[0, 17, 'expected 0 argument(s) in call to "time", got 1']] },
  {
    input: 'non_existent_function_far_bar()',
    errors: [[0, 29, 'unknown function with name "non_existent_function_far_bar"']],
  },
  {
    input: 'rate(some_metric)',
    errors: [[5, 16, 'expected type range vector in call to function "rate", got instant vector']],
  },
  { input: 'rate(avg)', errors: [[5, 8, 'expected type range vector in call to function "rate", got instant vector']] },
  { input: '-=', errors: [[1, 2, 'unexpected "="']] },
  { input: '++-++-+-+-<', errors: [[10, 11, 'unexpected <op:<>']] },
  { input: 'e-+=/(0)', errors: [[3, 4, 'unexpected "="']] },
  { input: 'a>b()', errors: [[2, 3, 'unknown function with name "b"']] },
  { input: 'foo bar', errors: [[4, 7, 'unexpected identifier "bar"']] },
  { input: '`\\``', errors: [[3, 4, 'unterminated raw string']] },
  { input: '"\\', errors: [[0, 2, 'escape sequence not terminated']] },
  { input: '"\\c"', errors: [[0, 4, "unknown escape sequence U+0063 'c'"]] },
  { input: '"\\x."', errors: [[0, 5, "illegal character U+002E '.' in escape sequence"]] },
  { input: '"\\ud800"', errors: [[0, 8, 'escape sequence is an invalid Unicode code point']] },
  { input: '"abc\ndef"', errors: [[0, 9, 'unterminated quoted string']] },
  { input: 'foo{bar="baz"}[', errors: [[15, 15, 'unexpected end of input in duration expression']] },
  {
    input: 'test[5d] OFFSET 10s [10m:5s]',
    errors: [[0, 28, 'subquery is only allowed on instant vector, got matrix instead']],
  },
  {
    input: '(foo + bar{nm="val"})[5m:][10m:5s]',
    errors: [[0, 34, 'subquery is only allowed on instant vector, got matrix instead']],
  },
  {
    input: 'rate(food[1m])[1h] offset 1h',
    errors: [
      [14, 18, 'ranges only allowed for vector selectors'],
      [0, 18, 'ranges only allowed for vector selectors'],
    ],
  },
  {
    input: 'rate(food[1m])[1h] @ 100',
    errors: [
      [14, 18, 'ranges only allowed for vector selectors'],
      [0, 18, 'ranges only allowed for vector selectors'],
    ],
  },
  {
    input: 'info(rate(http_request_counter_total{}[5m]), target_info{foo="bar"})',
    errors: [[45, 67, 'expected label selectors only, got vector selector instead']],
  },
  {
    input: 'info(http_request_counter_total{namespace="zzz"}, {foo="bar"} == 1)',
    errors: [[50, 66, 'expected label selectors only']],
  },
  { input: 'foo[5m] + 1', errors: [[0, 7, 'binary expression must contain only scalar and instant vector types']] },
  { input: '"a" + 1', errors: [[0, 3, 'binary expression must contain only scalar and instant vector types']] },
];

function errorsOf(input: string): [number, number, string][] {
  try {
    parseExpr(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return (e as ParseError).errors.map((d) => [d.pos.start, d.pos.end, d.message]);
  }
  throw new Error(`expected ${JSON.stringify(input)} to fail`);
}

describe('parseExpr: ASTs', () => {
  it.each(astCases)('$input', ({ input, expected }) => {
    expect(parseExpr(input)).toMatchObject(expected);
  });
});

describe('parseExpr: errors', () => {
  it.each(errorCases)('$input', ({ input, errors }) => {
    expect(errorsOf(input)).toEqual(errors);
  });

  it('reports every error of a large query quickly, positioned (Prometheus regression test)', () => {
    const input = '(' + '-{}-1'.repeat(10000) + ')' + '[1m:]'.repeat(1000);
    const errs = errorsOf(input);
    expect(errs).toHaveLength(10999);
    expect(errs[0]).toEqual([2, 4, 'vector selector must contain at least one non-empty matcher']);
    expect(errs[9999]).toEqual([49997, 49999, 'vector selector must contain at least one non-empty matcher']);
    expect(errs[10000]).toEqual([0, 50012, 'subquery is only allowed on instant vector, got matrix instead']);
    expect(errs[10998]).toEqual([0, 55002, 'subquery is only allowed on instant vector, got matrix instead']);
  });

  it('turns absurd nesting into a ParseError, never a crash', () => {
    const input = '('.repeat(100_000) + '1' + ')'.repeat(100_000);
    expect(errorsOf(input)).toEqual([[0, 200_001, 'expression is nested too deeply']]);
    // Realistic depths parse.
    expect(parseExpr('('.repeat(500) + '1' + ')'.repeat(500)).type).toBe('ParenExpr');
  });

  it('formats messages like Prometheus (line:col, UTF-8 byte columns) and prints a caret excerpt', () => {
    let err: ParseError | undefined;
    try {
      parseExpr('sum(\n  rate(foo[5m]) bar\n)');
    } catch (e) {
      err = e as ParseError;
    }
    expect(err?.message).toBe('2:17: parse error: unexpected identifier "bar" in aggregation');
    expect(err?.pos).toEqual({ start: 21, end: 24 });
    expect(err?.excerpt()).toBe(
      '2:17: parse error: unexpected identifier "bar" in aggregation\n' +
        '    rate(foo[5m]) bar\n' +
        '                  ^^^',
    );
    try {
      parseExpr('{"é"="x"} + foo bar');
    } catch (e) {
      expect((e as Error).message).toBe('1:18: parse error: unexpected identifier "bar"');
    }
  });
});

describe('type checks and helpers', () => {
  it.each([
    ['1', 'scalar'],
    ['"a"', 'string'],
    ['foo', 'vector'],
    ['foo[5m]', 'matrix'],
    ['foo[5m:]', 'matrix'],
    ['1 + 2', 'scalar'],
    ['1 + foo', 'vector'],
    ['scalar(foo)', 'scalar'],
    ['(1)', 'scalar'],
    ['-foo', 'vector'],
    ['sum(foo)', 'vector'],
  ] as const)('%s is %s', (input, t) => {
    expect(exprType(parseExpr(input))).toBe(t);
  });

  it('extracts the selectors of an expression', () => {
    const sels = extractSelectors(parseExpr('rate(a{x="1"}[5m]) / on(x) b'));
    expect(sels.map((ms) => ms.map(String))).toEqual([['x="1"', '__name__="a"'], ['__name__="b"']]);
  });

  it('keeps experimental functions and duration expressions behind options', () => {
    expect(errorsOf.bind(null, 'x')).toBeTypeOf('function');
    const off = { enableExperimentalFunctions: false, experimentalDurationExpr: false };
    const fail = (q: string): string => {
      try {
        parseExpr(q, off);
      } catch (e) {
        return (e as ParseError).detail;
      }
      return 'ok';
    };
    expect(fail('sort_by_label(x, "a")')).toBe('function "sort_by_label" is not enabled');
    expect(fail('limitk(1, x)')).toBe(
      'limitk() is experimental and must be enabled with --enable-feature=promql-experimental-functions',
    );
    expect(fail('x[5m+1m]')).toBe('experimental duration expression is not enabled');
    expect(fail('rate(x[5m])')).toBe('ok');
  });
});

describe('parseMetricSelector', () => {
  it('returns the matchers of a series selector', () => {
    expect(parseMetricSelector('up{job="x"}').map(String)).toEqual(['job="x"', '__name__="up"']);
    expect(parseMetricSelector('{__name__=~"a.*"}').map(String)).toEqual(['__name__=~"a.*"']);
    expect(parseMetricSelector('{"my.metric"}').map(String)).toEqual(['__name__="my.metric"']);
  });
  it('rejects anything that is not a bare selector', () => {
    expect(() => parseMetricSelector('rate(x[5m])')).toThrow(ParseError);
    expect(() => parseMetricSelector('up offset 5m')).toThrow('unexpected <offset>');
    expect(() => parseMetricSelector('up{a="b"')).toThrow('unexpected end of input inside braces');
  });
});

// Sanity for the AST shape the engine relies on: nodes are plain objects typed by `type`.
describe('AST shape', () => {
  it('is a discriminated union with positions on every node', () => {
    const e: Expr = parseExpr('sum by (job) (rate(http_requests_total{code=~"5.."}[5m] offset 1m)) > bool 0');
    const seen: string[] = [];
    const walk = (n: Expr): void => {
      seen.push(n.type);
      expect(n.pos.end).toBeGreaterThan(n.pos.start);
      if (n.type === 'BinaryExpr') [n.lhs, n.rhs].forEach(walk);
      if (n.type === 'AggregateExpr') walk(n.expr);
      if (n.type === 'Call') n.args.forEach(walk);
      if (n.type === 'MatrixSelector') walk(n.vectorSelector);
    };
    walk(e);
    expect(seen).toEqual(['BinaryExpr', 'AggregateExpr', 'Call', 'MatrixSelector', 'VectorSelector', 'NumberLiteral']);
  });
});
