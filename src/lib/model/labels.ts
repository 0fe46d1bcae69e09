/**
 * Label sets, the identity of every series. A `Labels` is immutable, sorted by label name, and never
 * holds an empty value (Prometheus treats an empty value as an absent label). It stores names and
 * values in one flat array so that millions of series cost little memory.
 */

export const METRIC_NAME = '__name__';

const LEGACY_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LEGACY_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Whether `name` is a metric name in the classic character set (no quoting needed). */
export function isLegacyMetricName(name: string): boolean {
  return LEGACY_NAME.test(name);
}

/** Whether `name` is a label name in the classic character set (no quoting needed). */
export function isLegacyLabelName(name: string): boolean {
  return LEGACY_LABEL.test(name);
}

/**
 * Whether `name` is valid under Prometheus 3's default UTF-8 name validation: any non-empty valid
 * UTF-8 string (JS strings from decoded UTF-8 always are, lone surrogates aside).
 */
export function isValidUtf8Name(name: string): boolean {
  return name.length > 0 && !LONE_SURROGATE.test(name);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Quotes a string as Go's strconv.Quote does for printable text (used by Prometheus' printers). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        break;
      case '\\':
        out += '\\\\';
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
      case '\x07':
        out += '\\a';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\v':
        out += '\\v';
        break;
      default:
        if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
        // Lone surrogates U+DC80..U+DCFF stand for invalid UTF-8 bytes (PromQL "\xff" escapes).
        else if (c >= 0xdc80 && c <= 0xdcff) out += '\\x' + (c - 0xdc00).toString(16);
        else if (c === 0xfffd && ch !== '\ufffd') out += '\\ufffd';
        else out += ch;
    }
  }
  return out + '"';
}

export class Labels {
  static readonly EMPTY = new Labels([]);

  private _key?: string;

  /** `flat` is [name0, value0, name1, value1, …] sorted by name without empty values. */
  private constructor(private readonly flat: readonly string[]) {}

  /** Trusted constructor: `flat` must already be sorted by name, unique, with no empty values. */
  static fromSortedFlat(flat: readonly string[]): Labels {
    return flat.length === 0 ? Labels.EMPTY : new Labels(flat);
  }

  /** Builds labels from name/value pairs in any order. Empty values are dropped; the last duplicate wins. */
  static fromPairs(pairs: Iterable<readonly [string, string]>): Labels {
    const m = new Map<string, string>();
    for (const [n, v] of pairs) m.set(n, v);
    return Labels.fromMap(m);
  }

  static fromObject(obj: Readonly<Record<string, string>>): Labels {
    return Labels.fromPairs(Object.entries(obj));
  }

  static fromMap(m: ReadonlyMap<string, string>): Labels {
    const names = [...m.keys()].filter((n) => m.get(n) !== '').sort(compareStrings);
    const flat: string[] = new Array(names.length * 2);
    names.forEach((n, i) => {
      flat[2 * i] = n;
      flat[2 * i + 1] = m.get(n)!;
    });
    return Labels.fromSortedFlat(flat);
  }

  /** Number of labels. */
  get size(): number {
    return this.flat.length >> 1;
  }

  isEmpty(): boolean {
    return this.flat.length === 0;
  }

  name(i: number): string {
    return this.flat[2 * i]!;
  }

  value(i: number): string {
    return this.flat[2 * i + 1]!;
  }

  /** The value of `name`, or '' when absent (as in Prometheus). */
  get(name: string): string {
    const f = this.flat;
    for (let i = 0; i < f.length; i += 2) {
      if (f[i] === name) return f[i + 1]!;
    }
    return '';
  }

  has(name: string): boolean {
    const f = this.flat;
    for (let i = 0; i < f.length; i += 2) if (f[i] === name) return true;
    return false;
  }

  /** The metric name (`__name__`), or ''. */
  metricName(): string {
    return this.get(METRIC_NAME);
  }

  forEach(fn: (name: string, value: string) => void): void {
    const f = this.flat;
    for (let i = 0; i < f.length; i += 2) fn(f[i]!, f[i + 1]!);
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    const f = this.flat;
    for (let i = 0; i < f.length; i += 2) yield [f[i]!, f[i + 1]!];
  }

  /** The flat [name, value, …] array; do not modify. */
  toFlat(): readonly string[] {
    return this.flat;
  }

  toObject(): Record<string, string> {
    const o: Record<string, string> = {};
    this.forEach((n, v) => (o[n] = v));
    return o;
  }

  /**
   * A string that identifies this label set exactly: equal labels have equal keys. Use it as a Map
   * key. Cached.
   */
  key(): string {
    return (this._key ??= this.flat.join('\xff'));
  }

  equals(other: Labels): boolean {
    if (this === other) return true;
    const a = this.flat;
    const b = other.flat;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /** Labels.Compare in Prometheus: by names and values in order, then by length. */
  static compare(a: Labels, b: Labels): number {
    const x = a.flat;
    const y = b.flat;
    const l = Math.min(x.length, y.length);
    for (let i = 0; i < l; i += 2) {
      if (x[i] !== y[i]) return compareStrings(x[i]!, y[i]!);
      if (x[i + 1] !== y[i + 1]) return compareStrings(x[i + 1]!, y[i + 1]!);
    }
    return x.length - y.length;
  }

  /** A copy without the named labels. */
  without(...names: string[]): Labels {
    const drop = new Set(names);
    const out: string[] = [];
    const f = this.flat;
    for (let i = 0; i < f.length; i += 2) if (!drop.has(f[i]!)) out.push(f[i]!, f[i + 1]!);
    return out.length === f.length ? this : Labels.fromSortedFlat(out);
  }

  /** A copy with only the named labels. */
  keep(...names: string[]): Labels {
    const keep = new Set(names);
    const out: string[] = [];
    const f = this.flat;
    for (let i = 0; i < f.length; i += 2) if (keep.has(f[i]!)) out.push(f[i]!, f[i + 1]!);
    return out.length === f.length ? this : Labels.fromSortedFlat(out);
  }

  /** A copy without `__name__`. */
  dropMetricName(): Labels {
    return this.flat[0] === METRIC_NAME ? Labels.fromSortedFlat(this.flat.slice(2)) : this;
  }

  builder(): LabelsBuilder {
    return new LabelsBuilder(this);
  }

  /** Prometheus' labels.String(): `{a="1", b="2"}`, names quoted when not in the classic set. */
  toString(): string {
    const parts: string[] = [];
    this.forEach((n, v) => parts.push(`${isLegacyLabelName(n) ? n : goQuote(n)}=${goQuote(v)}`));
    return `{${parts.join(', ')}}`;
  }

  /** PromQL's form: `name{a="1"}`, or `{"odd.name", a="1"}` for names outside the classic set. */
  toMetricString(): string {
    const name = this.metricName();
    const parts: string[] = [];
    let prefix = '';
    if (name !== '') {
      if (isLegacyMetricName(name)) prefix = name;
      else parts.push(goQuote(name));
    }
    this.forEach((n, v) => {
      if (n !== METRIC_NAME) parts.push(`${isLegacyLabelName(n) ? n : goQuote(n)}=${goQuote(v)}`);
    });
    if (prefix && parts.length === 0) return prefix;
    return `${prefix}{${parts.join(', ')}}`;
  }
}

/** Mutable helper to derive new label sets: set('', …) or del removes a label. */
export class LabelsBuilder {
  private readonly m = new Map<string, string>();
  private changed = false;

  constructor(private base: Labels = Labels.EMPTY) {
    base.forEach((n, v) => this.m.set(n, v));
  }

  reset(base: Labels): this {
    this.base = base;
    this.m.clear();
    this.changed = false;
    base.forEach((n, v) => this.m.set(n, v));
    return this;
  }

  get(name: string): string {
    return this.m.get(name) ?? '';
  }

  set(name: string, value: string): this {
    if (value === '') return this.del(name);
    if (this.m.get(name) !== value) {
      this.m.set(name, value);
      this.changed = true;
    }
    return this;
  }

  del(...names: string[]): this {
    for (const n of names) if (this.m.delete(n)) this.changed = true;
    return this;
  }

  /** Keeps only the named labels. */
  keep(...names: string[]): this {
    const k = new Set(names);
    for (const n of [...this.m.keys()]) if (!k.has(n)) this.del(n);
    return this;
  }

  forEach(fn: (name: string, value: string) => void): void {
    this.m.forEach((v, n) => fn(n, v));
  }

  labels(): Labels {
    return this.changed ? Labels.fromMap(this.m) : this.base;
  }
}

/** Byte-wise (UTF-8 order) comparison, as Go compares strings. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  // For BMP-only strings UTF-16 order equals UTF-8 order; surrogates need care.
  const l = Math.min(a.length, b.length);
  for (let i = 0; i < l; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      // A surrogate starts a code point above U+FFFF, which sorts after every BMP character in UTF-8.
      if (xs !== ys) return xs ? 1 : -1;
      return x - y;
    }
  }
  return a.length - b.length;
}
