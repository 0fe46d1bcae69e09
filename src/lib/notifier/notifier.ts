/**
 * The Alertmanager client (Prometheus' notifier.Manager): alerts are relabeled (external labels,
 * alert_relabel_configs) and queued with a capacity (oldest dropped and counted), sent in batches
 * of 64 to every discovered Alertmanager of every `alerting.alertmanagers` entry with
 * POST {scheme}://{address}{path_prefix}/api/v2/alerts, with the entry's auth and timeout.
 * Alertmanagers come from static_configs and file_sd_configs (and http_sd_configs) through the
 * discovery manager, relabeled with the entry's relabel_configs.
 */
import type { Dispatcher } from 'undici';
import { undici } from '../discovery/undici.js';
import { createHttpClient, type HttpClient, type HttpClientConfig } from '../discovery/http-client.js';
import { DiscoveryManager, type DiscoveryJobConfig, type TargetSets } from '../discovery/manager.js';
import type { TargetGroup } from '../discovery/targetgroup.js';
import { Labels, LabelsBuilder } from '../model/labels.js';
import type { ExposedSample, MetricFamily } from '../model/metricfamily.js';
import { QuantileWindow } from '../model/quantiles.js';
import { parseDuration } from '../model/duration.js';
import { compileRelabelConfigs, processBuilder, type CompiledRelabel, type RelabelConfig } from '../relabel/relabel.js';

/** An alert as sent to Alertmanager. Times are ms since the epoch; 0 = unset (Go's zero time). */
export interface NotifierAlert {
  labels: Labels;
  annotations: Labels;
  startsAt: number;
  endsAt: number;
  generatorURL: string;
}

/** One `alerting.alertmanagers` entry (prometheus.yml's snake_case, as the config loader returns). */
export interface AlertmanagerConfigLike extends HttpClientConfig {
  scheme?: string;
  path_prefix?: string | null;
  timeout?: string;
  api_version?: string;
  static_configs?: { targets?: string[]; labels?: Record<string, string> }[] | null;
  file_sd_configs?: { files: string[]; refresh_interval?: string }[] | null;
  http_sd_configs?: unknown[] | null;
  relabel_configs?: RelabelConfig[] | null;
  alert_relabel_configs?: RelabelConfig[] | null;
  [key: string]: unknown;
}

export interface AlertingConfigLike {
  alert_relabel_configs?: RelabelConfig[] | null;
  alertmanagers?: AlertmanagerConfigLike[] | null;
}

/** Posts one payload; resolves with the HTTP status. Injected in tests. */
export type PostFunc = (
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  dispatcher?: Dispatcher,
) => Promise<{ status: number; statusText?: string }>;

export interface NotifierOptions {
  /** --alertmanager.notification-queue-capacity (default 10000). */
  queueCapacity?: number;
  /** Alerts per request (Prometheus: 64). */
  maxBatchSize?: number;
  externalLabels?: Labels;
  /** Directory that relative file_sd paths are resolved against. */
  baseDir?: string;
  /** Discovery update throttle, ms (Prometheus: 5s). */
  discoveryDelayMs?: number;
  logger?: (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  post?: PostFunc;
  userAgent?: string;
}

const ALERTS_PATH_LABEL = '__alerts_path__';
const SCHEME_LABEL = '__scheme__';
const ADDRESS_LABEL = '__address__';

/** path.Join("/", prefix, "/api/v2/alerts"). */
export function alertsPath(prefix: string | null | undefined, apiVersion = 'v2'): string {
  const parts = ['', ...(prefix ?? '').split('/'), 'api', apiVersion, 'alerts'].filter((p, i) => i === 0 || p !== '');
  return parts.join('/') || '/';
}

/** Go's time.Time JSON/strfmt.DateTime as Alertmanager's API reads it (RFC 3339, ms). */
export function dateTime(ms: number): string {
  if (ms === 0) return '0001-01-01T00:00:00.000Z';
  return new Date(ms).toISOString();
}

/** The API v2 payload: a JSON array of postable alerts. */
export function alertsPayload(alerts: readonly NotifierAlert[]): string {
  return JSON.stringify(
    alerts.map((a) => ({
      annotations: a.annotations.toObject(),
      endsAt: dateTime(a.endsAt),
      startsAt: dateTime(a.startsAt),
      generatorURL: a.generatorURL,
      labels: a.labels.toObject(),
    })),
  );
}

const defaultPost: PostFunc = async (url, body, headers, timeoutMs, dispatcher) => {
  const res = await undici().request(url, {
    method: 'POST',
    body,
    headers,
    dispatcher,
    signal: AbortSignal.timeout(timeoutMs),
  });
  await res.body.dump();
  return { status: res.statusCode };
};

interface AlertmanagerTarget {
  url: string;
  labels: Labels;
}

class AlertmanagerSet {
  active: AlertmanagerTarget[] = [];
  dropped: AlertmanagerTarget[] = [];
  readonly relabel: CompiledRelabel[];
  readonly alertRelabel: CompiledRelabel[];
  readonly timeoutMs: number;
  readonly client: HttpClient | null;
  constructor(
    readonly name: string,
    readonly cfg: AlertmanagerConfigLike,
  ) {
    this.relabel = compileRelabelConfigs(cfg.relabel_configs ?? []);
    this.alertRelabel = compileRelabelConfigs(cfg.alert_relabel_configs ?? []);
    this.timeoutMs = parseDuration(cfg.timeout ?? '10s');
    this.client = createHttpClient(cfg);
  }

  /** Prometheus' alertmanagerFromGroup for every group. */
  sync(groups: readonly TargetGroup[]): void {
    const active = new Map<string, AlertmanagerTarget>();
    const dropped: AlertmanagerTarget[] = [];
    const path = alertsPath(this.cfg.path_prefix, this.cfg.api_version ?? 'v2');
    for (const tg of groups) {
      for (const t of tg.targets) {
        const lb = new LabelsBuilder();
        for (const [k, v] of Object.entries(t)) lb.set(k, v);
        lb.set(SCHEME_LABEL, this.cfg.scheme ?? 'http');
        lb.set(ALERTS_PATH_LABEL, path);
        for (const [k, v] of Object.entries(tg.labels)) if (!(k in t)) lb.set(k, v);
        const pre = lb.labels();
        const keep = processBuilder(lb, this.relabel);
        const toURL = (l: Labels) => `${l.get(SCHEME_LABEL)}://${l.get(ADDRESS_LABEL)}${l.get(ALERTS_PATH_LABEL)}`;
        if (!keep) {
          dropped.push({ url: toURL(pre), labels: pre });
          continue;
        }
        const l = lb.labels();
        const addr = l.get(ADDRESS_LABEL);
        if (addr === '' || addr.includes('/')) continue;
        const url = toURL(l);
        if (!active.has(url)) active.set(url, { url, labels: l });
      }
    }
    this.active = [...active.values()];
    this.dropped = dropped;
  }
}

export class Notifier {
  private queue: NotifierAlert[] = [];
  private sets = new Map<string, AlertmanagerSet>();
  private discovery: DiscoveryManager | null = null;
  private globalRelabel: CompiledRelabel[] = [];
  private externalLabels: Labels;
  private sending: Promise<void> | null = null;
  private stopped = false;
  readonly capacity: number;
  private readonly batch: number;
  private readonly post: PostFunc;
  private readonly log: NonNullable<NotifierOptions['logger']>;
  // metrics
  dropped = 0;
  readonly sent = new Map<string, number>();
  readonly errors = new Map<string, number>();
  readonly latency = new Map<string, QuantileWindow>();

  constructor(private readonly opts: NotifierOptions = {}) {
    this.capacity = opts.queueCapacity ?? 10_000;
    this.batch = opts.maxBatchSize ?? 64;
    this.externalLabels = opts.externalLabels ?? Labels.EMPTY;
    this.post = opts.post ?? defaultPost;
    this.log = opts.logger ?? (() => {});
  }

  /**
   * Applies `alerting` from the config: alert_relabel_configs and the Alertmanager sets (named
   * config-0, config-1, … like Prometheus). Discovery runs until stop().
   */
  applyConfig(alerting: AlertingConfigLike | undefined, externalLabels?: Labels): void {
    if (externalLabels) this.externalLabels = externalLabels;
    this.globalRelabel = compileRelabelConfigs(alerting?.alert_relabel_configs ?? []);
    const sets = new Map<string, AlertmanagerSet>();
    const jobs: DiscoveryJobConfig[] = [];
    (alerting?.alertmanagers ?? []).forEach((cfg, i) => {
      const name = `config-${i}`;
      const set = new AlertmanagerSet(name, cfg);
      const old = this.sets.get(name);
      if (old && JSON.stringify(old.cfg) === JSON.stringify(cfg)) {
        set.active = old.active;
        set.dropped = old.dropped;
      }
      sets.set(name, set);
      jobs.push({
        job_name: name,
        static_configs: cfg.static_configs ?? undefined,
        file_sd_configs: cfg.file_sd_configs ?? undefined,
        http_sd_configs: cfg.http_sd_configs as DiscoveryJobConfig['http_sd_configs'],
      } as DiscoveryJobConfig);
    });
    for (const [name, old] of this.sets) if (sets.get(name) !== old) void old.client?.close();
    this.sets = sets;
    if (!this.discovery) {
      this.discovery = new DiscoveryManager({
        onUpdate: (ts) => this.onTargets(ts),
        updateDelayMs: this.opts.discoveryDelayMs ?? 5000,
        baseDir: this.opts.baseDir,
        logger: { warn: (msg: string) => this.log('warn', msg) },
      });
    }
    for (const w of this.discovery.applyConfig(jobs)) this.log('warn', w);
    // Static targets are known now: apply them without waiting for the throttle.
    this.onTargets(this.discovery.targetSets());
  }

  private onTargets(ts: TargetSets): void {
    for (const [name, groups] of ts) this.sets.get(name)?.sync(groups);
    if (this.queue.length > 0) this.kick();
  }

  /** The Alertmanagers currently sent to (URLs), and those dropped by relabeling. */
  alertmanagers(): { active: string[]; dropped: string[] } {
    const active: string[] = [];
    const dropped: string[] = [];
    for (const s of this.sets.values()) {
      active.push(...s.active.map((a) => a.url));
      dropped.push(...s.dropped.map((a) => a.url));
    }
    return { active, dropped };
  }

  /** The `data` of /api/v1/alertmanagers. */
  alertmanagersAPI(): { activeAlertmanagers: { url: string }[]; droppedAlertmanagers: { url: string }[] } {
    const { active, dropped } = this.alertmanagers();
    return {
      activeAlertmanagers: active.map((url) => ({ url })),
      droppedAlertmanagers: dropped.map((url) => ({ url })),
    };
  }

  queueLength(): number {
    return this.queue.length;
  }

  /** Relabels and queues alerts (Prometheus' Manager.Send). */
  send(alerts: readonly NotifierAlert[]): void {
    let list = this.relabelAlerts(alerts, this.globalRelabel, true);
    if (list.length === 0) return;
    let d = list.length - this.capacity;
    if (d > 0) {
      list = list.slice(d);
      this.log('warn', 'Alert batch larger than queue capacity, dropping alerts', { num_dropped: d });
      this.dropped += d;
    }
    d = this.queue.length + list.length - this.capacity;
    if (d > 0) {
      this.queue = this.queue.slice(d);
      this.log('warn', 'Alert notification queue full, dropping alerts', { num_dropped: d });
      this.dropped += d;
    }
    this.queue.push(...list);
    this.kick();
  }

  private relabelAlerts(
    alerts: readonly NotifierAlert[],
    rules: readonly CompiledRelabel[],
    addExternal: boolean,
  ): NotifierAlert[] {
    const out: NotifierAlert[] = [];
    for (const a of alerts) {
      const lb = new LabelsBuilder(a.labels);
      if (addExternal) this.externalLabels.forEach((k, v) => a.labels.get(k) === '' && lb.set(k, v));
      if (!processBuilder(lb, rules)) continue;
      out.push({ ...a, labels: lb.labels() });
    }
    return out;
  }

  private kick(): void {
    if (this.sending || this.stopped) return;
    this.sending = (async () => {
      try {
        while (this.queue.length > 0 && !this.stopped) {
          const batch = this.queue.splice(0, this.batch);
          if (!(await this.sendAll(batch))) this.dropped += batch.length;
        }
      } finally {
        this.sending = null;
      }
    })();
  }

  /** Waits until the queue is empty (or sending stopped). */
  async flush(): Promise<void> {
    while (this.sending) await this.sending;
  }

  /** Sends one batch to every Alertmanager; true if at least one accepted it (or none exist). */
  async sendAll(alerts: readonly NotifierAlert[]): Promise<boolean> {
    if (alerts.length === 0) return true;
    let total = 0;
    let ok = 0;
    const tasks: Promise<void>[] = [];
    for (const set of this.sets.values()) {
      if (set.active.length === 0) continue;
      const list = set.alertRelabel.length ? this.relabelAlerts(alerts, set.alertRelabel, false) : alerts;
      if (list.length === 0) continue;
      const body = alertsPayload(list);
      for (const am of set.active) {
        total++;
        tasks.push(
          (async () => {
            const began = performance.now();
            try {
              const headers = {
                'content-type': 'application/json',
                'user-agent': this.opts.userAgent ?? 'promctl',
                ...(set.client ? await set.client.headers() : {}),
              };
              const res = await this.post(am.url, body, headers, set.timeoutMs, set.client?.dispatcher);
              if (res.status < 200 || res.status >= 300) {
                throw new Error(`bad response status ${res.status}${res.statusText ? ' ' + res.statusText : ''}`);
              }
              ok++;
            } catch (e) {
              const err = e as Error;
              const msg = err.name === 'TimeoutError' ? `context deadline exceeded` : err.message;
              this.log('error', 'Error sending alerts', { alertmanager: am.url, count: list.length, err: msg });
              this.errors.set(am.url, (this.errors.get(am.url) ?? 0) + list.length);
            } finally {
              let s = this.latency.get(am.url);
              if (!s) this.latency.set(am.url, (s = new QuantileWindow()));
              s.observe((performance.now() - began) / 1000);
              this.sent.set(am.url, (this.sent.get(am.url) ?? 0) + list.length);
            }
          })(),
        );
      }
    }
    await Promise.all(tasks);
    return total === 0 ? false : ok > 0;
  }

  /** Stops discovery; with drain, sends what is queued first. */
  async stop(drain = true): Promise<void> {
    if (drain) await this.flush();
    this.stopped = true;
    await this.flush();
    this.discovery?.stop();
    for (const s of this.sets.values()) await s.client?.close();
  }

  collectMetrics(): MetricFamily[] {
    const byAM = (m: Map<string, number>, name: string): ExposedSample[] =>
      [...m].map(([url, v]) => ({ name, labels: Labels.fromObject({ alertmanager: url }), value: v }));
    const latency: ExposedSample[] = [];
    for (const [url, s] of this.latency) {
      for (const q of [0.5, 0.9, 0.99]) {
        latency.push({
          name: 'prometheus_notifications_latency_seconds',
          labels: Labels.fromObject({ alertmanager: url, quantile: String(q) }),
          value: s.quantile(q),
        });
      }
      latency.push({
        name: 'prometheus_notifications_latency_seconds_sum',
        labels: Labels.fromObject({ alertmanager: url }),
        value: s.sum,
      });
      latency.push({
        name: 'prometheus_notifications_latency_seconds_count',
        labels: Labels.fromObject({ alertmanager: url }),
        value: s.count,
      });
    }
    return [
      {
        name: 'prometheus_notifications_alertmanagers_discovered',
        type: 'gauge',
        help: 'The number of alertmanagers discovered and active.',
        samples: [
          {
            name: 'prometheus_notifications_alertmanagers_discovered',
            labels: Labels.EMPTY,
            value: this.alertmanagers().active.length,
          },
        ],
      },
      {
        name: 'prometheus_notifications_dropped_total',
        type: 'counter',
        help: 'Total number of alerts dropped due to errors when sending to Alertmanager.',
        samples: [{ name: 'prometheus_notifications_dropped_total', labels: Labels.EMPTY, value: this.dropped }],
      },
      {
        name: 'prometheus_notifications_errors_total',
        type: 'counter',
        help: 'Total number of sent alerts affected by errors.',
        samples: byAM(this.errors, 'prometheus_notifications_errors_total'),
      },
      {
        name: 'prometheus_notifications_latency_seconds',
        type: 'summary',
        help: 'Latency quantiles for sending alert notifications.',
        samples: latency,
      },
      {
        name: 'prometheus_notifications_queue_capacity',
        type: 'gauge',
        help: 'The capacity of the alert notifications queue.',
        samples: [{ name: 'prometheus_notifications_queue_capacity', labels: Labels.EMPTY, value: this.capacity }],
      },
      {
        name: 'prometheus_notifications_queue_length',
        type: 'gauge',
        help: 'The number of alert notifications in the queue.',
        samples: [{ name: 'prometheus_notifications_queue_length', labels: Labels.EMPTY, value: this.queue.length }],
      },
      {
        name: 'prometheus_notifications_sent_total',
        type: 'counter',
        help: 'Total number of alerts sent.',
        samples: byAM(this.sent, 'prometheus_notifications_sent_total'),
      },
    ];
  }
}
