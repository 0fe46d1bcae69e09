/**
 * The discovery manager: runs the providers of every scrape job and delivers the merged target
 * groups per job, throttled like Prometheus' (at most one update per `updateDelayMs`). Providers
 * whose configuration did not change are kept running across reloads, so a reload does not
 * re-read files or re-query HTTP endpoints needlessly.
 */
import {
  type Discoverer,
  FileDiscoverer,
  type FileSDConfig,
  HttpDiscoverer,
  type HttpSDConfig,
  type Logger,
  StaticDiscoverer,
  type StaticConfig,
} from './providers.js';
import type { TargetGroup } from './targetgroup.js';

/** The discovery part of a scrape_config (or alertmanager_config), in prometheus.yml's shape. */
export interface DiscoveryJobConfig {
  job_name: string;
  static_configs?: StaticConfig[] | null;
  file_sd_configs?: FileSDConfig[] | null;
  http_sd_configs?: HttpSDConfig[] | null;
  [key: string]: unknown;
}

/** Target groups per job name. */
export type TargetSets = Map<string, TargetGroup[]>;

export interface DiscoveryManagerOptions {
  onUpdate: (sets: TargetSets) => void;
  /** Minimum time between two deliveries (Prometheus: 5s). Default 5000. */
  updateDelayMs?: number;
  /** Directory relative file_sd paths are resolved against. */
  baseDir?: string;
  logger?: Logger;
  /** Factory override (tests). */
  makeProvider?: (kind: string, cfg: unknown) => Discoverer;
}

interface Provider {
  key: string;
  discoverer: Discoverer;
  groups: Map<string, TargetGroup>;
  jobs: Set<string>;
}

const SUPPORTED = new Set(['static_configs', 'file_sd_configs', 'http_sd_configs']);

export class DiscoveryManager {
  private providers = new Map<string, Provider>();
  private jobs = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private lastSend = 0;
  private dirty = false;
  private stopped = false;

  constructor(private readonly opts: DiscoveryManagerOptions) {}

  /**
   * Applies a new set of jobs. Returns warnings for discovery mechanisms this server does not run
   * (kubernetes_sd_configs, consul_sd_configs, …) and for providers that failed to start.
   */
  applyConfig(jobs: readonly DiscoveryJobConfig[]): string[] {
    const warnings: string[] = [];
    const wanted = new Map<string, { kind: string; cfg: unknown; job: string }>();
    for (const job of jobs) {
      for (const [k, v] of Object.entries(job)) {
        if (!k.endsWith('_sd_configs') && k !== 'static_configs') continue;
        if (v === null || v === undefined || (Array.isArray(v) && v.length === 0)) continue;
        if (!SUPPORTED.has(k)) {
          warnings.push(
            `job "${job.job_name}": ${k} is not supported by promctl and is not run; use static_configs, file_sd_configs or http_sd_configs`,
          );
          continue;
        }
        const list = Array.isArray(v) ? v : [v];
        if (k === 'static_configs') {
          const key = `${job.job_name}\x00static\x00${JSON.stringify(list)}`;
          wanted.set(key, { kind: k, cfg: list, job: job.job_name });
        } else {
          list.forEach((c) => {
            const key = `${job.job_name}\x00${k}\x00${JSON.stringify(c)}`;
            wanted.set(key, { kind: k, cfg: c, job: job.job_name });
          });
        }
      }
    }
    // Stop providers that are no longer wanted.
    for (const [key, p] of this.providers) {
      if (!wanted.has(key)) {
        p.discoverer.stop();
        this.providers.delete(key);
      }
    }
    this.jobs = new Set(jobs.map((j) => j.job_name));
    // Start new ones.
    for (const [key, w] of wanted) {
      if (this.providers.has(key)) continue;
      let d: Discoverer;
      try {
        d = this.make(w.kind, w.cfg);
      } catch (e) {
        warnings.push(`job "${w.job}": ${w.kind}: ${(e as Error).message}`);
        continue;
      }
      const p: Provider = { key, discoverer: d, groups: new Map(), jobs: new Set([w.job]) };
      this.providers.set(key, p);
      d.start((groups) => {
        if (this.providers.get(key) !== p) return;
        for (const g of groups) {
          if (g.targets.length === 0) p.groups.delete(g.source);
          else p.groups.set(g.source, g);
        }
        this.markDirty();
      });
    }
    // Job set changed (jobs removed or added): deliver.
    this.markDirty();
    return warnings;
  }

  private make(kind: string, cfg: unknown): Discoverer {
    if (this.opts.makeProvider) return this.opts.makeProvider(kind, cfg);
    switch (kind) {
      case 'static_configs':
        return new StaticDiscoverer(cfg as StaticConfig[]);
      case 'file_sd_configs':
        return new FileDiscoverer(cfg as FileSDConfig, { baseDir: this.opts.baseDir, logger: this.opts.logger });
      case 'http_sd_configs':
        return new HttpDiscoverer(cfg as HttpSDConfig, { logger: this.opts.logger });
    }
    throw new Error(`unsupported discovery ${kind}`);
  }

  private markDirty(): void {
    if (this.stopped) return;
    this.dirty = true;
    if (this.timer) return;
    const delay = Math.max(0, this.lastSend + (this.opts.updateDelayMs ?? 5000) - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.dirty || this.stopped) return;
      this.dirty = false;
      this.lastSend = Date.now();
      this.opts.onUpdate(this.targetSets());
    }, delay);
  }

  /** The current groups of every configured job (jobs without targets map to []). */
  targetSets(): TargetSets {
    const out: TargetSets = new Map();
    for (const j of this.jobs) out.set(j, []);
    for (const p of this.providers.values()) {
      for (const j of p.jobs) {
        const list = out.get(j);
        if (list) list.push(...p.groups.values());
      }
    }
    return out;
  }

  /** Refresh errors of providers, per job (for diagnostics). */
  errors(): { job: string; error: string }[] {
    const out: { job: string; error: string }[] = [];
    for (const p of this.providers.values()) {
      const e = p.discoverer.lastError();
      if (e) for (const j of p.jobs) out.push({ job: j, error: e });
    }
    return out;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const p of this.providers.values()) p.discoverer.stop();
    this.providers.clear();
  }
}
