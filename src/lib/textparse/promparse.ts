/**
 * Pull parser for the Prometheus text exposition format 0.0.4 (and the quoted UTF-8 names of the
 * 1.0.0 text format), following Prometheus' model/textparse/promparse.go: the same accepted input,
 * the same quirks (no comma needed between label pairs, TYPE carried over to later lines) and the
 * same error wording. It scans bytes directly, with no regular expressions and no per-sample
 * objects.
 */
import { unescapeHelp } from './bytes.js';
import {
  BACKSLASH,
  CLASS,
  COMMA,
  DIGIT,
  EQUAL,
  HASH,
  L_CHAR,
  L_START,
  LBRACE,
  LF,
  lineEnd,
  lineHi,
  M_CHAR,
  M_START,
  numError,
  parseIntBytes,
  QUOTE,
  quoteBytes,
  RBRACE,
  SP,
  TAB,
  utf8,
  validUtf8,
} from './bytes.js';
import { F_NAME_ESC, F_NAME_HI, F_VAL_ESC, F_VAL_HI, ParserBase, REC, skimPairs } from './base.js';
import type { EntryType, MetricKind, ParserOptions } from './interface.js';

/** Bytes that end the fast scan of a label value: `"`, `\\` and non-ASCII. */
const VALUE_STOP = new Uint8Array(256);
VALUE_STOP[QUOTE] = 1;
VALUE_STOP[BACKSLASH] = 1;
for (let c = 0x80; c < 256; c++) VALUE_STOP[c] = 1;

/** Whether bytes [s, e) spell `w`. */
export function bytesEq(b: Uint8Array, s: number, e: number, w: string): boolean {
  if (e - s !== w.length) return false;
  for (let i = 0; i < w.length; i++) if (b[s + i] !== w.charCodeAt(i)) return false;
  return true;
}

/** The TYPE keyword at [s, e), or null. */
function textType(b: Uint8Array, s: number, e: number): MetricKind | null {
  switch (b[s]) {
    case 0x63:
      return bytesEq(b, s, e, 'counter') ? 'counter' : null;
    case 0x67:
      return bytesEq(b, s, e, 'gauge') ? 'gauge' : null;
    case 0x68:
      return bytesEq(b, s, e, 'histogram') ? 'histogram' : null;
    case 0x73:
      return bytesEq(b, s, e, 'summary') ? 'summary' : null;
    case 0x75:
      return bytesEq(b, s, e, 'untyped') ? 'unknown' : null;
    default:
      return null;
  }
}

export class PromParser extends ParserBase {
  private entry: EntryType | null = null;
  readonly dialect = 1;

  constructor(input: Uint8Array, opts: ParserOptions = {}) {
    super(input, opts.lazyLabels ?? false, opts.seriesHint ?? null);
  }

  protected parsePairs(p: number): number {
    return this.labelPairs(p);
  }

  override type(): MetricKind {
    return this.entry === 'series' ? this.seriesType(this.metricName()) : this.mtype;
  }

  help(): string {
    return unescapeHelp(utf8(this.b, this.textStart, this.textEnd));
  }

  next(): EntryType | null {
    if (this.pendingAt >= 0) {
      if (this.pendingCheck) this.settle();
      this.pendingAt = -1;
    }
    this.entry = this.advance();
    return this.entry;
  }

  private skipWs(p: number): number {
    const b = this.b;
    const end = this.end;
    while (p < end) {
      const c = b[p];
      if (c !== SP && c !== TAB) break;
      p++;
    }
    return p;
  }

  private advance(): EntryType | null {
    const b = this.b;
    const end = this.end;
    for (;;) {
      this.entryStart = this.pos;
      let p = this.skipWs(this.pos);
      if (p >= end) {
        this.pos = p;
        return null;
      }
      const c = b[p]!;
      if (c === LF) {
        this.pos = p + 1;
        continue;
      }
      if (c === HASH) return this.hashLine(p);
      if ((CLASS[c]! & M_START) !== 0) {
        this.seriesStart = p;
        this.nameStart = p;
        p++;
        while (p < end && (CLASS[b[p]!]! & M_CHAR) !== 0) p++;
        this.nameEnd = p;
        this.nameFlags = 0;
        this.nLabels = 0;
        this.seriesEnd = p;
        p = this.skipWs(p);
        if (p < end && b[p] === LBRACE) {
          if (this.hint !== null) {
            const known = this.predicted(p);
            if (known >= 0) return this.sampleSuffix(known);
          }
          const skimmed = this.lazy ? skimPairs(b, p + 1, end) : -1;
          if (skimmed < 0) p = this.labelPairs(p + 1);
          else {
            this.pendingAt = p + 1;
            this.pendingCheck = true;
            this.seriesEnd = skimmed;
            return this.pendingSuffix(skimmed);
          }
          this.seriesEnd = p;
        }
        return this.sampleSuffix(p);
      }
      if (c === LBRACE) {
        this.seriesStart = p;
        this.nameStart = -1;
        this.nameFlags = 0;
        this.nLabels = 0;
        p = this.labelPairs(p + 1);
        this.seriesEnd = p;
        if (this.nameStart < 0) {
          throw this.errorAt(
            p,
            `metric name not set while parsing: ${quoteBytes(b, this.entryStart, p)}`,
            'metric name',
          );
        }
        return this.sampleSuffix(p);
      }
      throw this.expected('expected a valid start token', p, p, 'INVALID');
    }
  }

  /** Parses label pairs after `{`; returns the offset after `}`. */
  private labelPairs(p: number): number {
    const b = this.b;
    const end = this.end;
    for (;;) {
      p = this.skipWs(p);
      if (p >= end) throw this.expected('expected label name', p, p, 'EOF');
      let c = b[p]!;
      if (c === RBRACE) return p + 1;
      let ns: number;
      let ne: number;
      let flags = 0;
      if ((CLASS[c]! & L_START) !== 0) {
        ns = p;
        p++;
        while (p < end && (CLASS[b[p]!]! & L_CHAR) !== 0) p++;
        ne = p;
      } else if (c === QUOTE) {
        const q = p;
        ns = p + 1;
        p++;
        for (;;) {
          if (p >= end || b[p] === LF) throw this.expected('expected label name', q, p, 'INVALID');
          const d = b[p]!;
          if (d === QUOTE) break;
          if (d === BACKSLASH) {
            flags |= F_NAME_ESC;
            p += 2;
            continue;
          }
          if (d >= 0x80) flags |= F_NAME_HI;
          p++;
        }
        ne = p;
        p++;
        if (flags & F_NAME_HI && !validUtf8(b, ns, ne)) {
          throw this.errorAt(ns, `invalid UTF-8 label name: ${quoteBytes(b, ns, ne)}`, 'label name');
        }
        const after = this.skipWs(p);
        if (after < end && (b[after] === COMMA || b[after] === RBRACE)) {
          // A bare quoted string is the metric name.
          if (this.nameStart >= 0) {
            throw this.errorAt(
              q,
              `metric name already set while parsing: ${quoteBytes(b, this.entryStart, after + 1)}`,
              'label name',
            );
          }
          this.nameStart = ns;
          this.nameEnd = ne;
          this.nameFlags = (flags & F_NAME_ESC) | (flags & F_NAME_HI);
          if (b[after] === RBRACE) return after + 1;
          p = after + 1;
          continue;
        }
      } else {
        throw this.expected('expected label name', p, p, c === LF ? 'LINEBREAK' : 'INVALID');
      }
      p = this.skipWs(p);
      if (p >= end || b[p] !== EQUAL) throw this.expected('expected equal', p, p, tokName(b, p, end));
      p = this.skipWs(p + 1);
      if (p >= end || b[p] !== QUOTE) throw this.expected('expected label value', p, p, p >= end ? 'EOF' : 'INVALID');
      const vs = p + 1;
      p++;
      for (;;) {
        // Plain bytes in one tight loop; VALUE_STOP marks quote, backslash and bytes >= 0x80.
        while (p < end && VALUE_STOP[b[p]!] === 0) p++;
        if (p >= end) throw this.expected('expected label value', vs - 1, end, 'INVALID');
        c = b[p]!;
        if (c === QUOTE) break;
        if (c === BACKSLASH) {
          flags |= F_VAL_ESC;
          p += 2;
          continue;
        }
        flags |= F_VAL_HI;
        p++;
      }
      const ve = p;
      p++;
      if (flags & F_VAL_HI && !validUtf8(b, vs, ve)) {
        throw this.errorAt(vs, `invalid UTF-8 label value: ${quoteBytes(b, vs - 1, ve + 1)}`, 'label value');
      }
      const n = this.nLabels;
      if ((n + 1) * REC > this.lo.length) this.growLabels();
      const lo = this.lo;
      const r = n * REC;
      lo[r] = ns;
      lo[r + 1] = ne;
      lo[r + 2] = vs;
      lo[r + 3] = ve;
      lo[r + 4] = flags;
      this.nLabels = n + 1;
      p = this.skipWs(p);
      // Free trailing commas; like Prometheus, no comma is needed between pairs.
      if (p < end && b[p] === COMMA) p++;
    }
  }

  /** sampleSuffix after skimmed label pairs: an error in the label pairs is reported first. */
  private pendingSuffix(p: number): EntryType {
    try {
      return this.sampleSuffix(p);
    } catch (e) {
      this.settle();
      throw e;
    }
  }

  /** Value, optional timestamp and the line break after a series. */
  private sampleSuffix(p: number): EntryType {
    const b = this.b;
    const end = this.end;
    p = this.skipWs(p);
    const vs = p;
    while (p < end) {
      const c = b[p];
      if (c === SP || c === TAB || c === LF || c === LBRACE) break;
      p++;
    }
    if (p === vs) throw this.expected('expected value after metric', p, p, tokName(b, p, end));
    this.parseValue(vs, p);
    p = this.skipWs(p);
    if (p >= end || b[p] === LF) {
      this.hasTs = false;
      this.pos = p + 1;
      return 'series';
    }
    if ((CLASS[b[p]!]! & DIGIT) === 0) throw this.expected('expected timestamp or new record', p, p, 'INVALID');
    const ts = p;
    while (p < end && (CLASS[b[p]!]! & DIGIT) !== 0) p++;
    this.ts = parseIntBytes(b, ts, p);
    if (numError !== '') {
      throw this.errorAt(
        ts,
        `strconv.ParseInt: parsing ${quoteBytes(b, ts, p)}: ${numError} while parsing: ${quoteBytes(b, this.entryStart, p)}`,
        'timestamp',
      );
    }
    this.hasTs = true;
    const after = this.skipWs(p);
    if (after < end && b[after] !== LF)
      throw this.expected('expected next entry after timestamp', after, after, 'INVALID');
    this.pos = after + 1;
    return 'series';
  }

  private hashLine(p: number): EntryType {
    const b = this.b;
    const end = this.end;
    const lineStart = p;
    let q = p + 1;
    if (q < end && (b[q] === SP || b[q] === TAB)) {
      q = this.skipWs(q);
      const kind = keywordAt(b, q, end);
      if (kind !== null && q + 4 < end && (b[q + 4] === SP || b[q + 4] === TAB)) {
        return this.metaLine(lineStart, kind, this.skipWs(q + 4));
      }
    }
    // A comment: the whole line.
    let e = lineEnd(b, this.dv, p, end);
    if (e < 0) e = end;
    this.textStart = lineStart;
    this.textEnd = e;
    this.pos = e + 1;
    return 'comment';
  }

  private metaLine(lineStart: number, kind: 'help' | 'type', p: number): EntryType {
    const b = this.b;
    const end = this.end;
    const what = kind === 'help' ? 'HELP' : 'TYPE';
    const c = p < end ? b[p]! : LF;
    this.nameFlags = 0;
    if ((CLASS[c]! & M_START) !== 0) {
      this.nameStart = p;
      p++;
      while (p < end && (CLASS[b[p]!]! & M_CHAR) !== 0) p++;
      this.nameEnd = p;
    } else if (c === QUOTE) {
      this.nameStart = p + 1;
      p++;
      let flags = 0;
      for (;;) {
        if (p >= end) throw this.expected(`expected metric name after ${what}`, this.nameStart - 1, p, 'INVALID');
        const d = b[p]!;
        if (d === QUOTE) break;
        if (d === BACKSLASH) {
          flags |= F_NAME_ESC;
          p += 2;
          continue;
        }
        if (d >= 0x80) flags |= F_NAME_HI;
        p++;
      }
      this.nameEnd = p;
      this.nameFlags = flags;
      p++;
      if (flags & F_NAME_HI && !validUtf8(b, this.nameStart, this.nameEnd)) {
        throw this.errorAt(
          this.nameStart,
          `invalid UTF-8 metric name: ${quoteBytes(b, this.nameStart, this.nameEnd)}`,
          'metric name',
        );
      }
    } else {
      throw this.expected(`expected metric name after ${what}`, p, p, tokName(b, p, end));
    }
    // The text: everything to the end of the line, minus its first character.
    let e = lineEnd(b, this.dv, p, end);
    const hi = lineHi;
    if (e < 0) e = end;
    this.textStart = e - p > 1 ? p + 1 : e;
    this.textEnd = e;
    this.pos = e + 1;
    this.entryStart = lineStart;
    if (kind === 'type') {
      const t = textType(b, this.textStart, this.textEnd);
      if (t === null)
        throw this.errorAt(
          this.textStart,
          `invalid metric type ${quoteBytes(b, this.textStart, this.textEnd)}`,
          'metric type',
        );
      this.mtype = t;
      this.setMetaNameFromCurrent();
      this.metaType = t;
      return 'type';
    }
    if (hi !== 0 && !validUtf8(b, this.textStart, this.textEnd)) {
      throw this.errorAt(
        this.textStart,
        `help text ${quoteBytes(b, this.textStart, this.textEnd)} is not a valid utf8 string`,
        'help text',
      );
    }
    return 'help';
  }
}

function keywordAt(b: Uint8Array, p: number, end: number): 'help' | 'type' | null {
  if (p + 4 > end) return null;
  if (b[p] === 0x48 && b[p + 1] === 0x45 && b[p + 2] === 0x4c && b[p + 3] === 0x50) return 'help';
  if (b[p] === 0x54 && b[p + 1] === 0x59 && b[p + 2] === 0x50 && b[p + 3] === 0x45) return 'type';
  return null;
}

/** A rough name of the token at `p`, for error messages in Prometheus' style. */
export function tokName(b: Uint8Array, p: number, end: number): string {
  if (p >= end) return 'EOF';
  const c = b[p]!;
  if (c === LF) return 'LINEBREAK';
  if (c === LBRACE) return 'BOPEN';
  if (c === RBRACE) return 'BCLOSE';
  if (c === EQUAL) return 'EQUAL';
  if (c === COMMA) return 'COMMA';
  if (c === QUOTE) return 'QSTRING';
  if ((CLASS[c]! & L_START) !== 0) return 'LNAME';
  return 'INVALID';
}
