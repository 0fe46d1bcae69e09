/**
 * The PromQL lexer: a pull scanner over the query string with the same modes as Prometheus'
 * promql/parser/lex.go (statements, inside braces `{}`, duration expressions inside `[]`), so
 * that token boundaries and lexer error messages match Prometheus.
 *
 * `next()` advances to the next significant token (comments are skipped) and exposes it through
 * `type`, `start`, `end`. Lexer errors throw a `LexError`; Prometheus reports them as a parse
 * error spanning from the start of the bad item to the end of the input.
 */

/** Token types. Numeric constants (not an enum) so they inline well. */
export const T = {
  EOF: 0,
  IDENTIFIER: 1,
  METRIC_IDENTIFIER: 2,
  NUMBER: 3,
  DURATION: 4,
  STRING: 5,
  LEFT_PAREN: 6,
  RIGHT_PAREN: 7,
  LEFT_BRACE: 8,
  RIGHT_BRACE: 9,
  LEFT_BRACKET: 10,
  RIGHT_BRACKET: 11,
  COMMA: 12,
  EQL: 13,
  COLON: 14,
  AT: 15,
  COMMENT: 16,
  // Operators.
  ADD: 20,
  SUB: 21,
  MUL: 22,
  DIV: 23,
  MOD: 24,
  POW: 25,
  EQLC: 26,
  NEQ: 27,
  LSS: 28,
  LTE: 29,
  GTR: 30,
  GTE: 31,
  EQL_REGEX: 32,
  NEQ_REGEX: 33,
  LAND: 34,
  LOR: 35,
  LUNLESS: 36,
  ATAN2: 37,
  // Aggregators.
  AVG: 40,
  BOTTOMK: 41,
  COUNT: 42,
  COUNT_VALUES: 43,
  GROUP: 44,
  MAX: 45,
  MIN: 46,
  QUANTILE: 47,
  STDDEV: 48,
  STDVAR: 49,
  SUM: 50,
  TOPK: 51,
  LIMITK: 52,
  LIMIT_RATIO: 53,
  // Keywords.
  BOOL: 60,
  BY: 61,
  GROUP_LEFT: 62,
  GROUP_RIGHT: 63,
  IGNORING: 64,
  OFFSET: 65,
  ON: 66,
  WITHOUT: 67,
  // Preprocessors.
  START: 70,
  END: 71,
} as const;

export type TokenType = (typeof T)[keyof typeof T];

/** Operators (Prometheus counts `@` among them). */
export function isOperator(t: number): boolean {
  return (t >= 20 && t < 40) || t === T.AT;
}
export function isAggregator(t: number): boolean {
  return t >= 40 && t < 60;
}
export function isKeyword(t: number): boolean {
  return t >= 60 && t < 70;
}

/** Keywords by lower-case spelling (lex.go `key`); `inf` and `nan` lex as numbers. */
const KEYWORDS = new Map<string, number>([
  ['and', T.LAND],
  ['or', T.LOR],
  ['unless', T.LUNLESS],
  ['atan2', T.ATAN2],
  ['sum', T.SUM],
  ['avg', T.AVG],
  ['count', T.COUNT],
  ['min', T.MIN],
  ['max', T.MAX],
  ['group', T.GROUP],
  ['stddev', T.STDDEV],
  ['stdvar', T.STDVAR],
  ['topk', T.TOPK],
  ['bottomk', T.BOTTOMK],
  ['count_values', T.COUNT_VALUES],
  ['quantile', T.QUANTILE],
  ['limitk', T.LIMITK],
  ['limit_ratio', T.LIMIT_RATIO],
  ['offset', T.OFFSET],
  ['by', T.BY],
  ['without', T.WITHOUT],
  ['on', T.ON],
  ['ignoring', T.IGNORING],
  ['group_left', T.GROUP_LEFT],
  ['group_right', T.GROUP_RIGHT],
  ['bool', T.BOOL],
  ['start', T.START],
  ['end', T.END],
  ['inf', T.NUMBER],
  ['nan', T.NUMBER],
]);

/** Canonical spelling of fixed tokens (lex.go ItemTypeStr). */
export const TOKEN_TEXT: Record<number, string> = {
  [T.LEFT_PAREN]: '(',
  [T.RIGHT_PAREN]: ')',
  [T.LEFT_BRACE]: '{',
  [T.RIGHT_BRACE]: '}',
  [T.LEFT_BRACKET]: '[',
  [T.RIGHT_BRACKET]: ']',
  [T.COMMA]: ',',
  [T.EQL]: '=',
  [T.COLON]: ':',
  [T.SUB]: '-',
  [T.ADD]: '+',
  [T.MUL]: '*',
  [T.MOD]: '%',
  [T.DIV]: '/',
  [T.EQLC]: '==',
  [T.NEQ]: '!=',
  [T.LTE]: '<=',
  [T.LSS]: '<',
  [T.GTE]: '>=',
  [T.GTR]: '>',
  [T.EQL_REGEX]: '=~',
  [T.NEQ_REGEX]: '!~',
  [T.POW]: '^',
  [T.AT]: '@',
};
for (const [word, t] of KEYWORDS) if (t !== T.NUMBER) TOKEN_TEXT[t] = word;

export class LexError extends Error {
  constructor(
    message: string,
    readonly start: number,
  ) {
    super(message);
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isAlpha(c: number): boolean {
  return c === 95 || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}
function isAlphaNumeric(c: number): boolean {
  return isAlpha(c) || isDigit(c);
}
function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** Go's %q for a rune: `'a'`, `'\n'`, `'\x00'`, `'😀'`. */
export function quoteRune(cp: number): string {
  switch (cp) {
    case 7:
      return "'\\a'";
    case 8:
      return "'\\b'";
    case 12:
      return "'\\f'";
    case 10:
      return "'\\n'";
    case 13:
      return "'\\r'";
    case 9:
      return "'\\t'";
    case 11:
      return "'\\v'";
    case 92:
      return "'\\\\'";
    case 39:
      return "'\\''";
    case -1:
      return "'\\uffff'";
  }
  if (cp < 0x20 || cp === 0x7f) return `'\\x${cp.toString(16).padStart(2, '0')}'`;
  if (cp === 0xfffd) return "'�'";
  return `'${String.fromCodePoint(cp)}'`;
}

/** Go's %#U: `U+0071 'q'`. */
function formatUPlus(cp: number): string {
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  if (cp < 0x20 || cp === 0x7f) return `U+${hex}`;
  return `U+${hex} '${String.fromCodePoint(cp)}'`;
}

const EOF_CHAR = -1;

export class Lexer {
  /** Current token. */
  type: number = T.EOF;
  start = 0;
  end = 0;

  private pos = 0;
  private parenDepth = 0;
  private braceOpen = false;
  private bracketOpen = false;
  /** Directly after `[` (or an operator inside it): Prometheus' lexDurationExpr state. */
  private durationState = false;
  private gotColon = false;
  private gotDuration = false;

  constructor(readonly input: string) {}

  /** The text of the current token. */
  get val(): string {
    return this.input.slice(this.start, this.end);
  }

  private peekChar(): number {
    return this.pos < this.input.length ? this.input.charCodeAt(this.pos) : EOF_CHAR;
  }

  /** Code point at pos (handles surrogate pairs) and its UTF-16 width. */
  private codePointAt(p: number): [number, number] {
    if (p >= this.input.length) return [EOF_CHAR, 0];
    const cp = this.input.codePointAt(p)!;
    return [cp, cp > 0xffff ? 2 : 1];
  }

  private fail(message: string, start: number): never {
    throw new LexError(message, start);
  }

  /** Advances to the next token, skipping comments. */
  next(): void {
    for (;;) {
      this.scan();
      if (this.type !== T.COMMENT) return;
    }
  }

  private emit(type: number, start: number): void {
    this.type = type;
    this.start = start;
    this.end = this.pos;
  }

  private scan(): void {
    if (this.braceOpen) return this.scanInsideBraces();
    if (this.durationState) return this.scanDurationExpr();
    const input = this.input;
    // Skip spaces.
    while (this.pos < input.length && isSpace(input.charCodeAt(this.pos))) this.pos++;
    const start = this.pos;
    if (this.pos >= input.length) {
      if (this.parenDepth !== 0) this.fail('unclosed left parenthesis', start);
      if (this.bracketOpen) this.fail('unclosed left bracket', start);
      this.emit(T.EOF, start);
      return;
    }
    const c = input.charCodeAt(this.pos);
    if (c === 35 /* # */) return this.scanComment();
    this.pos++;
    switch (c) {
      case 44:
        return this.emit(T.COMMA, start);
      case 42:
        return this.emit(T.MUL, start);
      case 47:
        return this.emit(T.DIV, start);
      case 37:
        return this.emit(T.MOD, start);
      case 43:
        return this.emit(T.ADD, start);
      case 45:
        return this.emit(T.SUB, start);
      case 94:
        return this.emit(T.POW, start);
      case 61: {
        // =
        const t = this.peekChar();
        if (t === 61) {
          this.pos++;
          return this.emit(T.EQLC, start);
        }
        if (t === 126) this.fail(`unexpected character after '=': ${quoteRune(t)}`, start);
        return this.emit(T.EQL, start);
      }
      case 33: {
        // !
        const [t, w] = this.codePointAt(this.pos);
        this.pos += w;
        if (t !== 61) this.fail(`unexpected character after '!': ${quoteRune(t)}`, start);
        return this.emit(T.NEQ, start);
      }
      case 60:
        if (this.peekChar() === 61) {
          this.pos++;
          return this.emit(T.LTE, start);
        }
        return this.emit(T.LSS, start);
      case 62:
        if (this.peekChar() === 61) {
          this.pos++;
          return this.emit(T.GTE, start);
        }
        return this.emit(T.GTR, start);
      case 34:
      case 39:
        return this.scanString(c, start);
      case 96:
        return this.scanRawString(start);
      case 40:
        this.parenDepth++;
        return this.emit(T.LEFT_PAREN, start);
      case 41:
        this.emit(T.RIGHT_PAREN, start);
        this.parenDepth--;
        if (this.parenDepth < 0) this.fail(`unexpected right parenthesis ')'`, this.pos);
        return;
      case 123:
        this.braceOpen = true;
        return this.emit(T.LEFT_BRACE, start);
      case 91:
        if (this.bracketOpen) this.fail(`unexpected left bracket '['`, start);
        this.gotColon = false;
        this.emit(T.LEFT_BRACKET, start);
        while (this.pos < input.length && isSpace(input.charCodeAt(this.pos))) this.pos++;
        this.bracketOpen = true;
        this.durationState = true;
        return;
      case 93:
        if (!this.bracketOpen) this.fail(`unexpected right bracket ']'`, start);
        this.bracketOpen = false;
        return this.emit(T.RIGHT_BRACKET, start);
      case 64:
        return this.emit(T.AT, start);
    }
    if (isDigit(c) || (c === 46 && isDigit(this.peekChar()))) {
      this.pos--;
      return this.scanNumberOrDuration(start);
    }
    if (isAlpha(c) || c === 58) {
      if (!this.bracketOpen) {
        this.pos--;
        return this.scanKeywordOrIdentifier(start);
      }
      if (c === 58) {
        if (this.gotColon) this.fail(`unexpected colon ':'`, start);
        this.gotColon = true;
        return this.emit(T.COLON, start);
      }
      this.fail(`unexpected character: ${quoteRune(c)}, expected ':'`, start);
    }
    this.pos--;
    const [cp] = this.codePointAt(this.pos);
    this.fail(`unexpected character: ${quoteRune(cp)}`, start);
  }

  /** lexDurationExpr: the state directly after `[` and after operators inside brackets. */
  private scanDurationExpr(): void {
    const input = this.input;
    while (this.pos < input.length && isSpace(input.charCodeAt(this.pos))) this.pos++;
    const start = this.pos;
    if (this.pos >= input.length) this.fail('unexpected end of input in duration expression', start);
    const c = input.charCodeAt(this.pos);
    this.pos++;
    switch (c) {
      case 93:
        this.bracketOpen = false;
        this.gotColon = false;
        this.durationState = false;
        return this.emit(T.RIGHT_BRACKET, start);
      case 58:
        this.emit(T.COLON, start);
        if (!this.gotDuration) this.fail('unexpected colon before duration in duration expression', this.pos);
        if (this.gotColon) this.fail('unexpected repeated colon in duration expression', this.pos);
        this.gotColon = true;
        return;
      case 40:
        this.parenDepth++;
        return this.emit(T.LEFT_PAREN, start);
      case 41:
        this.emit(T.RIGHT_PAREN, start);
        this.parenDepth--;
        if (this.parenDepth < 0) this.fail(`unexpected right parenthesis ')'`, this.pos);
        return;
      case 43:
        return this.emit(T.ADD, start);
      case 45:
        return this.emit(T.SUB, start);
      case 42:
        return this.emit(T.MUL, start);
      case 47:
        return this.emit(T.DIV, start);
      case 37:
        return this.emit(T.MOD, start);
      case 94:
        return this.emit(T.POW, start);
      case 44:
        return this.emit(T.COMMA, start);
    }
    if (isDigit(c) || (c === 46 && isDigit(this.peekChar()))) {
      this.pos--;
      this.gotDuration = true;
      this.durationState = false;
      return this.scanNumberOrDuration(start);
    }
    this.pos--;
    const [cp] = this.codePointAt(this.pos);
    this.fail(`unexpected character in duration expression: ${quoteRune(cp)}`, start);
  }

  private scanInsideBraces(): void {
    const input = this.input;
    while (this.pos < input.length && isSpace(input.charCodeAt(this.pos))) this.pos++;
    const start = this.pos;
    if (this.pos >= input.length) this.fail('unexpected end of input inside braces', start);
    const c = input.charCodeAt(this.pos);
    if (c === 35) return this.scanComment();
    if (isAlpha(c)) {
      this.pos++;
      while (this.pos < input.length && isAlphaNumeric(input.charCodeAt(this.pos))) this.pos++;
      return this.emit(T.IDENTIFIER, start);
    }
    this.pos++;
    switch (c) {
      case 44:
        return this.emit(T.COMMA, start);
      case 34:
      case 39:
        return this.scanString(c, start);
      case 96:
        return this.scanRawString(start);
      case 61:
        if (this.peekChar() === 126) {
          this.pos++;
          return this.emit(T.EQL_REGEX, start);
        }
        return this.emit(T.EQL, start);
      case 33: {
        const [nr, w] = this.codePointAt(this.pos);
        this.pos += w;
        if (nr === 126) return this.emit(T.NEQ_REGEX, start);
        if (nr === 61) return this.emit(T.NEQ, start);
        this.fail(`unexpected character after '!' inside braces: ${quoteRune(nr)}`, start);
      }
      // falls through (unreachable: fail throws)
      case 123:
        this.fail(`unexpected left brace '{'`, start);
      // falls through
      case 125:
        this.braceOpen = false;
        return this.emit(T.RIGHT_BRACE, start);
    }
    this.pos--;
    const [cp] = this.codePointAt(this.pos);
    this.fail(`unexpected character inside braces: ${quoteRune(cp)}`, start);
  }

  private scanComment(): void {
    const start = this.pos;
    const input = this.input;
    this.pos++;
    while (this.pos < input.length) {
      const c = input.charCodeAt(this.pos);
      if (c === 10 || c === 13) break;
      this.pos++;
    }
    this.emit(T.COMMENT, start);
  }

  private scanString(quote: number, start: number): void {
    const input = this.input;
    for (;;) {
      if (this.pos >= input.length) this.fail('unterminated quoted string', start);
      const c = input.charCodeAt(this.pos++);
      if (c === 92) {
        this.scanEscape(quote, start);
        continue;
      }
      if (c === 0xfffd || (c >= 0xd800 && c <= 0xdbff && !isLowSurrogate(input.charCodeAt(this.pos)))) {
        this.fail('invalid UTF-8 rune', start);
      }
      if (c === 10) this.fail('unterminated quoted string', start);
      if (c === quote) break;
    }
    this.emit(T.STRING, start);
  }

  private scanEscape(quote: number, start: number): void {
    const input = this.input;
    if (this.pos >= input.length) this.fail('escape sequence not terminated', start);
    const [ch, w] = this.codePointAt(this.pos);
    this.pos += w;
    let n: number;
    let base: number;
    let max: number;
    switch (ch) {
      case 97: // a
      case 98:
      case 102:
      case 110:
      case 114:
      case 116:
      case 118:
      case 92:
        return;
      case 48:
      case 49:
      case 50:
      case 51:
      case 52:
      case 53:
      case 54:
      case 55:
        n = 3;
        base = 8;
        max = 255;
        this.pos--; // re-read the first digit below
        break;
      case 120: // x
        n = 2;
        base = 16;
        max = 255;
        break;
      case 117: // u
        n = 4;
        base = 16;
        max = 0x10ffff;
        break;
      case 85: // U
        n = 8;
        base = 16;
        max = 0x10ffff;
        break;
      default:
        if (ch === quote) return;
        this.fail(`unknown escape sequence ${formatUPlus(ch)}`, start);
    }
    let x = 0;
    for (; n > 0; n--) {
      if (this.pos >= input.length) this.fail('escape sequence not terminated', start);
      const [d, dw] = this.codePointAt(this.pos);
      const v = isHexDigit(d) ? parseInt(String.fromCharCode(d), 16) : 16;
      if (v >= base) this.fail(`illegal character ${formatUPlus(d)} in escape sequence`, start);
      this.pos += dw;
      x = x * base + v;
    }
    if (x > max || (x >= 0xd800 && x < 0xe000)) {
      this.fail('escape sequence is an invalid Unicode code point', start);
    }
  }

  private scanRawString(start: number): void {
    const input = this.input;
    for (;;) {
      if (this.pos >= input.length) this.fail('unterminated raw string', start);
      const c = input.charCodeAt(this.pos++);
      if (c === 0xfffd) this.fail('invalid UTF-8 rune', start);
      if (c === 96) break;
    }
    this.emit(T.STRING, start);
  }

  private scanKeywordOrIdentifier(start: number): void {
    const input = this.input;
    let hasColon = false;
    while (this.pos < input.length) {
      const c = input.charCodeAt(this.pos);
      if (isAlphaNumeric(c)) this.pos++;
      else if (c === 58) {
        hasColon = true;
        this.pos++;
      } else break;
    }
    const word = input.slice(start, this.pos);
    const kw = KEYWORDS.get(word.length <= 12 ? word.toLowerCase() : '');
    if (kw !== undefined) return this.emit(kw, start);
    this.emit(hasColon ? T.METRIC_IDENTIFIER : T.IDENTIFIER, start);
  }

  private scanNumberOrDuration(start: number): void {
    if (this.scanNumber()) return this.emit(T.NUMBER, start);
    if (this.acceptRemainingDuration()) return this.emit(T.DURATION, start);
    this.fail(`bad number or duration syntax: ${goQuoteStr(this.input.slice(start, this.pos))}`, start);
  }

  /** Consumes the next character when `pred` accepts it. */
  private acceptIf(pred: (c: number) => boolean): boolean {
    if (this.pos < this.input.length && pred(this.input.charCodeAt(this.pos))) {
      this.pos++;
      return true;
    }
    return false;
  }

  private acceptRemainingDuration(): boolean {
    if (!this.acceptIf(isDurationUnit)) return false;
    this.acceptIf(isS);
    while (this.acceptIf(isDigit)) {
      while (this.acceptIf(isDigit)) {
        /* absorb */
      }
      if (!this.acceptIf(isDurationUnitNoY)) return false;
      this.acceptIf(isS);
    }
    // The next character must not be alphanumeric (Prometheus consumes it, then backs up).
    const c = this.peekChar();
    if (c >= 0 && isAlphaNumeric(c)) {
      this.pos++;
      return false;
    }
    return true;
  }

  /** lex.go scanNumber: decimal, hex, exponent, underscores. */
  private scanNumber(): boolean {
    const input = this.input;
    const initial = this.pos;
    let digit: (c: number) => boolean = isDigit;
    if (this.acceptIf(isZero) && this.acceptIf(isX)) {
      this.acceptIf(isUnderscore);
      digit = isHexDigit;
    }
    this.acceptIf(isDot);
    this.acceptIf(digit);
    let dot = false;
    let exp = false;
    for (;;) {
      const c = this.pos < input.length ? input.charCodeAt(this.pos) : EOF_CHAR;
      if (c < 0) break;
      if (c === 46 /* . */) {
        this.pos++;
        if (dot) return false;
        dot = true;
        if (this.acceptIf(isUnderscoreOrDot)) return false;
        if (digit === isHexDigit) return false; // no fractional hex literals
        continue;
      }
      // Like Prometheus, e/E is an exponent marker even in hex literals (0x1e5 still lexes whole).
      if (c === 101 || c === 69) {
        this.pos++;
        if (exp) return false;
        exp = true;
        this.acceptIf(isSign);
        if (this.acceptIf(isExponentAnti) || this.pos >= input.length) return false;
        continue;
      }
      if (c === 95 /* _ */) {
        this.pos++;
        if (this.acceptIf(isExponentAnti) || this.pos >= input.length) return false;
        continue;
      }
      if (!digit(c)) break;
      while (this.acceptIf(digit)) {
        /* absorb */
      }
    }
    if (this.pos === initial) return false;
    const c = this.peekChar();
    return !(c >= 0 && isAlphaNumeric(c));
  }
}

const isZero = (c: number): boolean => c === 48;
const isX = (c: number): boolean => c === 120 || c === 88;
const isDot = (c: number): boolean => c === 46;
const isUnderscore = (c: number): boolean => c === 95;
const isUnderscoreOrDot = (c: number): boolean => c === 95 || c === 46;
const isSign = (c: number): boolean => c === 43 || c === 45;
const isS = (c: number): boolean => c === 115;
/** `._eE`: characters that may not follow an exponent marker or an underscore. */
const isExponentAnti = (c: number): boolean => c === 46 || c === 95 || c === 101 || c === 69;
/** s m h d w y */
const isDurationUnit = (c: number): boolean =>
  c === 115 || c === 109 || c === 104 || c === 100 || c === 119 || c === 121;
const isDurationUnitNoY = (c: number): boolean => c !== 121 && isDurationUnit(c);

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Go's strconv.Quote for ASCII-ish text (used in lexer messages). */
function goQuoteStr(s: string): string {
  return JSON.stringify(s);
}
