/**
 * Executes parsed Go templates over template values (value.ts) with Go's builtin functions (and, or,
 * not, len, index, slice, print, printf, println, eq, ne, lt, le, gt, ge, html, js, urlquery, call)
 * plus the caller's functions. Errors read like Go's:
 * `template: NAME:LINE:COL: executing "NAME" at <ARG>: error calling FN: MSG`.
 */
import { formatV, sprint, sprintf, sprintln } from './gofmt.js';
import type { Arg, ControlNode, Node, Pipe } from './parse.js';
import { argString, parseTemplate, pipeString, TemplateError } from './parse.js';
import { isGoMap, mapEntries, mapGet, mapZero, truth } from './value.js';

/** A template function. Throw an Error to fail the execution (Go's second `error` result). */
export type TemplateFunc = (...args: unknown[]) => unknown;
export type FuncMap = Record<string, TemplateFunc>;

/** Lazily evaluated arguments for `and`/`or` (short-circuit like Go ≥ 1.18). */
const LAZY = new Set(['and', 'or']);

class BreakSignal {}
class ContinueSignal {}

class CallError extends Error {}

/**
 * Thrown by a function for an argument of the wrong type: like Go's reflection check, the error is
 * reported at the argument, without "error calling".
 */
export class ArgTypeError extends Error {
  constructor(
    /** Index of the offending argument (the piped final value is the last). */
    readonly index: number,
    message: string,
  ) {
    super(message);
  }
}

export interface TemplateOptions {
  /** Go's missingkey option: "default" prints `<no value>`, "zero" the element's zero value, "error" fails. */
  missingKey?: 'default' | 'zero' | 'error';
}

function goKind(v: unknown): 'bool' | 'int' | 'float' | 'string' | 'nil' | 'other' {
  if (v === null || v === undefined) return 'nil';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'string';
  }
  return 'other';
}

function goTypeOf(v: unknown): string {
  switch (goKind(v)) {
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
    case 'nil':
      return '<nil>';
  }
  if (Array.isArray(v)) return '[]interface {}';
  if (isGoMap(v)) return 'map[string]interface {}';
  return (v as object).constructor?.name ?? 'interface {}';
}

function eqOne(a: unknown, b: unknown): boolean {
  const ka = goKind(a);
  const kb = goKind(b);
  if (ka === 'other' || kb === 'other') {
    if (ka === 'nil' || kb === 'nil') return a == null && b == null;
    throw new CallError('non-comparable type ' + goTypeOf(ka === 'other' ? a : b));
  }
  if (ka !== kb) {
    if (ka === 'nil' || kb === 'nil') return false;
    throw new CallError('incompatible types for comparison');
  }
  return a === b;
}

function ltOne(a: unknown, b: unknown): boolean {
  const ka = goKind(a);
  const kb = goKind(b);
  if (ka === 'bool' || ka === 'nil' || ka === 'other' || kb === 'bool' || kb === 'nil' || kb === 'other') {
    throw new CallError('invalid type for comparison');
  }
  if (ka !== kb) throw new CallError('incompatible types for comparison');
  return (a as number) < (b as number);
}

function toIndex(v: unknown): number {
  if (typeof v === 'bigint') return Number(v);
  throw new CallError(`cannot index slice/array with type ${goTypeOf(v)}`);
}

const HTML_ESC: Record<string, string> = {
  '"': '&#34;',
  "'": '&#39;',
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '\0': '\uFFFD',
};

export function htmlEscape(s: string): string {
  return s.replace(/["'&<>\0]/g, (c) => HTML_ESC[c]!);
}

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '\\':
        out += '\\\\';
        break;
      case "'":
        out += "\\'";
        break;
      case '"':
        out += '\\"';
        break;
      case '<':
        out += '\\u003C';
        break;
      case '>':
        out += '\\u003E';
        break;
      case '&':
        out += '\\u0026';
        break;
      case '=':
        out += '\\u003D';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      default:
        out += c < 0x20 ? '\\u' + c.toString(16).toUpperCase().padStart(4, '0') : ch;
    }
  }
  return out;
}

/** Go's url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function evalArgsText(args: unknown[]): string {
  return args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args);
}

const BUILTINS: FuncMap = {
  // and/or are evaluated lazily in evalFunction; these entries only declare them.
  and: () => null,
  or: () => null,
  not: (a) => !truth(a),
  len: (a) => {
    if (typeof a === 'string') return BigInt(Buffer.byteLength(a, 'utf8'));
    if (Array.isArray(a)) return BigInt(a.length);
    if (a instanceof Map) return BigInt(a.size);
    if (isGoMap(a)) return BigInt(Object.keys(a).length);
    throw new CallError(`len of type ${goTypeOf(a)}`);
  },
  index: (item, ...idx) => {
    let v = item;
    for (const i of idx) {
      if (v == null) throw new CallError('index of untyped nil');
      if (Array.isArray(v) || typeof v === 'string') {
        const n = toIndex(i);
        const len = typeof v === 'string' ? Buffer.byteLength(v) : v.length;
        if (n < 0 || n >= len) throw new CallError(`index out of range: ${n}`);
        v = typeof v === 'string' ? BigInt(Buffer.from(v, 'utf8')[n]!) : v[n];
      } else if (isGoMap(v)) {
        if (!(v instanceof Map) && typeof i !== 'string') {
          throw new CallError(`value has type ${goTypeOf(i)}; should be string`);
        }
        const r = mapGet(v, i);
        v = r.found ? r.value : mapZero(v);
      } else throw new CallError(`can't index item of type ${goTypeOf(v)}`);
    }
    return v;
  },
  slice: (item, ...idx) => {
    if (typeof item !== 'string' && !Array.isArray(item))
      throw new CallError(`can't slice item of type ${goTypeOf(item)}`);
    if (idx.length > 3) throw new CallError(`too many slice indexes: ${idx.length}`);
    const len = typeof item === 'string' ? Buffer.byteLength(item) : item.length;
    const ix = idx.map(toIndex);
    const lo = ix[0] ?? 0;
    const hi = ix[1] ?? len;
    if (lo < 0 || lo > len) throw new CallError(`index out of range: ${lo}`);
    if (hi < 0 || hi > len) throw new CallError(`index out of range: ${hi}`);
    if (lo > hi) throw new CallError(`invalid slice index: ${lo} > ${hi}`);
    if (typeof item === 'string') return Buffer.from(item, 'utf8').subarray(lo, hi).toString('utf8');
    return item.slice(lo, hi);
  },
  print: (...a) => sprint(a),
  printf: (f, ...a) => {
    if (typeof f !== 'string') throw new CallError(`wrong type for value; expected string; got ${goTypeOf(f)}`);
    return sprintf(f, a);
  },
  println: (...a) => sprintln(a),
  eq: (a, ...rest) => {
    if (rest.length === 0) throw new CallError('missing argument for comparison');
    return rest.some((b) => eqOne(a, b));
  },
  ne: (a, b) => !eqOne(a, b),
  lt: (a, b) => ltOne(a, b),
  le: (a, b) => ltOne(a, b) || eqOne(a, b),
  gt: (a, b) => !ltOne(a, b) && !eqOne(a, b),
  ge: (a, b) => !ltOne(a, b),
  html: (...a) => htmlEscape(evalArgsText(a)),
  js: (...a) => jsEscape(evalArgsText(a)),
  urlquery: (...a) => queryEscape(evalArgsText(a)),
  call: (fn, ...a) => {
    if (typeof fn !== 'function') throw new CallError(`non-function of type ${goTypeOf(fn)}`);
    return (fn as TemplateFunc)(...a);
  },
};
const BUILTIN_NAMES = Object.keys(BUILTINS);

interface Frame {
  name: string;
  value: unknown;
}

class ExecState {
  vars: Frame[] = [];
  out: string[] = [];
  depth = 0;
  constructor(
    readonly tmpl: Template,
    readonly treeName: string,
  ) {}
}

/** A parsed template set: the main template and its {{define}}d templates. */
export class Template {
  private constructor(
    readonly name: string,
    private readonly text: string,
    private readonly trees: Map<string, Node[]>,
    private readonly funcs: FuncMap,
    private readonly missingKey: 'default' | 'zero' | 'error',
  ) {}

  /** Parses `text`; throws TemplateError with Go's message on syntax errors or unknown functions. */
  static parse(name: string, text: string, funcs: FuncMap = {}, opts: TemplateOptions = {}): Template {
    const names = new Set([...BUILTIN_NAMES, ...Object.keys(funcs)]);
    const trees = parseTemplate(name, text, { funcs: names });
    return new Template(name, text, trees, { ...BUILTINS, ...funcs }, opts.missingKey ?? 'default');
  }

  /** Names of the templates in this set. */
  templates(): string[] {
    return [...this.trees.keys()];
  }

  /** Executes the main template with `data` as dot; throws TemplateError on failure. */
  execute(data: unknown): string {
    return this.executeTemplate(this.name, data);
  }

  executeTemplate(name: string, data: unknown): string {
    const tree = this.trees.get(name);
    if (!tree) {
      throw new TemplateError(
        `template: no template ${JSON.stringify(name)} associated with template ${JSON.stringify(this.name)}`,
      );
    }
    const st = new ExecState(this, name);
    st.vars.push({ name: '$', value: data });
    this.walkList(st, data, tree);
    return st.out.join('');
  }

  private errorAt(st: ExecState, pos: number, ctx: string, msg: string): TemplateError {
    const before = this.text.slice(0, pos);
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    const nl = before.lastIndexOf('\n');
    const col = nl < 0 ? pos : pos - (nl + 1);
    let c = ctx;
    if (c.length > 20) c = c.slice(0, 20) + '...';
    return new TemplateError(
      `template: ${this.name}:${line}:${col}: executing ${JSON.stringify(st.treeName)} at <${c}>: ${msg}`,
    );
  }

  private walkList(st: ExecState, dot: unknown, list: Node[]): void {
    for (const n of list) this.walk(st, dot, n);
  }

  private walk(st: ExecState, dot: unknown, n: Node): void {
    switch (n.type) {
      case 'text':
        st.out.push(n.text);
        return;
      case 'action': {
        const v = this.evalPipeline(st, dot, n.pipe);
        if (n.pipe.decl.length === 0) st.out.push(this.printValue(st, n.pipe, v));
        return;
      }
      case 'if':
      case 'with': {
        const mark = st.vars.length;
        const v = this.evalPipeline(st, dot, n.pipe);
        if (truth(v)) this.walkList(st, n.type === 'with' ? v : dot, n.list);
        else if (n.elseList) this.walkList(st, dot, n.elseList);
        st.vars.length = mark;
        return;
      }
      case 'range':
        this.walkRange(st, dot, n);
        return;
      case 'template': {
        const tree = this.trees.get(n.name);
        if (!tree) {
          const call = `{{template ${JSON.stringify(n.name)}${n.pipe ? ' ' + pipeString(n.pipe) : ''}}}`;
          throw this.errorAt(st, n.pos, call, `template ${JSON.stringify(n.name)} not defined`);
        }
        const v = n.pipe ? this.evalPipeline(st, dot, n.pipe) : null;
        if (++st.depth > 10000) throw this.errorAt(st, n.pos, `template`, 'exceeded maximum template depth (10000)');
        const inner = new ExecState(this, n.name);
        inner.depth = st.depth;
        inner.vars.push({ name: '$', value: v });
        inner.out = st.out;
        this.walkList(inner, v, tree);
        st.depth--;
        return;
      }
      case 'break':
        throw new BreakSignal();
      case 'continue':
        throw new ContinueSignal();
    }
  }

  private walkRange(st: ExecState, dot: unknown, n: ControlNode): void {
    const mark = st.vars.length;
    const v = this.evalPipeline(st, dot, n.pipe);
    // The pipeline's own declaration pushed one var; reset to iterate with fresh bindings.
    st.vars.length = mark;
    const items: [unknown, unknown][] = [];
    if (Array.isArray(v)) v.forEach((x, i) => items.push([BigInt(i), x]));
    else if (isGoMap(v)) items.push(...mapEntries(v));
    else if (typeof v === 'bigint') for (let i = 0n; i < v; i++) items.push([i, i]);
    else if (v != null && !(typeof v === 'boolean' || typeof v === 'string' || typeof v === 'number')) {
      throw this.errorAt(st, n.pipe.pos, pipeArgText(n.pipe), `range can't iterate over ${formatV(v)}`);
    } else if (v != null) {
      throw this.errorAt(st, n.pipe.pos, pipeArgText(n.pipe), `range can't iterate over ${formatV(v)}`);
    }
    if (items.length === 0) {
      if (n.elseList) this.walkList(st, dot, n.elseList);
      st.vars.length = mark;
      return;
    }
    for (const [k, elem] of items) {
      if (n.pipe.decl.length === 1) this.setVar(st, n.pipe.decl[0]!, elem, n.pipe.isAssign, mark);
      else if (n.pipe.decl.length === 2) {
        this.setVar(st, n.pipe.decl[0]!, k, n.pipe.isAssign, mark);
        this.setVar(st, n.pipe.decl[1]!, elem, n.pipe.isAssign, mark);
      }
      const inner = st.vars.length;
      try {
        this.walkList(st, elem, n.list);
      } catch (e) {
        if (e instanceof BreakSignal) {
          st.vars.length = inner;
          break;
        }
        if (!(e instanceof ContinueSignal)) throw e;
      }
      st.vars.length = inner;
    }
    st.vars.length = mark;
  }

  private setVar(st: ExecState, name: string, value: unknown, assign: boolean, mark: number): void {
    if (assign) {
      for (let i = st.vars.length - 1; i >= 0; i--) {
        if (st.vars[i]!.name === name) {
          st.vars[i]!.value = value;
          return;
        }
      }
      return;
    }
    // declare: reuse the slot declared at this range level, if any
    for (let i = st.vars.length - 1; i >= mark; i--) {
      if (st.vars[i]!.name === name) {
        st.vars[i]!.value = value;
        return;
      }
    }
    st.vars.push({ name, value });
  }

  private printValue(st: ExecState, pipe: Pipe, v: unknown): string {
    if (v === undefined) return '<no value>';
    if (typeof v === 'function') throw this.errorAt(st, pipe.pos, pipeArgText(pipe), "can't print function");
    return formatV(v);
  }

  private evalPipeline(st: ExecState, dot: unknown, pipe: Pipe): unknown {
    let value: unknown = NO_FINAL;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(st, dot, cmd.args, value);
    }
    for (const d of pipe.decl) {
      if (pipe.isAssign) {
        this.setVar(st, d, value, true, 0);
      } else st.vars.push({ name: d, value });
    }
    return value;
  }

  private evalCommand(st: ExecState, dot: unknown, args: Arg[], final: unknown): unknown {
    const first = args[0]!;
    switch (first.type) {
      case 'ident':
        return this.evalFunction(st, dot, first, args.slice(1), final, args.map(argString).join(' '));
      case 'field':
        return this.evalFieldChain(st, dot, dot, first, first.chain, args.slice(1), final);
      case 'var': {
        const v = this.lookupVar(st, first.name);
        if (first.chain.length === 0) {
          this.notAFunction(st, first, args, final);
          return v;
        }
        return this.evalFieldChain(st, dot, v, first, first.chain, args.slice(1), final);
      }
      case 'pipe': {
        const v = this.evalPipeline(st, dot, first.pipe);
        if (first.chain.length === 0) {
          this.notAFunction(st, first, args, final);
          return v;
        }
        return this.evalFieldChain(st, dot, v, first, first.chain, args.slice(1), final);
      }
      default:
        this.notAFunction(st, first, args, final);
        return this.evalArg(st, dot, first);
    }
  }

  private notAFunction(st: ExecState, first: Arg, args: Arg[], final: unknown): void {
    if (args.length > 1 || final !== NO_FINAL) {
      throw this.errorAt(st, first.pos, argString(first), `can't give argument to non-function ${argString(first)}`);
    }
  }

  private lookupVar(st: ExecState, name: string): unknown {
    for (let i = st.vars.length - 1; i >= 0; i--) if (st.vars[i]!.name === name) return st.vars[i]!.value;
    return undefined;
  }

  private evalArg(st: ExecState, dot: unknown, a: Arg): unknown {
    switch (a.type) {
      case 'dot':
        return dot;
      case 'nil':
        return null;
      case 'string':
      case 'number':
      case 'bool':
        return a.value;
      case 'var': {
        const v = this.lookupVar(st, a.name);
        return a.chain.length ? this.evalFieldChain(st, dot, v, a, a.chain, [], NO_FINAL) : v;
      }
      case 'field':
        return this.evalFieldChain(st, dot, dot, a, a.chain, [], NO_FINAL);
      case 'pipe': {
        const v = this.evalPipeline(st, dot, a.pipe);
        return a.chain.length ? this.evalFieldChain(st, dot, v, a, a.chain, [], NO_FINAL) : v;
      }
      case 'ident':
        return this.evalFunction(st, dot, a, [], NO_FINAL);
    }
  }

  private evalFunction(
    st: ExecState,
    dot: unknown,
    id: Extract<Arg, { type: 'ident' }>,
    args: Arg[],
    final: unknown,
    ctx: string = id.name,
  ): unknown {
    const fn = this.funcs[id.name];
    if (!fn) throw this.errorAt(st, id.pos, id.name, `"${id.name}" is not a defined function`);
    if (LAZY.has(id.name)) {
      const thunks: (() => unknown)[] = args.map((a) => () => this.evalArg(st, dot, a));
      if (final !== NO_FINAL) thunks.push(() => final);
      if (thunks.length === 0)
        throw this.errorAt(st, id.pos, id.name, `wrong number of args for ${id.name}: want at least 1 got 0`);
      let v: unknown;
      for (const t of thunks) {
        v = t();
        if (id.name === 'and' ? !truth(v) : truth(v)) return v;
      }
      return v;
    }
    const vals = args.map((a) => this.evalArg(st, dot, a));
    if (final !== NO_FINAL) vals.push(final);
    try {
      return fn(...vals);
    } catch (e) {
      // Non-Error throwables (control signals of callers) pass through untouched.
      if (e instanceof TemplateError || !(e instanceof Error)) throw e;
      if (e instanceof ArgTypeError) {
        const a = args[e.index];
        if (a) {
          const [pos, text] =
            a.type === 'pipe' && a.chain.length === 0 ? [a.pipe.pos, pipeString(a.pipe)] : [a.pos, argString(a)];
          throw this.errorAt(st, pos, text, e.message);
        }
        throw this.errorAt(st, id.pos, ctx, e.message);
      }
      const msg = e instanceof Error ? e.message : String(e);
      throw this.errorAt(st, id.pos, ctx, `error calling ${id.name}: ${msg}`);
    }
  }

  private evalFieldChain(
    st: ExecState,
    _dot: unknown,
    receiver: unknown,
    node: Arg,
    chain: string[],
    args: Arg[],
    final: unknown,
  ): unknown {
    let v = receiver;
    for (let i = 0; i < chain.length; i++) {
      const last = i === chain.length - 1;
      const callArgs = last ? args.map((a) => this.evalArg(st, _dot, a)) : [];
      if (last && final !== NO_FINAL) callArgs.push(final);
      v = this.evalField(st, node, chain[i]!, v, callArgs);
    }
    return v;
  }

  private evalField(st: ExecState, node: Arg, field: string, receiver: unknown, args: unknown[]): unknown {
    const ctx = argString(node);
    if (receiver == null) {
      if (this.missingKey === 'error')
        throw this.errorAt(st, node.pos, ctx, `nil data; no entry for key ${JSON.stringify(field)}`);
      return undefined;
    }
    if (isGoMap(receiver)) {
      if (args.length) throw this.errorAt(st, node.pos, ctx, `${field} is not a method but has arguments`);
      const r = mapGet(receiver, field);
      if (r.found) return r.value;
      switch (this.missingKey) {
        case 'zero':
          return mapZero(receiver);
        case 'error':
          throw this.errorAt(st, node.pos, ctx, `map has no entry for key ${JSON.stringify(field)}`);
        default:
          return undefined;
      }
    }
    if (typeof receiver === 'object' || typeof receiver === 'function') {
      const m = (receiver as Record<string, unknown>)[field];
      if (typeof m === 'function') {
        try {
          return (m as TemplateFunc).apply(receiver, args);
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          throw this.errorAt(st, node.pos, ctx, `error calling ${field}: ${msg}`);
        }
      }
      if (field in (receiver as object) && !(field in Object.prototype)) {
        if (args.length) throw this.errorAt(st, node.pos, ctx, `${field} is not a method but has arguments`);
        return m;
      }
    }
    throw this.errorAt(st, node.pos, ctx, `can't evaluate field ${field} in type ${goTypeOf(receiver)}`);
  }
}

const NO_FINAL = Symbol('no final value');

function pipeArgText(p: Pipe): string {
  const a = p.cmds[0]?.args[0];
  return a ? argString(a) : '';
}

export { TemplateError };
