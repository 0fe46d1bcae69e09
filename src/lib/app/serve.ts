/**
 * The composition root of `promctl serve`: the only place that builds the concrete parts (config,
 * TSDB, discovery, scrape manager, PromQL engine, rules, notifier, node collector, HTTP API) and
 * runs their lifecycles, like Prometheus' cmd/prometheus/main.go.
 */
import { dirname, join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { stringify as yamlStringify } from 'yaml';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { ApiHttpError } from '../api/params.js';
import { annotationsWithPositions, apiError } from '../api/engine-results.js';
import { createHandler, listen, type ServerPorts } from '../api/server.js';
import type { ApiEngine, QueryOptions } from '../api/v1.js';
import { loadWebAssets, webHandler } from '../api/web.js';
import { analyzeConfigFile, analyzeConfigText, where, type Config } from '../config/index.js';
import { DiscoveryManager } from '../discovery/manager.js';
import { createNodeCollector, type NodeCollector } from '../hostmetrics/index.js';
import { Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import type { ExposedSample, MetricFamily } from '../model/metricfamily.js';
import { isStaleNaN } from '../model/value.js';
import { Notifier } from '../notifier/notifier.js';
import { sendAlertsFunc } from '../notifier/rules.js';
import { Engine } from '../promql/engine/engine.js';
import type { QueryResult } from '../promql/engine/types.js';
import { formatQuery, parseExpr, parseMetricSelector } from '../promql/parser/index.js';
import { alertsAPI, rulesAPI, type RulesFilter } from '../rules/api.js';
import { engineQueryFunc } from '../rules/engine-query.js';
import { RulesManager } from '../rules/manager.js';
import { ScrapeManager } from '../scrape/manager.js';
import type { ScrapeJobConfig } from '../scrape/config.js';
import { ValueType } from '../storage/interface.js';
import { writeTextFormat } from '../textparse/writer.js';
import { Tsdb, snapshotName } from '../tsdb/db.js';
import { embeddedConfigYaml, maskSecrets } from './defaults.js';
import { createLogger, type LogFormat, type Logger, type LogLevel } from './log.js';
import { Registry, goDurationString, registerProcessMetrics } from './metrics.js';

export interface ServeOptions {
  /** prometheus.yml; undefined runs the embedded default. */
  configFile?: string;
  storagePath: string;
  /** ms; 0 disables. */
  retentionTime: number;
  /** bytes; 0 disables. */
  retentionSize: number;
  /** Snappy-compress the WAL (default true, as Prometheus). */
  walCompression?: boolean;
  listenAddress: string;
  enableLifecycle: boolean;
  enableAdminApi: boolean;
  /** ms */
  lookbackDelta: number;
  /** ms */
  queryTimeout: number;
  maxSamples: number;
  maxConcurrency: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  externalUrl?: string;
  /** Serve the built-in node collector at /node/metrics (used by the embedded config). */
  nodeCollector: boolean;
  /** --rules.alert.for-outage-tolerance, --rules.alert.for-grace-period, --rules.alert.resend-delay (ms). */
  forOutageTolerance?: number;
  forGracePeriod?: number;
  resendDelay?: number;
  /** --alertmanager.notification-queue-capacity. */
  notificationQueueCapacity?: number;
  /** All flags as given, for /api/v1/status/flags. */
  flags: Record<string, string>;
  version: string;
}

export interface RunningServer {
  /** The address actually bound, e.g. 0.0.0.0:9090. */
  address: string;
  url: string;
  /** What is scraped, for the start-up message. */
  jobs(): string[];
  reload(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when the server has stopped (quit, signal or stop()). */
  done: Promise<void>;
}

/** A listen address as Prometheus takes it: `host:port`, `:port` or `[v6]:port`. */
export function parseListenAddress(s: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(s);
  if (!m || Number(m[3]) > 65535)
    throw new Error(`invalid --web.listen-address ${JSON.stringify(s)}: use HOST:PORT, e.g. 0.0.0.0:9090`);
  return { host: m[1] ?? m[2] ?? '', port: Number(m[3]) };
}

/**
 * Caps admitted queries (--query.max-concurrency); the rest wait in order. Evaluation runs on the
 * one JavaScript thread, so admitted queries also take turns: one evaluates at a time, and each turn
 * starts in a fresh macrotask (setImmediate), so that scrapes, their timeouts and other I/O are served
 * between queries. Without turns, twenty queries arriving together would run back to back in one
 * macrotask and starve the scrape loops (measured by bench/load.bench.ts: a fifth of scrapes missed).
 */
export class QueryGate {
  private admitted = 0;
  private readonly waiting: (() => void)[] = [];
  private turnTaken = false;
  private readonly turns: (() => void)[] = [];
  constructor(private readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.admitted >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    this.admitted++;
    try {
      if (this.turnTaken) await new Promise<void>((r) => this.turns.push(r));
      this.turnTaken = true;
      await new Promise<void>((r) => setImmediate(r));
      try {
        return await fn();
      } finally {
        const next = this.turns.shift();
        if (next) next();
        else this.turnTaken = false;
      }
    } finally {
      this.admitted--;
      this.waiting.shift()?.();
    }
  }
}

/** Loads and validates the config (file or embedded); throws with every positioned problem. */
export function loadServeConfig(
  file: string | undefined,
  selfAddress: string,
  node: boolean,
): { config: Config; yaml: string } {
  const r = file
    ? analyzeConfigFile(file)
    : analyzeConfigText(embeddedConfigYaml(selfAddress, node), 'embedded default config');
  const errors = r.problems.filter((p) => p.severity === 'error');
  if (errors.length || !r.config) {
    const msg = errors.map((p) => `${where(p)}${p.message}${p.hint ? ` (${p.hint})` : ''}`).join('\n');
    throw new Error(msg || 'invalid configuration');
  }
  return { config: r.config, yaml: yamlStringify(maskSecrets(r.config), { lineWidth: 0 }) };
}

/** Starts everything; resolves once the HTTP server listens and the TSDB is open. */
export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const startedAt = Date.now();
  // Keep V8's young generation from growing. It doubles (up to 2 × 16 MB) whenever scavenges find
  // many survivors — as when the first scrapes create tens of thousands of series — and then holds
  // that memory. A server's allocations are either per scrape (dead within it) or long-lived series
  // data (promoted anyway), so a larger nursery only holds garbage: at 50 targets × 1000 series it
  // was ~30 MB of resident memory (0.6 KiB per series) for no measurable CPU gain. V8 reads this
  // flag each time it would grow the space.
  setFlagsFromString('--semi-space-growth-factor=1');
  const log: Logger = createLogger(o.logLevel, o.logFormat);
  const { host, port } = parseListenAddress(o.listenAddress);
  const selfAddress = `${host === '' || host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host}:${port}`;
  const externalUrl = (o.externalUrl ?? `http://${selfAddress}`).replace(/\/+$/, '');

  let { config, yaml: configYaml } = loadServeConfig(o.configFile, selfAddress, o.nodeCollector);
  const baseDir = o.configFile ? dirname(resolve(o.configFile)) : process.cwd();

  const registry = new Registry();
  registerProcessMetrics(registry, startedAt);
  const httpRequests = registry.counter('prometheus_http_requests_total', 'Counter of HTTP requests.');
  const httpDuration = registry.histogram(
    'prometheus_http_request_duration_seconds',
    'Histogram of latencies for HTTP requests.',
    [0.1, 0.2, 0.4, 1, 3, 8, 20, 60, 120],
  );
  const queryDuration = registry.quantileSummary(
    'prometheus_engine_query_duration_seconds',
    'Query timings',
    [0.5, 0.9, 0.99],
  );
  queryDuration.init({ slice: 'inner_eval' });
  const intervalLength = registry.quantileSummary(
    'prometheus_target_interval_length_seconds',
    'Actual intervals between scrapes.',
    [0.01, 0.05, 0.5, 0.9, 0.99],
  );
  const reloadSuccess = registry.gauge(
    'prometheus_config_last_reload_successful',
    'Whether the last configuration reload attempt was successful.',
  );
  const reloadTime = registry.gauge(
    'prometheus_config_last_reload_success_timestamp_seconds',
    'Timestamp of the last successful configuration reload.',
  );
  registry.gauge(
    'prometheus_build_info',
    'A metric with a constant 1 value labeled by version, revision, branch, goversion from which prometheus was built, and the goos and goarch for the build.',
    () => [
      [
        {
          version: o.version,
          revision: 'promctl',
          branch: 'main',
          goversion: process.version,
          goos: process.platform,
          goarch: process.arch,
        },
        1,
      ],
    ],
  );
  registry.gauge(
    'prometheus_ready',
    'Whether Prometheus startup was fully completed and the server is ready for normal operation.',
    () => (ready ? 1 : 0),
  );

  // Storage.
  const db = await Tsdb.open(o.storagePath, {
    retentionTime: o.retentionTime,
    retentionSize: o.retentionSize,
    walCompression: o.walCompression ?? true,
    logger: { info: (m) => log.with('tsdb').info(m), warn: (m) => log.with('tsdb').warn(m) },
  });
  const tsdbStat =
    <K extends keyof ReturnType<Tsdb['stats']>>(k: K) =>
    () =>
      db.stats()[k] as number;
  registry.gauge('prometheus_tsdb_head_series', 'Total number of series in the head block.', tsdbStat('headSeries'));
  registry.gauge('prometheus_tsdb_head_chunks', 'Total number of chunks in the head block.', tsdbStat('headChunks'));
  registry.counterFunc('prometheus_tsdb_head_samples_appended_total', 'Total number of appended samples.', () => [
    [{ type: 'float' }, db.stats().samplesAppended],
  ]);
  registry.counterFunc(
    'prometheus_tsdb_head_series_created_total',
    'Total number of series created in the head',
    tsdbStat('seriesCreated'),
  );
  registry.counterFunc(
    'prometheus_tsdb_head_series_removed_total',
    'Total number of series removed in the head',
    tsdbStat('seriesRemoved'),
  );
  registry.counterFunc(
    'prometheus_tsdb_out_of_order_samples_total',
    'Total number of out of order samples ingestion failed attempts due to out of order being disabled.',
    () => [[{ type: 'float' }, db.stats().outOfOrderRejected]],
  );
  registry.gauge('prometheus_tsdb_blocks_loaded', 'Number of currently loaded data blocks', tsdbStat('blocks'));
  registry.gauge(
    'prometheus_tsdb_storage_blocks_bytes',
    'The number of bytes that are currently used for local storage by all blocks.',
    tsdbStat('blockBytes'),
  );
  registry.counterFunc(
    'prometheus_tsdb_compactions_total',
    'Total number of compactions that were executed for the partition.',
    tsdbStat('compactions'),
  );
  registry.counterFunc(
    'prometheus_tsdb_compactions_failed_total',
    'Total number of compactions that failed for the partition.',
    tsdbStat('compactionFailures'),
  );
  registry.gauge('prometheus_tsdb_head_min_time', 'Minimum time bound of the head block.', tsdbStat('headMinTime'));
  registry.gauge('prometheus_tsdb_head_max_time', 'Maximum timestamp of the head block.', tsdbStat('headMaxTime'));
  registry.gauge(
    'prometheus_tsdb_lowest_timestamp',
    'Lowest timestamp value stored in the database.',
    tsdbStat('minTime'),
  );
  registry.counterFunc(
    'prometheus_tsdb_wal_corruptions_total',
    'Total number of WAL corruptions.',
    tsdbStat('walRepairs'),
  );

  // Query engine.
  const engine = new Engine({ lookbackDelta: o.lookbackDelta, timeout: o.queryTimeout, maxSamples: o.maxSamples });
  const gate = new QueryGate(Math.max(1, o.maxConcurrency));
  const timed = async (fn: () => Promise<QueryResult>, expr: string) => {
    const t0 = performance.now();
    try {
      const r = await gate.run(fn);
      return { value: r.value, ...annotationsWithPositions(expr, r) };
    } catch (e) {
      throw apiError(e);
    } finally {
      queryDuration.observe((performance.now() - t0) / 1000, { slice: 'inner_eval' });
    }
  };
  const qopts = (q: QueryOptions) => ({ timeout: q.timeout, lookbackDelta: q.lookbackDelta, signal: q.signal });
  const apiEngine: ApiEngine = {
    instantQuery: (expr, t, q) => timed(() => engine.instantQuery(db, expr, t, qopts(q)), expr),
    rangeQuery: (expr, s, e, step, q) => timed(() => engine.rangeQuery(db, expr, s, e, step, qopts(q)), expr),
  };

  // Scraping: discovery feeds the scrape manager, which appends into the TSDB.
  const scrapeLog = log.with('scrape');
  const scrape = new ScrapeManager(db, {
    logger: { warn: (m) => scrapeLog.warn(m), debug: (m) => scrapeLog.debug(m) },
    onInterval: (intervalMs, seconds) => intervalLength.observe(seconds, { interval: goDurationString(intervalMs) }),
  });
  const discovery = new DiscoveryManager({
    onUpdate: (sets) => scrape.updateTargets(sets),
    baseDir,
    updateDelayMs: 1000,
  });

  // Rules and alerting.
  const notifier = new Notifier({
    baseDir,
    queueCapacity: o.notificationQueueCapacity,
    logger: (level, msg, fields) => log.with('notifier')[level](msg, fields),
  });
  const rules = new RulesManager({
    queryFn: engineQueryFunc(engine, db),
    notifyFn: sendAlertsFunc(notifier, externalUrl),
    appendable: db,
    queryable: db,
    externalURL: externalUrl,
    outageTolerance: o.forOutageTolerance,
    forGracePeriod: o.forGracePeriod,
    resendDelay: o.resendDelay,
    logger: (level, msg, fields) => log.with('rules')[level](msg, fields),
  });
  // Self-metrics under Prometheus' names (rule groups, notifications).
  registry.addCollector(() => rules.collectMetrics());
  registry.addCollector(() => notifier.collectMetrics());

  const node: NodeCollector | null = o.nodeCollector ? createNodeCollector() : null;

  const applyConfig = async (c: Config) => {
    const extLabels = Labels.fromObject(c.global.external_labels ?? {});
    const jobs = c.scrape_configs as unknown as ScrapeJobConfig[];
    await scrape.applyConfig(jobs, c.global as never);
    for (const w of discovery.applyConfig(c.scrape_configs as never)) log.warn(w);
    notifier.applyConfig(c.alerting as never, extLabels);
    await rules.update({
      files: c.rule_files,
      baseDir,
      evaluationInterval: parseDurationMs(c.global.evaluation_interval, 60_000),
      ruleQueryOffset: parseDurationMs((c.global as { rule_query_offset?: string }).rule_query_offset, 0),
      externalLabels: extLabels,
      externalURL: externalUrl,
    });
  };
  await applyConfig(config);
  rules.start();
  reloadSuccess.set(1);
  reloadTime.set(Date.now() / 1000);

  let reloading: Promise<void> | null = null;
  const doReload = async () => {
    try {
      const next = loadServeConfig(o.configFile, selfAddress, o.nodeCollector);
      await applyConfig(next.config);
      config = next.config;
      configYaml = next.yaml;
      reloadSuccess.set(1);
      reloadTime.set(Date.now() / 1000);
      log.info('Completed loading of configuration file', { filename: o.configFile ?? '(embedded)' });
    } catch (e) {
      reloadSuccess.set(0);
      log.error('Error reloading config; the previous configuration keeps running', { err: (e as Error).message });
      throw e;
    }
  };
  /** Reloads the config; concurrent calls share one reload. */
  const reload = (): Promise<void> => {
    if (reloading) return reloading;
    const p: Promise<void> = doReload().finally(() => {
      if (reloading === p) reloading = null;
    });
    reloading = p;
    return p;
  };

  let ready = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let stopping: Promise<void> | null = null;

  const web = webHandler(loadWebAssets());
  const ports: ServerPorts = {
    engine: apiEngine,
    queryable: db,
    parseSelector: (s) => parseMetricSelector(s),
    formatQuery: (s) => formatQuery(s),
    parseQuery: (s) => parseExpr(s),
    ready: () => ready,
    reload,
    quit: () => void stop(),
    enableLifecycle: o.enableLifecycle,
    metrics: () => registry.text(),
    federate: (selectors) =>
      federate(db, selectors, o.lookbackDelta, Labels.fromObject(config.global.external_labels ?? {})),
    web: (path: string, req: IncomingMessage, res: ServerResponse) => {
      if (node && path === '/node/metrics') {
        void node.scrape().then(
          (r) => {
            const body = writeTextFormat(r.families);
            res.writeHead(200, {
              'Content-Type': 'text/plain; version=0.0.4; charset=utf-8',
              'Content-Length': Buffer.byteLength(body),
            });
            res.end(body);
          },
          (e: Error) => {
            res.writeHead(500, { 'Content-Type': 'text/plain' });
            res.end(`node collector failed: ${e.message}\n`);
          },
        );
        return true;
      }
      return web(path, req, res);
    },
    targets: () => ({
      activeTargets: scrape.activeTargets().map((t) => ({
        ...t,
        lastScrape: t.lastScrape ? new Date(t.lastScrape).toISOString() : '0001-01-01T00:00:00Z',
      })),
      droppedTargets: scrape.droppedTargets(),
      droppedTargetCounts: scrape.droppedTargetCounts(),
    }),
    configYaml: () => configYaml,
    flags: () => o.flags,
    runtimeInfo: () => ({
      startTime: new Date(startedAt).toISOString(),
      CWD: process.cwd(),
      reloadConfigSuccess: true,
      lastConfigTime: new Date().toISOString(),
      corruptionCount: db.stats().walRepairs,
      goroutineCount: 0,
      GOMAXPROCS: 1,
      GOMEMLIMIT: 0,
      GOGC: '',
      GODEBUG: '',
      storageRetention: `${o.retentionTime ? formatDurationShort(o.retentionTime) : ''}${o.retentionSize ? ` or ${o.retentionSize}B` : ''}`,
    }),
    buildInfo: () => ({
      version: o.version,
      revision: 'promctl',
      branch: 'main',
      buildUser: 'promctl',
      buildDate: '',
      goVersion: process.version,
    }),
    tsdbStatus: (limit) => tsdbStatus(db, limit),
    rules: (p) => {
      const f: RulesFilter = {};
      const type = p.get('type');
      if (type === 'alert' || type === 'record') f.type = type;
      const names = p.all('rule_name[]');
      if (names.length) f.ruleName = names;
      const groups = p.all('rule_group[]');
      if (groups.length) f.ruleGroup = groups;
      const files = p.all('file[]');
      if (files.length) f.file = files;
      if (p.get('exclude_alerts') === 'true') f.excludeAlerts = true;
      return rulesAPI(rules.ruleGroups(), f);
    },
    alerts: () => alertsAPI(rules.ruleGroups()),
    alertmanagers: () => notifier.alertmanagersAPI(),
    observe: (handler, code, seconds) => {
      httpRequests.inc({ code: String(code), handler });
      httpDuration.observe(seconds, { handler });
    },
    admin: o.enableAdminApi
      ? {
          deleteSeries: async (selectors, start, end) => {
            const sets = selectors.map((sel) => {
              try {
                return parseMetricSelector(sel);
              } catch (e) {
                throw new ApiHttpError('bad_data', `invalid parameter "match[]": ${(e as Error).message}`);
              }
            });
            try {
              for (const m of sets) await db.delete(start, end, m);
            } catch (e) {
              throw new ApiHttpError('internal', (e as Error).message);
            }
          },
          cleanTombstones: async () => {
            try {
              await db.cleanTombstones();
            } catch (e) {
              throw new ApiHttpError('internal', `clean tombstones: ${(e as Error).message}`);
            }
          },
          snapshot: async (skipHead) => {
            const name = snapshotName();
            try {
              await db.snapshot(join(db.dir, 'snapshots', name), !skipHead);
            } catch (e) {
              throw new ApiHttpError('internal', `create snapshot: ${(e as Error).message}`);
            }
            return name;
          },
        }
      : undefined,
  };

  let server: Server;
  try {
    server = await listen(createHandler(ports), host, port);
  } catch (e) {
    await rules.stop();
    await scrape.stop();
    discovery.stop();
    await db.close();
    throw e;
  }
  ready = true;
  const addr = server.address();
  const bound =
    typeof addr === 'object' && addr
      ? `${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`
      : o.listenAddress;

  async function stop(): Promise<void> {
    if (stopping) return stopping;
    stopping = (async () => {
      log.info('Stopping scrape manager, rules and the web server...');
      ready = false;
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections?.();
      });
      discovery.stop();
      await scrape.stop();
      await rules.stop();
      await notifier.stop(true).catch(() => {});
      await db.close();
      log.info('See you next time!');
      resolveDone();
    })();
    return stopping;
  }

  return {
    address: bound,
    url: `http://${selfAddress.replace(/:\d+$/, '')}:${typeof addr === 'object' && addr ? addr.port : port}`,
    jobs: () =>
      config.scrape_configs.map((j) => {
        const targets = (j.static_configs ?? []).flatMap((s) => s.targets ?? []);
        return `${j.job_name}${targets.length ? ` (${targets.join(', ')})` : ''}`;
      }),
    reload,
    stop,
    done,
  };
}

function parseDurationMs(s: string | undefined | null, dflt: number): number {
  if (!s) return dflt;
  const m = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(s);
  if (!m) return dflt;
  const u = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3600_000, 60_000, 1000, 1];
  return m.slice(1).reduce((n, g, i) => n + (g ? Number(g) * u[i]! : 0), 0);
}

function formatDurationShort(ms: number): string {
  const d = Math.floor(ms / 86_400_000);
  return d * 86_400_000 === ms ? `${d}d` : `${Math.round(ms / 1000)}s`;
}

/** /federate: the latest sample of every series matching the selectors, as text format. */
async function federate(db: Tsdb, selectors: string[], lookback: number, external: Labels): Promise<string> {
  if (selectors.length === 0) return '';
  const sets: Matcher[][] = [];
  for (const s of selectors) {
    try {
      sets.push(parseMetricSelector(s));
    } catch (e) {
      throw new ApiHttpError('bad_data', (e as Error).message);
    }
  }
  const now = Date.now();
  const q = await db.querier(now - lookback, now);
  const byName = new Map<string, ExposedSample[]>();
  const seen = new Set<string>();
  try {
    for (const ms of sets) {
      const ss = await q.select(true, { start: now - lookback, end: now }, ms);
      while (ss.next()) {
        const s = ss.at();
        const key = s.labels.key();
        if (seen.has(key)) continue;
        seen.add(key);
        const it = s.iterator();
        let t = NaN;
        let v = NaN;
        while (it.next() === ValueType.Float) {
          t = it.t;
          v = it.v;
        }
        if (Number.isNaN(t) || isStaleNaN(v)) continue;
        const b = s.labels.builder();
        external.forEach((n, val) => {
          if (!s.labels.has(n)) b.set(n, val);
        });
        const labels = b.labels();
        const name = labels.metricName();
        let list = byName.get(name);
        if (!list) byName.set(name, (list = []));
        list.push({ name, labels: labels.without('__name__'), value: v, timestamp: t });
      }
    }
  } finally {
    await q.close();
  }
  const families: MetricFamily[] = [...byName.keys()]
    .sort()
    .map((name) => ({ name, type: 'unknown', help: '', samples: byName.get(name)! }));
  return writeTextFormat(families);
}

/** /api/v1/status/tsdb: head statistics and the top-N cardinalities. */
async function tsdbStatus(db: Tsdb, limit: number): Promise<unknown> {
  const st = db.stats();
  const q = await db.querier(st.headMinTime, st.headMaxTime);
  const byName = new Map<string, number>();
  const valuesByLabel = new Map<string, Set<string>>();
  const byPair = new Map<string, number>();
  const bytesByLabel = new Map<string, number>();
  try {
    const { Matcher } = await import('../model/matcher.js');
    const ss = await q.select(false, { func: 'series' }, [new Matcher('=~', '__name__', '.+')]);
    while (ss.next()) {
      ss.at().labels.forEach((n, v) => {
        if (n === '__name__') byName.set(v, (byName.get(v) ?? 0) + 1);
        let set = valuesByLabel.get(n);
        if (!set) valuesByLabel.set(n, (set = new Set()));
        if (!set.has(v)) {
          set.add(v);
          bytesByLabel.set(n, (bytesByLabel.get(n) ?? 0) + v.length);
        }
        const pair = `${n}=${v}`;
        byPair.set(pair, (byPair.get(pair) ?? 0) + 1);
      });
    }
  } finally {
    await q.close();
  }
  const top = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, limit)
      .map(([name, value]) => ({ name, value }));
  return {
    headStats: {
      numSeries: st.headSeries,
      numLabelPairs: byPair.size,
      chunkCount: st.headChunks,
      minTime: Number.isFinite(st.headMinTime) ? st.headMinTime : 0,
      maxTime: Number.isFinite(st.headMaxTime) ? st.headMaxTime : 0,
    },
    seriesCountByMetricName: top(byName),
    labelValueCountByLabelName: top(new Map([...valuesByLabel].map(([k, s]) => [k, s.size]))),
    memoryInBytesByLabelName: top(bytesByLabel),
    seriesCountByLabelValuePair: top(byPair),
  };
}
