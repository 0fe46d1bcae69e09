/**
 * Prints an AST back to PromQL exactly as Prometheus does: `exprToString` is Node.String()
 * (printer.go), `prettify` is Node.Pretty(0) (prettier.go), the output of `promtool promql format`.
 * `parseExpr(exprToString(e))` yields an AST equal to `e` (positions aside).
 */

import { compareStrings, goQuote, isLegacyLabelName, METRIC_NAME } from '../../model/labels.js';
import type {
  AggregateExpr,
  BinaryExpr,
  DurationExpr,
  DurationOperand,
  Expr,
  MatrixSelector,
  StartOrEnd,
  SubqueryExpr,
  VectorSelector,
} from './ast.js';

const MAX_LINE = 100;

/** Go's strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip digits, never an exponent. */
export function formatFloatF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const s = String(v);
  if (s.indexOf('e') < 0) return s;
  const neg = v < 0;
  const [mant, expStr] = Math.abs(v).toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  const digits = mant.replace('.', '');
  let out: string;
  if (exp >= 0) {
    out =
      digits.length - 1 <= exp
        ? digits + '0'.repeat(exp - (digits.length - 1))
        : `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  } else {
    out = `0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  return neg ? `-${out}` : out;
}

const DURATION_UNITS: [string, number, boolean][] = [
  ['y', 365 * 24 * 3600_000, true],
  ['w', 7 * 24 * 3600_000, true],
  ['d', 24 * 3600_000, false],
  ['h', 3600_000, false],
  ['m', 60_000, false],
  ['s', 1000, false],
  ['ms', 1, false],
];

/**
 * Prometheus' model.Duration.String() for non-negative ms: years and weeks only when they divide
 * exactly (so 90d stays `90d`, not `12w6d`).
 */
export function formatPromDuration(ms: number): string {
  let rest = Math.trunc(ms);
  if (rest === 0) return '0s';
  let out = '';
  for (const [unit, size, exact] of DURATION_UNITS) {
    if (exact && rest % size !== 0) continue;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

function writeLabels(names: readonly string[]): string {
  return names.map((n) => (isLegacyLabelName(n) ? n : goQuote(n))).join(', ');
}

function atString(ts: number | null, soe: StartOrEnd | null): string {
  if (ts !== null) return ` @ ${(ts / 1000).toFixed(3)}`;
  if (soe === 'start') return ' @ start()';
  if (soe === 'end') return ' @ end()';
  return '';
}

function offsetString(offset: number, expr: DurationExpr | null): string {
  if (expr) return ` offset ${durationToString(expr)}`;
  if (offset > 0) return ` offset ${formatPromDuration(offset)}`;
  if (offset < 0) return ` offset -${formatPromDuration(-offset)}`;
  return '';
}

function numberToString(value: number, duration: boolean): string {
  if (duration) {
    // model.Duration(v*1e9).String(), in ms.
    if (value < 0) return `-${formatPromDuration(Math.trunc(Math.trunc(-value * 1e9) / 1e6))}`;
    return formatPromDuration(Math.trunc(Math.trunc(value * 1e9) / 1e6));
  }
  return formatFloatF(value);
}

function durationToString(d: DurationOperand): string {
  if (d.type === 'NumberLiteral') return numberToString(d.value, d.duration);
  let s: string;
  if (d.lhs === null) s = d.op === '-' ? `-${durationToString(d.rhs)}` : durationToString(d.rhs);
  else s = `${durationToString(d.lhs)} ${d.op} ${durationToString(d.rhs)}`;
  return d.wrapped ? `(${s})` : s;
}

function vectorSelectorToString(vs: VectorSelector, withModifiers: boolean): string {
  const parts: string[] = [];
  for (const m of vs.matchers) {
    if (m.name === METRIC_NAME && m.type === '=' && m.value === vs.name && m.value !== '') continue;
    parts.push(m.toString());
  }
  let s = vs.name;
  if (parts.length > 0) {
    parts.sort(compareStrings);
    s += `{${parts.join(',')}}`;
  }
  if (withModifiers) s += atString(vs.timestamp, vs.startOrEnd) + offsetString(vs.offset, vs.offsetExpr);
  return s;
}

function aggOpString(e: AggregateExpr): string {
  if (e.without) return `${e.op} without (${writeLabels(e.grouping)}) `;
  if (e.grouping.length > 0) return `${e.op} by (${writeLabels(e.grouping)}) `;
  return e.op;
}

function matchingString(e: BinaryExpr): string {
  const vm = e.vectorMatching;
  if (!vm) return '';
  let s = '';
  const grouped = vm.card === 'many-to-one' || vm.card === 'one-to-many';
  if (vm.matchingLabels.length > 0 || vm.on || grouped) {
    s += ` ${vm.on ? 'on' : 'ignoring'} (${writeLabels(vm.matchingLabels)})`;
  }
  if (grouped) s += ` group_${vm.card === 'many-to-one' ? 'left' : 'right'} (${writeLabels(vm.include)})`;
  return s;
}

function subquerySuffix(e: SubqueryExpr): string {
  let step = '';
  if (e.stepExpr) step = durationToString(e.stepExpr);
  else if (e.step !== 0) step = formatPromDuration(e.step);
  const range = e.rangeExpr ? durationToString(e.rangeExpr) : formatPromDuration(e.range);
  return `[${range}:${step}]${atString(e.timestamp, e.startOrEnd)}${offsetString(e.offset, e.offsetExpr)}`;
}

function matrixToString(e: MatrixSelector): string {
  const vs = e.vectorSelector;
  const range = e.rangeExpr ? durationToString(e.rangeExpr) : formatPromDuration(e.range);
  return `${vectorSelectorToString(vs, false)}[${range}]${atString(vs.timestamp, vs.startOrEnd)}${offsetString(vs.offset, vs.offsetExpr)}`;
}

/** Canonical single-line PromQL for an expression (Prometheus' String()). */
export function exprToString(e: Expr): string {
  switch (e.type) {
    case 'AggregateExpr':
      return `${aggOpString(e)}(${e.param ? `${exprToString(e.param)}, ` : ''}${exprToString(e.expr)})`;
    case 'BinaryExpr':
      return `${exprToString(e.lhs)} ${e.op}${e.returnBool ? ' bool' : ''}${matchingString(e)} ${exprToString(e.rhs)}`;
    case 'Call':
      return `${e.func.name}(${e.args.map(exprToString).join(', ')})`;
    case 'MatrixSelector':
      return matrixToString(e);
    case 'SubqueryExpr':
      return exprToString(e.expr) + subquerySuffix(e);
    case 'NumberLiteral':
      return numberToString(e.value, e.duration);
    case 'ParenExpr':
      return `(${exprToString(e.expr)})`;
    case 'StringLiteral':
      return goQuote(e.value);
    case 'UnaryExpr':
      return e.op + exprToString(e.expr);
    case 'VectorSelector':
      return vectorSelectorToString(e, true);
  }
}

function indent(level: number): string {
  return '  '.repeat(level);
}

/**
 * Multi-line formatting of expressions longer than 100 characters, as Prometheus' Pretty(0)
 * (what `promtool promql format` prints).
 */
export function prettify(e: Expr): string {
  return pretty(e, 0);
}

function pretty(e: Expr, level: number): string {
  const flat = exprToString(e);
  const fits = flat.length <= MAX_LINE;
  switch (e.type) {
    case 'AggregateExpr': {
      if (fits) return indent(level) + flat;
      let s = `${indent(level)}${aggOpString(e)}(\n`;
      if (e.param) s += `${pretty(e.param, level + 1)},\n`;
      return `${s}${pretty(e.expr, level + 1)}\n${indent(level)})`;
    }
    case 'BinaryExpr': {
      if (fits) return indent(level) + flat;
      return `${pretty(e.lhs, level + 1)}\n${indent(level)}${e.op}${e.returnBool ? ' bool' : ''}${matchingString(e)}\n${pretty(e.rhs, level + 1)}`;
    }
    case 'Call': {
      if (fits) return indent(level) + flat;
      return `${indent(level)}${e.func.name}(\n${e.args.map((a) => pretty(a, level + 1)).join(',\n')}\n${indent(level)})`;
    }
    case 'ParenExpr':
      if (fits) return indent(level) + flat;
      return `${indent(level)}(\n${pretty(e.expr, level + 1)}\n${indent(level)})`;
    case 'SubqueryExpr':
      if (fits) return flat;
      return pretty(e.expr, level) + subquerySuffix(e);
    case 'UnaryExpr':
      return `${indent(level)}${e.op}${pretty(e.expr, level).trim()}`;
    case 'MatrixSelector':
    case 'VectorSelector':
    case 'NumberLiteral':
    case 'StringLiteral':
      return indent(level) + flat;
  }
}
