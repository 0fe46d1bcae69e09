/**
 * The scrape_config fields the scrape manager uses, in prometheus.yml's snake_case shape, so the
 * config loader's objects can be passed straight in; and their resolution (Prometheus' defaults,
 * durations and sizes parsed, relabel rules compiled) into a `ResolvedJob`.
 */
import { parseDuration } from '../model/duration.js';
import type { HttpClientConfig } from '../discovery/http-client.js';
import type { FileSDConfig, HttpSDConfig, StaticConfig } from '../discovery/providers.js';
import {
  type CompiledRelabel,
  compileRelabelConfigs,
  type RelabelConfig,
  type NameValidationScheme,
} from '../relabel/relabel.js';
import { isScrapeProtocol, type ScrapeProtocol, DEFAULT_SCRAPE_PROTOCOLS } from '../textparse/negotiate.js';

export interface ScrapeJobConfig extends HttpClientConfig {
  job_name: string;
  scrape_interval?: string | null;
  scrape_timeout?: string | null;
  metrics_path?: string | null;
  scheme?: string | null;
  params?: Record<string, string[]> | null;
  honor_labels?: boolean | null;
  honor_timestamps?: boolean | null;
  track_timestamps_staleness?: boolean | null;
  enable_compression?: boolean | null;
  static_configs?: StaticConfig[] | null;
  file_sd_configs?: FileSDConfig[] | null;
  http_sd_configs?: HttpSDConfig[] | null;
  relabel_configs?: RelabelConfig[] | null;
  metric_relabel_configs?: RelabelConfig[] | null;
  sample_limit?: number | null;
  label_limit?: number | null;
  label_name_length_limit?: number | null;
  label_value_length_limit?: number | null;
  body_size_limit?: string | number | null;
  target_limit?: number | null;
  keep_dropped_targets?: number | null;
  scrape_protocols?: string[] | null;
  fallback_scrape_protocol?: string | null;
  metric_name_validation_scheme?: string | null;
  [key: string]: unknown;
}

/** Global defaults a job inherits (the `global:` section), Prometheus' own when absent. */
export interface GlobalScrapeDefaults {
  scrape_interval?: string | null;
  scrape_timeout?: string | null;
  scrape_protocols?: string[] | null;
  body_size_limit?: string | number | null;
  sample_limit?: number | null;
  label_limit?: number | null;
  label_name_length_limit?: number | null;
  label_value_length_limit?: number | null;
  target_limit?: number | null;
  keep_dropped_targets?: number | null;
  external_labels?: Record<string, string> | null;
}

export class ScrapeConfigError extends Error {
  override readonly name = 'ScrapeConfigError';
  constructor(
    readonly job: string,
    message: string,
  ) {
    super(`scrape job "${job}": ${message}`);
  }
}

export interface ResolvedJob {
  name: string;
  intervalMs: number;
  timeoutMs: number;
  /** As Prometheus prints them in __scrape_interval__ / __scrape_timeout__ (model.Duration.String). */
  interval: string;
  timeout: string;
  metricsPath: string;
  scheme: string;
  params: Record<string, string[]>;
  honorLabels: boolean;
  honorTimestamps: boolean;
  trackTimestampsStaleness: boolean;
  enableCompression: boolean;
  relabel: CompiledRelabel[];
  metricRelabel: CompiledRelabel[];
  sampleLimit: number;
  labelLimit: number;
  labelNameLengthLimit: number;
  labelValueLengthLimit: number;
  /** Bytes; 0 = no limit. */
  bodySizeLimit: number;
  targetLimit: number;
  keepDroppedTargets: number;
  scrapeProtocols: ScrapeProtocol[];
  fallbackProtocol: ScrapeProtocol | undefined;
  http: HttpClientConfig;
  /** Identity of everything that affects scraping (reload detection). */
  key: string;
  /** Identity of what affects the scrape cache's content (metric relabeling, honor_labels…). */
  cacheKey: string;
}

const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KB: 1024,
  KIB: 1024,
  MB: 1024 ** 2,
  MIB: 1024 ** 2,
  GB: 1024 ** 3,
  GIB: 1024 ** 3,
  TB: 1024 ** 4,
  TIB: 1024 ** 4,
  PB: 1024 ** 5,
  PIB: 1024 ** 5,
  EB: 1024 ** 6,
  EIB: 1024 ** 6,
};

/** Parses a Prometheus size (units.Base2Bytes: `512KB`, `10MB`, `1GB512MB`, `0`) to bytes. */
export function parseSize(s: string | number): number {
  if (typeof s === 'number') return s;
  const str = s.trim();
  if (/^\d+$/.test(str)) return Number(str);
  const re = /(\d+)([A-Za-z]+)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(str))) {
    const unit = SIZE_UNITS[m[2]!.toUpperCase()];
    if (unit === undefined) throw new Error(`invalid size ${JSON.stringify(s)}: unknown unit "${m[2]}"`);
    total += Number(m[1]) * unit;
    end = re.lastIndex;
  }
  if (end !== str.length || end === 0) throw new Error(`invalid size ${JSON.stringify(s)}`);
  return total;
}

function nonNegInt(job: string, name: string, v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new ScrapeConfigError(job, `${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

function dur(job: string, name: string, v: string): number {
  try {
    return parseDuration(v);
  } catch (e) {
    throw new ScrapeConfigError(job, `${name}: ${(e as Error).message}`);
  }
}

const HTTP_FIELDS = [
  'basic_auth',
  'authorization',
  'bearer_token',
  'bearer_token_file',
  'oauth2',
  'tls_config',
  'proxy_url',
  'no_proxy',
  'proxy_from_environment',
  'follow_redirects',
  'enable_http2',
  'http_headers',
] as const;

/** Applies Prometheus' defaults and validates one job. Throws ScrapeConfigError. */
export function resolveJob(cfg: ScrapeJobConfig, global: GlobalScrapeDefaults = {}): ResolvedJob {
  const name = cfg.job_name;
  if (!name) throw new ScrapeConfigError('', 'job_name is empty');
  const intervalStr = cfg.scrape_interval || global.scrape_interval || '1m';
  const intervalMs = dur(name, 'scrape_interval', intervalStr);
  // Prometheus: a missing scrape_timeout is the global one, capped at the job's interval.
  let timeoutStr = cfg.scrape_timeout || '';
  if (!timeoutStr) {
    const g = global.scrape_timeout || '10s';
    timeoutStr = dur(name, 'scrape_timeout', g) > intervalMs ? intervalStr : g;
  }
  const timeoutMs = dur(name, 'scrape_timeout', timeoutStr);
  if (intervalMs === 0) throw new ScrapeConfigError(name, 'scrape interval cannot be 0');
  if (timeoutMs === 0) throw new ScrapeConfigError(name, 'scrape timeout cannot be 0');
  if (timeoutMs > intervalMs) {
    throw new ScrapeConfigError(
      name,
      `scrape timeout greater than scrape interval for scrape config with job name "${name}"`,
    );
  }
  const scheme = cfg.scheme || 'http';
  if (scheme !== 'http' && scheme !== 'https') {
    throw new ScrapeConfigError(name, `invalid scheme "${scheme}"`);
  }
  const scheme2: NameValidationScheme = cfg.metric_name_validation_scheme === 'legacy' ? 'legacy' : 'utf8';
  let relabel: CompiledRelabel[];
  let metricRelabel: CompiledRelabel[];
  try {
    relabel = compileRelabelConfigs(cfg.relabel_configs, scheme2);
  } catch (e) {
    const idx = (e as { index?: number }).index;
    throw new ScrapeConfigError(name, `relabel_configs${idx === undefined ? '' : `[${idx}]`}: ${(e as Error).message}`);
  }
  try {
    metricRelabel = compileRelabelConfigs(cfg.metric_relabel_configs, scheme2);
  } catch (e) {
    const idx = (e as { index?: number }).index;
    throw new ScrapeConfigError(
      name,
      `metric_relabel_configs${idx === undefined ? '' : `[${idx}]`}: ${(e as Error).message}`,
    );
  }
  const protocols = (cfg.scrape_protocols ?? global.scrape_protocols ?? [...DEFAULT_SCRAPE_PROTOCOLS]) as string[];
  for (const p of protocols) {
    if (!isScrapeProtocol(p)) throw new ScrapeConfigError(name, `unknown scrape protocol ${p}`);
  }
  const fallback = cfg.fallback_scrape_protocol || undefined;
  if (fallback && !isScrapeProtocol(fallback)) {
    throw new ScrapeConfigError(name, `unknown fallback_scrape_protocol ${fallback}`);
  }
  let bodySizeLimit: number;
  try {
    bodySizeLimit = parseSize(cfg.body_size_limit ?? global.body_size_limit ?? 0);
  } catch (e) {
    throw new ScrapeConfigError(name, `body_size_limit: ${(e as Error).message}`);
  }
  const http: HttpClientConfig = {};
  for (const f of HTTP_FIELDS) {
    if (cfg[f] !== undefined && cfg[f] !== null) (http as Record<string, unknown>)[f] = cfg[f];
  }
  const params: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(cfg.params ?? {})) params[k] = Array.isArray(v) ? v.map(String) : [String(v)];
  const job: Omit<ResolvedJob, 'key' | 'cacheKey'> = {
    name,
    intervalMs,
    timeoutMs,
    interval: intervalStr,
    timeout: timeoutStr,
    metricsPath: cfg.metrics_path || '/metrics',
    scheme,
    params,
    honorLabels: cfg.honor_labels ?? false,
    honorTimestamps: cfg.honor_timestamps ?? true,
    trackTimestampsStaleness: cfg.track_timestamps_staleness ?? false,
    enableCompression: cfg.enable_compression ?? true,
    relabel,
    metricRelabel,
    sampleLimit: nonNegInt(name, 'sample_limit', cfg.sample_limit ?? global.sample_limit),
    labelLimit: nonNegInt(name, 'label_limit', cfg.label_limit ?? global.label_limit),
    labelNameLengthLimit: nonNegInt(
      name,
      'label_name_length_limit',
      cfg.label_name_length_limit ?? global.label_name_length_limit,
    ),
    labelValueLengthLimit: nonNegInt(
      name,
      'label_value_length_limit',
      cfg.label_value_length_limit ?? global.label_value_length_limit,
    ),
    bodySizeLimit,
    targetLimit: nonNegInt(name, 'target_limit', cfg.target_limit ?? global.target_limit),
    keepDroppedTargets: nonNegInt(
      name,
      'keep_dropped_targets',
      cfg.keep_dropped_targets ?? global.keep_dropped_targets,
    ),
    scrapeProtocols: protocols as ScrapeProtocol[],
    fallbackProtocol: fallback as ScrapeProtocol | undefined,
    http,
  };
  // What decides whether a reload must restart the job's loops: its own fields (discovery aside)
  // and the inherited values actually used.
  const { relabel: _r, metricRelabel: _m, ...plain } = job;
  const key = JSON.stringify([
    { ...cfg, static_configs: undefined, file_sd_configs: undefined, http_sd_configs: undefined },
    plain,
  ]);
  const cacheKey = JSON.stringify([cfg.metric_relabel_configs ?? [], job.honorLabels, job.honorTimestamps]);
  return { ...job, key, cacheKey };
}
