/**
 * Pull parser for the OpenMetrics 1.0 text format, following Prometheus'
 * model/textparse/openmetricsparse.go: single spaces as separators, no blank lines or free
 * comments, `# EOF` required as the last line, timestamps in (float) seconds, exemplars after
 * ` # `, UNIT lines, and quoted UTF-8 names as Prometheus 3 accepts them.
 *
 * With `strict: true` it also rejects what the OpenMetrics 1.0 grammar forbids but Prometheus
 * tolerates (trailing commas, quoted names, hex/underscore numbers); semantic rules (family
 * grouping, histogram shapes…) live in omvalidate.ts.
 */
import type { Labels } from '../model/labels.js';
import {
  BACKSLASH,
  CLASS,
  COMMA,
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
  parseFloatBytes,
  parsedFloat,
  QUOTE,
  quoteBytes,
  RBRACE,
  SP,
  unescapeLabel,
  utf8,
  validUtf8,
} from './bytes.js';
import {
  F_NAME_ESC,
  F_NAME_HI,
  F_VAL_ESC,
  F_VAL_HI,
  isSeriesPartOfFamily,
  ParserBase,
  REC,
  skimPairs,
} from './base.js';
import type { EntryType, Exemplar, MetricKind, ParserOptions } from './interface.js';
import { bytesEq, tokName } from './promparse.js';

/** The OpenMetrics TYPE keyword at [s, e), or null. */
function omType(b: Uint8Array, s: number, e: number): MetricKind | null {
  switch (b[s]) {
    case 0x63:
      return bytesEq(b, s, e, 'counter') ? 'counter' : null;
    case 0x67:
      return bytesEq(b, s, e, 'gauge') ? 'gauge' : bytesEq(b, s, e, 'gaugehistogram') ? 'gaugehistogram' : null;
    case 0x68:
      return bytesEq(b, s, e, 'histogram') ? 'histogram' : null;
    case 0x69:
      return bytesEq(b, s, e, 'info') ? 'info' : null;
    case 0x73:
      return bytesEq(b, s, e, 'summary') ? 'summary' : bytesEq(b, s, e, 'stateset') ? 'stateset' : null;
    case 0x75:
      return bytesEq(b, s, e, 'unknown') ? 'unknown' : null;
    default:
      return null;
  }
}

/** Bytes that end the fast scan of a quoted string: `"`, `\\`, newline and non-ASCII. */
const QUOTED_STOP = new Uint8Array(256);
QUOTED_STOP[QUOTE] = 1;
QUOTED_STOP[BACKSLASH] = 1;
QUOTED_STOP[LF] = 1;
for (let c = 0x80; c < 256; c++) QUOTED_STOP[c] = 1;

export interface OpenMetricsParserOptions extends ParserOptions {
  /** Reject what the OpenMetrics 1.0 ABNF forbids even where Prometheus is lenient. */
  strict?: boolean;
}

export class OpenMetricsParser extends ParserBase {
  private entry: EntryType | null = null;
  private done = false;
  private readonly strict: boolean;
  private readonly skipCreated: boolean;

  // Exemplar of the current sample.
  private exLo = new Int32Array(REC * 4);
  private exN = 0;
  private hasEx = false;
  private exVal = 0;
  private exHasTs = false;
  private exTs = 0;
  /** Byte range of the exemplar's label set (for strict length checks). */
  exStart = 0;
  exEnd = 0;

  private ctCache: Map<string, number> | null = null;
  private ctCacheFamily = '';

  readonly dialect: number;

  constructor(input: Uint8Array, opts: OpenMetricsParserOptions = {}) {
    super(input, (opts.lazyLabels ?? false) && !opts.strict, opts.seriesHint ?? null);
    this.strict = opts.strict ?? false;
    this.skipCreated = opts.skipCreatedSeries ?? false;
    this.dialect = this.strict ? 3 : 2;
  }

  protected parsePairs(p: number): number {
    return this.labelPairs(p, false);
  }

  override type(): MetricKind {
    return this.entry === 'series' ? this.seriesType(this.metricName()) : this.mtype;
  }

  /** Strict mode keeps `le`/`quantile` exactly as written (validation looks at the raw text). */
  override labels(): Labels {
    if (this.pendingAt >= 0) this.settle();
    return this.buildLabels(this.lo, this.nLabels, this.metricName(), this.strict ? 'unknown' : this.mtype);
  }

  help(): string {
    return unescapeLabel(utf8(this.b, this.textStart, this.textEnd));
  }

  /** The family name of the last metadata line (TYPE/HELP/UNIT). */
  familyName(): string {
    return this.metaName;
  }

  override exemplar(): Exemplar | null {
    if (!this.hasEx) return null;
    const labels = this.buildLabels(this.exLo, this.exN, null, 'unknown');
    const e: Exemplar = { labels, value: this.exVal };
    if (this.exHasTs) e.timestamp = this.exTs;
    return e;
  }

  /** Whether the current sample carries an exemplar (without building it). */
  hasExemplar(): boolean {
    return this.hasEx;
  }

  override createdTimestamp(): number | undefined {
    if (!this.skipCreated || this.entry !== 'series') return undefined;
    const t = this.seriesType(this.metricName());
    if (t !== 'counter' && t !== 'histogram' && t !== 'summary' && t !== 'gaugehistogram') return undefined;
    const family = this.metaName;
    const key = createdKey(this.labels());
    if (this.ctCacheFamily === family && this.ctCache !== null) return this.ctCache.get(key);
    // Look ahead through the rest of this family for its _created series.
    const m = new Map<string, number>();
    const look = new OpenMetricsParser(this.b.subarray(this.pos), { strict: false });
    look.metaName = family;
    look.metaType = t;
    look.mtype = t;
    const created = family + '_created';
    try {
      for (let e = look.next(); e === 'series'; e = look.next()) {
        const name = look.metricName();
        if (!isSeriesPartOfFamily(name, family, t)) break;
        if (name === created) m.set(createdKey(look.labels()), Math.round(look.value() * 1000));
      }
    } catch {
      // The main parser reports the error when it gets there.
    }
    this.ctCache = m;
    this.ctCacheFamily = family;
    return m.get(key);
  }

  next(): EntryType | null {
    for (;;) {
      if (this.pendingAt >= 0) {
        if (this.pendingCheck) this.settle();
        this.pendingAt = -1;
      }
      this.entry = this.advance();
      if (this.entry === 'series' && this.skipCreated && this.isCreatedSeries()) continue;
      return this.entry;
    }
  }

  private isCreatedSeries(): boolean {
    const n = this.nameEnd - this.nameStart;
    if (n < 8 || this.nameFlags !== 0) return false;
    const b = this.b;
    const e = this.nameEnd;
    // "_created"
    if (
      b[e - 8] !== 0x5f ||
      b[e - 7] !== 0x63 ||
      b[e - 6] !== 0x72 ||
      b[e - 5] !== 0x65 ||
      b[e - 4] !== 0x61 ||
      b[e - 3] !== 0x74 ||
      b[e - 2] !== 0x65 ||
      b[e - 1] !== 0x64
    ) {
      return false;
    }
    const t = this.metaType;
    return (
      (t === 'counter' || t === 'histogram' || t === 'summary' || t === 'gaugehistogram') &&
      this.metaNameEquals(this.nameStart, e - 8)
    );
  }

  private eofError(p: number): never {
    throw this.errorAt(p, 'data does not end with # EOF', '# EOF');
  }

  private advance(): EntryType | null {
    if (this.done) return null;
    const b = this.b;
    const end = this.end;
    let p = this.pos;
    this.entryStart = p;
    this.hasEx = false;
    if (p >= end) this.eofError(p);
    const c = b[p]!;
    if (c === HASH) return this.hashLine(p);
    this.nLabels = 0;
    this.nameFlags = 0;
    if ((CLASS[c]! & M_START) !== 0) {
      this.seriesStart = p;
      this.nameStart = p;
      p++;
      while (p < end && (CLASS[b[p]!]! & M_CHAR) !== 0) p++;
      this.nameEnd = p;
      this.seriesEnd = p;
      if (p < end && b[p] === LBRACE) {
        if (this.hint !== null) {
          const known = this.predicted(p);
          if (known >= 0) return this.sampleSuffix(known);
        }
        const skimmed = this.lazy ? skimPairs(b, p + 1, end) : -1;
        if (skimmed >= 0) {
          this.pendingAt = p + 1;
          this.pendingCheck = true;
          this.seriesEnd = skimmed;
          try {
            return this.sampleSuffix(skimmed);
          } catch (e) {
            this.settle(); // an error in the label pairs comes first
            throw e;
          }
        }
        p = this.labelPairs(p + 1, false);
        this.seriesEnd = p;
      }
      return this.sampleSuffix(p);
    }
    if (c === LBRACE) {
      this.seriesStart = p;
      this.nameStart = -1;
      p = this.labelPairs(p + 1, false);
      this.seriesEnd = p;
      if (this.nameStart < 0) {
        throw this.errorAt(p, `metric name not set while parsing: ${quoteBytes(b, this.entryStart, p)}`, 'metric name');
      }
      return this.sampleSuffix(p);
    }
    throw this.expected('expected a valid start token', p, p, c === LF ? 'LINEBREAK' : 'INVALID');
  }

  /** Scans a quoted string starting at `p` (the quote); returns the offset of the closing quote. */
  private quoted(p: number, what: string): number {
    const b = this.b;
    const end = this.end;
    const q = p;
    p++;
    let flags = 0;
    for (;;) {
      while (p < end && QUOTED_STOP[b[p]!] === 0) p++;
      if (p >= end || b[p] === LF) throw this.expected(what, q, p, 'INVALID');
      const d = b[p]!;
      if (d === QUOTE) {
        this.qFlags = flags;
        return p;
      }
      if (d === BACKSLASH) {
        flags |= 1;
        if (this.strict && p + 1 < end && b[p + 1] === LF) throw this.expected(what, q, p, 'INVALID');
        p += 2;
        continue;
      }
      flags |= 2;
      p++;
    }
  }
  private qFlags = 0;

  /** Label pairs after `{` (samples and exemplars); returns the offset after `}`. */
  private labelPairs(p: number, exemplar: boolean): number {
    const b = this.b;
    const end = this.end;
    for (;;) {
      if (p >= end) this.eofError(p);
      const c = b[p]!;
      if (c === RBRACE) return p + 1;
      let ns: number;
      let ne: number;
      let flags = 0;
      if ((CLASS[c]! & L_START) !== 0) {
        ns = p;
        p++;
        while (p < end && (CLASS[b[p]!]! & L_CHAR) !== 0) p++;
        ne = p;
      } else if (c === QUOTE && !this.strict) {
        ns = p + 1;
        const close = this.quoted(p, 'expected label name');
        ne = close;
        if (this.qFlags & 1) flags |= F_NAME_ESC;
        if (this.qFlags & 2) flags |= F_NAME_HI;
        p = close + 1;
        if (flags & F_NAME_HI && !validUtf8(b, ns, ne)) {
          throw this.errorAt(ns, `invalid UTF-8 label name: ${quoteBytes(b, ns, ne)}`, 'label name');
        }
        if (p < end && (b[p] === COMMA || b[p] === RBRACE)) {
          if (exemplar) throw this.expected('expected label name', p, p, tokName(b, p, end));
          if (this.nameStart >= 0) {
            throw this.errorAt(
              ns - 1,
              `metric name already set while parsing: ${quoteBytes(b, this.entryStart, p + 1)}`,
              'label name',
            );
          }
          this.nameStart = ns;
          this.nameEnd = ne;
          this.nameFlags = flags;
          if (b[p] === RBRACE) return p + 1;
          p++;
          continue;
        }
      } else {
        throw this.expected('expected label name', p, p, tokName(b, p, end));
      }
      if (p >= end || b[p] !== EQUAL) throw this.expected('expected equal', p, p, tokName(b, p, end));
      p++;
      if (p >= end || b[p] !== QUOTE) throw this.expected('expected label value', p, p, tokName(b, p, end));
      const vs = p + 1;
      const close = this.quoted(p, 'expected label value');
      if (this.qFlags & 1) flags |= F_VAL_ESC;
      if (this.qFlags & 2) flags |= F_VAL_HI;
      p = close + 1;
      if (flags & F_VAL_HI && !validUtf8(b, vs, close)) {
        throw this.errorAt(vs, `invalid UTF-8 label value: ${quoteBytes(b, vs - 1, close + 1)}`, 'label value');
      }
      let lo: Int32Array;
      let n: number;
      if (exemplar) {
        n = this.exN;
        if ((n + 1) * REC > this.exLo.length) {
          const g = new Int32Array(this.exLo.length * 2);
          g.set(this.exLo);
          this.exLo = g;
        }
        lo = this.exLo;
        this.exN = n + 1;
      } else {
        n = this.nLabels;
        if ((n + 1) * REC > this.lo.length) this.growLabels();
        lo = this.lo;
        this.nLabels = n + 1;
      }
      const r = n * REC;
      lo[r] = ns;
      lo[r + 1] = ne;
      lo[r + 2] = vs;
      lo[r + 3] = close;
      lo[r + 4] = flags;
      if (p < end && b[p] === COMMA) {
        p++;
        if (this.strict && p < end && b[p] === RBRACE) throw this.expected('expected label name', p, p, 'BCLOSE');
      } else if (p >= end || b[p] !== RBRACE) {
        throw this.expected('expected comma or brace close', p, p, tokName(b, p, end));
      }
    }
  }

  /** Scans a space-separated token `[^ \n]+` at p; returns its end. */
  private token(p: number): number {
    const b = this.b;
    const end = this.end;
    while (p < end) {
      const c = b[p];
      if (c === SP || c === LF) break;
      p++;
    }
    return p;
  }

  private float(s: number, e: number, what: string): number {
    if (s === e) throw this.expected(`expected value after ${what}`, s, s, tokName(this.b, s, this.end));
    this.parseFloat(s, e);
    return parsedFloat[0]!;
  }

  private sampleSuffix(p: number): EntryType {
    const b = this.b;
    const end = this.end;
    if (p >= end) this.eofError(p);
    if (b[p] !== SP) throw this.expected('expected value after metric', p, p, tokName(b, p, end));
    p++;
    const ve = this.token(p);
    this.val[0] = this.float(p, ve, 'metric');
    p = ve;
    this.hasTs = false;
    if (p >= end) this.eofError(p);
    if (b[p] === LF) {
      this.pos = p + 1;
      return 'series';
    }
    // b[p] === SP: a timestamp or an exemplar.
    p++;
    if (this.isExemplarStart(p)) return this.exemplarSuffix(p);
    const te = this.token(p);
    if (te === p) throw this.expected('expected timestamp or new record', p, p, tokName(b, p, end));
    this.ts = this.seconds(p, te, 'timestamp');
    this.hasTs = true;
    p = te;
    if (p >= end) this.eofError(p);
    if (b[p] === LF) {
      this.pos = p + 1;
      return 'series';
    }
    p++;
    if (this.isExemplarStart(p)) return this.exemplarSuffix(p);
    throw this.expected('expected next entry after timestamp', p, p, tokName(b, p, end));
  }

  private isExemplarStart(p: number): boolean {
    const b = this.b;
    return p + 2 < this.end && b[p] === HASH && b[p + 1] === SP && b[p + 2] === LBRACE;
  }

  /** Parses a timestamp in float seconds and returns milliseconds. */
  private seconds(s: number, e: number, what: string): number {
    const v = parseFloatBytes(this.b, s, e);
    if (numError !== '') {
      throw this.errorAt(
        s,
        `strconv.ParseFloat: parsing ${quoteBytes(this.b, s, e)}: ${numError} while parsing: ${quoteBytes(this.b, this.entryStart, e)}`,
        what,
      );
    }
    if (!Number.isFinite(v)) throw this.errorAt(s, `invalid ${what} ${String(v)}`, what);
    return Math.trunc(v * 1000);
  }

  private exemplarSuffix(p: number): EntryType {
    const b = this.b;
    const end = this.end;
    p += 3; // "# {"
    this.exN = 0;
    this.exStart = p;
    p = this.labelPairs(p, true);
    this.exEnd = p - 1;
    if (p >= end) this.eofError(p);
    if (b[p] !== SP) throw this.expected('expected value after exemplar labels', p, p, tokName(b, p, end));
    p++;
    const ve = this.token(p);
    this.exVal = this.float(p, ve, 'exemplar labels');
    p = ve;
    this.exHasTs = false;
    if (p >= end) this.eofError(p);
    if (b[p] === SP) {
      p++;
      const te = this.token(p);
      if (te === p) throw this.expected('expected timestamp or comment', p, p, tokName(b, p, end));
      this.exTs = this.seconds(p, te, 'exemplar timestamp');
      this.exHasTs = true;
      p = te;
      if (p >= end) this.eofError(p);
      if (b[p] !== LF) throw this.expected('expected next entry after exemplar timestamp', p, p, tokName(b, p, end));
    }
    this.hasEx = true;
    this.pos = p + 1;
    return 'series';
  }

  private hashLine(p: number): EntryType | null {
    const b = this.b;
    const end = this.end;
    const lineStart = p;
    if (p + 1 < end && b[p + 1] === SP) {
      const q = p + 2;
      if (q + 3 <= end && b[q] === 0x45 && b[q + 1] === 0x4f && b[q + 2] === 0x46) {
        // "# EOF" then an optional newline, then nothing.
        let after = q + 3;
        if (after < end && b[after] === LF) after++;
        if (after === q + 3 && after < end) throw this.expected('expected a valid start token', p, q + 3, 'INVALID');
        if (after < end) throw this.errorAt(after, 'unexpected data after # EOF', 'end of input');
        this.done = true;
        this.pos = end;
        return null;
      }
      if (q + 5 <= end && b[q + 4] === SP) {
        let kind: 'help' | 'type' | 'unit' | null = null;
        if (b[q] === 0x48 && b[q + 1] === 0x45 && b[q + 2] === 0x4c && b[q + 3] === 0x50) kind = 'help';
        else if (b[q] === 0x54 && b[q + 1] === 0x59 && b[q + 2] === 0x50 && b[q + 3] === 0x45) kind = 'type';
        else if (b[q] === 0x55 && b[q + 1] === 0x4e && b[q + 2] === 0x49 && b[q + 3] === 0x54) kind = 'unit';
        if (kind !== null) return this.metaLine(lineStart, kind, q + 5);
      }
    }
    throw this.expected('expected a valid start token', p, p + 1, 'INVALID');
  }

  private metaLine(lineStart: number, kind: 'help' | 'type' | 'unit', p: number): EntryType {
    const b = this.b;
    const end = this.end;
    const what = kind.toUpperCase();
    const c = p < end ? b[p]! : LF;
    this.nameFlags = 0;
    if ((CLASS[c]! & M_START) !== 0) {
      this.nameStart = p;
      p++;
      while (p < end && (CLASS[b[p]!]! & M_CHAR) !== 0) p++;
      this.nameEnd = p;
    } else if (c === QUOTE && !this.strict) {
      this.nameStart = p + 1;
      const close = this.quoted(p, `expected metric name after ${what}`);
      this.nameEnd = close;
      this.nameFlags = (this.qFlags & 1 ? F_NAME_ESC : 0) | (this.qFlags & 2 ? F_NAME_HI : 0);
      p = close + 1;
      if (this.nameFlags & F_NAME_HI && !validUtf8(b, this.nameStart, this.nameEnd)) {
        throw this.errorAt(
          this.nameStart,
          `invalid UTF-8 metric name: ${quoteBytes(b, this.nameStart, this.nameEnd)}`,
          'metric name',
        );
      }
    } else {
      throw this.expected(`expected metric name after ${what}`, p, p, tokName(b, p, end));
    }
    // A single space, then the text to the end of the line.
    const e = lineEnd(b, this.dv, p, end);
    const hi = lineHi;
    if (p >= end || b[p] !== SP || e < 0) throw this.errorAt(p, `expected text in ${what}`, 'text');
    this.textStart = p + 1;
    this.textEnd = e;
    this.pos = e + 1;
    this.entryStart = lineStart;
    this.setMetaNameFromCurrent();
    if (kind === 'type') {
      const t = omType(b, this.textStart, this.textEnd);
      if (t === null)
        throw this.errorAt(
          this.textStart,
          `invalid metric type ${quoteBytes(b, this.textStart, this.textEnd)}`,
          'metric type',
        );
      this.mtype = t;
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
    if (kind === 'help') return 'help';
    const name = this.metaName;
    const u = utf8(b, this.textStart, this.textEnd);
    if (u !== '' && (!name.endsWith(u) || name.length < u.length + 1 || name[name.length - u.length - 1] !== '_')) {
      throw this.errorAt(
        this.textStart,
        `unit ${JSON.stringify(u)} not a suffix of metric ${JSON.stringify(name)}`,
        'unit',
      );
    }
    this.unitText = u;
    return 'unit';
  }
}

/** The identity of a series within its family for `_created` matching: labels without le/quantile. */
function createdKey(l: Labels): string {
  return l.without('__name__', 'le', 'quantile').key();
}
