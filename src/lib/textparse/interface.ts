/**
 * The pull-parser interface shared by the exposition parsers (Prometheus text 0.0.4 and OpenMetrics
 * 1.0 text), modelled on Prometheus' model/textparse.Parser.
 *
 * Usage (the scrape loop):
 *
 * ```ts
 * const p = new PromParser(body);            // or createParser(body, contentType, opts).parser
 * for (let e = p.next(); e !== null; e = p.next()) {
 *   if (e !== 'series') continue;            // or collect metadata from 'help' / 'type' / 'unit'
 *   const key = p.seriesKey();               // cheap: the raw `name{labels}` bytes, as a string
 *   let entry = cache.get(key);
 *   if (entry === undefined) entry = addToCache(key, p.labels()); // labels parsed only here
 *   append(entry.ref, p.timestamp() ?? now, p.value());
 *   // Faster still: SeriesCache (series-cache.ts) looks the raw bytes up without making a string.
 * }
 * ```
 *
 * `next()` throws a {@link ParseError} on malformed input; the entries returned before the error
 * were valid (with `lazyLabels`: all but the last one, whose label pairs are checked late). Accessors describe the entry last returned by `next()` and are only meaningful for
 * the entry kinds documented on each of them. Parsers hold no per-sample objects: accessors that
 * return objects (`labels()`, `exemplar()`) build them on demand.
 */
import type { Labels } from '../model/labels.js';
import type { MetricKind } from '../model/metricfamily.js';

export type { MetricKind } from '../model/metricfamily.js';

/**
 * The kinds of entries a parser yields (Prometheus' textparse.Entry without the native histogram
 * one, which only the protobuf format carries).
 */
export type EntryType = 'series' | 'help' | 'type' | 'unit' | 'comment';

/** An exemplar attached to a sample (OpenMetrics only). */
export interface Exemplar {
  /** The exemplar's own label set (never includes `__name__`). */
  labels: Labels;
  value: number;
  /** Milliseconds since the epoch, when the exposition gave one. */
  timestamp?: number;
}

export interface Parser {
  /**
   * Advances to the next entry and returns its kind, or null at the end of the input (for
   * OpenMetrics: after `# EOF`, which must be the last line). Throws ParseError.
   */
  next(): EntryType | null;

  /**
   * 'series': the sample's metric name as exposed (with suffixes such as `_total` or `_bucket`,
   * unescaped when quoted). 'help' | 'type' | 'unit': the metric family name.
   */
  metricName(): string;

  /**
   * 'series': an opaque string that identifies the series exactly as written in the exposition:
   * the bytes of the name and label set (everything before the value), one char per byte (latin1),
   * so equal keys mean byte-identical series text. Cheap (no label parsing): use it as the scrape
   * cache key. Two spellings of the same label set (order, spaces, quoting) give different keys.
   */
  seriesKey(): string;

  /**
   * 'series': the input buffer and the byte range of the series text (what seriesKey() returns as a
   * string). For allocation-free caches such as {@link SeriesCache}; do not modify the buffer.
   */
  seriesBytes(): Uint8Array;
  seriesOffset(): number;
  seriesLength(): number;

  /**
   * 'series': the full label set including `__name__`, parsed now (lazily) and sorted. `le` of
   * histogram families and `quantile` of summary families are normalised to Prometheus' canonical
   * float form in the text format parser, as Prometheus does.
   */
  labels(): Labels;

  /** 'series': the sample value. Any NaN in the input comes out as the canonical NaN. */
  value(): number;

  /** 'series': the timestamp in milliseconds since the epoch, or undefined when absent. */
  timestamp(): number | undefined;

  /** 'series': the exemplar of the current sample (OpenMetrics), or null. */
  exemplar(): Exemplar | null;

  /**
   * 'series': the created timestamp (ms) of the current sample's family, from its `_created`
   * series, when the parser was built with `skipCreatedSeries` and one exists; otherwise undefined.
   */
  createdTimestamp(): number | undefined;

  /** 'help': the unescaped HELP text. */
  help(): string;

  /**
   * 'type': the declared type. 'series': the type in force for this sample (the last TYPE seen
   * for its family, 'unknown' when none).
   */
  type(): MetricKind;

  /** 'unit': the declared unit (OpenMetrics). */
  unit(): string;

  /** 'comment': the comment line's text, `#` included. */
  comment(): string;

  /** 1-based line of the current entry (for messages). */
  line(): number;

  /**
   * Lazy parsers (`lazyLabels`): the current series' text is byte-identical to a series that a
   * parser of the same {@link Parser.dialect} already checked (a scrape-cache hit), so its label
   * pairs need not be checked again. Without this call they are checked by the next `next()`.
   */
  trustSeries?(): void;

  /** Lazy parsers: checks the current series' label pairs now (throws ParseError). */
  checkSeries?(): void;

  /**
   * Which grammar this parser accepts (1 text format, 2 OpenMetrics, 3 strict OpenMetrics): a
   * series text checked by one parser is valid for every parser of the same dialect.
   */
  readonly dialect?: number;
}

/** Options shared by the parsers. */
export interface ParserOptions {
  /**
   * OpenMetrics: do not emit `_created` series of counters, histograms, summaries and gauge
   * histograms as samples; expose them through `createdTimestamp()` instead (Prometheus'
   * `WithOMParserCTSeriesSkipped`). Default false: `_created` series are ordinary samples.
   */
  skipCreatedSeries?: boolean;

  /**
   * Skim each series' label pairs (find the closing brace) instead of parsing them in `next()`;
   * parse and check them only when `labels()` asks for them, or at the following `next()` unless
   * the caller said `trustSeries()` (the series text is byte-identical to one checked before: a
   * scrape-cache hit, as SeriesCache.find reports). A malformed label set then surfaces one
   * `next()` later, still as a ParseError naming its line. Default false.
   */
  lazyLabels?: boolean;

  /**
   * With `lazyLabels`: a scrape cache that predicts the next series (SeriesCache does). When the
   * input continues with the predicted series' text, byte for byte, the parser takes it as that
   * series without scanning its label pairs: they were checked when the cache learnt it.
   */
  seriesHint?: SeriesHint;
}

/** Predicts the next series text of an exposition (a scrape cache, in exposition order). */
export interface SeriesHint {
  /**
   * When the bytes of `b` at `off` (before `end`) start with the expected next series text, a
   * text that ends with the `}` of its label set and was checked by a parser of `dialect`:
   * that text's length. Otherwise -1.
   */
  predict(b: Uint8Array, off: number, end: number, dialect: number): number;
}

/** The exposition formats the parsers read. */
export type ExpositionFormat = 'prometheus-text' | 'openmetrics';

/**
 * A malformed exposition. `line` and `column` are 1-based (column counts bytes, as Prometheus
 * does); `expected` names what the parser wanted at that point. `message` reads like Prometheus'
 * error text.
 */
export class ParseError extends Error {
  override readonly name = 'ParseError';
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
    readonly expected?: string,
  ) {
    super(message);
  }

  /** `line:column: message`, the form check metrics prints. */
  override toString(): string {
    return `${this.line}:${this.column}: ${this.message}`;
  }
}
