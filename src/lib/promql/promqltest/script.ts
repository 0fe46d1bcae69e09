/**
 * Reader for the promqltest script language (Prometheus' promql/promqltest, described in
 * ../shared/conformance/promqltest/FORMAT.md): `load`, `load_with_nhcb`, `clear` and `eval`
 * commands, the value-sequence notation and expectation lines. Pure: no storage, no engine.
 */
import { Labels, METRIC_NAME } from '../../model/labels.js';
import { parseDuration } from '../../model/duration.js';
import { STALE_NAN } from '../../model/value.js';

export class ScriptError extends Error {
  override readonly name = 'ScriptError';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** Slot kinds of an expanded value sequence. */
export const SlotKind = { Omitted: 0, Float: 1, Histogram: 2 } as const;

/** An expanded value sequence: slot i is at i × interval (load) or start + i × step (range eval). */
export interface ValueSeq {
  kinds: Uint8Array;
  /** Float values (staleness markers keep their bits here). */
  values: Float64Array;
  /** Histogram literals as written, by slot (only for histogram slots). */
  histograms: Map<number, string>;
}

export interface SeriesLine {
  labels: Labels;
  seq: ValueSeq;
  line: number;
}

export interface LoadCmd {
  kind: 'load';
  line: number;
  interval: number;
  withNhcb: boolean;
  series: SeriesLine[];
}

export interface ClearCmd {
  kind: 'clear';
  line: number;
}

export interface AnnotationExpectation {
  msg?: string;
  regex?: RegExp;
}

export interface EvalCmd {
  kind: 'eval';
  line: number;
  /** The header line as written. */
  header: string;
  expr: string;
  instant: boolean;
  /** Instant: evaluation time; range: start. ms. */
  start: number;
  end: number;
  step: number;
  fail: boolean;
  failMessage?: string;
  failRegexp?: RegExp;
  /** Legacy eval_warn / eval_info: at least one such annotation. */
  anyWarn: boolean;
  anyInfo: boolean;
  warn: AnnotationExpectation[];
  info: AnnotationExpectation[];
  noWarn: boolean;
  noInfo: boolean;
  ordered: boolean;
  expected: SeriesLine[];
  scalar: number | null;
}

export type Command = LoadCmd | ClearCmd | EvalCmd;

const NUM = String.raw`[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[iI][nN][fF]|[nN][aA][nN])`;
const ITEM_RE = new RegExp(String.raw`^(${NUM})(?:([+-])(${NUM}))?x(\d+)$`);
const SINGLE_RE = new RegExp(`^${NUM}$`);

/** Parses a float as Go's strconv.ParseFloat would for these scripts. */
export function parseFloatStrict(s: string): number | null {
  if (!SINGLE_RE.test(s)) return null;
  const body = s.replace(/^[+-]/, '').toLowerCase();
  const neg = s.startsWith('-');
  if (body === 'inf') return neg ? -Infinity : Infinity;
  if (body === 'nan') return NaN;
  return Number(s);
}

/** A scalar expectation: integer with 0x/0o/0b prefix or a float. */
function parseScalarLine(s: string): number | null {
  if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(s)) return Number(s.replace(/^\+/, ''));
  if (/^[+-]?0[oO][0-7]+$/.test(s)) return Number(s.replace(/^\+/, ''));
  if (/^[+-]?0[bB][01]+$/.test(s)) return Number(s.replace(/^\+/, ''));
  return parseFloatStrict(s);
}

class SeqBuilder {
  kinds: number[] = [];
  values = new Float64Array(16);
  histograms = new Map<number, string>();

  private ensure(): void {
    if (this.kinds.length >= this.values.length) {
      const v = new Float64Array(this.values.length * 2);
      v.set(this.values);
      this.values = v;
    }
  }

  add(kind: number, v = 0, h?: string): void {
    this.ensure();
    this.values[this.kinds.length] = v;
    if (h !== undefined) this.histograms.set(this.kinds.length, h);
    this.kinds.push(kind);
  }

  build(): ValueSeq {
    return {
      kinds: Uint8Array.from(this.kinds),
      values: this.values.slice(0, this.kinds.length),
      histograms: this.histograms,
    };
  }
}

/** Splits a values string into items, keeping `{{...}}` literals (with any `+{{..}}xN` suffix) whole. */
function tokenizeValues(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (/\s/.test(s[i]!)) {
      i++;
      continue;
    }
    let j = i;
    while (j < s.length && !/\s/.test(s[j]!)) {
      if (s.startsWith('{{', j)) {
        const e = s.indexOf('}}', j);
        j = e < 0 ? s.length : e + 2;
      } else j++;
    }
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

/** Expands a value sequence (section 4 of FORMAT.md). */
export function parseValueSeq(s: string, line: number): ValueSeq {
  const b = new SeqBuilder();
  for (const tok of tokenizeValues(s)) {
    if (tok === '_') {
      b.add(SlotKind.Omitted);
      continue;
    }
    const om = /^_x(\d+)$/.exec(tok);
    if (om) {
      for (let k = 0; k < Number(om[1]); k++) b.add(SlotKind.Omitted);
      continue;
    }
    if (tok === 'stale') {
      b.add(SlotKind.Float, STALE_NAN);
      continue;
    }
    if (tok.startsWith('{{')) {
      const m = /^(\{\{.*?\}\})(?:([+-])(\{\{.*?\}\}))?(?:x(\d+))?$/.exec(tok);
      if (!m) throw new ScriptError(line, `invalid histogram sequence item ${JSON.stringify(tok)}`);
      const n = m[4] !== undefined ? Number(m[4]) : 0;
      for (let k = 0; k <= n; k++) b.add(SlotKind.Histogram, 0, m[1]!);
      continue;
    }
    const single = parseFloatStrict(tok);
    if (single !== null) {
      b.add(SlotKind.Float, single);
      continue;
    }
    const m = ITEM_RE.exec(tok);
    if (!m) throw new ScriptError(line, `invalid value ${JSON.stringify(tok)} in sequence`);
    const start = parseFloatStrict(m[1]!)!;
    const n = Number(m[4]);
    let step = m[3] !== undefined ? parseFloatStrict(m[3])! : 0;
    if (m[2] === '-') step = -step;
    let v = start;
    b.add(SlotKind.Float, v);
    for (let k = 1; k <= n; k++) {
      v += step;
      b.add(SlotKind.Float, v);
    }
  }
  return b.build();
}

function unquote(s: string, line: number): string {
  const q = s[0];
  const body = s.slice(1, -1);
  if (q === '`') return body;
  let out = '';
  const bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length) {
      out += Buffer.from(bytes).toString('utf8');
      bytes.length = 0;
    }
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      flush();
      out += c;
      continue;
    }
    const n = body[++i];
    switch (n) {
      case 'n':
        flush();
        out += '\n';
        break;
      case 't':
        flush();
        out += '\t';
        break;
      case 'r':
        flush();
        out += '\r';
        break;
      case 'a':
        flush();
        out += '\x07';
        break;
      case 'b':
        flush();
        out += '\b';
        break;
      case 'f':
        flush();
        out += '\f';
        break;
      case 'v':
        flush();
        out += '\v';
        break;
      case '\\':
      case '"':
      case "'":
        flush();
        out += n;
        break;
      case 'x':
        bytes.push(parseInt(body.slice(i + 1, i + 3), 16));
        i += 2;
        break;
      case 'u':
        flush();
        out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 5), 16));
        i += 4;
        break;
      case 'U':
        flush();
        out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 9), 16));
        i += 8;
        break;
      default:
        if (n !== undefined && /[0-7]/.test(n)) {
          bytes.push(parseInt(body.slice(i, i + 3), 8));
          i += 2;
          break;
        }
        throw new ScriptError(line, `invalid escape in ${s}`);
    }
  }
  flush();
  return out;
}

/** Reads a quoted string at s[i]; returns [value, next index]. */
function readQuoted(s: string, i: number, line: number): [string, number] {
  const q = s[i]!;
  let j = i + 1;
  while (j < s.length && s[j] !== q) {
    if (s[j] === '\\' && q !== '`') j++;
    j++;
  }
  if (j >= s.length) throw new ScriptError(line, `unterminated string in ${s}`);
  return [unquote(s.slice(i, j + 1), line), j + 1];
}

/**
 * Parses `name{l="v", ...} rest` / `{...} rest` / `{"name", l="v"} rest`; returns the labels and the
 * rest of the line.
 */
export function parseSeriesDesc(s: string, line: number): { labels: Labels; rest: string } {
  const pairs: [string, string][] = [];
  let i = 0;
  const nm = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(s);
  if (nm) {
    pairs.push([METRIC_NAME, nm[0]]);
    i = nm[0].length;
  }
  if (s[i] === '{') {
    i++;
    for (;;) {
      while (/\s/.test(s[i] ?? '')) i++;
      if (s[i] === '}') {
        i++;
        break;
      }
      if (i >= s.length) throw new ScriptError(line, `unterminated label set in ${s}`);
      let name: string;
      if (s[i] === '"' || s[i] === "'" || s[i] === '`') {
        [name, i] = readQuoted(s, i, line);
      } else {
        const m = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(s.slice(i));
        if (!m) throw new ScriptError(line, `invalid label set in ${JSON.stringify(s)}`);
        name = m[0];
        i += name.length;
      }
      while (/\s/.test(s[i] ?? '')) i++;
      if (s[i] === '=') {
        i++;
        while (/\s/.test(s[i] ?? '')) i++;
        let value: string;
        [value, i] = readQuoted(s, i, line);
        pairs.push([name, value]);
      } else {
        // A quoted metric name inside the braces.
        pairs.push([METRIC_NAME, name]);
      }
      while (/\s/.test(s[i] ?? '')) i++;
      if (s[i] === ',') i++;
    }
  } else if (!nm) {
    throw new ScriptError(line, `invalid series description ${JSON.stringify(s)}`);
  }
  return { labels: Labels.fromPairs(pairs), rest: s.slice(i).trim() };
}

const INSTANT_RE = /^eval(?:_(fail|warn|ordered|info))?\s+instant\s+at\s+(\S+)\s+(.+)$/;
const RANGE_RE = /^eval(?:_(fail|warn|info))?\s+range\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+)\s+(.+)$/;

function dur(s: string, line: number): number {
  try {
    return parseDuration(s);
  } catch (e) {
    throw new ScriptError(line, (e as Error).message);
  }
}

function parseAnnotationExpectation(rest: string, line: number): AnnotationExpectation {
  rest = rest.trim();
  if (rest === '') return {};
  const m = /^(msg|regex):(.*)$/.exec(rest);
  if (!m) throw new ScriptError(line, `invalid expect line ${JSON.stringify(rest)}`);
  const text = m[2]!.trim();
  if (m[1] === 'msg') return { msg: text };
  return { regex: new RegExp(text) };
}

/** Parses a whole script. */
export function parseScript(text: string): Command[] {
  const lines = text.split('\n');
  const cmds: Command[] = [];
  let i = 0;
  const blank = (l: string): boolean => l === '' || l.startsWith('#');
  while (i < lines.length) {
    const l = lines[i]!.trim();
    const lineNo = i + 1;
    i++;
    if (blank(l)) continue;
    const word = l.split(/\s+/)[0]!;
    if (word.toLowerCase() === 'clear') {
      cmds.push({ kind: 'clear', line: lineNo });
      continue;
    }
    if (word.startsWith('load')) {
      const m = /^(load|load_with_nhcb)\s+(\S+)$/.exec(l);
      if (!m) throw new ScriptError(lineNo, `invalid load command ${JSON.stringify(l)}`);
      const cmd: LoadCmd = {
        kind: 'load',
        line: lineNo,
        interval: dur(m[2]!, lineNo),
        withNhcb: m[1] === 'load_with_nhcb',
        series: [],
      };
      while (i < lines.length && !blank(lines[i]!.trim())) {
        const sl = lines[i]!.trim();
        const { labels, rest } = parseSeriesDesc(sl, i + 1);
        cmd.series.push({ labels, seq: parseValueSeq(rest, i + 1), line: i + 1 });
        i++;
      }
      cmds.push(cmd);
      continue;
    }
    if (word.startsWith('eval')) {
      cmds.push(parseEval(l, lineNo, lines, i, (n) => (i = n)));
      continue;
    }
    throw new ScriptError(lineNo, `invalid command ${JSON.stringify(word)}`);
  }
  return cmds;
}

function parseEval(l: string, lineNo: number, lines: string[], start: number, setI: (n: number) => void): EvalCmd {
  const cmd: EvalCmd = {
    kind: 'eval',
    line: lineNo,
    header: l,
    expr: '',
    instant: true,
    start: 0,
    end: 0,
    step: 0,
    fail: false,
    anyWarn: false,
    anyInfo: false,
    warn: [],
    info: [],
    noWarn: false,
    noInfo: false,
    ordered: false,
    expected: [],
    scalar: null,
  };
  let mod: string | undefined;
  const im = INSTANT_RE.exec(l);
  if (im) {
    mod = im[1];
    cmd.start = cmd.end = dur(im[2]!, lineNo);
    cmd.expr = im[3]!;
  } else {
    const rm = RANGE_RE.exec(l);
    if (!rm) throw new ScriptError(lineNo, `invalid eval command ${JSON.stringify(l)}`);
    mod = rm[1];
    cmd.instant = false;
    cmd.start = dur(rm[2]!, lineNo);
    cmd.end = dur(rm[3]!, lineNo);
    cmd.step = dur(rm[4]!, lineNo);
    cmd.expr = rm[5]!;
    if (cmd.end < cmd.start) throw new ScriptError(lineNo, 'invalid range: end before start');
    if (cmd.step <= 0) throw new ScriptError(lineNo, 'invalid step');
  }
  if (mod === 'fail') cmd.fail = true;
  else if (mod === 'warn') cmd.anyWarn = true;
  else if (mod === 'info') cmd.anyInfo = true;
  else if (mod === 'ordered') cmd.ordered = true;
  let i = start;
  while (i < lines.length) {
    const sl = lines[i]!.trim();
    if (sl === '' || sl.startsWith('#')) break;
    const ln = i + 1;
    i++;
    const first = sl.split(/\s+/)[0]!;
    if (first === 'expect') {
      const rest = sl.slice('expect'.length).trim();
      const kind = rest.split(/\s+/)[0]!;
      const after = rest.slice(kind.length);
      switch (kind) {
        case 'fail': {
          cmd.fail = true;
          const a = parseAnnotationExpectation(after, ln);
          if (a.msg !== undefined) cmd.failMessage = a.msg;
          if (a.regex) cmd.failRegexp = a.regex;
          break;
        }
        case 'warn':
          cmd.warn.push(parseAnnotationExpectation(after, ln));
          break;
        case 'info':
          cmd.info.push(parseAnnotationExpectation(after, ln));
          break;
        case 'no_warn':
          cmd.noWarn = true;
          break;
        case 'no_info':
          cmd.noInfo = true;
          break;
        case 'ordered':
          cmd.ordered = true;
          break;
        default:
          throw new ScriptError(ln, `invalid expect kind ${JSON.stringify(kind)}`);
      }
      continue;
    }
    if (cmd.fail && first === 'expected_fail_message') {
      cmd.failMessage = sl.slice(first.length).trim();
      break;
    }
    if (cmd.fail && first === 'expected_fail_regexp') {
      cmd.failRegexp = new RegExp(sl.slice(first.length).trim());
      break;
    }
    const sc = parseScalarLine(sl);
    if (sc !== null) {
      cmd.scalar = sc;
      break;
    }
    const { labels, rest } = parseSeriesDesc(sl, ln);
    const seq = parseValueSeq(rest, ln);
    if (cmd.instant && seq.kinds.length !== 1)
      throw new ScriptError(ln, `expected exactly one value in instant eval result line, got ${seq.kinds.length}`);
    if (!cmd.instant && seq.kinds.length > Math.floor((cmd.end - cmd.start) / cmd.step) + 1)
      throw new ScriptError(ln, 'more expected values than steps');
    cmd.expected.push({ labels, seq, line: ln });
  }
  setI(i);
  return cmd;
}
