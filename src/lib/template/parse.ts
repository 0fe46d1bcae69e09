/**
 * Lexer and parser for Go's text/template language: text and `{{actions}}` with trim markers,
 * comments, pipelines, variables (declare and assign), if/else if/else, range (with else, break,
 * continue), with/else with, define, template, block, parenthesized pipelines and field chains.
 * Errors use Go's wording: `template: NAME:LINE: message`.
 */

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

type TokType =
  | 'text'
  | 'left'
  | 'right'
  | 'space'
  | 'ident'
  | 'field'
  | 'var'
  | 'string'
  | 'rawstring'
  | 'char'
  | 'number'
  | 'bool'
  | 'nil'
  | 'dot'
  | 'pipe'
  | 'lparen'
  | 'rparen'
  | 'declare'
  | 'assign'
  | 'comma'
  | 'keyword'
  | 'comment'
  | 'punct'
  | 'error'
  | 'eof';

interface Token {
  type: TokType;
  val: string;
  pos: number;
  line: number;
}

const KEYWORDS = new Set([
  'block',
  'break',
  'continue',
  'define',
  'else',
  'end',
  'if',
  'range',
  'nil',
  'template',
  'with',
]);

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}
function isAlnum(c: string | undefined): boolean {
  return c !== undefined && (c === '_' || /[\p{L}\p{Nd}]/u.test(c));
}

function lex(name: string, input: string): Token[] {
  const toks: Token[] = [];
  try {
    lexInto(name, input, toks);
  } catch (e) {
    // Like Go's lexer, an error is an item the parser meets after the items before it.
    if (!(e instanceof TemplateError)) throw e;
    toks.push({ type: 'error', val: e.message, pos: input.length, line: 0 });
  }
  return toks;
}

function lexInto(name: string, input: string, toks: Token[]): void {
  let pos = 0;
  let line = 1;
  const err = (msg: string, atLine = line): never => {
    throw new TemplateError(`template: ${name}:${atLine}: ${msg}`);
  };
  const countLines = (s: string) => {
    for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) line++;
  };
  while (pos < input.length) {
    let next = input.indexOf('{{', pos);
    if (next < 0) next = input.length;
    let text = input.slice(pos, next);
    const trimLeft = next < input.length && input[next + 2] === '-' && isSpace(input[next + 3]);
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
    if (text) toks.push({ type: 'text', val: text, pos, line });
    countLines(input.slice(pos, next));
    if (next >= input.length) {
      pos = next;
      break;
    }
    pos = next + 2 + (trimLeft ? 2 : 0);
    const actionLine = line;
    // comment
    if (input.startsWith('/*', pos)) {
      const end = input.indexOf('*/', pos);
      if (end < 0) err('unclosed comment');
      countLines(input.slice(pos, end));
      pos = end + 2;
      let trimRight = false;
      if (input.startsWith(' -}}', pos) || input.startsWith('\t-}}', pos) || input.startsWith('\n-}}', pos)) {
        trimRight = true;
        pos += 4;
      } else if (input.startsWith('}}', pos)) pos += 2;
      else err('comment ends before closing delimiter');
      if (trimRight) {
        const m = /^[ \t\r\n]*/.exec(input.slice(pos))![0];
        countLines(m);
        pos += m.length;
      }
      continue;
    }
    toks.push({ type: 'left', val: '{{', pos: next, line: actionLine });
    let parenDepth = 0;
    // inside action
    for (;;) {
      if (pos >= input.length) err('unclosed action', actionLine);
      // right delimiter (with optional trim)
      if (isSpace(input[pos]) && input.startsWith('-}}', pos + 1)) {
        countLines(input[pos]!);
        toks.push({ type: 'right', val: '}}', pos, line });
        pos += 4;
        const m = /^[ \t\r\n]*/.exec(input.slice(pos))![0];
        countLines(m);
        pos += m.length;
        break;
      }
      if (input.startsWith('}}', pos)) {
        if (parenDepth > 0) err('unclosed left paren');
        toks.push({ type: 'right', val: '}}', pos, line });
        pos += 2;
        break;
      }
      const c = input[pos]!;
      const start = pos;
      if (isSpace(c)) {
        while (pos < input.length && isSpace(input[pos]) && !input.startsWith('-}}', pos + 1)) {
          if (input[pos] === '\n') line++;
          pos++;
        }
        toks.push({ type: 'space', val: ' ', pos: start, line });
        continue;
      }
      if (c === '=') {
        toks.push({ type: 'assign', val: '=', pos, line });
        pos++;
        continue;
      }
      if (c === ':') {
        if (input[pos + 1] !== '=') err('expected :=');
        toks.push({ type: 'declare', val: ':=', pos, line });
        pos += 2;
        continue;
      }
      if (c === '|') {
        toks.push({ type: 'pipe', val: '|', pos, line });
        pos++;
        continue;
      }
      if (c === ',') {
        toks.push({ type: 'comma', val: ',', pos, line });
        pos++;
        continue;
      }
      if (c === '(') {
        parenDepth++;
        toks.push({ type: 'lparen', val: '(', pos, line });
        pos++;
        continue;
      }
      if (c === ')') {
        parenDepth--;
        if (parenDepth < 0) err(`unexpected right paren`);
        toks.push({ type: 'rparen', val: ')', pos, line });
        pos++;
        continue;
      }
      if (c === '"') {
        pos++;
        while (pos < input.length && input[pos] !== '"') {
          if (input[pos] === '\\') pos++;
          if (input[pos] === '\n' || pos >= input.length) err('unterminated quoted string');
          pos++;
        }
        if (pos >= input.length) err('unterminated quoted string');
        pos++;
        toks.push({ type: 'string', val: input.slice(start, pos), pos: start, line });
        continue;
      }
      if (c === '`') {
        const end = input.indexOf('`', pos + 1);
        if (end < 0) err('unterminated raw quoted string');
        toks.push({ type: 'rawstring', val: input.slice(start, end + 1), pos: start, line });
        countLines(input.slice(start, end));
        pos = end + 1;
        continue;
      }
      if (c === "'") {
        pos++;
        while (pos < input.length && input[pos] !== "'") {
          if (input[pos] === '\\') pos++;
          pos++;
        }
        if (pos >= input.length) err('unterminated character constant');
        pos++;
        toks.push({ type: 'char', val: input.slice(start, pos), pos: start, line });
        continue;
      }
      if (c === '$') {
        pos++;
        while (isAlnum(input[pos])) pos++;
        toks.push({ type: 'var', val: input.slice(start, pos), pos: start, line });
        continue;
      }
      if (c === '.') {
        if (input[pos + 1] !== undefined && /[0-9]/.test(input[pos + 1]!)) {
          // number like .5
        } else {
          pos++;
          if (isAlnum(input[pos])) {
            while (isAlnum(input[pos])) pos++;
            toks.push({ type: 'field', val: input.slice(start, pos), pos: start, line });
          } else {
            toks.push({ type: 'dot', val: '.', pos: start, line });
          }
          continue;
        }
      }
      if (/[0-9+\-.]/.test(c)) {
        const m =
          /^[+-]?(0[xX][0-9a-fA-F_]+(\.[0-9a-fA-F_]*)?([pP][+-]?[0-9_]+)?|0[bB][01_]+|0[oO][0-7_]+|[0-9_]*\.?[0-9_]*([eE][+-]?[0-9_]+)?)i?/.exec(
            input.slice(pos),
          );
        const s = m ? m[0] : '';
        if (!s || s === '+' || s === '-' || isAlnum(input[pos + s.length])) {
          err(
            `bad number syntax: "${input.slice(pos, pos + Math.max(s.length, 1) + (isAlnum(input[pos + s.length]) ? 1 : 0))}"`,
          );
        }
        toks.push({ type: 'number', val: s, pos: start, line });
        pos += s.length;
        continue;
      }
      if (isAlnum(c)) {
        while (isAlnum(input[pos])) pos++;
        const word = input.slice(start, pos);
        let type: TokType = 'ident';
        if (KEYWORDS.has(word)) type = word === 'nil' ? 'nil' : 'keyword';
        else if (word === 'true' || word === 'false') type = 'bool';
        toks.push({ type, val: word, pos: start, line });
        continue;
      }
      if (c >= ' ' && c <= '~') {
        // Go's lexer emits other printable ASCII as a char item; the parser rejects it in context.
        toks.push({ type: 'punct', val: c, pos, line });
        pos++;
        continue;
      }
      err(`unrecognized character in action: U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);
    }
  }
  toks.push({ type: 'eof', val: '', pos: input.length, line });
}

// ---------------------------------------------------------------------------------------------
// AST

export interface Pos {
  pos: number;
  line: number;
}

export type Node =
  | ({ type: 'text'; text: string } & Pos)
  | ({ type: 'action'; pipe: Pipe } & Pos)
  | ControlNode
  | ({ type: 'template'; name: string; pipe: Pipe | null } & Pos)
  | ({ type: 'break' | 'continue' } & Pos);

export interface ControlNode extends Pos {
  type: 'if' | 'range' | 'with';
  pipe: Pipe;
  list: Node[];
  elseList: Node[] | null;
}

export interface Pipe extends Pos {
  decl: string[];
  isAssign: boolean;
  cmds: Command[];
}

export interface Command extends Pos {
  args: Arg[];
}

export type Arg =
  | ({ type: 'field'; chain: string[] } & Pos)
  | ({ type: 'dot' } & Pos)
  | ({ type: 'var'; name: string; chain: string[] } & Pos)
  | ({ type: 'ident'; name: string } & Pos)
  | ({ type: 'string'; value: string; raw: string } & Pos)
  | ({ type: 'number'; value: number | bigint; raw: string } & Pos)
  | ({ type: 'bool'; value: boolean } & Pos)
  | ({ type: 'nil' } & Pos)
  | ({ type: 'pipe'; pipe: Pipe; chain: string[] } & Pos);

/** Go source text of an argument, as used in error contexts (`<.Labels.foo>`). */
export function argString(a: Arg): string {
  switch (a.type) {
    case 'field':
      return '.' + a.chain.join('.');
    case 'dot':
      return '.';
    case 'var':
      return [a.name, ...a.chain].join('.');
    case 'ident':
      return a.name;
    case 'string':
    case 'number':
      return a.raw;
    case 'bool':
      return String(a.value);
    case 'nil':
      return 'nil';
    case 'pipe':
      return '(' + pipeString(a.pipe) + ')' + a.chain.map((c) => '.' + c).join('');
  }
}

export function pipeString(p: Pipe): string {
  let s = '';
  if (p.decl.length) s = p.decl.join(', ') + (p.isAssign ? ' = ' : ' := ');
  return s + p.cmds.map((c) => c.args.map(argString).join(' ')).join(' | ');
}

/** Unquotes a Go interpreted string literal. */
export function goUnquote(q: string): string {
  const s = q.slice(1, -1);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = s[++i];
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
        out += '"';
        break;
      case "'":
        out += "'";
        break;
      case 'x':
        out += String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16));
        i += 2;
        break;
      case 'u':
        out += String.fromCodePoint(parseInt(s.slice(i + 1, i + 5), 16));
        i += 4;
        break;
      case 'U':
        out += String.fromCodePoint(parseInt(s.slice(i + 1, i + 9), 16));
        i += 8;
        break;
      default:
        if (e !== undefined && e >= '0' && e <= '7') {
          out += String.fromCharCode(parseInt(s.slice(i, i + 3), 8));
          i += 2;
        } else throw new Error('invalid syntax');
    }
  }
  return out;
}

function parseNumber(raw: string): number | bigint {
  const s = raw.replace(/_/g, '');
  if (s.startsWith("'")) return BigInt(goUnquote('"' + s.slice(1, -1) + '"').codePointAt(0)!);
  const isHex = /^[+-]?0[xX]/.test(s);
  if (!isHex && /[.eEpP]/.test(s)) return Number(s);
  if (isHex && /[.pP]/.test(s)) return Number(s); // hex floats are rare; approximate
  const neg = s.startsWith('-');
  const body = s.replace(/^[+-]/, '');
  let v: bigint;
  if (/^0[bB]/.test(body)) v = BigInt(body);
  else if (/^0[oO]/.test(body)) v = BigInt('0o' + body.slice(2));
  else if (/^0[xX]/.test(body)) v = BigInt(body);
  else if (/^0[0-7]+$/.test(body)) v = BigInt('0o' + body.slice(1));
  else v = BigInt(body);
  return neg ? -v : v;
}

export interface ParsedTemplates {
  /** Templates by name; the main one has the name given to parse. */
  trees: Map<string, Node[]>;
}

export interface ParseOptions {
  /** Names of functions callable from the template (others are a parse error). */
  funcs: ReadonlySet<string>;
  /** Variables predeclared by the caller (besides `$`). */
  vars?: readonly string[];
}

class Parser {
  private i = 0;
  private vars: string[] = ['$'];
  readonly trees = new Map<string, Node[]>();

  constructor(
    private name: string,
    private toks: Token[],
    private opts: ParseOptions,
  ) {
    if (opts.vars) this.vars.push(...opts.vars);
  }

  private err(msg: string, tok: Token = this.toks[Math.min(this.i, this.toks.length - 1)]!): never {
    throw new TemplateError(`template: ${this.name}:${tok.line}: ${msg}`);
  }

  private peek(): Token {
    const t = this.toks[this.i]!;
    if (t.type === 'error') throw new TemplateError(t.val);
    return t;
  }
  private next(): Token {
    const t = this.peek();
    this.i++;
    return t;
  }
  private peekNonSpace(): Token {
    while (this.toks[this.i]!.type === 'space') this.i++;
    return this.peek();
  }
  private nextNonSpace(): Token {
    this.peekNonSpace();
    return this.next();
  }

  parseAll(): void {
    const root: Node[] = [];
    for (;;) {
      const t = this.peek();
      if (t.type === 'eof') break;
      if (t.type === 'left') {
        // define?
        const save = this.i;
        this.next();
        const k = this.peekNonSpace();
        if (k.type === 'keyword' && k.val === 'define') {
          this.next();
          this.parseDefine();
          continue;
        }
        this.i = save;
      }
      const [n, end] = this.textOrAction();
      if (end) this.err(`unexpected ${end.val === 'end' ? '{{end}}' : `{{${end.val}}}`}`, end);
      if (n) root.push(n);
    }
    const existing = this.trees.get(this.name);
    if (!existing || root.some((n) => n.type !== 'text' || n.text.trim() !== '')) this.trees.set(this.name, root);
  }

  private parseDefine(): void {
    const nameTok = this.nextNonSpace();
    if (nameTok.type !== 'string' && nameTok.type !== 'rawstring')
      this.err('unexpected ' + describe(nameTok) + ' in define clause', nameTok);
    const name = nameTok.type === 'string' ? goUnquote(nameTok.val) : nameTok.val.slice(1, -1);
    const r = this.nextNonSpace();
    if (r.type !== 'right') this.err(`unexpected ${describe(r)} in define clause`, r);
    const saveVars = this.vars;
    this.vars = ['$'];
    const [list, end] = this.itemList('define');
    this.vars = saveVars;
    if (end.val !== 'end') this.err(`unexpected {{${end.val}}}`, end);
    if (this.trees.has(name) && this.trees.get(name)!.length > 0 && list.length > 0) {
      this.err(`template: multiple definition of template "${name}"`, nameTok);
    }
    this.trees.set(name, list);
  }

  /** Parses nodes until {{end}} or {{else}}; returns the terminating keyword token. */
  private itemList(context: string): [Node[], Token] {
    const list: Node[] = [];
    for (;;) {
      if (this.peek().type === 'eof') this.err(`unexpected EOF`);
      const [n, end] = this.textOrAction(context);
      if (end) return [list, end];
      if (n) list.push(n);
    }
  }

  /** Returns a node, or the end/else keyword token that terminated a list. */
  private textOrAction(context?: string): [Node | null, Token | null] {
    const t = this.next();
    if (t.type === 'text') return [{ type: 'text', text: t.val, pos: t.pos, line: t.line }, null];
    if (t.type !== 'left') this.err(`unexpected ${describe(t)}`, t);
    const k = this.peekNonSpace();
    if (k.type === 'keyword') {
      switch (k.val) {
        case 'end': {
          this.next();
          this.expectRight('end');
          return [null, k];
        }
        case 'else': {
          if (!context || context === 'define') this.err('unexpected {{else}}', k);
          this.next();
          // else if / else with chains: leave the keyword for the caller
          const after = this.peekNonSpace();
          if (after.type === 'keyword' && (after.val === 'if' || after.val === 'with')) {
            return [null, { ...k, val: 'else ' + after.val }];
          }
          this.expectRight('else');
          return [null, k];
        }
        case 'if':
        case 'range':
        case 'with':
          this.next();
          return [this.control(k.val, k), null];
        case 'template':
        case 'block':
          this.next();
          return [this.templateCall(k), null];
        case 'break':
        case 'continue':
          this.next();
          if (!this.inRange) this.err(`{{${k.val}}} outside {{range}}`, k);
          this.expectRight(k.val);
          return [{ type: k.val, pos: k.pos, line: k.line }, null];
        case 'define':
          this.err('unexpected define', k);
      }
    }
    const pipe = this.pipeline('command', 'right');
    return [{ type: 'action', pipe, pos: t.pos, line: t.line }, null];
  }

  private inRange = 0;

  private expectRight(context: string): void {
    const r = this.nextNonSpace();
    if (r.type !== 'right') this.err(`unexpected ${describe(r)} in ${context}`, r);
  }

  private control(kind: 'if' | 'range' | 'with', k: Token): Node {
    const varsLen = this.vars.length;
    const pipe = this.pipeline(kind, 'right');
    if (kind === 'range') this.inRange++;
    const [list, end0] = this.itemList(kind);
    let end = end0;
    if (kind === 'range') this.inRange--;
    let elseList: Node[] | null = null;
    if (end.val === 'else if' || end.val === 'else with') {
      const innerKind = end.val === 'else if' ? 'if' : 'with';
      if (innerKind !== kind) this.err(`unexpected {{${end.val}}}`, end);
      // The chained clause consumes the shared {{end}}.
      this.next(); // the if/with keyword
      const inner = this.control(innerKind, end);
      elseList = [inner];
      end = { ...end, val: 'end' };
    } else if (end.val === 'else') {
      [elseList, end] = this.itemList(kind);
      if (end.val !== 'end') this.err(`expected end; found {{${end.val}}}`, end);
    }
    if (end.val !== 'end') this.err(`unexpected {{${end.val}}}`, end);
    this.vars.length = varsLen;
    return { type: kind, pipe, list, elseList, pos: k.pos, line: k.line };
  }

  private templateCall(k: Token): Node {
    const nameTok = this.nextNonSpace();
    if (nameTok.type !== 'string' && nameTok.type !== 'rawstring') {
      this.err(`unexpected ${describe(nameTok)} in ${k.val} clause`, nameTok);
    }
    const name = nameTok.type === 'string' ? goUnquote(nameTok.val) : nameTok.val.slice(1, -1);
    let pipe: Pipe | null = null;
    if (this.peekNonSpace().type !== 'right') pipe = this.pipeline(k.val, 'right');
    else this.next();
    // Go positions a template call at its name.
    const at = { pos: nameTok.pos, line: nameTok.line };
    if (k.val === 'block') {
      const saveVars = this.vars;
      this.vars = ['$'];
      const [list, end] = this.itemList('block');
      this.vars = saveVars;
      if (end.val !== 'end') this.err(`unexpected {{${end.val}}}`, end);
      this.trees.set(name, list);
    }
    return { type: 'template', name, pipe, ...at };
  }

  private pipeline(context: string, endType: 'right' | 'rparen'): Pipe {
    const first = this.peekNonSpace();
    const pipe: Pipe = { decl: [], isAssign: false, cmds: [], pos: first.pos, line: first.line };
    // declarations
    if (first.type === 'var') {
      const save = this.i;
      this.next();
      const n = this.peekNonSpace();
      if (n.type === 'declare' || n.type === 'assign') {
        this.next();
        pipe.decl.push(first.val);
        pipe.isAssign = n.type === 'assign';
        if (n.type === 'declare') this.vars.push(first.val);
        else if (!this.vars.includes(first.val)) this.err(`undefined variable "${first.val}"`, first);
      } else if (n.type === 'comma' && context === 'range') {
        this.next();
        const v2 = this.nextNonSpace();
        if (v2.type !== 'var') this.err(`range can only initialize variables`, v2);
        const d = this.nextNonSpace();
        if (d.type !== 'declare' && d.type !== 'assign') this.err(`expected := or = after variables`, d);
        pipe.decl.push(first.val, v2.val);
        pipe.isAssign = d.type === 'assign';
        if (d.type === 'declare') this.vars.push(first.val, v2.val);
      } else {
        this.i = save;
      }
    }
    for (;;) {
      const t = this.peekNonSpace();
      if (t.type === endType) {
        this.next();
        if (pipe.cmds.length === 0) this.err(`missing value for ${context}`, t);
        for (let i = 1; i < pipe.cmds.length; i++) {
          const a0 = pipe.cmds[i]!.args[0]!;
          if (
            a0.type !== 'ident' &&
            a0.type !== 'field' &&
            !(a0.type === 'var' && a0.chain.length > 0) &&
            a0.type !== 'pipe'
          ) {
            this.err(`non executable command in pipeline stage ${i + 1}`, t);
          }
        }
        return pipe;
      }
      if (t.type === 'right' || t.type === 'rparen' || t.type === 'eof')
        this.err(`unexpected ${describe(t)} in ${context}`, t);
      pipe.cmds.push(this.command(endType));
    }
  }

  private command(endType: 'right' | 'rparen'): Command {
    const first = this.peekNonSpace();
    const cmd: Command = { args: [], pos: first.pos, line: first.line };
    for (;;) {
      this.peekNonSpace();
      const t = this.peek();
      if (t.type === endType || t.type === 'right' || t.type === 'rparen') break;
      if (t.type === 'pipe') {
        this.next();
        break;
      }
      const operand = this.operand();
      if (!operand) this.err(`unexpected ${describe(this.peek())} in operand`, this.peek());
      cmd.args.push(operand);
      const after = this.peek();
      if (
        after.type !== 'space' &&
        after.type !== endType &&
        after.type !== 'pipe' &&
        after.type !== 'right' &&
        after.type !== 'rparen'
      ) {
        this.err(`unexpected ${describe(after)} in operand`, after);
      }
    }
    if (cmd.args.length === 0) this.err('empty command', first);
    return cmd;
  }

  private operand(): Arg | null {
    const t = this.next();
    let arg: Arg;
    const p: Pos = { pos: t.pos, line: t.line };
    switch (t.type) {
      case 'ident':
        if (!this.opts.funcs.has(t.val)) this.err(`function "${t.val}" not defined`, t);
        arg = { type: 'ident', name: t.val, ...p };
        break;
      case 'dot':
        arg = { type: 'dot', ...p };
        break;
      case 'nil':
        arg = { type: 'nil', ...p };
        break;
      case 'var':
        if (!this.vars.includes(t.val)) this.err(`undefined variable "${t.val}"`, t);
        arg = { type: 'var', name: t.val, chain: [], ...p };
        break;
      case 'field':
        arg = { type: 'field', chain: [t.val.slice(1)], ...p };
        break;
      case 'bool':
        arg = { type: 'bool', value: t.val === 'true', ...p };
        break;
      case 'char':
      case 'number': {
        let value: number | bigint;
        try {
          value = parseNumber(t.val);
        } catch {
          this.err(`illegal number syntax: "${t.val}"`, t);
        }
        arg = { type: 'number', value, raw: t.val, ...p };
        break;
      }
      case 'string': {
        let value: string;
        try {
          value = goUnquote(t.val);
        } catch {
          this.err(`invalid syntax`, t);
        }
        arg = { type: 'string', value, raw: t.val, ...p };
        break;
      }
      case 'rawstring':
        arg = { type: 'string', value: t.val.slice(1, -1), raw: t.val, ...p };
        break;
      case 'lparen': {
        const pipe = this.pipeline('parenthesized pipeline', 'rparen');
        arg = { type: 'pipe', pipe, chain: [], ...p };
        break;
      }
      default:
        this.i--;
        return null;
    }
    // field chain: .a.b after a var or a parenthesized pipeline or a field
    let chained = false;
    while (this.peek().type === 'field') {
      const f = this.next();
      // Go positions a chained term at its first chained field (`$x.a.b` at `.a`, `.a.b` at `.b`).
      if (!chained && (arg.type === 'field' || arg.type === 'var' || arg.type === 'pipe')) {
        arg.pos = f.pos;
        arg.line = f.line;
      }
      chained = true;
      if (arg.type === 'field' || arg.type === 'var' || arg.type === 'pipe') arg.chain.push(f.val.slice(1));
      else if (arg.type === 'dot') arg = { type: 'field', chain: [f.val.slice(1)], ...p };
      else this.err(`unexpected . after term "${argString(arg)}"`, f);
    }
    return arg;
  }
}

function describe(t: Token): string {
  switch (t.type) {
    case 'eof':
      return 'EOF';
    case 'right':
      return '"}}"';
    case 'rparen':
      return '")"';
    default:
      return `"${t.val}"`;
  }
}

/** Parses template text; returns the named trees (the main one and any {{define}}d ones). */
export function parseTemplate(name: string, text: string, opts: ParseOptions): Map<string, Node[]> {
  const p = new Parser(name, lex(name, text), opts);
  p.parseAll();
  return p.trees;
}
