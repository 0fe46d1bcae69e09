import { DEFAULT_INIT, PRESETS, renderInitConfig } from '../config/init.js';
import { localTarget, type InstallOptions } from './options.js';

/**
 * The prometheus.yml written when /etc/promctl has none: `promctl init`'s defaults (its generator,
 * validated before it is returned), with promctl scraping itself and, when it is installed, the
 * node exporter.
 */
export function defaultConfigYaml(
  o: Pick<InstallOptions, 'components' | 'listenAddress' | 'nodeListenAddress'>,
  now: Date = new Date(),
): string {
  const jobs = [{ name: PRESETS.prometheus!.name, targets: [`localhost:${localTarget(o.listenAddress).port}`] }];
  if (o.components.includes('node-exporter')) {
    jobs.push({ name: PRESETS.node!.name, targets: [`localhost:${localTarget(o.nodeListenAddress).port}`] });
  }
  return renderInitConfig({ ...DEFAULT_INIT, jobs }, now);
}
