/**
 * One scrape loop per target (Prometheus' scrapeLoop): on a fixed schedule offset by the target
 * hash, fetch the exposition, parse it, attach target labels (honor_labels), apply
 * metric_relabel_configs, enforce limits, append through an Appender, write staleness markers for
 * series that disappeared, and append the report series (up, scrape_duration_seconds, …).
 *
 * The warm path costs one byte comparison per sample: the scrape cache maps the raw series text to
 * the final label set and the storage ref, and predicts the next series for the parser (lazy
 * labels), so label parsing and relabeling happen only the first time a series is seen.
 */
import { compareStrings, Labels, LabelsBuilder, METRIC_NAME } from '../model/labels.js';
import { STALE_NAN } from '../model/value.js';
import { processBuilder } from '../relabel/relabel.js';
import type { Appendable, Appender } from '../storage/interface.js';
import {
  DuplicateSampleForTimestampError,
  OutOfBoundsError,
  OutOfOrderSampleError,
  TooOldSampleError,
} from '../storage/errors.js';
import { createParser } from '../textparse/negotiate.js';
import { ParseError } from '../textparse/interface.js';
import { type CacheEntry, ScrapeCache } from './cache.js';
import type { ResolvedJob } from './config.js';
import type { Scraper } from './scraper.js';
import type { Target } from './target.js';

/** Time source; injectable for tests. */
export interface Clock {
  /** ms since the epoch. */
  now(): number;
}

export const realClock: Clock = { now: () => Date.now() };

export interface ScrapeLogger {
  warn(msg: string): void;
  debug?(msg: string): void;
}

const silentLogger: ScrapeLogger = { warn: () => {} };

export const REPORT_METRICS = [
  'up',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
  'scrape_samples_post_metric_relabeling',
  'scrape_series_added',
] as const;

export const errSampleLimit = 'sample limit exceeded';
export const errNameLabelMandatory = `missing metric name (${METRIC_NAME} label)`;

export interface ScrapeLoopOptions {
  target: Target;
  job: ResolvedJob;
  appendable: Appendable;
  scraper: Scraper;
  clock?: Clock;
  /** Seed of the offset (Prometheus: hostname + external labels). */
  offsetSeed?: bigint;
  /** A cache carried over from the previous loop of this target (reload). */
  cache?: ScrapeCache;
  logger?: ScrapeLogger;
  /** Parser construction (textparse's createParser); injectable for tests. */
  parserFactory?: typeof createParser;
  /**
   * Called at each scrape after the first with the loop's interval and the seconds since the
   * previous scrape started (Prometheus' prometheus_target_interval_length_seconds).
   */
  onInterval?: (intervalMs: number, seconds: number) => void;
}

export interface AppendResult {
  total: number;
  added: number;
  seriesAdded: number;
  error: string | null;
}

export interface ScrapeResult extends AppendResult {
  /** Seconds. */
  duration: number;
  timestamp: number;
  bytes: number;
}

/** Counters of append errors of the last scrape that did not fail it (logged as warnings). */
export interface AppendErrors {
  outOfOrder: number;
  duplicates: number;
  outOfBounds: number;
  tooOld: number;
}

function byteLen(s: string): number {
  // Fast path for ASCII.
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s, 'utf8');
  return s.length;
}

function trunc50(s: string): string {
  return s.length > 50 ? s.slice(0, 50) : s;
}

/** Prometheus' ScrapeTimestampTolerance: timers fire late by a little; align within this. */
export const SCRAPE_TIMESTAMP_TOLERANCE_MS = 2;

/**
 * Prometheus' timestamp alignment: a scrape that starts within the tolerance (2ms, at most 1% of
 * the interval) of its slot on the grid fixed by the first scrape gets the slot's exact timestamp,
 * so that sample intervals are exactly regular and compress to nothing in the TSDB. Returns the
 * timestamp to use and the new grid position (`aligned` is 0 before the first scrape).
 */
export function alignScrapeTime(now: number, aligned: number, intervalMs: number): [number, number] {
  if (aligned === 0) return [now, now];
  const tolerance = Math.min(intervalMs / 100, SCRAPE_TIMESTAMP_TOLERANCE_MS);
  while (now - aligned >= intervalMs) aligned += intervalMs;
  if (now - aligned <= tolerance) return [aligned, aligned];
  // Node's timers may fire a millisecond early (Go's never do): the next slot counts too.
  if (aligned + intervalMs - now <= tolerance) return [aligned + intervalMs, aligned + intervalMs];
  return [now, aligned];
}

/**
 * Merges the exposed labels with the target's (both sorted flat arrays) when no name clashes, or
 * when exposed labels win (honor_labels). Returns null on a clash that needs exported_* renaming.
 */
function mergeTargetLabels(a: readonly string[], b: readonly string[], honor: boolean): string[] | null {
  const out: string[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    const c = compareStrings(a[i]!, b[j]!);
    if (c < 0) {
      out[k++] = a[i]!;
      out[k++] = a[i + 1]!;
      i += 2;
    } else if (c > 0) {
      out[k++] = b[j]!;
      out[k++] = b[j + 1]!;
      j += 2;
    } else {
      if (!honor) return null;
      out[k++] = a[i]!;
      out[k++] = a[i + 1]!;
      i += 2;
      j += 2;
    }
  }
  while (i < a.length) {
    out[k++] = a[i]!;
    out[k++] = a[i + 1]!;
    i += 2;
  }
  while (j < b.length) {
    out[k++] = b[j]!;
    out[k++] = b[j + 1]!;
    j += 2;
  }
  out.length = k;
  return out;
}

export class ScrapeLoop {
  readonly target: Target;
  readonly job: ResolvedJob;
  readonly cache: ScrapeCache;
  /** An error every scrape reports instead of scraping (target_limit exceeded). */
  forcedError: string | null = null;
  readonly appendErrors: AppendErrors = { outOfOrder: 0, duplicates: 0, outOfBounds: 0, tooOld: 0 };
  readonly intervalMs: number;
  readonly timeoutMs: number;

  private readonly appendable: Appendable;
  private readonly scraper: Scraper;
  private readonly clock: Clock;
  private readonly seed: bigint;
  private readonly logger: ScrapeLogger;
  private readonly parserFactory: typeof createParser;
  private readonly onInterval: ((intervalMs: number, seconds: number) => void) | undefined;
  /** performance.now() of the last scrape's start (0: none yet). */
  private lastTickAt = 0;
  private readonly targetFlat: readonly string[];
  private readonly reportLabels: Labels[];
  private readonly reportRefs: number[] = [0, 0, 0, 0, 0];
  private timer: NodeJS.Timeout | undefined;
  private endTimer: NodeJS.Timeout | undefined;
  private abort = new AbortController();
  private running: Promise<unknown> | null = null;
  private stopped = false;
  private nextTick = 0;
  /** Timestamp of the last scrape (ms); 0 before the first. */
  lastScrapeTime = 0;

  constructor(o: ScrapeLoopOptions) {
    this.target = o.target;
    this.job = o.job;
    this.appendable = o.appendable;
    this.scraper = o.scraper;
    this.clock = o.clock ?? realClock;
    this.seed = o.offsetSeed ?? 0n;
    this.cache = o.cache ?? new ScrapeCache();
    this.logger = o.logger ?? silentLogger;
    this.parserFactory = o.parserFactory ?? createParser;
    this.onInterval = o.onInterval;
    const it = o.target.intervalAndTimeout(o.job);
    this.intervalMs = it.intervalMs;
    this.timeoutMs = it.timeoutMs;
    this.targetFlat = o.target.publicLabels().toFlat();
    this.reportLabels = REPORT_METRICS.map((name) => {
      const lb = new LabelsBuilder(Labels.fromSortedFlat([METRIC_NAME, name]));
      // mutateReportSampleLabels: target labels win; a clash moves the report's value to exported_*.
      for (let i = 0; i < this.targetFlat.length; i += 2) {
        const n = this.targetFlat[i]!;
        lb.set('exported_' + n, lb.get(n));
        lb.set(n, this.targetFlat[i + 1]!);
      }
      return lb.labels();
    });
  }

  /** Starts scraping at the target's offset in the interval, then every interval. */
  start(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    const off = this.target.offset(this.intervalMs, this.seed, now);
    this.nextTick = Date.now() + off;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    const wait = Math.max(0, this.nextTick - Date.now());
    this.timer = setTimeout(() => this.tick(), wait);
  }

  private aligned = 0;

  private tick(): void {
    if (this.stopped) return;
    const at = performance.now();
    if (this.lastTickAt > 0 && this.onInterval) this.onInterval(this.intervalMs, (at - this.lastTickAt) / 1000);
    this.lastTickAt = at;
    let ts = this.clock.now();
    [ts, this.aligned] = alignScrapeTime(ts, this.aligned, this.intervalMs);
    const p = this.scrapeAndReport(ts).catch((e) =>
      this.logger.warn(`scrape ${this.target.url()}: ${(e as Error).message}`),
    );
    this.running = p;
    void p.finally(() => {
      if (this.running === p) this.running = null;
      // Next tick on the grid; skip ticks missed while a scrape ran long.
      const now = Date.now();
      this.nextTick += this.intervalMs;
      if (this.nextTick <= now) this.nextTick += Math.ceil((now - this.nextTick) / this.intervalMs) * this.intervalMs;
      this.schedule();
    });
  }

  /**
   * Stops the loop and waits for a running scrape to end. With `staleness` (the target went away),
   * staleness markers for all its series and report series are written when the next scrape after
   * the one that would have followed is due (+10% of the interval), as Prometheus does — unless
   * cancelEndOfRun() is called first (the target came back, or the server shuts down).
   */
  async stop(opts: { staleness?: boolean } = {}): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
    if (this.running) await this.running.catch(() => {});
    this.scraper.close?.();
    if (opts.staleness && this.lastScrapeTime !== 0 && !this.endCancelled) {
      const staleTime = this.lastScrapeTime + this.intervalMs;
      const fireAt = this.lastScrapeTime + 2 * this.intervalMs + this.intervalMs / 10;
      const wait = Math.max(0, fireAt - this.clock.now());
      await new Promise<void>((resolve) => {
        this.endTimer = setTimeout(() => {
          this.endTimer = undefined;
          void this.writeEndOfRunStaleness(staleTime).finally(resolve);
        }, wait);
        this.cancelResolve = resolve;
      });
    }
  }

  private cancelResolve: (() => void) | undefined;
  private endCancelled = false;

  /** Cancels pending end-of-run staleness markers. */
  cancelEndOfRun(): void {
    this.endCancelled = true;
    if (this.endTimer) {
      clearTimeout(this.endTimer);
      this.endTimer = undefined;
      this.cancelResolve?.();
    }
  }

  private async writeEndOfRunStaleness(ts: number): Promise<void> {
    const app = this.appendable.appender();
    try {
      this.append(app, new Uint8Array(0), '', ts);
      this.reportStale(app, ts);
      await app.commit();
    } catch (e) {
      this.logger.warn(`stale markers for ${this.target.url()}: ${(e as Error).message}`);
      await app.rollback().catch(() => {});
    }
  }

  /** One scrape: fetch, append, report, commit. `appendTime` defaults to now. */
  async scrapeAndReport(appendTime: number = this.clock.now()): Promise<ScrapeResult> {
    const start = performance.now();
    let app = this.appendable.appender();
    let res: AppendResult;
    let scrapeErr: string | null = null;
    let bytes = 0;
    if (this.forcedError !== null) {
      scrapeErr = this.forcedError;
      res = this.append(app, new Uint8Array(0), '', appendTime);
    } else {
      let body: Uint8Array = new Uint8Array(0);
      let contentType = '';
      try {
        const r = await this.scraper.scrape(this.abort.signal);
        body = r.body;
        contentType = r.contentType;
        bytes = body.length;
      } catch (e) {
        if (this.stopped && this.abort.signal.aborted) {
          // Cancelled by stop(): not the target's fault; record nothing.
          await app.rollback();
          return {
            total: 0,
            added: 0,
            seriesAdded: 0,
            error: 'scrape cancelled',
            duration: 0,
            timestamp: appendTime,
            bytes,
          };
        }
        scrapeErr = (e as Error).message;
      }
      // A failed scrape is an empty scrape: it writes staleness markers for every series.
      res = this.append(app, scrapeErr === null ? body : new Uint8Array(0), contentType, appendTime);
      if (res.error !== null) {
        await app.rollback();
        app = this.appendable.appender();
        const r2 = this.append(app, new Uint8Array(0), '', appendTime);
        if (r2.error !== null) this.logger.warn(`append of stale markers failed: ${r2.error}`);
      }
      if (scrapeErr === null) scrapeErr = res.error;
    }
    this.lastScrapeTime = appendTime;
    const duration = (performance.now() - start) / 1000;
    this.report(app, appendTime, duration, res, scrapeErr);
    try {
      await app.commit();
    } catch (e) {
      this.logger.warn(`commit for ${this.target.url()} failed: ${(e as Error).message}`);
      await app.rollback().catch(() => {});
    }
    return { ...res, error: scrapeErr, duration, timestamp: appendTime, bytes };
  }

  /** Target labels + metric_relabel_configs (Prometheus' mutateSampleLabels). Null = dropped. */
  private mutate(lset: Labels): Labels | null {
    if (this.job.metricRelabel.length === 0) {
      const merged = mergeTargetLabels(lset.toFlat(), this.targetFlat, this.job.honorLabels);
      if (merged !== null) return Labels.fromSortedFlat(merged);
    }
    const lb = new LabelsBuilder(lset);
    const tf = this.targetFlat;
    if (this.job.honorLabels) {
      for (let i = 0; i < tf.length; i += 2) if (!lset.has(tf[i]!)) lb.set(tf[i]!, tf[i + 1]!);
    } else {
      const conflicts: [string, string][] = [];
      for (let i = 0; i < tf.length; i += 2) {
        const existing = lset.get(tf[i]!);
        if (existing !== '') conflicts.push([tf[i]!, existing]);
        lb.set(tf[i]!, tf[i + 1]!);
      }
      if (conflicts.length) {
        conflicts.sort((a, b) => a[0].length - b[0].length);
        for (const [name, value] of conflicts) {
          let newName = name;
          for (;;) {
            newName = 'exported_' + newName;
            if (lb.get(newName) === '') {
              lb.set(newName, value);
              break;
            }
          }
        }
      }
    }
    if (this.job.metricRelabel.length > 0 && !processBuilder(lb, this.job.metricRelabel)) return null;
    const res = lb.labels();
    return res.isEmpty() ? null : res;
  }

  private verifyLabelLimits(lset: Labels): string | null {
    const j = this.job;
    const met = lset.metricName();
    if (j.labelLimit > 0 && lset.size > j.labelLimit) {
      return `label_limit exceeded (metric: ${trunc50(met)}, number of labels: ${lset.size}, limit: ${j.labelLimit})`;
    }
    if (j.labelNameLengthLimit === 0 && j.labelValueLengthLimit === 0) return null;
    for (let i = 0; i < lset.size; i++) {
      const n = lset.name(i);
      const v = lset.value(i);
      if (j.labelNameLengthLimit > 0) {
        const len = byteLen(n);
        if (len > j.labelNameLengthLimit) {
          return `label_name_length_limit exceeded (metric: ${trunc50(met)}, label name: ${trunc50(n)}, length: ${len}, limit: ${j.labelNameLengthLimit})`;
        }
      }
      if (j.labelValueLengthLimit > 0) {
        const len = byteLen(v);
        if (len > j.labelValueLengthLimit) {
          return `label_value_length_limit exceeded (metric: ${trunc50(met)}, label name: ${trunc50(n)}, value: ${JSON.stringify(trunc50(v))}, length: ${len}, limit: ${j.labelValueLengthLimit})`;
        }
      }
    }
    return null;
  }

  /**
   * Appends one exposition (Prometheus' scrapeLoop.append). An empty body appends nothing and
   * writes staleness markers for every series of the previous scrape. On error the caller rolls
   * back and appends an empty body.
   */
  append(app: Appender, body: Uint8Array, contentType: string, defTime: number): AppendResult {
    const cache = this.cache;
    const job = this.job;
    cache.beginAttempt();
    let total = 0;
    let added = 0;
    let seriesAdded = 0;
    let err: string | null = null;
    let sampleLimitHit = false;
    const limit = job.sampleLimit;
    let appended = 0;
    const errs = this.appendErrors;
    errs.outOfOrder = errs.duplicates = errs.outOfBounds = errs.tooOld = 0;

    if (body.length > 0) {
      const created = this.parserFactory(body, contentType, {
        fallback: job.fallbackProtocol,
        lazyLabels: true,
        seriesHint: cache.series,
      });
      const p = created.parser;
      if (!p) {
        err = created.error ?? 'no parser for this Content-Type';
      } else {
        const honorTs = job.honorTimestamps;
        const trackTs = job.trackTimestampsStaleness;
        const iter = cache.iter;
        const withExemplars = app.appendExemplar !== undefined && created.kind === 'openmetrics';
        try {
          for (let e = p.next(); e !== null; e = p.next()) {
            if (e !== 'series') {
              if (e === 'type') {
                const t = p.type();
                cache.setMetadata(p.metricName(), (m) => (m.type = t));
              } else if (e === 'help') {
                const h = p.help();
                cache.setMetadata(p.metricName(), (m) => (m.help = h));
              } else if (e === 'unit') {
                const u = p.unit();
                cache.setMetadata(p.metricName(), (m) => (m.unit = u));
              }
              continue;
            }
            total++;
            let ce: CacheEntry | undefined = cache.find(p);
            let alreadyScraped = false;
            let lset: Labels;
            if (ce !== undefined) {
              alreadyScraped = ce.lastIter === iter;
              ce.lastIter = iter;
              if (ce.dropped) continue;
              lset = ce.lset;
            } else {
              const m = this.mutate(p.labels());
              if (m === null) {
                cache.addDropped(p);
                continue;
              }
              if (!m.has(METRIC_NAME)) {
                err = errNameLabelMandatory;
                break;
              }
              const le = this.verifyLabelLimits(m);
              if (le !== null) {
                err = le;
                break;
              }
              lset = m;
            }
            let t = defTime;
            let explicitTs = false;
            if (honorTs) {
              const ts = p.timestamp();
              if (ts !== undefined) {
                t = ts;
                explicitTs = true;
              }
            }
            let ref = ce !== undefined ? ce.ref : 0;
            let sampleAdded = false;
            if (alreadyScraped && !explicitTs) {
              errs.duplicates++;
            } else if (limit > 0 && ++appended > limit) {
              // Keep parsing to report the right number of scraped samples.
              sampleLimitHit = true;
            } else {
              try {
                ref = app.append(ref, lset, t, p.value());
                sampleAdded = true;
              } catch (x) {
                if (x instanceof OutOfOrderSampleError) errs.outOfOrder++;
                else if (x instanceof DuplicateSampleForTimestampError) errs.duplicates++;
                else if (x instanceof OutOfBoundsError) errs.outOfBounds++;
                else if (x instanceof TooOldSampleError) errs.tooOld++;
                else {
                  err = (x as Error).message;
                  break;
                }
              }
            }
            const track = sampleAdded && (!explicitTs || trackTs);
            if (ce !== undefined) {
              if (sampleAdded) ce.ref = ref;
              if (track) cache.trackStaleness(ce);
            } else {
              ce = cache.add(p, ref, lset, track);
              if (sampleAdded && !sampleLimitHit) seriesAdded++;
            }
            added++;
            if (withExemplars && sampleAdded) {
              const ex = p.exemplar();
              if (ex) {
                try {
                  app.appendExemplar!(ref, lset, { labels: ex.labels, value: ex.value, ts: ex.timestamp });
                } catch {
                  // invalid exemplars do not fail the scrape
                }
              }
            }
          }
        } catch (x) {
          if (x instanceof ParseError) err = x.message;
          else err = (x as Error).message;
        }
        if (created.error && err === null) this.logger.debug?.(`${this.target.url()}: ${created.error}`);
      }
    }
    if (err === null && sampleLimitHit) err = errSampleLimit;
    if (err === null) {
      let staleErr: string | null = null;
      cache.forEachStale((lset) => {
        if (staleErr !== null) return;
        try {
          app.append(0, lset, defTime, STALE_NAN);
        } catch (x) {
          // Stale markers out of order or duplicated are expected (the series came back).
          if (
            !(x instanceof OutOfOrderSampleError) &&
            !(x instanceof DuplicateSampleForTimestampError) &&
            !(x instanceof OutOfBoundsError) &&
            !(x instanceof TooOldSampleError)
          ) {
            staleErr = (x as Error).message;
          }
        }
      });
      err = staleErr;
    }
    if (err === null) cache.iterDone(body.length > 0);
    const e = this.appendErrors;
    if (e.outOfOrder + e.duplicates + e.outOfBounds + e.tooOld > 0) {
      this.logger.warn(
        `${this.target.url()}: samples rejected: ${e.outOfOrder} out of order, ${e.duplicates} duplicate timestamps, ${e.outOfBounds} out of bounds, ${e.tooOld} too old`,
      );
    }
    return { total, added, seriesAdded, error: err };
  }

  private report(app: Appender, ts: number, duration: number, r: AppendResult, err: string | null): void {
    this.target.report(ts, duration, err);
    const vals = [err === null ? 1 : 0, duration, r.total, r.added, r.seriesAdded];
    for (let i = 0; i < vals.length; i++) this.addReportSample(app, i, ts, vals[i]!);
  }

  private reportStale(app: Appender, ts: number): void {
    for (let i = 0; i < REPORT_METRICS.length; i++) this.addReportSample(app, i, ts, STALE_NAN);
  }

  private addReportSample(app: Appender, i: number, ts: number, v: number): void {
    try {
      this.reportRefs[i] = app.append(this.reportRefs[i]!, this.reportLabels[i]!, ts, v);
    } catch (e) {
      if (!(e instanceof OutOfOrderSampleError) && !(e instanceof DuplicateSampleForTimestampError)) {
        this.logger.warn(`report sample ${REPORT_METRICS[i]} for ${this.target.url()}: ${(e as Error).message}`);
      }
    }
  }
}
