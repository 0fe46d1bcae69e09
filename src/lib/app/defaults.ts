/** The embedded configuration `promctl serve` runs when no config file is given. */
import { hostname } from 'node:os';

/**
 * Scrapes promctl itself (job "prometheus", so existing self-monitoring dashboards work) and the
 * local host through the built-in node collector (job "node", served by this process at
 * /node/metrics), so a bare `promctl serve` monitors the machine without any exporter installed.
 */
export function embeddedConfigYaml(selfAddress: string, node: boolean): string {
  const host = hostname();
  let yaml = `# promctl's embedded default configuration (run \`promctl init\` to write your own).
global:
  scrape_interval: 15s
  evaluation_interval: 15s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['${selfAddress}']
`;
  if (node)
    yaml += `  - job_name: node
    metrics_path: /node/metrics
    static_configs:
      - targets: ['${selfAddress}']
        labels:
          instance: '${host.replace(/'/g, "''")}'
`;
  return yaml;
}

const SECRET_KEYS = new Set(['password', 'bearer_token', 'credentials', 'client_secret', 'secret_key', 'key', 'token']);

/** A copy of a config object with secrets replaced by `<secret>`, as Prometheus' status/config shows. */
export function maskSecrets(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => maskSecrets(x));
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = maskSecrets(x, k);
    return o;
  }
  if (typeof v === 'string' && v !== '' && SECRET_KEYS.has(key)) return '<secret>';
  return v;
}
