/**
 * Scrape targets: labels built exactly as Prometheus' scrape.PopulateLabels does, the scrape URL,
 * the identifying hash and the per-target offset that spreads scrapes over the interval.
 */
import { hostname } from 'node:os';
import { parseDuration } from '../model/duration.js';
import { Labels, LabelsBuilder } from '../model/labels.js';
import { processBuilder } from '../relabel/relabel.js';
import type { TargetGroup } from '../discovery/targetgroup.js';
import type { ResolvedJob } from './config.js';
import { fnv64a, labelsHash } from './hash.js';

export const ADDRESS_LABEL = '__address__';
export const SCHEME_LABEL = '__scheme__';
export const METRICS_PATH_LABEL = '__metrics_path__';
export const SCRAPE_INTERVAL_LABEL = '__scrape_interval__';
export const SCRAPE_TIMEOUT_LABEL = '__scrape_timeout__';
export const PARAM_LABEL_PREFIX = '__param_';
export const META_LABEL_PREFIX = '__meta_';
export const RESERVED_LABEL_PREFIX = '__';

export type TargetHealth = 'unknown' | 'up' | 'down';

/** Go's url.QueryEscape. */
function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}

/** Go's url.PathEscape-like escaping of a URL path (keeps '/' and sub-delims Go keeps). */
function pathEscape(p: string): string {
  return encodeURIComponent(p)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%(2F|24|26|2B|2C|3A|3B|3D|40)/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export class Target {
  health: TargetHealth = 'unknown';
  lastError = '';
  /** ms since the epoch; 0 before the first scrape. */
  lastScrape = 0;
  /** Seconds. */
  lastScrapeDuration = 0;
  private _url?: string;
  private _hash?: bigint;
  private _public?: Labels;

  constructor(
    /** The labels after relabeling (with `__address__`, `__scheme__`, … but no `__meta_*`). */
    readonly labels: Labels,
    /** The labels before relabeling. */
    public discoveredLabels: Labels,
    readonly params: Readonly<Record<string, string[]>> = {},
  ) {}

  /** The labels attached to every scraped series: those not starting with `__`. */
  publicLabels(): Labels {
    if (!this._public) {
      const flat: string[] = [];
      this.labels.forEach((n, v) => {
        if (!n.startsWith(RESERVED_LABEL_PREFIX)) flat.push(n, v);
      });
      this._public = Labels.fromSortedFlat(flat);
    }
    return this._public;
  }

  /** The scrape URL (Prometheus' Target.URL()): params from the config, overridden by __param_*. */
  url(): string {
    if (this._url === undefined) {
      const params = new Map<string, string[]>();
      for (const [k, v] of Object.entries(this.params)) params.set(k, [...v]);
      this.labels.forEach((n, v) => {
        if (!n.startsWith(PARAM_LABEL_PREFIX)) return;
        const k = n.slice(PARAM_LABEL_PREFIX.length);
        const cur = params.get(k);
        if (cur && cur.length > 0) cur[0] = v;
        else params.set(k, [v]);
      });
      const keys = [...params.keys()].sort();
      const query = keys.flatMap((k) => params.get(k)!.map((v) => `${queryEscape(k)}=${queryEscape(v)}`)).join('&');
      let path = this.labels.get(METRICS_PATH_LABEL);
      if (path !== '' && !path.startsWith('/')) path = '/' + path;
      this._url = `${this.labels.get(SCHEME_LABEL)}://${this.labels.get(ADDRESS_LABEL)}${pathEscape(path)}${query ? '?' + query : ''}`;
    }
    return this._url;
  }

  /** Prometheus' Target.hash(): FNV-1a of the zero-padded labels hash and the URL. */
  hash(): bigint {
    if (this._hash === undefined) {
      this._hash = fnv64a(labelsHash(this.labels).toString().padStart(16, '0') + this.url());
    }
    return this._hash;
  }

  /** A string form of hash() for Map keys. */
  key(): string {
    return this.hash().toString(36);
  }

  /**
   * Time (ms) from `nowMs` to this target's first scrape: Prometheus' Target.offset, a position in
   * the interval fixed by the target hash and the server's seed, pinned to absolute time so that
   * every restart scrapes the target at the same phase.
   */
  offset(intervalMs: number, seed: bigint, nowMs: number): number {
    const interval = BigInt(Math.round(intervalMs * 1e6));
    const now = BigInt(Math.round(nowMs)) * 1_000_000n;
    const base = interval - (now % interval);
    const off = (this.hash() ^ seed) % interval;
    let next = base + off;
    if (next > interval) next -= interval;
    return Number(next) / 1e6;
  }

  /** Interval and timeout (ms) from `__scrape_interval__` / `__scrape_timeout__`. */
  intervalAndTimeout(job: ResolvedJob): { intervalMs: number; timeoutMs: number } {
    try {
      return {
        intervalMs: parseDuration(this.labels.get(SCRAPE_INTERVAL_LABEL)),
        timeoutMs: parseDuration(this.labels.get(SCRAPE_TIMEOUT_LABEL)),
      };
    } catch {
      return { intervalMs: job.intervalMs, timeoutMs: job.timeoutMs };
    }
  }

  /** Records the outcome of a scrape (Prometheus' Target.Report). */
  report(startMs: number, durationSec: number, err: string | null): void {
    this.health = err === null ? 'up' : 'down';
    this.lastError = err ?? '';
    this.lastScrape = startMs;
    this.lastScrapeDuration = durationSec;
  }
}

export interface PopulateResult {
  /** The final labels; null when relabeling dropped the target or an error occurred. */
  labels: Labels | null;
  /** The labels before relabeling (kept for dropped targets); null with an error. */
  discovered: Labels | null;
  error?: string;
}

function labelsFrom(lb: LabelsBuilder): Labels {
  return lb.labels();
}

/**
 * Prometheus' PopulateLabels: target labels, then group labels, then the job's defaults
 * (job, __scrape_interval__, __scrape_timeout__, __metrics_path__, __scheme__, __param_*) where not
 * set; relabel_configs; then checks, drops `__meta_*` and defaults `instance` to `__address__`.
 */
export function populateLabels(
  job: ResolvedJob,
  targetLabels: Readonly<Record<string, string>>,
  groupLabels: Readonly<Record<string, string>>,
): PopulateResult {
  const lb = new LabelsBuilder();
  for (const [n, v] of Object.entries(targetLabels)) lb.set(n, v);
  for (const [n, v] of Object.entries(groupLabels)) if (!(n in targetLabels)) lb.set(n, v);
  const defaults: [string, string][] = [
    ['job', job.name],
    [SCRAPE_INTERVAL_LABEL, job.interval],
    [SCRAPE_TIMEOUT_LABEL, job.timeout],
    [METRICS_PATH_LABEL, job.metricsPath],
    [SCHEME_LABEL, job.scheme],
  ];
  for (const [n, v] of defaults) if (lb.get(n) === '') lb.set(n, v);
  for (const [k, v] of Object.entries(job.params)) {
    const n = PARAM_LABEL_PREFIX + k;
    if (v.length > 0 && lb.get(n) === '') lb.set(n, v[0]!);
  }
  const pre = labelsFrom(lb);
  if (!processBuilder(lb, job.relabel)) return { labels: null, discovered: pre };

  const addr = lb.get(ADDRESS_LABEL);
  if (addr === '') return { labels: null, discovered: null, error: 'no address' };
  if (addr.includes('/')) return { labels: null, discovered: null, error: `"${addr}" is not a valid hostname` };

  const interval = lb.get(SCRAPE_INTERVAL_LABEL);
  let iv: number;
  try {
    iv = parseDuration(interval);
  } catch (e) {
    return { labels: null, discovered: null, error: `error parsing scrape interval: ${(e as Error).message}` };
  }
  if (iv === 0) return { labels: null, discovered: null, error: 'scrape interval cannot be 0' };
  const timeout = lb.get(SCRAPE_TIMEOUT_LABEL);
  let to: number;
  try {
    to = parseDuration(timeout);
  } catch (e) {
    return { labels: null, discovered: null, error: `error parsing scrape timeout: ${(e as Error).message}` };
  }
  if (to === 0) return { labels: null, discovered: null, error: 'scrape timeout cannot be 0' };
  if (to > iv) {
    return {
      labels: null,
      discovered: null,
      error: `scrape timeout cannot be greater than scrape interval ("${timeout}" > "${interval}")`,
    };
  }
  const meta: string[] = [];
  lb.forEach((n) => {
    if (n.startsWith(META_LABEL_PREFIX)) meta.push(n);
  });
  lb.del(...meta);
  if (lb.get('instance') === '') lb.set('instance', addr);
  return { labels: labelsFrom(lb), discovered: pre };
}

/**
 * Targets of one group (Prometheus' TargetsFromGroup). Dropped targets come back with empty
 * `labels` (and their discovered labels); failures are described per instance.
 */
export function targetsFromGroup(group: TargetGroup, job: ResolvedJob): { targets: Target[]; failures: string[] } {
  const targets: Target[] = [];
  const failures: string[] = [];
  group.targets.forEach((t, i) => {
    const r = populateLabels(job, t, group.labels);
    if (r.error) failures.push(`instance ${i} in group ${group.source}: ${r.error}`);
    if (r.labels || r.discovered) {
      targets.push(new Target(r.labels ?? Labels.EMPTY, r.discovered ?? Labels.EMPTY, job.params));
    }
  });
  return { targets, failures };
}

/** Prometheus' offset seed: FNV-1a of the hostname and the external labels' string form. */
export function offsetSeed(externalLabels: Labels = Labels.EMPTY, host: string = hostname()): bigint {
  return fnv64a(host + externalLabels.toString());
}
