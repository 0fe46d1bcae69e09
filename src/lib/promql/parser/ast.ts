/**
 * The PromQL abstract syntax tree: a discriminated union on `type`, mirroring the node kinds of
 * Prometheus' promql/parser/ast.go (3.5). Nodes are plain immutable-by-convention objects.
 *
 * Conventions:
 * - Durations and timestamps are integer milliseconds.
 * - Every node carries `pos`, the [start, end) range of JS string indices in the query text.
 * - `VectorSelector.matchers` includes the `__name__="name"` matcher when a name was given (as in
 *   Prometheus, where it is appended last for `foo{a="b"}`).
 * - Duration expressions (`[5m+1m]`, `offset (2*3m)`) are folded by the parser into the plain
 *   millisecond fields (`range`, `offset`, `step`); the `*Expr` fields keep the written form for
 *   the printer and are null when the duration was a plain literal.
 */

import type { Matcher } from '../../model/matcher.js';
import type { FunctionDef } from './functions.js';

/** The types an expression can evaluate to (Prometheus' ValueType strings). */
export type ValueType = 'none' | 'scalar' | 'vector' | 'matrix' | 'string';

/** [start, end) string indices of a node in the query text. */
export interface PositionRange {
  readonly start: number;
  readonly end: number;
}

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2';
export type ComparisonOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp;

export type AggregateOp =
  | 'sum'
  | 'avg'
  | 'count'
  | 'min'
  | 'max'
  | 'group'
  | 'stddev'
  | 'stdvar'
  | 'topk'
  | 'bottomk'
  | 'count_values'
  | 'quantile'
  | 'limitk'
  | 'limit_ratio';

/** `@ start()` / `@ end()`. */
export type StartOrEnd = 'start' | 'end';

export interface NumberLiteral {
  readonly type: 'NumberLiteral';
  readonly value: number;
  /** The literal was written as a duration (`5m`): value is in seconds, printed as a duration. */
  readonly duration: boolean;
  readonly pos: PositionRange;
}

export interface StringLiteral {
  readonly type: 'StringLiteral';
  readonly value: string;
  readonly pos: PositionRange;
}

export interface VectorSelector {
  readonly type: 'VectorSelector';
  /** Metric name, '' when the selector has none (`{job="x"}`). */
  readonly name: string;
  /** All matchers, including `__name__` when a name was given. */
  readonly matchers: readonly Matcher[];
  /** Offset as written (ms; negative allowed). 0 when absent. */
  readonly offset: number;
  /** The written offset when it was a duration expression, else null. */
  readonly offsetExpr: DurationExpr | null;
  /** `@ <timestamp>` in ms, null when absent or when `@ start()/end()` was used. */
  readonly timestamp: number | null;
  readonly startOrEnd: StartOrEnd | null;
  /**
   * True for the second argument of `info()`, which need not contain a non-empty matcher.
   */
  readonly bypassEmptyMatcherCheck: boolean;
  readonly pos: PositionRange;
}

export interface MatrixSelector {
  readonly type: 'MatrixSelector';
  readonly vectorSelector: VectorSelector;
  /** Range in ms (> 0). */
  readonly range: number;
  readonly rangeExpr: DurationExpr | null;
  readonly pos: PositionRange;
}

export interface SubqueryExpr {
  readonly type: 'SubqueryExpr';
  readonly expr: Expr;
  readonly range: number;
  readonly rangeExpr: DurationExpr | null;
  /** Resolution step in ms; 0 means "use the default evaluation interval". */
  readonly step: number;
  readonly stepExpr: DurationExpr | null;
  readonly offset: number;
  readonly offsetExpr: DurationExpr | null;
  readonly timestamp: number | null;
  readonly startOrEnd: StartOrEnd | null;
  readonly pos: PositionRange;
}

export interface ParenExpr {
  readonly type: 'ParenExpr';
  readonly expr: Expr;
  readonly pos: PositionRange;
}

export interface UnaryExpr {
  readonly type: 'UnaryExpr';
  readonly op: '+' | '-';
  readonly expr: Expr;
  readonly pos: PositionRange;
}

export type VectorMatchCardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

export interface VectorMatching {
  readonly card: VectorMatchCardinality;
  /** Labels of `on(...)` / `ignoring(...)`. */
  readonly matchingLabels: readonly string[];
  /** true for `on`, false for `ignoring` (or no clause). */
  readonly on: boolean;
  /** Labels of `group_left(...)` / `group_right(...)`. */
  readonly include: readonly string[];
}

export interface BinaryExpr {
  readonly type: 'BinaryExpr';
  readonly op: BinaryOp;
  readonly lhs: Expr;
  readonly rhs: Expr;
  /**
   * Set when both sides are vectors (and for set operators, always many-to-many); null when at
   * least one side is a scalar. Mirrors Prometheus, which only keeps it for vector/vector ops.
   */
  readonly vectorMatching: VectorMatching | null;
  /** Comparison with `bool`: return 0/1 instead of filtering. */
  readonly returnBool: boolean;
  readonly pos: PositionRange;
}

export interface AggregateExpr {
  readonly type: 'AggregateExpr';
  readonly op: AggregateOp;
  readonly expr: Expr;
  /** Parameter of topk, bottomk, quantile, count_values, limitk, limit_ratio; else null. */
  readonly param: Expr | null;
  readonly grouping: readonly string[];
  readonly without: boolean;
  readonly pos: PositionRange;
}

export interface Call {
  readonly type: 'Call';
  readonly func: FunctionDef;
  readonly args: readonly Expr[];
  readonly pos: PositionRange;
}

export type DurationOp = '+' | '-' | '*' | '/' | '%' | '^';

/**
 * A duration expression (Prometheus 3.5 experimental duration arithmetic): a binary operation or a
 * unary minus (lhs null); `wrapped` when written in parentheses (a parenthesised single literal
 * stays a NumberLiteral). Operands are number
 * literals (durations or plain numbers, in seconds) or nested duration expressions. Only appears
 * in the `rangeExpr`/`stepExpr`/`offsetExpr` fields.
 */
export interface DurationExpr {
  readonly type: 'DurationExpr';
  readonly op: DurationOp;
  readonly lhs: DurationOperand | null;
  readonly rhs: DurationOperand;
  readonly wrapped: boolean;
  readonly pos: PositionRange;
}

export type DurationOperand = NumberLiteral | DurationExpr;

export type Expr =
  | AggregateExpr
  | BinaryExpr
  | Call
  | MatrixSelector
  | SubqueryExpr
  | NumberLiteral
  | ParenExpr
  | StringLiteral
  | UnaryExpr
  | VectorSelector;

export type Node = Expr | DurationExpr;

/** The type an expression evaluates to (Prometheus' Expr.Type()). */
export function exprType(e: Expr): ValueType {
  switch (e.type) {
    case 'AggregateExpr':
    case 'VectorSelector':
      return 'vector';
    case 'Call':
      return e.func.returnType;
    case 'MatrixSelector':
    case 'SubqueryExpr':
      return 'matrix';
    case 'NumberLiteral':
      return 'scalar';
    case 'StringLiteral':
      return 'string';
    case 'ParenExpr':
    case 'UnaryExpr':
      return exprType(e.expr);
    case 'BinaryExpr':
      return exprType(e.lhs) === 'scalar' && exprType(e.rhs) === 'scalar' ? 'scalar' : 'vector';
  }
}

/** The direct child expressions of a node, in source order (Prometheus' Children()). */
export function children(e: Expr): readonly Expr[] {
  switch (e.type) {
    case 'AggregateExpr':
      return e.param ? [e.param, e.expr] : [e.expr];
    case 'BinaryExpr':
      return [e.lhs, e.rhs];
    case 'Call':
      return e.args;
    case 'MatrixSelector':
      return [e.vectorSelector];
    case 'SubqueryExpr':
    case 'ParenExpr':
    case 'UnaryExpr':
      return [e.expr];
    case 'NumberLiteral':
    case 'StringLiteral':
    case 'VectorSelector':
      return [];
  }
}

/**
 * Depth-first traversal. `visit(node, path)` is called for each node with its ancestors
 * (outermost first); return false to skip the node's children.
 */
export function inspect(e: Expr, visit: (node: Expr, path: readonly Expr[]) => boolean | void): void {
  const path: Expr[] = [];
  const rec = (n: Expr): void => {
    if (visit(n, path) === false) return;
    path.push(n);
    for (const c of children(n)) rec(c);
    path.pop();
  };
  rec(e);
}

/** The matchers of every vector selector in the expression (Prometheus' ExtractSelectors). */
export function extractSelectors(e: Expr): Matcher[][] {
  const out: Matcher[][] = [];
  inspect(e, (n) => {
    if (n.type === 'VectorSelector') out.push([...n.matchers]);
  });
  return out;
}

/** Whether an aggregation takes a parameter. */
export function aggregateHasParam(op: AggregateOp): boolean {
  return (
    op === 'topk' ||
    op === 'bottomk' ||
    op === 'quantile' ||
    op === 'count_values' ||
    op === 'limitk' ||
    op === 'limit_ratio'
  );
}

export function isComparisonOp(op: BinaryOp): op is ComparisonOp {
  return op === '==' || op === '!=' || op === '>' || op === '<' || op === '>=' || op === '<=';
}

export function isSetOp(op: BinaryOp): op is SetOp {
  return op === 'and' || op === 'or' || op === 'unless';
}
