/**
 * State and accessors shared by the two text parsers. A parser records byte offsets of the
 * current entry (metric name, label names and values, text) into reusable typed arrays; strings
 * and Labels are built only when an accessor asks for them.
 */
import { Buffer } from 'node:buffer';
import { compareStrings, Labels, METRIC_NAME } from '../model/labels.js';
import { formatFloatG } from '../model/value.js';
import {
  asBuffer,
  BACKSLASH,
  decode,
  LF,
  latin1,
  QUOTE,
  RBRACE,
  parseFloatBytes,
  parseFloatInto,
  parsedFloat,
  numError,
  quoteBytes,
  unescapeLabel,
  utf8,
} from './bytes.js';
import type { EntryType, Exemplar, MetricKind, Parser, SeriesHint } from './interface.js';
import { ParseError } from './interface.js';

/** Per-label record in `lo`: nameStart, nameEnd, valueStart, valueEnd, flags. */
export const REC = 5;
/** flag: the name or value contains a backslash escape. */
export const F_NAME_ESC = 1;
export const F_VAL_ESC = 2;
/** flag: the name or value has bytes ≥ 0x80 (decode as UTF-8). */
export const F_NAME_HI = 4;
export const F_VAL_HI = 8;

/** Bytes that stop the skim of label pairs outside quotes: `"`, `}` and line feed. */
const SKIM_STOP = new Uint8Array(256);
SKIM_STOP[QUOTE] = 1;
SKIM_STOP[RBRACE] = 1;
SKIM_STOP[LF] = 1;
/** Bytes that stop the skim inside a quoted string: `"`, `\\` and line feed. */
const SKIM_QSTOP = new Uint8Array(256);
SKIM_QSTOP[QUOTE] = 1;
SKIM_QSTOP[BACKSLASH] = 1;
SKIM_QSTOP[LF] = 1;

/**
 * Finds the end of label pairs that start at `p` (after `{`): the offset after the `}` outside
 * quoted strings, or -1 when a line feed or the end of input comes first (then the caller parses
 * them properly, which reports the error). For valid label pairs this is exactly where the full
 * parse ends: names are unquoted identifiers or quoted strings, values are quoted strings, and
 * both parsers skip the byte after a backslash inside quotes.
 */
export function skimPairs(b: Uint8Array, p: number, end: number): number {
  for (;;) {
    while (p < end && SKIM_STOP[b[p]!] === 0) p++;
    if (p >= end) return -1;
    const c = b[p]!;
    if (c === RBRACE) return p + 1;
    if (c === LF) return -1;
    p++; // the opening quote
    for (;;) {
      while (p < end && SKIM_QSTOP[b[p]!] === 0) p++;
      if (p >= end) return -1;
      const d = b[p]!;
      if (d === QUOTE) break;
      if (d === LF) return -1;
      p += 2;
    }
    p++;
  }
}

export abstract class ParserBase implements Parser {
  protected readonly b: Buffer;
  /** A DataView of `b`, for word-at-a-time scans. */
  protected readonly dv: DataView;
  protected readonly end: number;
  protected pos = 0;

  /** Lazy mode (ParserOptions.lazyLabels): label pairs of series are skimmed by next(). */
  protected readonly lazy: boolean;
  /** Offset after the `{` of the current series whose label pairs were only skimmed, else -1. */
  protected pendingAt = -1;
  /** The skimmed label pairs must still be checked before the parser moves on. */
  protected pendingCheck = false;
  abstract readonly dialect: number;
  /** Lazy mode: the scrape cache's prediction of the next series (ParserOptions.seriesHint). */
  protected readonly hint: SeriesHint | null;

  // Current entry.
  protected entryStart = 0;
  protected seriesStart = 0;
  protected seriesEnd = 0;
  protected nameStart = 0;
  protected nameEnd = 0;
  /** flags of the metric name (F_NAME_ESC | F_NAME_HI). */
  protected nameFlags = 0;
  protected lo = new Int32Array(REC * 16);
  protected nLabels = 0;
  /** The sample value (in an array: a double field read and passed on stays unboxed). */
  protected readonly val = new Float64Array(1);
  protected hasTs = false;
  protected ts = 0;
  protected textStart = 0;
  protected textEnd = 0;
  protected mtype: MetricKind = 'unknown';
  protected unitText = '';

  /** Metric family of the last TYPE line and its type (for `type()` on series). */
  private metaNS = 0;
  private metaNE = 0;
  private metaNF = 0;
  private metaNameCache: string | null = '';

  /** The family name of the last metadata line, decoded on first use. */
  protected get metaName(): string {
    if (this.metaNameCache === null) {
      const s = decode(this.b, this.metaNS, this.metaNE, (this.metaNF & F_NAME_HI) === 0);
      this.metaNameCache = this.metaNF & F_NAME_ESC ? unescapeLabel(s) : s;
    }
    return this.metaNameCache;
  }

  protected set metaName(v: string) {
    this.metaNameCache = v;
  }

  /** Records the current metric name (nameStart…) as the metadata family name. */
  protected setMetaNameFromCurrent(): void {
    this.metaNS = this.nameStart;
    this.metaNE = this.nameEnd;
    this.metaNF = this.nameFlags;
    this.metaNameCache = null;
  }

  /** Whether the metadata family name equals bytes [s, e) (no escapes there). */
  protected metaNameEquals(s: number, e: number): boolean {
    if (this.metaNameCache !== null || this.metaNF !== 0) return this.metaName === latin1(this.b, s, e);
    if (e - s !== this.metaNE - this.metaNS) return false;
    const b = this.b;
    for (let i = 0, o = this.metaNS; i < e - s; i++) if (b[s + i] !== b[o + i]) return false;
    return true;
  }
  protected metaType: MetricKind = 'unknown';

  // Lazy line numbers.
  private lineCachePos = 0;
  private lineCacheLine = 1;

  constructor(input: Uint8Array, lazy = false, hint: SeriesHint | null = null) {
    this.b = asBuffer(input);
    this.dv = new DataView(this.b.buffer, this.b.byteOffset, this.b.byteLength);
    this.end = this.b.length;
    this.lazy = lazy;
    this.hint = lazy ? hint : null;
  }

  /**
   * Lazy mode, at the `{` (offset `brace`) of a series that starts at seriesStart: when the hint
   * predicts this series, records it as checked and returns the offset after its `}`, else -1.
   */
  protected predicted(brace: number): number {
    const n = this.hint!.predict(this.b, this.seriesStart, this.end, this.dialect);
    if (n < 0 || this.seriesStart + n <= brace) return -1;
    this.pendingAt = brace + 1;
    this.pendingCheck = false;
    this.seriesEnd = this.seriesStart + n;
    return this.seriesEnd;
  }

  abstract next(): EntryType | null;
  abstract help(): string;

  /** Parses label pairs after `{` at `p` into `lo`/`nLabels`; returns the offset after `}`. */
  protected abstract parsePairs(p: number): number;

  /** Parses (and so checks) the skimmed label pairs of the current series now. */
  protected settle(): void {
    const at = this.pendingAt;
    this.pendingAt = -1;
    this.pendingCheck = false;
    this.nLabels = 0;
    this.parsePairs(at);
  }

  trustSeries(): void {
    this.pendingCheck = false;
  }

  checkSeries(): void {
    if (this.pendingAt >= 0) this.settle();
  }

  // --- accessors -------------------------------------------------------------------------

  metricName(): string {
    const s = decode(this.b, this.nameStart, this.nameEnd, (this.nameFlags & F_NAME_HI) === 0);
    return this.nameFlags & F_NAME_ESC ? unescapeLabel(s) : s;
  }

  seriesKey(): string {
    return latin1(this.b, this.seriesStart, this.seriesEnd);
  }

  seriesBytes(): Uint8Array {
    return this.b;
  }

  seriesOffset(): number {
    return this.seriesStart;
  }

  seriesLength(): number {
    return this.seriesEnd - this.seriesStart;
  }

  value(): number {
    return this.val[0]!;
  }

  timestamp(): number | undefined {
    return this.hasTs ? this.ts : undefined;
  }

  exemplar(): Exemplar | null {
    return null;
  }

  createdTimestamp(): number | undefined {
    return undefined;
  }

  type(): MetricKind {
    return this.mtype;
  }

  unit(): string {
    return this.unitText;
  }

  comment(): string {
    return utf8(this.b, this.textStart, this.textEnd);
  }

  line(): number {
    return this.lineAt(this.entryStart);
  }

  labels(): Labels {
    if (this.pendingAt >= 0) this.settle();
    return this.buildLabels(this.lo, this.nLabels, this.metricName(), this.mtype);
  }

  /** The type in force for a series named `name` (the last TYPE when it names its family). */
  protected seriesType(name: string): MetricKind {
    return this.metaName !== '' && isSeriesPartOfFamily(name, this.metaName, this.metaType) ? this.metaType : 'unknown';
  }

  protected buildLabels(lo: Int32Array, n: number, metricName: string | null, normType: MetricKind): Labels {
    const names: string[] = new Array(n + (metricName === null ? 0 : 1));
    const values: string[] = new Array(names.length);
    let k = 0;
    if (metricName !== null) {
      names[0] = METRIC_NAME;
      values[0] = metricName;
      k = 1;
    }
    const b = this.b;
    for (let i = 0; i < n; i++) {
      const r = i * REC;
      const f = lo[r + 4]!;
      let name = decode(b, lo[r]!, lo[r + 1]!, (f & F_NAME_HI) === 0);
      if (f & F_NAME_ESC) name = unescapeLabel(name);
      let value = decode(b, lo[r + 2]!, lo[r + 3]!, (f & F_VAL_HI) === 0);
      if (f & F_VAL_ESC) value = unescapeLabel(value);
      if ((normType === 'histogram' && name === 'le') || (normType === 'summary' && name === 'quantile')) {
        value = normalizeFloat(value);
      }
      names[k] = name;
      values[k] = value;
      k++;
    }
    // Insertion sort of indexes by name (label sets are small).
    const idx: number[] = new Array(k);
    for (let i = 0; i < k; i++) {
      const nm = names[i]!;
      let j = i - 1;
      while (j >= 0 && compareStrings(names[idx[j]!]!, nm) > 0) {
        idx[j + 1] = idx[j]!;
        j--;
      }
      idx[j + 1] = i;
    }
    const flat: string[] = [];
    for (let i = 0; i < k; i++) {
      const nm = names[idx[i]!]!;
      if (i > 0 && nm === names[idx[i - 1]!]) {
        throw this.errorAt(this.seriesStart, `label name "${nm}" is not unique: invalid sample`);
      }
      const v = values[idx[i]!]!;
      if (v !== '') flat.push(nm, v);
    }
    return Labels.fromSortedFlat(flat);
  }

  // --- errors and positions ---------------------------------------------------------------

  /** 1-based line of byte offset `off`. */
  lineAt(off: number): number {
    let p = this.lineCachePos;
    let line = this.lineCacheLine;
    if (off < p) {
      p = 0;
      line = 1;
    }
    const b = this.b;
    for (; p < off && p < this.end; p++) if (b[p] === LF) line++;
    this.lineCachePos = p;
    this.lineCacheLine = line;
    return line;
  }

  protected columnAt(off: number): number {
    let s = Math.min(off, this.end);
    while (s > 0 && this.b[s - 1] !== LF) s--;
    return off - s + 1;
  }

  protected errorAt(off: number, message: string, expected?: string): ParseError {
    return new ParseError(message, this.lineAt(off), this.columnAt(off), expected);
  }

  /**
   * Prometheus' parseError: `<exp>, got "<token>" ("<TOKEN>") while parsing: "<line so far>"`.
   * `tokStart` is where the offending token starts, `tokEnd` where the parser stopped.
   */
  protected expected(exp: string, tokStart: number, tokEnd: number, tokName: string): ParseError {
    const e = Math.min(this.end, tokEnd + 1);
    const got = quoteBytes(this.b, tokStart, e);
    const ctx = quoteBytes(this.b, this.entryStart, e);
    return this.errorAt(
      tokStart,
      `${exp}, got ${got} (${JSON.stringify(tokName)}) while parsing: ${ctx}`,
      exp.replace(/^expected /, ''),
    );
  }

  /** Parses the value bytes [s, e) or throws Prometheus' error. */
  /** Parses the sample value at [s, e) into val[0]. */
  protected parseValue(s: number, e: number): void {
    this.parseFloat(s, e);
    this.val[0] = parsedFloat[0]!;
  }

  /** Parses a float at [s, e) into parsedFloat[0]; throws Prometheus' error when it is not one. */
  protected parseFloat(s: number, e: number): void {
    parseFloatInto(this.b, s, e);
    if (numError !== '') {
      throw this.errorAt(
        s,
        `strconv.ParseFloat: parsing ${quoteBytes(this.b, s, e)}: ${numError} while parsing: ${quoteBytes(this.b, this.entryStart, e)}`,
        'value',
      );
    }
  }

  protected growLabels(): void {
    const n = new Int32Array(this.lo.length * 2);
    n.set(this.lo);
    this.lo = n;
  }
}

/** Whether `name` belongs to the family `family` of type `t` (suffixes per type, as Prometheus). */
export function isSeriesPartOfFamily(name: string, family: string, t: MetricKind): boolean {
  if (name === family) return true;
  if (!name.startsWith(family)) return false;
  const suffix = name.slice(family.length);
  switch (t) {
    case 'counter':
      return suffix === '_total' || suffix === '_created';
    case 'summary':
      return suffix === '_sum' || suffix === '_count' || suffix === '_created';
    case 'histogram':
    case 'gaugehistogram':
      return (
        suffix === '_bucket' ||
        suffix === '_sum' ||
        suffix === '_count' ||
        suffix === '_created' ||
        suffix === '_gsum' ||
        suffix === '_gcount'
      );
    case 'info':
      return suffix === '_info';
    default:
      return false;
  }
}

/** Prometheus' normalisation of `le`/`quantile` values: canonical float text, `.0` for integers. */
export function normalizeFloat(v: string): string {
  const bytes = Buffer.from(v, 'utf8');
  if (bytes.length !== v.length) return v;
  const f = parseFloatBytes(bytes, 0, bytes.length);
  if (numError !== '') return v;
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  const s = formatFloatG(f);
  return s.includes('.') || s.includes('e') ? s : s + '.0';
}
