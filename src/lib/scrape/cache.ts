/**
 * The per-target scrape cache (Prometheus' scrapeCache): maps the raw series text of an exposition
 * line (the parser's seriesKey()) to the final, relabeled label set and the storage ref, so a warm
 * scrape neither parses labels nor relabels; remembers series dropped by relabeling; and tracks
 * which label sets were seen in the previous scrape to write staleness markers for those that
 * disappeared.
 */
import type { Labels } from '../model/labels.js';
import type { MetricKind } from '../model/metricfamily.js';

export interface CacheEntry {
  ref: number;
  lset: Labels;
  /** lset.key(), computed once. */
  lkey: string;
  /** The scrape iteration that last saw this series text. */
  lastIter: number;
  /** The iteration in which the series last counted for staleness. */
  trackedIter: number;
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
  readonly dropped = new Map<string, number>();
  readonly metadata = new Map<string, MetricMetadataEntry>();
  /** Label sets that received a sample in the previous iteration (by lkey), for staleness. */
  private prev = new Map<string, Labels>();
  private cur = new Map<string, Labels>();
  private successfulCount = 0;

  /**
   * Starts an append attempt: forgets what an earlier, failed attempt of the same iteration
   * tracked, so that the empty append after a failure marks every series of the last good scrape
   * stale.
   */
  beginAttempt(): void {
    this.cur.clear();
  }

  /** Marks `e` as seen for staleness in the current iteration. */
  trackStaleness(e: CacheEntry): void {
    e.trackedIter = this.iter;
    this.cur.set(e.lkey, e.lset);
  }

  /** Adds a series; `track` when it has no explicit timestamp (or staleness tracking is forced). */
  add(key: string, ref: number, lset: Labels, track: boolean): CacheEntry {
    const e: CacheEntry = { ref, lset, lkey: lset.key(), lastIter: this.iter, trackedIter: -1 };
    this.series.set(key, e);
    if (track) this.trackStaleness(e);
    return e;
  }

  addDropped(key: string): void {
    this.dropped.set(key, this.iter);
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

  /** Label sets seen in the previous iteration but not in this one. */
  forEachStale(fn: (lset: Labels) => void): void {
    for (const [k, l] of this.prev) if (!this.cur.has(k)) fn(l);
  }

  /**
   * Ends an iteration. `flush` (after a successful, non-empty scrape) forgets series not seen in
   * it; a failed scrape keeps them unless the cache grew past twice its last good size + 1000.
   */
  iterDone(flush: boolean): void {
    const count = this.series.size + this.dropped.size + this.metadata.size;
    if (flush) this.successfulCount = count;
    else if (count > this.successfulCount * 2 + 1000) flush = true;
    if (flush) {
      for (const [k, e] of this.series) if (e.lastIter !== this.iter) this.series.delete(k);
      for (const [k, it] of this.dropped) if (it !== this.iter) this.dropped.delete(k);
      for (const [k, m] of this.metadata) if (m.lastIter !== this.iter) this.metadata.delete(k);
    }
    const t = this.prev;
    this.prev = this.cur;
    this.cur = t;
    this.cur.clear();
    this.iter++;
  }
}
