/**
 * The per-target scrape cache (Prometheus' scrapeCache): maps the raw series text of an exposition
 * line to the final, relabeled label set and the storage ref, so a warm scrape neither parses
 * labels nor relabels; remembers series dropped by relabeling; and tracks which label sets were
 * seen in the previous scrape to write staleness markers for those that disappeared.
 *
 * The series are held in textparse's SeriesCache, keyed by the raw bytes (no string per sample),
 * which also serves the parser as its series hint: a line that continues with the series expected
 * next is recognised by one byte comparison, its label pairs neither scanned nor parsed.
 */
import { Labels } from '../model/labels.js';
import type { MetricKind } from '../model/metricfamily.js';
import type { Parser } from '../textparse/interface.js';
import { SeriesCache } from '../textparse/series-cache.js';

export interface CacheEntry {
  ref: number;
  /** Final labels; EMPTY for a series dropped by relabeling. */
  lset: Labels;
  /** Dropped by metric relabeling: skip it. */
  dropped: boolean;
  /** The scrape iteration that last saw this series text. */
  lastIter: number;
  /** The append attempt in which the series last counted for staleness, and the one before. */
  tracked: number;
  prevTracked: number;
}

export interface MetricMetadataEntry {
  type: MetricKind;
  help: string;
  unit: string;
  lastIter: number;
}

export class ScrapeCache {
  /** Current scrape iteration. */
  iter = 0;
  /** Entries by series text; the parser's series hint (ParserOptions.seriesHint). */
  readonly series = new SeriesCache<CacheEntry>();
  readonly metadata = new Map<string, MetricMetadataEntry>();
  /**
   * Staleness is tracked with stamps instead of per-scrape sets (no Map write per sample): every
   * append attempt gets a stamp; an entry records the stamp of the attempt that last appended it
   * (and the one before, so that a failed attempt does not hide what the last good scrape had).
   */
  private stamp = 0;
  private lastGood = -1;
  private successfulCount = 0;

  /** Number of cached series (dropped ones included). */
  get size(): number {
    return this.series.size;
  }

  /**
   * Starts an append attempt. Attempts that fail are followed by an empty attempt, which then
   * marks every series of the last good scrape stale.
   */
  beginAttempt(): void {
    this.stamp++;
  }

  /** The entry for the parser's current series, if cached (a hit tells a lazy parser to trust it). */
  find(p: Parser): CacheEntry | undefined {
    const id = this.series.find(p);
    return id < 0 ? undefined : this.series.value(id);
  }

  /** Marks `e` as appended in the current attempt (it is not stale). */
  trackStaleness(e: CacheEntry): void {
    if (e.tracked !== this.stamp) {
      e.prevTracked = e.tracked;
      e.tracked = this.stamp;
    }
  }

  /**
   * Adds the parser's current series (not cached yet); `track` when it has no explicit timestamp
   * (or staleness tracking is forced).
   */
  add(p: Parser, ref: number, lset: Labels, track: boolean): CacheEntry {
    const e: CacheEntry = { ref, lset, dropped: false, lastIter: this.iter, tracked: -1, prevTracked: -1 };
    this.series.add(p, e);
    if (track) this.trackStaleness(e);
    return e;
  }

  /** Remembers a series dropped by relabeling. */
  addDropped(p: Parser): CacheEntry {
    const e = this.add(p, 0, Labels.EMPTY, false);
    e.dropped = true;
    return e;
  }

  /** Number of cached series dropped by relabeling. */
  droppedCount(): number {
    let n = 0;
    this.series.forEach((e) => {
      if (e.dropped) n++;
    });
    return n;
  }

  setMetadata(family: string, f: (m: MetricMetadataEntry) => void): void {
    let m = this.metadata.get(family);
    if (!m) {
      m = { type: 'unknown', help: '', unit: '', lastIter: this.iter };
      this.metadata.set(family, m);
    }
    m.lastIter = this.iter;
    f(m);
  }

  /** Label sets appended in the last good scrape but not in the current attempt. */
  forEachStale(fn: (lset: Labels) => void): void {
    const good = this.lastGood;
    if (good < 0) return;
    const cur = this.stamp;
    let stale: CacheEntry[] | null = null;
    this.series.forEach((e) => {
      if (e.tracked !== cur && (e.tracked === good || e.prevTracked === good)) (stale ??= []).push(e);
    });
    if (!stale) return;
    // A label set can come from two spellings of a series: it is stale only if none was appended
    // now. Keys are built (uncached: Labels.key() would keep one string per series) only for
    // appended series that share a metric name with a stale one.
    const key = (l: Labels) => l.toFlat().join('\xff');
    const names = new Set<string>();
    for (const e of stale as CacheEntry[]) names.add(e.lset.metricName());
    const live = new Set<string>();
    this.series.forEach((e) => {
      if (e.tracked === cur && names.has(e.lset.metricName())) live.add(key(e.lset));
    });
    const done = new Set<string>();
    for (const e of stale as CacheEntry[]) {
      const k = key(e.lset);
      if (live.has(k) || done.has(k)) continue;
      done.add(k);
      fn(e.lset);
    }
  }

  /**
   * Ends an iteration after a completed attempt. `flush` (after a successful, non-empty scrape)
   * forgets series not seen in it; a failed scrape keeps them unless the cache grew past twice its
   * last good size + 1000.
   */
  iterDone(success: boolean): void {
    let flush = success;
    const count = this.series.size + this.metadata.size;
    if (flush) this.successfulCount = count;
    else if (count > this.successfulCount * 2 + 1000) flush = true;
    if (flush) {
      const iter = this.iter;
      this.series.sweep((e) => e.lastIter !== iter);
      for (const [k, m] of this.metadata) if (m.lastIter !== iter) this.metadata.delete(k);
    }
    this.lastGood = this.stamp;
    this.iter++;
  }
}
