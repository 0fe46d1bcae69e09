import { Flags } from '@oclif/core';
import { startServer } from '../lib/app/serve.js';
import { BaseCommand } from '../lib/cli/base-command.js';
import { UserError } from '../lib/cli/errors.js';
import { parseSize } from '../lib/config/index.js';
import { parseDuration } from '../lib/model/duration.js';

export default class Serve extends BaseCommand<void> {
  static override summary = 'Run the monitoring server: scraping, storage, PromQL, the HTTP API, rules and alerts.';
  static override description = `Flags are named like Prometheus' so that habits and unit files carry over. Without
--config.file it runs an embedded default that scrapes itself and the local host (built-in node
collector), storing data in ./data. SIGHUP or POST /-/reload (with --web.enable-lifecycle) reloads
the config; a bad config is rejected and the old one keeps running.`;
  static override examples = [
    '<%= config.bin %> serve',
    '<%= config.bin %> serve --config.file prometheus.yml --storage.tsdb.path /var/lib/promctl',
    '<%= config.bin %> serve --web.listen-address 127.0.0.1:9090 --storage.tsdb.retention.time 30d',
  ];
  static override enableJsonFlag = false;
  static override flags = {
    'config.file': Flags.string({ summary: 'Configuration file (default: the embedded default).' }),
    'storage.tsdb.path': Flags.string({ summary: 'Base path for metrics storage.', default: 'data/' }),
    'storage.tsdb.retention.time': Flags.string({ summary: 'How long to retain samples in storage.', default: '15d' }),
    'storage.tsdb.retention.size': Flags.string({
      summary: 'Maximum bytes of storage blocks to retain, e.g. 10GB (0: no limit).',
      default: '0',
    }),
    'storage.tsdb.wal-compression': Flags.boolean({
      summary: 'Compress the WAL with snappy (as Prometheus; --no-storage.tsdb.wal-compression to disable).',
      default: true,
      allowNo: true,
    }),
    'web.listen-address': Flags.string({
      summary: 'Address to listen on for the UI, API and telemetry.',
      default: '0.0.0.0:9090',
    }),
    'web.external-url': Flags.string({ summary: 'The URL under which promctl is reachable (for links in alerts).' }),
    'web.enable-lifecycle': Flags.boolean({ summary: 'Enable shutdown and reload via HTTP request.', default: false }),
    'web.enable-admin-api': Flags.boolean({
      summary: 'Enable API endpoints for admin control actions.',
      default: false,
    }),
    'query.lookback-delta': Flags.string({
      summary: 'The maximum lookback duration for retrieving metrics during expression evaluations.',
      default: '5m',
    }),
    'query.timeout': Flags.string({ summary: 'Maximum time a query may take before being aborted.', default: '2m' }),
    'query.max-samples': Flags.integer({
      summary: 'Maximum number of samples a single query can load into memory.',
      default: 50_000_000,
      min: 1,
    }),
    'query.max-concurrency': Flags.integer({
      summary: 'Maximum number of queries executed concurrently.',
      default: 20,
      min: 1,
    }),
    'log.level': Flags.string({
      summary: 'Only log messages with the given severity or above.',
      options: ['debug', 'info', 'warn', 'error'],
      default: 'info',
    }),
    'log.format': Flags.string({
      summary: 'Output format of log messages.',
      options: ['logfmt', 'json'],
      default: 'logfmt',
    }),
    'rules.alert.for-outage-tolerance': Flags.string({
      summary: "Max time to tolerate prometheus outage for restoring 'for' state of alert.",
      default: '1h',
    }),
    'rules.alert.for-grace-period': Flags.string({
      summary: "Minimum duration between alert and restored 'for' state (kept for alerts with a longer 'for').",
      default: '10m',
    }),
    'rules.alert.resend-delay': Flags.string({
      summary: 'Minimum amount of time to wait before resending an alert to Alertmanager.',
      default: '1m',
    }),
    'alertmanager.notification-queue-capacity': Flags.integer({
      summary: 'The capacity of the queue for pending Alertmanager notifications.',
      default: 10_000,
      min: 1,
    }),
    'no-node-collector': Flags.boolean({
      summary: 'Do not serve the built-in node collector at /node/metrics.',
      default: false,
    }),
  };

  async run(): Promise<void> {
    const { flags: f } = await this.parse(Serve);
    const dur = (name: keyof typeof f) => {
      try {
        return parseDuration(String(f[name]));
      } catch {
        throw new UserError(`invalid --${name} ${JSON.stringify(f[name])}: use a duration such as 15d, 5m or 30s`, 2);
      }
    };
    let retentionSize = 0;
    try {
      retentionSize = f['storage.tsdb.retention.size'] === '0' ? 0 : parseSize(f['storage.tsdb.retention.size']);
    } catch {
      throw new UserError(
        `invalid --storage.tsdb.retention.size ${JSON.stringify(f['storage.tsdb.retention.size'])}: use a size such as 512MB or 10GB`,
        2,
      );
    }
    const flagsForApi: Record<string, string> = {};
    for (const [k, v] of Object.entries(f)) flagsForApi[k] = String(v);
    const server = await startServer({
      configFile: f['config.file'],
      storagePath: f['storage.tsdb.path'],
      retentionTime: dur('storage.tsdb.retention.time'),
      retentionSize,
      walCompression: f['storage.tsdb.wal-compression'],
      listenAddress: f['web.listen-address'],
      externalUrl: f['web.external-url'],
      enableLifecycle: f['web.enable-lifecycle'],
      enableAdminApi: f['web.enable-admin-api'],
      lookbackDelta: dur('query.lookback-delta'),
      queryTimeout: dur('query.timeout'),
      maxSamples: f['query.max-samples'],
      maxConcurrency: f['query.max-concurrency'],
      logLevel: f['log.level'] as 'info',
      logFormat: f['log.format'] as 'logfmt',
      nodeCollector: !f['no-node-collector'],
      forOutageTolerance: dur('rules.alert.for-outage-tolerance'),
      forGracePeriod: dur('rules.alert.for-grace-period'),
      resendDelay: dur('rules.alert.resend-delay'),
      notificationQueueCapacity: f['alertmanager.notification-queue-capacity'],
      flags: flagsForApi,
      version: this.config.version,
    }).catch((e: Error) => {
      throw new UserError(e.message);
    });
    const c = this.errColor;
    process.stderr.write(
      `${c.bold('promctl')} is serving on ${c.cyan(server.url)}  (listening on ${server.address})\n` +
        `  config:  ${f['config.file'] ?? 'embedded default (run `promctl init` to write your own)'}\n` +
        `  storage: ${f['storage.tsdb.path']}\n` +
        `  scraping: ${server.jobs().join('; ') || 'nothing'}\n` +
        `  try: promctl query 'up' --url ${server.url}   ·   promctl dashboard --url ${server.url}\n`,
    );
    const onSignal = (sig: NodeJS.Signals) => {
      process.stderr.write(`received ${sig}, shutting down gracefully\n`);
      void server.stop();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    process.on('SIGHUP', () => void server.reload().catch(() => {}));
    await server.done;
  }
}
