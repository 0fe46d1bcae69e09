/**
 * A hand-written recursive-descent / precedence-climbing PromQL parser with the grammar, type
 * checks and error messages of Prometheus 3.5 (promql/parser/generated_parser.y, parse.go).
 *
 * Precedence, lowest first: `or`; `and` `unless`; `== != <= < >= >`; `+ -`; `* / % atan2`;
 * `^` (right-associative). Unary `+`/`-` bind like `*` (so `-2 ^ 2` is `-(2 ^ 2)`). The postfix
 * modifiers `[range]`, `[range:step]`, `offset` and `@` bind tighter than any operator.
 *
 * Syntax errors stop the parse (first error, like Prometheus' reported message); semantic errors
 * (bad regex, unknown function, modifiers on the wrong node, argument counts) are collected, and
 * the type checks (Prometheus' checkAST) run only when there was none. All are reported through
 * one `ParseError` listing every error found.
 */

import { Matcher, type MatchType } from '../../model/matcher.js';
import { METRIC_NAME } from '../../model/labels.js';
import { RegexError } from '../../model/regex.js';
import {
  type AggregateExpr,
  type AggregateOp,
  type BinaryExpr,
  type BinaryOp,
  type Call,
  type DurationExpr,
  type DurationOp,
  type DurationOperand,
  type Expr,
  type MatrixSelector,
  type NumberLiteral,
  type ParenExpr,
  type PositionRange,
  type StartOrEnd,
  type StringLiteral,
  type SubqueryExpr,
  type UnaryExpr,
  type ValueType,
  type VectorMatchCardinality,
  type VectorSelector,
  aggregateHasParam,
  exprType,
  isComparisonOp,
  isSetOp,
} from './ast.js';
import { getFunction } from './functions.js';
import { ParseError, type ParseErrorDetail } from './errors.js';
import { Lexer, LexError, T, TOKEN_TEXT, isAggregator, isKeyword, isOperator } from './lexer.js';

export interface ParseOptions {
  /**
   * Accept experimental functions and aggregations (sort_by_label, limitk, info, …), which
   * Prometheus gates behind `--enable-feature=promql-experimental-functions`. Default true.
   */
  enableExperimentalFunctions?: boolean;
  /**
   * Accept duration arithmetic (`[5m+1m]`, `offset (2*1h)`), Prometheus' `promql-duration-expr`
   * feature. Default true.
   */
  experimentalDurationExpr?: boolean;
}

type Mut<N> = { -readonly [K in keyof N]: N[K] };

/** Stand-in selectors of `x[5m]` where x is not a selector (already reported as an error). */
const PLACEHOLDERS = new WeakSet<VectorSelector>();

/** Thrown internally to stop at a syntax error (not an Error: no stack trace to capture). */
class Abort {}

const MAX_DURATION_SECONDS = 2 ** 63 / 1e9;

const BINARY_PREC: Record<number, number> = {
  [T.LOR]: 1,
  [T.LAND]: 2,
  [T.LUNLESS]: 2,
  [T.EQLC]: 3,
  [T.NEQ]: 3,
  [T.LTE]: 3,
  [T.LSS]: 3,
  [T.GTE]: 3,
  [T.GTR]: 3,
  [T.ADD]: 4,
  [T.SUB]: 4,
  [T.MUL]: 5,
  [T.DIV]: 5,
  [T.MOD]: 5,
  [T.ATAN2]: 5,
  [T.POW]: 6,
};
const PREC_MUL = 5;
const PREC_POW = 6;

const BINARY_OP: Record<number, BinaryOp> = {
  [T.LOR]: 'or',
  [T.LAND]: 'and',
  [T.LUNLESS]: 'unless',
  [T.EQLC]: '==',
  [T.NEQ]: '!=',
  [T.LTE]: '<=',
  [T.LSS]: '<',
  [T.GTE]: '>=',
  [T.GTR]: '>',
  [T.ADD]: '+',
  [T.SUB]: '-',
  [T.MUL]: '*',
  [T.DIV]: '/',
  [T.MOD]: '%',
  [T.ATAN2]: 'atan2',
  [T.POW]: '^',
};

const DURATION_OP: Record<number, DurationOp> = {
  [T.ADD]: '+',
  [T.SUB]: '-',
  [T.MUL]: '*',
  [T.DIV]: '/',
  [T.MOD]: '%',
  [T.POW]: '^',
};

const AGGREGATE_OP: Record<number, AggregateOp> = {
  [T.SUM]: 'sum',
  [T.AVG]: 'avg',
  [T.COUNT]: 'count',
  [T.MIN]: 'min',
  [T.MAX]: 'max',
  [T.GROUP]: 'group',
  [T.STDDEV]: 'stddev',
  [T.STDVAR]: 'stdvar',
  [T.TOPK]: 'topk',
  [T.BOTTOMK]: 'bottomk',
  [T.COUNT_VALUES]: 'count_values',
  [T.QUANTILE]: 'quantile',
  [T.LIMITK]: 'limitk',
  [T.LIMIT_RATIO]: 'limit_ratio',
};

/** Tokens that may name a metric (grammar rule metric_identifier). */
const METRIC_IDENTIFIER_TOKENS = new Set<number>([
  T.AVG,
  T.BOTTOMK,
  T.BY,
  T.COUNT,
  T.COUNT_VALUES,
  T.GROUP,
  T.IDENTIFIER,
  T.LAND,
  T.LOR,
  T.LUNLESS,
  T.MAX,
  T.METRIC_IDENTIFIER,
  T.MIN,
  T.OFFSET,
  T.QUANTILE,
  T.STDDEV,
  T.STDVAR,
  T.SUM,
  T.TOPK,
  T.WITHOUT,
  T.START,
  T.END,
  T.LIMITK,
  T.LIMIT_RATIO,
]);

/** Tokens that may be a grouping label (grammar rule maybe_label). */
function isMaybeLabel(t: number): boolean {
  return (
    t === T.IDENTIFIER ||
    t === T.METRIC_IDENTIFIER ||
    isAggregator(t) ||
    isKeyword(t) ||
    t === T.LAND ||
    t === T.LOR ||
    t === T.LUNLESS ||
    t === T.ATAN2 ||
    t === T.START ||
    t === T.END
  );
}

const MATCH_TYPE: Record<number, MatchType> = {
  [T.EQL]: '=',
  [T.NEQ]: '!=',
  [T.EQL_REGEX]: '=~',
  [T.NEQ_REGEX]: '!~',
};

/** Prometheus' DocumentedType. */
export function documentedType(t: ValueType): string {
  if (t === 'vector') return 'instant vector';
  if (t === 'matrix') return 'range vector';
  return t;
}

/** Go's %q for a string (close enough for messages: JSON escaping of ASCII). */
function q(s: string): string {
  return JSON.stringify(s);
}

/** Go's `%.10q...` truncation used by Item.String for long values. */
function itemString(val: string): string {
  const runes = Array.from(val);
  if (runes.length > 10) return `${q(runes.slice(0, 10).join(''))}...`;
  return q(val);
}

/** Go's math.Round: half away from zero. */
function goRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Go's %f (6 decimals), with Go's spelling of the special values. */
function formatF6(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  return x.toFixed(6);
}

/** Parses a NUMBER token like Prometheus: strconv.ParseInt(base 0), then ParseFloat. */
export function parseNumberLiteral(text: string): number | null | 'range' {
  const s = text.indexOf('_') >= 0 ? text.replace(/_/g, '') : text;
  const lower = s.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (lower === 'nan') return NaN;
  if (lower.startsWith('0x')) {
    if (!/^0x[0-9a-f]+$/.test(lower)) return null;
    const b = BigInt(lower);
    if (b > 0x7fffffffffffffffn) return null; // ParseFloat needs a 'p' exponent for hex.
    return Number(b);
  }
  if (/^0[0-7]+$/.test(s)) return Number(BigInt('0o' + s.slice(1)));
  if (!/^(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/.test(lower)) return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : 'range';
}

/** Go unquoting of a PromQL string literal (validated by the lexer). */
export function unquoteString(raw: string): string {
  const quote = raw.charCodeAt(0);
  const body = raw.slice(1, -1);
  if (quote === 96 || body.indexOf('\\') < 0) return body;
  // Escapes may produce raw bytes (\xff, \377): collect UTF-8 bytes, then decode.
  const bytes: number[] = [];
  const pushCodePoint = (cp: number): void => {
    if (cp < 0x80) bytes.push(cp);
    else if (cp < 0x800) bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else bytes.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  };
  for (let i = 0; i < body.length;) {
    const cp = body.codePointAt(i)!;
    i += cp > 0xffff ? 2 : 1;
    if (cp !== 92) {
      pushCodePoint(cp);
      continue;
    }
    const e = body[i++]!;
    switch (e) {
      case 'a':
        bytes.push(7);
        break;
      case 'b':
        bytes.push(8);
        break;
      case 'f':
        bytes.push(12);
        break;
      case 'n':
        bytes.push(10);
        break;
      case 'r':
        bytes.push(13);
        break;
      case 't':
        bytes.push(9);
        break;
      case 'v':
        bytes.push(11);
        break;
      case 'x':
        bytes.push(parseInt(body.slice(i, i + 2), 16));
        i += 2;
        break;
      case 'u':
        pushCodePoint(parseInt(body.slice(i, i + 4), 16));
        i += 4;
        break;
      case 'U':
        pushCodePoint(parseInt(body.slice(i, i + 8), 16));
        i += 8;
        break;
      default:
        if (e >= '0' && e <= '7') {
          bytes.push(parseInt(body.slice(i - 1, i + 2), 8));
          i += 2;
        } else pushCodePoint(e.codePointAt(0)!); // \\ \" \'
    }
  }
  return decodeUtf8Escaped(bytes);
}

/**
 * Strict UTF-8 decoding where each byte of an invalid sequence becomes the lone surrogate
 * U+DC00+byte ("surrogateescape"), so that Go strings holding invalid UTF-8 (`"\xff"`) survive:
 * `goQuote` prints such characters back as `\xff`, and name validation rejects them.
 */
function decodeUtf8Escaped(b: readonly number[]): string {
  let out = '';
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    let cp = -1;
    let n = 0;
    if (c < 0x80) {
      cp = c;
      n = 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
      n = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 4;
      cp = c & 0x07;
    }
    if (n > 1) {
      for (let k = 1; k < n; k++) {
        const cc = b[i + k];
        if (cc === undefined || (cc & 0xc0) !== 0x80) {
          cp = -1;
          break;
        }
        cp = (cp << 6) | (cc & 0x3f);
      }
      const min = n === 2 ? 0x80 : n === 3 ? 0x800 : 0x10000;
      if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) cp = -1;
    }
    if (cp < 0) {
      out += String.fromCharCode(0xdc00 + c);
      i++;
    } else {
      out += String.fromCodePoint(cp);
      i += n;
    }
  }
  return out;
}

const DURATION_UNIT_MS: Record<string, [number, number]> = {
  y: [365 * 24 * 3600_000, 1],
  w: [7 * 24 * 3600_000, 2],
  d: [24 * 3600_000, 3],
  h: [3600_000, 4],
  m: [60_000, 5],
  s: [1000, 6],
  ms: [1, 7],
};

/**
 * Parses a duration like prometheus/common model.ParseDuration, returning ms or the error text
 * (`unknown unit "hs" in duration "5y1hs"`, `not a valid duration string: "5m1h"`).
 */
export function parsePromDuration(s: string): number | string {
  if (s === '0') return 0;
  if (s === '') return 'empty duration string';
  const bad = `not a valid duration string: ${q(s)}`;
  let ms = 0;
  let lastPos = 0;
  let i = 0;
  while (i < s.length) {
    let j = i;
    while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
    if (j === i) return bad;
    const v = Number(s.slice(i, j));
    let k = j;
    while (k < s.length && !(s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57)) k++;
    if (k === j) return bad;
    const u = s.slice(j, k);
    const unit = DURATION_UNIT_MS[u];
    if (!unit) return `unknown unit ${q(u)} in duration ${q(s)}`;
    if (unit[1] <= lastPos) return bad;
    lastPos = unit[1];
    ms += v * unit[0];
    if (ms * 1e6 > 2 ** 63) return 'duration out of range';
    i = k;
  }
  return ms;
}

/** Milliseconds of a duration literal in seconds (Go: time.Duration(math.Round(v*1e9)), then ms). */
function secondsToMs(v: number): number {
  return Math.trunc(goRound(v * 1e9) / 1e6);
}

class Parser {
  private readonly lex: Lexer;
  readonly errors: ParseErrorDetail[] = [];
  private readonly experimentalFunctions: boolean;
  private readonly durationExpr: boolean;
  /**
   * Number of aggregations being parsed: a syntax error without a rule of its own inside one is
   * reported "in aggregation", as Prometheus' yacc error recovery does.
   */
  private aggDepth = 0;

  constructor(
    readonly input: string,
    options: ParseOptions = {},
  ) {
    this.lex = new Lexer(input);
    this.experimentalFunctions = options.enableExperimentalFunctions ?? true;
    this.durationExpr = options.experimentalDurationExpr ?? true;
  }

  // ---- token helpers -------------------------------------------------------------------------

  cur(): number {
    return this.lex.type;
  }

  advance(): void {
    try {
      this.lex.next();
    } catch (e) {
      if (e instanceof LexError) {
        this.errors.push({ pos: { start: e.start, end: this.input.length }, message: e.message });
        throw new Abort();
      }
      throw e;
    }
  }

  private addError(pos: PositionRange, message: string): void {
    this.errors.push({ pos, message });
  }

  /** Describes the current token like Prometheus' Item.desc(). */
  private describe(): string {
    const t = this.lex.type;
    if (t === T.EOF) return 'end of input';
    const val = this.lex.val;
    if (TOKEN_TEXT[t] !== undefined) {
      if (isKeyword(t)) return `<${val}>`;
      if (isOperator(t)) return `<op:${val}>`;
      if (isAggregator(t)) return `<aggr:${val}>`;
      return itemString(val);
    }
    switch (t) {
      case T.IDENTIFIER:
        return `identifier ${q(val)}`;
      case T.METRIC_IDENTIFIER:
        return `metric identifier ${q(val)}`;
      case T.STRING:
        return `string ${itemString(val)}`;
      case T.NUMBER:
        return `number ${itemString(val)}`;
      case T.DURATION:
        return `duration ${itemString(val)}`;
    }
    return itemString(val);
  }

  /** Reports the current token as unexpected (Prometheus' parser.unexpected) and aborts. */
  unexpected(context: string, expected: string): never {
    let msg = `unexpected ${this.describe()}`;
    if (context) msg += ` in ${context}`;
    if (expected) msg += `, expected ${expected}`;
    this.addError({ start: this.lex.start, end: this.lex.end }, msg);
    throw new Abort();
  }

  /** A syntax error where no specific rule applies (the grammar's fallback error rules). */
  private generic(): never {
    return this.aggDepth > 0 ? this.unexpected('aggregation', '') : this.unexpected('', '');
  }

  // ---- entry points --------------------------------------------------------------------------

  parseTop(): Expr | null {
    this.advance();
    if (this.cur() === T.EOF) {
      this.addError({ start: 0, end: 0 }, 'no expression found in input');
      return null;
    }
    const e = this.parseBinary(0);
    if (this.cur() !== T.EOF) this.generic();
    return e;
  }

  parseSelectorTop(): VectorSelector {
    this.advance();
    if (!(METRIC_IDENTIFIER_TOKENS.has(this.cur()) || this.cur() === T.LEFT_BRACE)) this.unexpected('', '');
    let vs: Mut<VectorSelector>;
    if (this.cur() === T.LEFT_BRACE) vs = this.parseVectorSelector('', this.lex.start);
    else {
      const name = this.lex.val;
      const start = this.lex.start;
      const end = this.lex.end;
      this.advance();
      vs = this.parseVectorSelector(name, start, end);
    }
    if (this.cur() !== T.EOF) this.unexpected('', '');
    return vs;
  }

  // ---- expressions ---------------------------------------------------------------------------

  /** expr : expr binop bin_modifier expr | unary_expr — by precedence climbing. */
  private parseBinary(minPrec: number): Expr {
    let lhs = this.parseUnary();
    for (;;) {
      const opType = this.cur();
      const prec = BINARY_PREC[opType];
      if (prec === undefined || prec < minPrec) return lhs;
      const op = BINARY_OP[opType]!;
      this.advance();
      const mod = this.parseBinModifiers();
      const rhs = this.parseBinary(opType === T.POW ? prec : prec + 1);
      const be: Mut<BinaryExpr> = {
        type: 'BinaryExpr',
        op,
        lhs,
        rhs,
        vectorMatching: mod.vm,
        returnBool: mod.returnBool,
        pos: { start: lhs.pos.start, end: rhs.pos.end },
      };
      lhs = be;
    }
  }

  /**
   * bin_modifier : [BOOL] [(ON | IGNORING) grouping_labels [(GROUP_LEFT | GROUP_RIGHT)
   * [grouping_labels]]]
   */
  private parseBinModifiers(): {
    returnBool: boolean;
    vm: { card: VectorMatchCardinality; matchingLabels: string[]; on: boolean; include: string[] };
  } {
    let returnBool = false;
    const vm = {
      card: 'one-to-one' as VectorMatchCardinality,
      matchingLabels: [] as string[],
      on: false,
      include: [] as string[],
    };
    if (this.cur() === T.BOOL) {
      returnBool = true;
      this.advance();
    }
    if (this.cur() === T.ON || this.cur() === T.IGNORING) {
      vm.on = this.cur() === T.ON;
      this.advance();
      vm.matchingLabels = this.parseGroupingLabels();
      if (this.cur() === T.GROUP_LEFT || this.cur() === T.GROUP_RIGHT) {
        vm.card = this.cur() === T.GROUP_LEFT ? 'many-to-one' : 'one-to-many';
        this.advance();
        if (this.cur() === T.LEFT_PAREN) vm.include = this.parseGroupingLabels();
      }
    }
    return { returnBool, vm };
  }

  /** unary_expr : unary_op expr %prec MUL | postfix_expr */
  private parseUnary(): Expr {
    if (this.cur() === T.ADD || this.cur() === T.SUB) {
      const neg = this.cur() === T.SUB;
      const start = this.lex.start;
      this.advance();
      const operand = this.parseBinary(PREC_MUL + 1);
      if (operand.type === 'NumberLiteral') {
        const nl: Mut<NumberLiteral> = operand;
        if (neg) nl.value = -nl.value;
        nl.pos = { start, end: nl.pos.end };
        return nl;
      }
      const ue: UnaryExpr = {
        type: 'UnaryExpr',
        op: neg ? '-' : '+',
        expr: operand,
        pos: { start, end: operand.pos.end },
      };
      return ue;
    }
    return this.parsePostfix(this.parsePrimary());
  }

  /** The modifiers binding tighter than operators: `[range]`, `[range:step]`, `offset`, `@`. */
  private parsePostfix(e: Expr): Expr {
    for (;;) {
      switch (this.cur()) {
        case T.LEFT_BRACKET:
          e = this.parseRangeOrSubquery(e);
          break;
        case T.OFFSET:
          e = this.parseOffset(e);
          break;
        case T.AT:
          e = this.parseAt(e);
          break;
        default:
          return e;
      }
    }
  }

  private parsePrimary(): Expr {
    const t = this.cur();
    const start = this.lex.start;
    const end = this.lex.end;
    switch (t) {
      case T.NUMBER:
      case T.DURATION: {
        const nl = this.numberLiteral();
        this.advance();
        return nl;
      }
      case T.STRING: {
        const sl: StringLiteral = {
          type: 'StringLiteral',
          value: unquoteString(this.lex.val),
          pos: { start, end },
        };
        this.advance();
        return sl;
      }
      case T.LEFT_PAREN: {
        this.advance();
        const inner = this.parseBinary(0);
        if (this.cur() !== T.RIGHT_PAREN) this.generic();
        const pe: ParenExpr = { type: 'ParenExpr', expr: inner, pos: { start, end: this.lex.end } };
        this.advance();
        return pe;
      }
      case T.LEFT_BRACE:
        return this.parseVectorSelector('', start);
      case T.IDENTIFIER: {
        const name = this.lex.val;
        this.advance();
        if (this.cur() === T.LEFT_PAREN) return this.parseCall(name, start, end);
        return this.parseVectorSelector(name, start, end);
      }
    }
    if (isAggregator(t)) {
      const word = this.lex.val;
      this.advance();
      if (this.cur() === T.LEFT_PAREN || this.cur() === T.BY || this.cur() === T.WITHOUT) {
        return this.parseAggregation(AGGREGATE_OP[t]!, start);
      }
      return this.parseVectorSelector(word, start, end);
    }
    if (METRIC_IDENTIFIER_TOKENS.has(t)) {
      const name = this.lex.val;
      this.advance();
      return this.parseVectorSelector(name, start, end);
    }
    return this.generic();
  }

  private numberLiteral(): Mut<NumberLiteral> {
    const text = this.lex.val;
    const pos = { start: this.lex.start, end: this.lex.end };
    if (this.cur() === T.DURATION) {
      const ms = parsePromDuration(text);
      if (typeof ms === 'string') {
        this.addError(pos, ms);
        return { type: 'NumberLiteral', value: 0, duration: true, pos };
      }
      return { type: 'NumberLiteral', value: ms / 1000, duration: true, pos };
    }
    const v = parseNumberLiteral(text);
    if (typeof v !== 'number') {
      const why = v === null ? 'invalid syntax' : 'value out of range';
      this.addError(pos, `error parsing number: strconv.ParseFloat: parsing ${q(text)}: ${why}`);
      return { type: 'NumberLiteral', value: v === null ? 0 : Infinity, duration: false, pos };
    }
    return { type: 'NumberLiteral', value: v, duration: false, pos };
  }

  // ---- selectors -----------------------------------------------------------------------------

  /**
   * vector_selector : metric_identifier [label_matchers] | label_matchers ;
   * label_matchers : '{' [label_matcher {',' label_matcher} [',']] '}'
   */
  private parseVectorSelector(name: string, start: number, nameEnd = start): Mut<VectorSelector> {
    const matchers: Matcher[] = [];
    let end = nameEnd;
    if (this.cur() === T.LEFT_BRACE) {
      this.advance();
      while (this.cur() !== T.RIGHT_BRACE) {
        const m = this.parseLabelMatcher();
        if (m) matchers.push(m);
        if (this.cur() === T.COMMA) {
          this.advance();
          continue;
        }
        if (this.cur() !== T.RIGHT_BRACE) this.unexpected('label matching', '"," or "}"');
      }
      end = this.lex.end;
      this.advance();
    }
    if (name !== '') matchers.push(new Matcher('=', METRIC_NAME, name));
    return {
      type: 'VectorSelector',
      name,
      matchers,
      offset: 0,
      offsetExpr: null,
      timestamp: null,
      startOrEnd: null,
      bypassEmptyMatcherCheck: false,
      pos: { start, end },
    };
  }

  /** label_matcher : (IDENTIFIER | STRING) match_op STRING | STRING */
  private parseLabelMatcher(): Matcher | null {
    const t = this.cur();
    if (t !== T.IDENTIFIER && t !== T.STRING) this.unexpected('label matching', 'identifier or "}"');
    const nameStart = this.lex.start;
    const nameEnd = this.lex.end;
    const name = t === T.STRING ? unquoteString(this.lex.val) : this.lex.val;
    this.advance();
    const type = MATCH_TYPE[this.cur()];
    if (type === undefined) {
      if (t === T.STRING) return this.newMatcher('=', METRIC_NAME, name, { start: nameStart, end: nameEnd });
      this.unexpected('label matching', 'label matching operator');
    }
    this.advance();
    if (this.cur() !== T.STRING) this.unexpected('label matching', 'string');
    const value = unquoteString(this.lex.val);
    const end = this.lex.end;
    this.advance();
    return this.newMatcher(type, name, value, { start: nameStart, end });
  }

  private newMatcher(type: MatchType, name: string, value: string, pos: PositionRange): Matcher | null {
    try {
      return new Matcher(type, name, value);
    } catch (e) {
      if (!(e instanceof RegexError)) throw e;
      this.addError(pos, e.message);
      return null;
    }
  }

  // ---- calls and aggregations ----------------------------------------------------------------

  /** function_call : IDENTIFIER '(' [expr {',' expr}] ')' */
  private parseCall(name: string, start: number, nameEnd: number): Expr {
    const { args, end } = this.parseCallBody();
    // Checked after the arguments, like the grammar action, so argument errors come first.
    const fn = getFunction(name);
    const namePos = { start, end: nameEnd };
    if (!fn) this.addError(namePos, `unknown function with name ${q(name)}`);
    else if (fn.experimental && !this.experimentalFunctions) {
      this.addError(namePos, `function ${q(name)} is not enabled`);
    }
    const call: Call = {
      type: 'Call',
      func: fn ?? { name, argTypes: [], variadic: 0, returnType: 'none', experimental: false },
      args,
      pos: { start, end },
    };
    return call;
  }

  /** function_call_body : '(' [function_call_args] ')'; the current token is '('. */
  private parseCallBody(): { args: Expr[]; end: number } {
    this.advance();
    const args: Expr[] = [];
    if (this.cur() !== T.RIGHT_PAREN) {
      for (;;) {
        args.push(this.parseBinary(0));
        if (this.cur() === T.COMMA) {
          const comma = { start: this.lex.start, end: this.lex.end };
          this.advance();
          if (this.cur() === T.RIGHT_PAREN) {
            this.addError(comma, 'trailing commas not allowed in function call args');
            break;
          }
          if (!canStartExpr(this.cur())) {
            // What yacc reports when the token after a comma cannot begin an argument.
            this.addError(comma, 'trailing commas not allowed in function call args');
            throw new Abort();
          }
          continue;
        }
        if (this.cur() !== T.RIGHT_PAREN) this.generic();
        break;
      }
    }
    const end = this.lex.end;
    this.advance();
    return { args, end };
  }

  /**
   * aggregate_expr : aggregate_op [aggregate_modifier] function_call_body
   *                | aggregate_op function_call_body aggregate_modifier
   */
  private parseAggregation(op: AggregateOp, start: number): Expr {
    let grouping: string[] = [];
    let without = false;
    let modifierSeen = false;
    this.aggDepth++;
    if (this.cur() === T.BY || this.cur() === T.WITHOUT) {
      without = this.cur() === T.WITHOUT;
      this.advance();
      grouping = this.parseGroupingLabels();
      modifierSeen = true;
    }
    if (this.cur() !== T.LEFT_PAREN) this.unexpected('aggregation', '');
    const body = this.parseCallBody();
    const args = body.args;
    let end = body.end;
    this.aggDepth--;
    if (!modifierSeen && (this.cur() === T.BY || this.cur() === T.WITHOUT)) {
      without = this.cur() === T.WITHOUT;
      this.advance();
      grouping = this.parseGroupingLabels();
      end = this.lastEnd;
    }
    const pos = { start, end };
    const agg: Mut<AggregateExpr> = {
      type: 'AggregateExpr',
      op,
      expr: args[args.length - 1] ?? ({ type: 'NumberLiteral', value: 0, duration: false, pos } as Expr),
      param: null,
      grouping,
      without,
      pos,
    };
    if (args.length === 0) {
      this.addError(pos, 'no arguments for aggregate expression provided');
      return agg;
    }
    let desired = 1;
    if (aggregateHasParam(op)) {
      if (!this.experimentalFunctions && (op === 'limitk' || op === 'limit_ratio')) {
        this.addError(
          pos,
          `${op}() is experimental and must be enabled with --enable-feature=promql-experimental-functions`,
        );
        return agg;
      }
      desired = 2;
      agg.param = args[0]!;
    }
    if (args.length !== desired) {
      this.addError(
        pos,
        `wrong number of arguments for aggregate expression provided, expected ${desired}, got ${args.length}`,
      );
      return agg;
    }
    agg.expr = args[desired - 1]!;
    return agg;
  }

  /** End of the last consumed grouping list (its ')'). */
  private lastEnd = 0;

  /** grouping_labels : '(' [grouping_label {',' grouping_label} [',']] ')' */
  private parseGroupingLabels(): string[] {
    if (this.cur() !== T.LEFT_PAREN) this.unexpected('grouping opts', '"("');
    this.advance();
    const labels: string[] = [];
    while (this.cur() !== T.RIGHT_PAREN) {
      if (this.cur() === T.STRING) {
        const pos = { start: this.lex.start, end: this.lex.end };
        const name = unquoteString(this.lex.val);
        if (name === '') this.addError(pos, `invalid label name for grouping: ${q(name)}`);
        labels.push(name);
      } else if (isMaybeLabel(this.cur())) {
        labels.push(this.lex.val);
      } else this.unexpected('grouping opts', 'label');
      this.advance();
      if (this.cur() === T.COMMA) {
        this.advance();
        continue;
      }
      if (this.cur() !== T.RIGHT_PAREN) this.unexpected('grouping opts', '"," or ")"');
    }
    this.lastEnd = this.lex.end;
    this.advance();
    return labels;
  }

  // ---- postfix modifiers ---------------------------------------------------------------------

  /**
   * matrix_selector : expr '[' positive_duration_expr ']'
   * subquery_expr   : expr '[' positive_duration_expr ':' [positive_duration_expr] ']'
   */
  private parseRangeOrSubquery(e: Expr): Expr {
    const open = { start: this.lex.start, end: this.lex.end };
    this.advance();
    if (!this.startsDuration()) this.unexpected('subquery or range selector', 'number or duration');
    const range = this.parsePositiveDuration('subquery or range', '":" or "]"');
    if (this.cur() === T.RIGHT_BRACKET) {
      const close = this.lex.end;
      this.advance();
      let errMsg = '';
      if (e.type !== 'VectorSelector') errMsg = 'ranges only allowed for vector selectors';
      else if (e.offset !== 0 || e.offsetExpr !== null) errMsg = 'no offset modifiers allowed before range';
      else if (e.timestamp !== null || e.startOrEnd !== null) errMsg = 'no @ modifiers allowed before range';
      if (errMsg) this.addError({ start: open.start, end: close }, errMsg);
      const vs = e.type === 'VectorSelector' ? e : this.parseVectorSelectorPlaceholder(e.pos.start, e.pos.end);
      const ms: MatrixSelector = {
        type: 'MatrixSelector',
        vectorSelector: vs,
        range: range.ms,
        rangeExpr: range.expr,
        pos: { start: e.pos.start, end: close },
      };
      return ms;
    }
    if (this.cur() !== T.COLON) this.unexpected('subquery or range', '":" or "]"');
    this.advance();
    let step = { ms: 0, expr: null as DurationExpr | null };
    if (this.cur() !== T.RIGHT_BRACKET) {
      if (!this.startsDuration()) this.unexpected('subquery selector', 'number, duration, or "]"');
      step = this.parsePositiveDuration('subquery selector', '"]"');
      if (this.cur() !== T.RIGHT_BRACKET) this.unexpected('subquery selector', '"]"');
    }
    const close = this.lex.end;
    this.advance();
    const sq: SubqueryExpr = {
      type: 'SubqueryExpr',
      expr: e,
      range: range.ms,
      rangeExpr: range.expr,
      step: step.ms,
      stepExpr: step.expr,
      offset: 0,
      offsetExpr: null,
      timestamp: null,
      startOrEnd: null,
      pos: { start: e.pos.start, end: close },
    };
    return sq;
  }

  private parseVectorSelectorPlaceholder(start: number, end: number): VectorSelector {
    const vs: VectorSelector = {
      type: 'VectorSelector',
      name: '',
      matchers: [],
      offset: 0,
      offsetExpr: null,
      timestamp: null,
      startOrEnd: null,
      bypassEmptyMatcherCheck: true,
      pos: { start, end },
    };
    PLACEHOLDERS.add(vs);
    return vs;
  }

  private startsDuration(): boolean {
    const t = this.cur();
    return t === T.NUMBER || t === T.DURATION || t === T.LEFT_PAREN || t === T.ADD || t === T.SUB;
  }

  /** positive_duration_expr : duration_expr, folded to ms (> 0). */
  private parsePositiveDuration(context: string, expected: string): { ms: number; expr: DurationExpr | null } {
    const d = this.parseDurationExpr(0, context, expected);
    if (d.type === 'NumberLiteral') {
      if (!(d.value > 0)) {
        this.addError(d.pos, 'duration must be greater than 0');
        return { ms: 0, expr: null };
      }
      return { ms: secondsToMs(d.value), expr: null };
    }
    return { ms: this.foldDuration(d, false), expr: d };
  }

  /** Evaluates a duration expression to ms like Prometheus' calculateDuration. */
  private foldDuration(d: DurationExpr, allowNegative: boolean): number {
    let v: number;
    try {
      v = evalDuration(d);
    } catch (e) {
      this.addError(d.pos, (e as Error).message);
      return 0;
    }
    if (v <= 0 && !allowNegative) {
      this.addError(d.pos, 'duration must be greater than 0');
      return 0;
    }
    if (!(Math.abs(v) <= MAX_DURATION_SECONDS)) {
      this.addError(d.pos, 'duration is out of range');
      return 0;
    }
    return Math.trunc(v * 1000);
  }

  /** duration_expr with precedence climbing over + - * / % ^ (^ right-associative). */
  private parseDurationExpr(minPrec: number, context: string, expected: string): DurationOperand {
    let lhs = this.parseDurationUnary(context, expected);
    for (;;) {
      const opType = this.cur();
      const op = DURATION_OP[opType];
      if (op === undefined) return lhs;
      const prec = BINARY_PREC[opType]!;
      if (prec < minPrec) return lhs;
      const opPos = { start: this.lex.start, end: this.lex.end };
      this.advance();
      const rhs = this.parseDurationExpr(opType === T.POW ? prec : prec + 1, context, expected);
      this.experimentalDuration(lhs);
      if ((op === '/' || op === '%') && rhs.type === 'NumberLiteral' && rhs.value === 0) {
        this.addError(opPos, op === '/' ? 'division by zero' : 'modulo by zero');
        lhs = { type: 'NumberLiteral', value: 0, duration: false, pos: opPos };
        continue;
      }
      const de: DurationExpr = {
        type: 'DurationExpr',
        op,
        lhs,
        rhs,
        wrapped: false,
        pos: { start: lhs.pos.start, end: rhs.pos.end },
      };
      lhs = de;
    }
  }

  private experimentalDuration(e: DurationOperand): void {
    if (!this.durationExpr) this.addError(e.pos, 'experimental duration expression is not enabled');
  }

  private parseDurationUnary(context: string, expected: string): DurationOperand {
    if (this.cur() === T.ADD || this.cur() === T.SUB) {
      const neg = this.cur() === T.SUB;
      const opPos = { start: this.lex.start, end: this.lex.end };
      this.advance();
      const operand = this.parseDurationExpr(PREC_POW, context, expected);
      return this.applyDurationUnary(neg, opPos, operand);
    }
    return this.parseDurationPrimary(context, expected);
  }

  private applyDurationUnary(neg: boolean, opPos: PositionRange, operand: DurationOperand): DurationOperand {
    if (operand.type === 'NumberLiteral') {
      const nl: Mut<NumberLiteral> = operand;
      if (neg) nl.value = -nl.value;
      if (Math.abs(nl.value) > MAX_DURATION_SECONDS) {
        this.addError(opPos, 'duration out of range');
        return { type: 'NumberLiteral', value: 0, duration: false, pos: opPos };
      }
      nl.pos = { start: opPos.start, end: nl.pos.end };
      return nl;
    }
    if (!neg) return operand;
    const de: DurationExpr = {
      type: 'DurationExpr',
      op: '-',
      lhs: null,
      rhs: operand,
      wrapped: false,
      pos: { start: opPos.start, end: operand.pos.end },
    };
    return de;
  }

  private parseDurationPrimary(context: string, expected: string): DurationOperand {
    if (this.cur() === T.NUMBER || this.cur() === T.DURATION) {
      const nl = this.numberLiteral();
      this.advance();
      if (Math.abs(nl.value) > MAX_DURATION_SECONDS) {
        this.addError(nl.pos, 'duration out of range');
        nl.value = 0;
      }
      return nl;
    }
    if (this.cur() === T.LEFT_PAREN) {
      const start = this.lex.start;
      this.advance();
      const inner = this.parseDurationExpr(0, context, expected);
      if (this.cur() !== T.RIGHT_PAREN) this.unexpected(context, expected);
      const end = this.lex.end;
      this.advance();
      this.experimentalDuration(inner);
      if (inner.type === 'DurationExpr') {
        const de: Mut<DurationExpr> = inner;
        de.wrapped = true;
        de.pos = { start, end };
        return de;
      }
      return inner;
    }
    return this.unexpected(context, expected);
  }

  /**
   * offset_expr : expr OFFSET offset_duration_expr ;
   * offset_duration_expr : [unary_op] number_duration_literal | [unary_op] '(' duration_expr ')' ...
   */
  private parseOffset(e: Expr): Expr {
    this.advance();
    let d: DurationOperand;
    let sign = 0;
    let signPos: PositionRange | null = null;
    if (this.cur() === T.ADD || this.cur() === T.SUB) {
      sign = this.cur() === T.SUB ? -1 : 1;
      signPos = { start: this.lex.start, end: this.lex.end };
      this.advance();
    }
    if (this.cur() === T.NUMBER || this.cur() === T.DURATION) {
      d = this.parseDurationPrimary('offset', 'number or duration');
    } else if (this.cur() === T.LEFT_PAREN) {
      d = this.parseDurationPrimary('offset', 'number or duration');
      if (sign === 0) {
        // A parenthesised duration continues as a duration expression (the grammar shifts).
        d = this.continueDurationExpr(d, 'offset', 'number or duration');
      }
    } else return this.unexpected('offset', 'number or duration');
    if (signPos) d = this.applyDurationUnary(sign < 0, signPos, d);
    const end = d.pos.end;
    if (d.type === 'NumberLiteral') {
      return this.addOffset(e, secondsToMs(d.value), null, end);
    }
    return this.addOffset(e, this.foldDuration(d, true), d, end);
  }

  private continueDurationExpr(lhs: DurationOperand, context: string, expected: string): DurationOperand {
    for (;;) {
      const opType = this.cur();
      const op = DURATION_OP[opType];
      if (op === undefined) return lhs;
      const prec = BINARY_PREC[opType]!;
      const opPos = { start: this.lex.start, end: this.lex.end };
      this.advance();
      const rhs = this.parseDurationExpr(opType === T.POW ? prec : prec + 1, context, expected);
      this.experimentalDuration(lhs);
      if ((op === '/' || op === '%') && rhs.type === 'NumberLiteral' && rhs.value === 0) {
        this.addError(opPos, op === '/' ? 'division by zero' : 'modulo by zero');
        lhs = { type: 'NumberLiteral', value: 0, duration: false, pos: opPos };
        continue;
      }
      lhs = {
        type: 'DurationExpr',
        op,
        lhs,
        rhs,
        wrapped: false,
        pos: { start: lhs.pos.start, end: rhs.pos.end },
      };
    }
  }

  private addOffset(e: Expr, ms: number, expr: DurationExpr | null, end: number): Expr {
    let target: Mut<VectorSelector> | Mut<SubqueryExpr>;
    if (e.type === 'VectorSelector' || e.type === 'SubqueryExpr') target = e;
    else if (e.type === 'MatrixSelector') {
      if (PLACEHOLDERS.has(e.vectorSelector)) {
        this.addError(e.pos, 'ranges only allowed for vector selectors');
        return e;
      }
      target = e.vectorSelector;
    } else {
      this.addError(
        e.pos,
        'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery',
      );
      return e;
    }
    if (target.offset !== 0 || target.offsetExpr !== null) {
      this.addError(e.pos, 'offset may not be set multiple times');
    } else {
      target.offset = ms;
      target.offsetExpr = expr;
    }
    (e as Mut<Expr>).pos = { start: e.pos.start, end };
    return e;
  }

  /** step_invariant_expr : expr '@' signed_or_unsigned_number | expr '@' (start|end) '(' ')' */
  private parseAt(e: Expr): Expr {
    this.advance();
    let sign = 1;
    let signed = false;
    if (this.cur() === T.ADD || this.cur() === T.SUB) {
      sign = this.cur() === T.SUB ? -1 : 1;
      signed = true;
      this.advance();
    }
    if (this.cur() === T.NUMBER || this.cur() === T.DURATION) {
      const nl = this.numberLiteral();
      const end = this.lex.end;
      this.advance();
      const ts = sign * nl.value;
      if (!Number.isFinite(ts) || ts >= 2 ** 63 || ts <= -(2 ** 63)) {
        this.addError(e.pos, `timestamp out of bounds for @ modifier: ${formatF6(ts)}`);
      }
      return this.setAt(e, goRound(ts * 1000), null, end);
    }
    if (!signed && (this.cur() === T.START || this.cur() === T.END)) {
      const which: StartOrEnd = this.cur() === T.START ? 'start' : 'end';
      this.advance();
      if (this.cur() !== T.LEFT_PAREN) this.unexpected('@', 'timestamp');
      this.advance();
      if (this.cur() !== T.RIGHT_PAREN) this.unexpected('@', 'timestamp');
      const end = this.lex.end;
      this.advance();
      return this.setAt(e, null, which, end);
    }
    return this.unexpected('@', 'timestamp');
  }

  private setAt(e: Expr, ts: number | null, which: StartOrEnd | null, end: number): Expr {
    let target: Mut<VectorSelector> | Mut<SubqueryExpr>;
    if (e.type === 'VectorSelector' || e.type === 'SubqueryExpr') target = e;
    else if (e.type === 'MatrixSelector') {
      if (PLACEHOLDERS.has(e.vectorSelector)) {
        this.addError(e.pos, 'ranges only allowed for vector selectors');
        return e;
      }
      target = e.vectorSelector;
    } else {
      this.addError(
        e.pos,
        '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery',
      );
      return e;
    }
    if (target.timestamp !== null || target.startOrEnd !== null) {
      this.addError(e.pos, '@ <timestamp> may not be set multiple times');
      return e;
    }
    target.timestamp = ts === null ? null : Object.is(ts, -0) ? 0 : ts;
    target.startOrEnd = which;
    (e as Mut<Expr>).pos = { start: e.pos.start, end };
    return e;
  }

  // ---- type checks (Prometheus' checkAST) ----------------------------------------------------

  check(node: Expr): ValueType {
    let typ: ValueType;
    switch (node.type) {
      case 'BinaryExpr':
      case 'ParenExpr':
      case 'UnaryExpr':
        typ = 'none'; // computed from the children below, avoiding exprType's recursion
        break;
      default:
        typ = exprType(node);
    }
    switch (node.type) {
      case 'AggregateExpr':
        this.expectType(node.expr, 'vector', 'aggregation expression');
        if (node.param) {
          if (node.op === 'count_values') this.expectType(node.param, 'string', 'aggregation parameter');
          else this.expectType(node.param, 'scalar', 'aggregation parameter');
        }
        break;
      case 'BinaryExpr': {
        // Left-deep operator chains (a + b + c + …) are walked iteratively: they can be
        // thousands of nodes deep.
        const spine: Mut<BinaryExpr>[] = [];
        let cur: Expr = node;
        while (cur.type === 'BinaryExpr') {
          spine.push(cur);
          cur = cur.lhs;
        }
        let lt = this.check(cur);
        for (let i = spine.length - 1; i >= 0; i--) {
          const n = spine[i]!;
          const rt = this.check(n.rhs);
          this.checkBinary(n, lt, rt);
          lt = lt === 'scalar' && rt === 'scalar' ? 'scalar' : 'vector';
        }
        typ = lt;
        break;
      }
      case 'Call': {
        const fn = node.func;
        const nargs = fn.argTypes.length;
        const name = fn.name;
        if (fn.variadic === 0) {
          if (nargs !== node.args.length) {
            this.addError(node.pos, `expected ${nargs} argument(s) in call to ${q(name)}, got ${node.args.length}`);
          }
        } else {
          const na = nargs - 1;
          if (na > node.args.length) {
            this.addError(
              node.pos,
              `expected at least ${na} argument(s) in call to ${q(name)}, got ${node.args.length}`,
            );
          } else if (fn.variadic > 0 && na + fn.variadic < node.args.length) {
            this.addError(
              node.pos,
              `expected at most ${na + fn.variadic} argument(s) in call to ${q(name)}, got ${node.args.length}`,
            );
          }
        }
        if (name === 'info' && node.args.length > 1) {
          const a1 = node.args[1]!;
          const t1 = exprType(a1);
          if (t1 !== 'vector') {
            this.addError(
              node.pos,
              `expected type instant vector in call to function ${q(name)}, got ${documentedType(t1)}`,
            );
          }
          if (a1.type === 'VectorSelector' && a1.name !== '') {
            this.addError(a1.pos, 'expected label selectors only, got vector selector instead');
          } else if (a1.type === 'VectorSelector') {
            (a1 as Mut<VectorSelector>).bypassEmptyMatcherCheck = true;
          } else {
            this.addError(a1.pos, 'expected label selectors only');
          }
        }
        for (let i = 0; i < node.args.length; i++) {
          let j = i;
          if (i >= nargs) {
            if (fn.variadic === 0) break;
            j = nargs - 1;
          }
          const arg = node.args[i]!;
          const want = fn.argTypes[j]!;
          const t = this.check(arg);
          if (t !== want) {
            this.addError(
              arg.pos,
              `expected type ${documentedType(want)} in call to function ${q(name)}, got ${documentedType(t)}`,
            );
          }
        }
        break;
      }
      case 'ParenExpr':
        typ = this.check(node.expr);
        break;
      case 'UnaryExpr': {
        const t = this.check(node.expr);
        typ = t;
        if (t !== 'scalar' && t !== 'vector') {
          this.addError(
            node.pos,
            `unary expression only allowed on expressions of type scalar or instant vector, got ${q(documentedType(t))}`,
          );
        }
        break;
      }
      case 'SubqueryExpr': {
        const t = this.check(node.expr);
        if (t !== 'vector') this.addError(node.pos, `subquery is only allowed on instant vector, got ${t} instead`);
        break;
      }
      case 'MatrixSelector':
        this.check(node.vectorSelector);
        break;
      case 'VectorSelector':
        if (node.name !== '') {
          for (let i = 0; i < node.matchers.length - 1; i++) {
            const m = node.matchers[i]!;
            if (m.name === METRIC_NAME) {
              this.addError(node.pos, `metric name must not be set twice: ${q(node.name)} or ${q(m.value)}`);
            }
          }
          break;
        }
        if (!node.bypassEmptyMatcherCheck && !hasNonEmptyMatcher(node.matchers)) {
          this.addError(node.pos, 'vector selector must contain at least one non-empty matcher');
        }
        break;
      case 'NumberLiteral':
      case 'StringLiteral':
        break;
    }
    return typ;
  }

  private checkBinary(n: Mut<BinaryExpr>, lt: ValueType, rt: ValueType): void {
    const opRange = this.opRange;
    if (n.returnBool && !isComparisonOp(n.op)) {
      this.addError(opRange.call(this, n), 'bool modifier can only be used on comparison operators');
    }
    if (isComparisonOp(n.op) && !n.returnBool && lt === 'scalar' && rt === 'scalar') {
      this.addError(opRange.call(this, n), 'comparisons between scalars must use BOOL modifier');
    }
    const vm = n.vectorMatching as Mut<NonNullable<BinaryExpr['vectorMatching']>> | null;
    if (vm) {
      if (isSetOp(n.op) && vm.card === 'one-to-one') vm.card = 'many-to-many';
      if (vm.on) {
        for (const l1 of vm.matchingLabels) {
          for (const l2 of vm.include) {
            if (l1 === l2)
              this.addError(opRange.call(this, n), `label ${q(l1)} must not occur in ON and GROUP clause at once`);
          }
        }
      }
    }
    if (lt !== 'scalar' && lt !== 'vector') {
      this.addError(n.lhs.pos, 'binary expression must contain only scalar and instant vector types');
    }
    if (rt !== 'scalar' && rt !== 'vector') {
      this.addError(n.rhs.pos, 'binary expression must contain only scalar and instant vector types');
    }
    if ((lt !== 'vector' || rt !== 'vector') && vm) {
      if (vm.matchingLabels.length > 0) {
        this.addError(n.pos, 'vector matching only allowed between instant vectors');
      }
      n.vectorMatching = null;
    } else if (vm && isSetOp(n.op)) {
      if (vm.card === 'one-to-many' || vm.card === 'many-to-one') {
        this.addError(n.pos, `no grouping allowed for ${q(n.op)} operation`);
      }
      if (vm.card !== 'many-to-many') this.addError(n.pos, 'set operations must always be many-to-many');
    }
    if ((lt === 'scalar' || rt === 'scalar') && isSetOp(n.op)) {
      this.addError(n.pos, `set operator ${q(n.op)} not allowed in binary scalar expression`);
    }
  }

  /** The operator part of a binary expression, whitespace trimmed (Prometheus' opRange). */
  private opRange(n: BinaryExpr): PositionRange {
    let s = n.lhs.pos.end;
    while (s < this.input.length && isSpaceCode(this.input.charCodeAt(s))) s++;
    let e = n.rhs.pos.start - 1;
    while (e > s && isSpaceCode(this.input.charCodeAt(e))) e--;
    return { start: s, end: e };
  }

  private expectType(node: Expr, want: ValueType, context: string): void {
    const t = this.check(node);
    if (t !== want) {
      this.addError(node.pos, `expected type ${documentedType(want)} in ${context}, got ${documentedType(t)}`);
    }
  }
}

/** Whether a token can begin an expression. */
function canStartExpr(t: number): boolean {
  return (
    t === T.NUMBER ||
    t === T.DURATION ||
    t === T.STRING ||
    t === T.LEFT_PAREN ||
    t === T.LEFT_BRACE ||
    t === T.ADD ||
    t === T.SUB ||
    isAggregator(t) ||
    METRIC_IDENTIFIER_TOKENS.has(t)
  );
}

function hasNonEmptyMatcher(ms: readonly Matcher[]): boolean {
  for (const m of ms) if (!m.matches('')) return true;
  return false;
}

function isSpaceCode(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** Evaluates a duration expression in seconds (Prometheus' evaluateDurationExpr). */
export function evalDuration(d: DurationOperand): number {
  if (d.type === 'NumberLiteral') return d.value;
  const lhs = d.lhs ? evalDuration(d.lhs) : 0;
  const rhs = evalDuration(d.rhs);
  switch (d.op) {
    case '+':
      return lhs + rhs;
    case '-':
      return d.lhs ? lhs - rhs : -rhs;
    case '*':
      return lhs * rhs;
    case '/':
      if (rhs === 0) throw new Error('division by zero');
      return lhs / rhs;
    case '%':
      if (rhs === 0) throw new Error('modulo by zero');
      return lhs % rhs;
    case '^':
      return Math.pow(lhs, rhs);
  }
}

/**
 * Parses a PromQL expression. Throws `ParseError` (positioned, Prometheus' messages) for any
 * invalid input; never throws anything else for bad input.
 */
export function parseExpr(input: string, options?: ParseOptions): Expr {
  const p = new Parser(input, options);
  let expr: Expr | null = null;
  try {
    expr = p.parseTop();
    if (expr && p.errors.length === 0) p.check(expr);
  } catch (e) {
    if (e instanceof RangeError) {
      // JS call-stack exhaustion on absurdly nested input: report it instead of crashing.
      throw new ParseError(input, [
        { pos: { start: 0, end: input.length }, message: 'expression is nested too deeply' },
      ]);
    }
    if (!(e instanceof Abort)) throw e;
  }
  if (p.errors.length > 0 || !expr) throw new ParseError(input, p.errors);
  return expr;
}

/**
 * Parses a series selector such as `up{job="x"}` or `{__name__=~"a.*"}` (the `match[]` parameter
 * of the HTTP API) into its matchers, the `__name__` matcher last when written as a name.
 */
export function parseMetricSelector(input: string): Matcher[] {
  const p = new Parser(input);
  let vs: VectorSelector | null = null;
  try {
    vs = p.parseSelectorTop();
  } catch (e) {
    if (!(e instanceof Abort)) throw e;
  }
  if (p.errors.length > 0 || !vs) throw new ParseError(input, p.errors);
  return [...vs.matchers];
}
