/**
 * The scrape manager (Prometheus' scrape.Manager and scrapePool): one pool per job, one loop per
 * unique target. Target updates from discovery are synced without disturbing unchanged targets;
 * a config reload restarts only the jobs whose configuration changed, carrying each target's
 * scrape cache over when the cached content stays valid. Targets that go away get staleness
 * markers; a server shutdown (stop) does not write any, as in Prometheus.
 */
import { Labels } from '../model/labels.js';
import { createHttpClient, type HttpClient } from '../discovery/http-client.js';
import type { TargetGroup } from '../discovery/targetgroup.js';
import type { Appendable } from '../storage/interface.js';
import { acceptHeader } from '../textparse/negotiate.js';
import type { ScrapeCache } from './cache.js';
import { type GlobalScrapeDefaults, type ResolvedJob, resolveJob, type ScrapeJobConfig } from './config.js';
import { type Clock, realClock, ScrapeLoop, type ScrapeLogger } from './loop.js';
import { HttpScraper, type Scraper } from './scraper.js';
import { offsetSeed, type Target, type TargetHealth, targetsFromGroup } from './target.js';

/** A target as the API's /api/v1/targets shows it (activeTargets). */
export interface ActiveTargetView {
  discoveredLabels: Record<string, string>;
  labels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
  globalUrl: string;
  lastError: string;
  /** ms since the epoch; 0 when never scraped. */
  lastScrape: number;
  /** Seconds. */
  lastScrapeDuration: number;
  health: TargetHealth;
  scrapeInterval: string;
  scrapeTimeout: string;
}

/** One metric's metadata as a target exposes it (/api/v1/targets/metadata). */
export interface TargetMetadataView {
  target: Record<string, string>;
  metric: string;
  type: string;
  help: string;
  unit: string;
}

/** A target dropped by relabeling (droppedTargets). */
export interface DroppedTargetView {
  discoveredLabels: Record<string, string>;
  scrapePool: string;
}

export interface ScrapeManagerOptions {
  clock?: Clock;
  logger?: ScrapeLogger;
  /** Overrides the offset seed (default: hostname + external labels, as Prometheus). */
  offsetSeed?: bigint;
  userAgent?: string;
  /** See ScrapeLoopOptions.onInterval. */
  onInterval?: (intervalMs: number, seconds: number) => void;
  /** Builds the fetcher of a target (tests); default: HTTP through undici. */
  scraperFactory?: (target: Target, job: ResolvedJob, timeoutMs: number, client: HttpClient) => Scraper;
}

interface PoolDeps {
  appendable: Appendable;
  opts: ScrapeManagerOptions;
  seed: () => bigint;
}

export class ScrapePool {
  readonly loops = new Map<string, ScrapeLoop>();
  dropped: Target[] = [];
  droppedCount = 0;
  private client: HttpClient;
  private groups: TargetGroup[] = [];
  /** Loops of removed targets waiting to write end-of-run staleness markers. */
  private readonly dying = new Map<string, ScrapeLoop>();

  constructor(
    public job: ResolvedJob,
    private readonly deps: PoolDeps,
  ) {
    this.client = createHttpClient(job.http);
    for (const w of this.client.warnings) deps.opts.logger?.warn(`job "${job.name}": ${w}`);
  }

  private newLoop(t: Target, cache?: ScrapeCache): ScrapeLoop {
    const { intervalMs, timeoutMs } = t.intervalAndTimeout(this.job);
    void intervalMs;
    const scraper = this.deps.opts.scraperFactory
      ? this.deps.opts.scraperFactory(t, this.job, timeoutMs, this.client)
      : new HttpScraper({
          url: t.url(),
          client: this.client,
          acceptHeader: acceptHeader(this.job.scrapeProtocols),
          timeoutMs,
          bodySizeLimit: this.job.bodySizeLimit,
          enableCompression: this.job.enableCompression,
          userAgent: this.deps.opts.userAgent,
        });
    return new ScrapeLoop({
      target: t,
      job: this.job,
      appendable: this.deps.appendable,
      scraper,
      clock: this.deps.opts.clock,
      offsetSeed: this.deps.seed(),
      cache,
      logger: this.deps.opts.logger,
      onInterval: this.deps.opts.onInterval,
    });
  }

  /** Applies a new target group set (Prometheus' scrapePool.Sync). */
  sync(groups: TargetGroup[]): void {
    this.groups = groups;
    this.apply(new Map());
  }

  private apply(carry: Map<string, ScrapeCache>): void {
    const uniq = new Map<string, Target>();
    const dropped: Target[] = [];
    let droppedCount = 0;
    const keep = this.job.keepDroppedTargets;
    for (const g of this.groups) {
      const { targets, failures } = targetsFromGroup(g, this.job);
      for (const f of failures) this.deps.opts.logger?.warn(`job "${this.job.name}": creating target failed: ${f}`);
      for (const t of targets) {
        if (t.labels.isEmpty()) {
          droppedCount++;
          if (keep === 0 || dropped.length < keep) dropped.push(t);
        } else if (!uniq.has(t.key())) uniq.set(t.key(), t);
      }
    }
    this.dropped = dropped;
    this.droppedCount = droppedCount;
    for (const [k, t] of uniq) {
      const existing = this.loops.get(k);
      if (existing) {
        existing.target.discoveredLabels = t.discoveredLabels;
        continue;
      }
      let cache = carry.get(k);
      const dying = this.dying.get(k);
      if (dying) {
        // The target came back before its staleness markers were written: continue its series.
        dying.cancelEndOfRun();
        this.dying.delete(k);
        cache ??= dying.cache;
      }
      const loop = this.newLoop(t, cache);
      this.loops.set(k, loop);
      loop.start();
    }
    for (const [k, l] of this.loops) {
      if (uniq.has(k)) continue;
      this.loops.delete(k);
      this.dying.set(k, l);
      void l.stop({ staleness: true }).finally(() => {
        if (this.dying.get(k) === l) this.dying.delete(k);
      });
    }
    const n = this.loops.size;
    const limit = this.job.targetLimit;
    const forced = limit > 0 && n > limit ? `target_limit exceeded (number of targets: ${n}, limit: ${limit})` : null;
    for (const l of this.loops.values()) l.forcedError = forced;
  }

  /** Applies a changed job configuration: restarts every loop, keeping caches when still valid. */
  async reload(job: ResolvedJob): Promise<void> {
    if (job.key === this.job.key) return;
    const reuse = job.cacheKey === this.job.cacheKey;
    const old = new Map(this.loops);
    this.loops.clear();
    await Promise.all([...old.values()].map((l) => l.stop()));
    const oldClient = this.client;
    this.job = job;
    this.client = createHttpClient(job.http);
    for (const w of this.client.warnings) this.deps.opts.logger?.warn(`job "${job.name}": ${w}`);
    const carry = new Map<string, ScrapeCache>();
    if (reuse) for (const [k, l] of old) carry.set(k, l.cache);
    this.apply(carry);
    // Targets that vanish under the new configuration get staleness markers.
    for (const [k, l] of old) {
      if (this.loops.has(k)) continue;
      this.dying.set(k, l);
      void l.stop({ staleness: true }).finally(() => {
        if (this.dying.get(k) === l) this.dying.delete(k);
      });
    }
    void oldClient.close().catch(() => {});
  }

  activeTargets(): Target[] {
    return [...this.loops.values()].map((l) => l.target);
  }

  /** Stops every loop; with `staleness` (the job was removed) their series get staleness markers. */
  async stop(opts: { staleness?: boolean } = {}): Promise<void> {
    const loops = [...this.loops.values()];
    this.loops.clear();
    if (!opts.staleness) for (const l of this.dying.values()) l.cancelEndOfRun();
    const stopping = loops.map((l) => l.stop({ staleness: opts.staleness }));
    if (opts.staleness) {
      // Do not hold the caller for the end-of-run delay.
      void Promise.all(stopping).finally(() => void this.client.close().catch(() => {}));
      return;
    }
    await Promise.all(stopping);
    await this.client.close().catch(() => {});
  }

  /** Cancels pending end-of-run staleness writes (shutdown). */
  cancelPending(): void {
    for (const l of this.dying.values()) l.cancelEndOfRun();
    this.dying.clear();
  }
}

/**
 * Owns the scrape pools. Wire discovery to it with
 * `new DiscoveryManager({ onUpdate: (sets) => scrape.updateTargets(sets) })`.
 */
export class ScrapeManager {
  private readonly pools = new Map<string, ScrapePool>();
  private readonly removed = new Set<ScrapePool>();
  private targetSets = new Map<string, TargetGroup[]>();
  private seed: bigint;
  private stopped = false;

  constructor(
    private readonly appendable: Appendable,
    private readonly opts: ScrapeManagerOptions = {},
  ) {
    this.seed = opts.offsetSeed ?? offsetSeed();
    this.opts.clock ??= realClock;
  }

  /**
   * Applies scrape_configs. All jobs are validated first (ScrapeConfigError, nothing applied on
   * error); then removed jobs stop (with staleness markers), changed jobs reload, new jobs start
   * with the targets discovery last delivered for them.
   */
  async applyConfig(jobs: readonly ScrapeJobConfig[], global: GlobalScrapeDefaults = {}): Promise<void> {
    if (this.stopped) throw new Error('scrape manager is stopped');
    const resolved = new Map<string, ResolvedJob>();
    for (const j of jobs) {
      const r = resolveJob(j, global);
      if (resolved.has(r.name)) throw new Error(`found multiple scrape configs with job name "${r.name}"`);
      resolved.set(r.name, r);
    }
    if (this.opts.offsetSeed === undefined) {
      this.seed = offsetSeed(Labels.fromObject(global.external_labels ?? {}));
    }
    const work: Promise<void>[] = [];
    for (const [name, pool] of this.pools) {
      if (resolved.has(name)) continue;
      this.pools.delete(name);
      this.removed.add(pool);
      work.push(pool.stop({ staleness: true }).finally(() => this.removed.delete(pool)));
    }
    const deps: PoolDeps = { appendable: this.appendable, opts: this.opts, seed: () => this.seed };
    for (const [name, job] of resolved) {
      const pool = this.pools.get(name);
      if (pool) work.push(pool.reload(job));
      else {
        const p = new ScrapePool(job, deps);
        this.pools.set(name, p);
        const groups = this.targetSets.get(name);
        if (groups) p.sync(groups);
      }
    }
    await Promise.all(work);
  }

  /** Applies discovered target groups per job (jobs absent from `sets` keep their targets). */
  updateTargets(sets: ReadonlyMap<string, TargetGroup[]>): void {
    if (this.stopped) return;
    for (const [job, groups] of sets) {
      this.targetSets.set(job, groups);
      this.pools.get(job)?.sync(groups);
    }
  }

  /** Active targets in job order, then by scrape URL (as Prometheus sorts them). */
  activeTargets(): ActiveTargetView[] {
    const out: ActiveTargetView[] = [];
    for (const [name, pool] of this.pools) {
      const ts = pool.activeTargets().sort((a, b) => (a.url() < b.url() ? -1 : a.url() > b.url() ? 1 : 0));
      for (const t of ts) {
        out.push({
          discoveredLabels: t.discoveredLabels.toObject(),
          labels: t.publicLabels().toObject(),
          scrapePool: name,
          scrapeUrl: t.url(),
          globalUrl: t.url(),
          lastError: t.lastError,
          lastScrape: t.lastScrape,
          lastScrapeDuration: t.lastScrapeDuration,
          health: t.health,
          scrapeInterval: t.labels.get('__scrape_interval__'),
          scrapeTimeout: t.labels.get('__scrape_timeout__'),
        });
      }
    }
    return out;
  }

  droppedTargets(): DroppedTargetView[] {
    const out: DroppedTargetView[] = [];
    for (const [name, pool] of this.pools) {
      for (const t of pool.dropped) out.push({ discoveredLabels: t.discoveredLabels.toObject(), scrapePool: name });
    }
    return out;
  }

  /** Number of dropped targets per pool (including those not kept because of keep_dropped_targets). */
  droppedTargetCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, pool] of this.pools) out[name] = pool.droppedCount;
    return out;
  }

  /**
   * Metric metadata (TYPE/HELP/UNIT) from the targets' last scrapes, optionally for one job and/or
   * metric family.
   */
  metadata(opts: { job?: string; metric?: string } = {}): TargetMetadataView[] {
    const out: TargetMetadataView[] = [];
    for (const [name, pool] of this.pools) {
      if (opts.job !== undefined && opts.job !== name) continue;
      for (const l of pool.loops.values()) {
        const target = l.target.publicLabels().toObject();
        for (const [metric, m] of l.cache.metadata) {
          if (opts.metric !== undefined && opts.metric !== metric) continue;
          out.push({ target, metric, type: m.type, help: m.help, unit: m.unit });
        }
      }
    }
    return out;
  }

  /** The live Target objects of a job (metadata, health); for the API and tests. */
  targets(job: string): Target[] {
    return this.pools.get(job)?.activeTargets() ?? [];
  }

  /** The loops of a job (tests, diagnostics). */
  loops(job: string): ScrapeLoop[] {
    return [...(this.pools.get(job)?.loops.values() ?? [])];
  }

  pool(job: string): ScrapePool | undefined {
    return this.pools.get(job);
  }

  /** Stops everything without writing staleness markers (shutdown, as Prometheus). */
  async stop(): Promise<void> {
    this.stopped = true;
    const pools = [...this.pools.values(), ...this.removed];
    this.pools.clear();
    for (const p of pools) p.cancelPending();
    await Promise.all(pools.map((p) => p.stop()));
  }
}
