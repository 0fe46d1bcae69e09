/**
 * The per-target scrape cache (Prometheus' scrapeCache): maps the raw series text of an exposition
 * line (the parser's seriesKey()) to the final, relabeled label set and the storage ref, so a warm
 * scrape neither parses labels nor relabels; remembers series dropped by relabeling; and tracks
 * which label sets were seen in the previous scrape to write staleness markers for those that
 * disappeared.
 */
import { Labels } from '../model/labels.js';
import type { MetricKind } from '../model/metricfamily.js';

export interface CacheEntry {
  /** The series text (seriesKey()) this entry is for. */
  key: string;
  ref: number;
  /** Final labels; EMPTY for a series dropped by relabeling. */
  lset: Labels;
  /** Dropped by metric relabeling: skip it. */
  dropped: boolean;
  /** Removed from the cache (a stale prediction must not use it). */
  deleted: boolean;
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
  readonly series = new Map<string, CacheEntry>();
  /**
   * The entries of the last good scrape in exposition order. Targets expose their series in the
   * same order every time, so the entry at the same position is checked first: comparing two
   * strings is much cheaper than hashing a fresh one for a Map lookup.
   */
  order: CacheEntry[] = [];
  nextOrder: CacheEntry[] = [];
  readonly metadata = new Map<string, MetricMetadataEntry>();
  /**
   * Staleness is tracked with stamps instead of per-scrape sets (no Map write per sample): every
   * append attempt gets a stamp; an entry records the stamp of the attempt that last appended it
   * (and the one before, so that a failed attempt does not hide what the last good scrape had).
   */
  private stamp = 0;
  private lastGood = -1;
  private successfulCount = 0;

  /**
   * Starts an append attempt. Attempts that fail are followed by an empty attempt, which then
   * marks every series of the last good scrape stale.
   */
  beginAttempt(): void {
    this.stamp++;
  }

  /** Marks `e` as appended in the current attempt (it is not stale). */
  trackStaleness(e: CacheEntry): void {
    if (e.tracked !== this.stamp) {
      e.prevTracked = e.tracked;
      e.tracked = this.stamp;
    }
  }

  /** Adds a series; `track` when it has no explicit timestamp (or staleness tracking is forced). */
  add(key: string, ref: number, lset: Labels, track: boolean): CacheEntry {
    const e: CacheEntry = {
      key,
      ref,
      lset,
      dropped: false,
      deleted: false,
      lastIter: this.iter,
      tracked: -1,
      prevTracked: -1,
    };
    this.series.set(key, e);
    if (track) this.trackStaleness(e);
    return e;
  }

  /** Remembers a series dropped by relabeling. */
  addDropped(key: string): CacheEntry {
    const e = this.add(key, 0, Labels.EMPTY, false);
    e.dropped = true;
    return e;
  }

  /** Number of cached series dropped by relabeling. */
  droppedCount(): number {
    let n = 0;
    for (const e of this.series.values()) if (e.dropped) n++;
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
    for (const e of this.series.values()) {
      if (e.tracked !== cur && (e.tracked === good || e.prevTracked === good)) (stale ??= []).push(e);
    }
    if (!stale) return;
    // A label set can come from two spellings of a series: it is stale only if none was appended now.
    const live = new Set<string>();
    for (const e of this.series.values()) if (e.tracked === cur) live.add(e.lset.key());
    const done = new Set<string>();
    for (const e of stale) {
      const k = e.lset.key();
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
      for (const [k, e] of this.series) {
        if (e.lastIter !== this.iter) {
          e.deleted = true;
          this.series.delete(k);
        }
      }
      for (const [k, m] of this.metadata) if (m.lastIter !== this.iter) this.metadata.delete(k);
    }
    this.lastGood = this.stamp;
    if (success) {
      const t = this.order;
      this.order = this.nextOrder;
      this.nextOrder = t;
    }
    this.nextOrder.length = 0;
    this.iter++;
  }
}
