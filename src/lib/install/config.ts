import { localTarget, type InstallOptions } from './options.js';

/**
 * The prometheus.yml written when /etc/promctl has none: Prometheus' defaults (15s scrape and
 * evaluation intervals), promctl scraping itself, and the node exporter when it is installed.
 *
 * NOTE: `promctl init` (src/lib/config) owns the canonical defaults; this small generator stands in
 * until that generator is available to call from here.
 */
export function defaultConfigYaml(
  o: Pick<InstallOptions, 'components' | 'listenAddress' | 'nodeListenAddress'>,
): string {
  const self = localTarget(o.listenAddress);
  const lines = [
    '# promctl configuration (Prometheus-compatible prometheus.yml), written by `promctl install --systemd`.',
    '# Edit it, then `systemctl reload promctl` (SIGHUP). It is never overwritten by a later install.',
    'global:',
    '  scrape_interval: 15s',
    '  evaluation_interval: 15s',
    '',
    'scrape_configs:',
    '  - job_name: prometheus',
    '    static_configs:',
    `      - targets: ['localhost:${self.port}']`,
  ];
  if (o.components.includes('node-exporter')) {
    const node = localTarget(o.nodeListenAddress);
    lines.push('  - job_name: node', '    static_configs:', `      - targets: ['localhost:${node.port}']`);
  }
  return lines.join('\n') + '\n';
}
