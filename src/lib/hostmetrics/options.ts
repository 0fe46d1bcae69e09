/**
 * Options of the built-in node collector. Names and defaults follow node_exporter 1.5's flags
 * (`--path.procfs`, `--collector.<name>`, `--collector.filesystem.mount-points-exclude`, …).
 */

/** The collectors promctl implements, each enabled by default as in node_exporter. */
export const COLLECTOR_NAMES = [
  'cpu',
  'diskstats',
  'filesystem',
  'loadavg',
  'meminfo',
  'netdev',
  'os',
  'stat',
  'textfile',
  'time',
  'uname',
] as const;
export type CollectorName = (typeof COLLECTOR_NAMES)[number];

/** node_exporter 1.5's default exclusions (collector/filesystem_linux.go, diskstats_linux.go). */
export const DEFAULT_MOUNT_POINTS_EXCLUDE =
  '^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)';
export const DEFAULT_FS_TYPES_EXCLUDE =
  '^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$';
export const DEFAULT_DISKSTATS_DEVICE_EXCLUDE = '^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$';

export interface NodeOptions {
  /** procfs mount point (default /proc). */
  procfs: string;
  /** sysfs mount point (default /sys). */
  sysfs: string;
  /** The root file system (default /), for mount points and /etc/os-release. */
  rootfs: string;
  /** udev data directory (default /run/udev/data), for node_disk_info. */
  udevData: string;
  /** Enabled collectors. */
  collectors: ReadonlySet<CollectorName>;
  /** Emit node_cpu_guest_seconds_total (default true). */
  cpuGuest: boolean;
  /** Emit node_softirqs_total from /proc/stat (default false). */
  statSoftirq: boolean;
  /** Directory of *.prom files for the textfile collector ('' = none). */
  textfileDirectory: string;
  mountPointsExclude: string;
  /** When set, replaces the exclusion: only matching mount points are reported. */
  mountPointsInclude?: string;
  fsTypesExclude: string;
  fsTypesInclude?: string;
  /** statfs timeout per mount point (ms); a mount that does not answer is reported as device_error. */
  mountTimeoutMs: number;
  diskstatsDeviceExclude: string;
  diskstatsDeviceInclude?: string;
  netdevDeviceExclude?: string;
  netdevDeviceInclude?: string;
}

export const DEFAULT_NODE_OPTIONS: NodeOptions = {
  procfs: '/proc',
  sysfs: '/sys',
  rootfs: '/',
  udevData: '/run/udev/data',
  collectors: new Set(COLLECTOR_NAMES),
  cpuGuest: true,
  statSoftirq: false,
  textfileDirectory: '',
  mountPointsExclude: DEFAULT_MOUNT_POINTS_EXCLUDE,
  fsTypesExclude: DEFAULT_FS_TYPES_EXCLUDE,
  mountTimeoutMs: 5000,
  diskstatsDeviceExclude: DEFAULT_DISKSTATS_DEVICE_EXCLUDE,
};

/** Fills in defaults. */
export function nodeOptions(partial: Partial<NodeOptions> = {}): NodeOptions {
  const o: NodeOptions = { ...DEFAULT_NODE_OPTIONS };
  for (const [k, v] of Object.entries(partial)) if (v !== undefined) (o as unknown as Record<string, unknown>)[k] = v;
  return o;
}

export function isCollectorName(s: string): s is CollectorName {
  return (COLLECTOR_NAMES as readonly string[]).includes(s);
}
