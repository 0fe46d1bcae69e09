import { COLLECTOR_NAMES, isCollectorName, nodeOptions, type CollectorName, type NodeOptions } from './options.js';
import { RegexError } from '../model/regex.js';
import { searchRegex } from './regex.js';

/** The values of `promctl exporter node`'s node_exporter-style flags. */
export interface NodeFlagValues {
  'path.procfs'?: string;
  'path.sysfs'?: string;
  'path.rootfs'?: string;
  'path.udev.data'?: string;
  'collector.textfile.directory'?: string;
  'collector.filesystem.mount-points-exclude'?: string;
  'collector.filesystem.mount-points-include'?: string;
  'collector.filesystem.fs-types-exclude'?: string;
  'collector.filesystem.fs-types-include'?: string;
  'collector.filesystem.mount-timeout'?: number;
  'collector.diskstats.device-exclude'?: string;
  'collector.diskstats.device-include'?: string;
  'collector.netdev.device-exclude'?: string;
  'collector.netdev.device-include'?: string;
  'collector.cpu.guest'?: boolean;
  'collector.stat.softirq'?: boolean;
  'collector.disable-defaults'?: boolean;
  /** `--collector.<name>` (true) / `--no-collector.<name>` (false), by collector name. */
  enabled?: Partial<Record<CollectorName, boolean | undefined>>;
}

/**
 * Turns flag values into NodeOptions, validating regexes and mutually exclusive include/exclude
 * pairs the way node_exporter does. Throws an Error with a message naming the flag.
 */
export function nodeOptionsFromFlags(f: NodeFlagValues): NodeOptions {
  const pairs: [keyof NodeFlagValues, keyof NodeFlagValues][] = [
    ['collector.filesystem.mount-points-exclude', 'collector.filesystem.mount-points-include'],
    ['collector.filesystem.fs-types-exclude', 'collector.filesystem.fs-types-include'],
    ['collector.diskstats.device-exclude', 'collector.diskstats.device-include'],
    ['collector.netdev.device-exclude', 'collector.netdev.device-include'],
  ];
  for (const [ex, inc] of pairs) {
    if (f[ex] !== undefined && f[inc] !== undefined) throw new Error(`--${ex} and --${inc} are mutually exclusive`);
  }
  for (const [k, v] of Object.entries(f)) {
    if (typeof v === 'string' && /-(exclude|include)$/.test(k)) {
      try {
        searchRegex(v);
      } catch (err) {
        // The message quotes the wrapped (unanchored) pattern; name the user's pattern instead.
        const why = (err instanceof RegexError ? err.message : String(err)).replace(/: `[^`]*`$/, '');
        throw new Error(`--${k}: invalid regular expression ${JSON.stringify(v)}: ${why}`);
      }
    }
  }
  const enabled = new Set<CollectorName>(f['collector.disable-defaults'] ? [] : COLLECTOR_NAMES);
  for (const [name, on] of Object.entries(f.enabled ?? {})) {
    if (!isCollectorName(name) || on === undefined) continue;
    if (on) enabled.add(name);
    else enabled.delete(name);
  }
  const timeout = f['collector.filesystem.mount-timeout'];
  return nodeOptions({
    procfs: f['path.procfs'],
    sysfs: f['path.sysfs'],
    rootfs: f['path.rootfs'],
    udevData: f['path.udev.data'],
    textfileDirectory: f['collector.textfile.directory'],
    mountPointsExclude: f['collector.filesystem.mount-points-include']
      ? ''
      : f['collector.filesystem.mount-points-exclude'],
    mountPointsInclude: f['collector.filesystem.mount-points-include'],
    fsTypesExclude: f['collector.filesystem.fs-types-include'] ? '' : f['collector.filesystem.fs-types-exclude'],
    fsTypesInclude: f['collector.filesystem.fs-types-include'],
    mountTimeoutMs: timeout === undefined ? undefined : timeout * 1000,
    diskstatsDeviceExclude: f['collector.diskstats.device-include'] ? '' : f['collector.diskstats.device-exclude'],
    diskstatsDeviceInclude: f['collector.diskstats.device-include'],
    netdevDeviceExclude: f['collector.netdev.device-exclude'],
    netdevDeviceInclude: f['collector.netdev.device-include'],
    cpuGuest: f['collector.cpu.guest'],
    statSoftirq: f['collector.stat.softirq'],
    collectors: enabled,
  });
}
