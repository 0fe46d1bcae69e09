import type { Component, InstallOptions } from './options.js';

/**
 * Quotes one ExecStart argument for systemd.service(5): `%` and `$` are escaped (specifiers and
 * variable expansion), and arguments with spaces, quotes or backslashes are double-quoted.
 */
export function systemdQuote(arg: string): string {
  let s = arg.replaceAll('%', '%%').replaceAll('$', '$$$$');
  if (/[\s"'\\;]/.test(s) || s === '') s = `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  return s;
}

/**
 * Sandboxing shared by both units, each option checked against the service it wraps (see
 * test/install). Not used: MemoryDenyWriteExecute (V8's JIT needs writable+executable pages).
 */
const COMMON_HARDENING = [
  'NoNewPrivileges=yes',
  'ProtectSystem=strict',
  'PrivateTmp=yes',
  'PrivateDevices=yes',
  'DevicePolicy=closed',
  'CapabilityBoundingSet=',
  'AmbientCapabilities=',
  'ProtectKernelTunables=yes',
  'ProtectKernelModules=yes',
  'ProtectKernelLogs=yes',
  'ProtectControlGroups=yes',
  'ProtectClock=yes',
  'ProtectHostname=yes',
  'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
  'RestrictNamespaces=yes',
  'RestrictRealtime=yes',
  'RestrictSUIDSGID=yes',
  'LockPersonality=yes',
  'PrivateUsers=yes',
  'RemoveIPC=yes',
  'KeyringMode=private',
  'SystemCallArchitectures=native',
  'SystemCallFilter=@system-service',
  'SystemCallFilter=~@privileged @resources',
  'SystemCallErrorNumber=EPERM',
  'UMask=0027',
  'PrivateMounts=yes',
];

function execStart(o: InstallOptions, args: readonly string[]): string {
  return [o.nodePath, o.promctlPath, ...args].map(systemdQuote).join(' ');
}

export function serverArgs(o: InstallOptions): string[] {
  return [
    'serve',
    `--config.file=${o.configDir}/prometheus.yml`,
    `--storage.tsdb.path=${o.dataDir}`,
    `--web.listen-address=${o.listenAddress}`,
    `--storage.tsdb.retention.time=${o.retention}`,
    ...o.extraFlags,
  ];
}

export function nodeExporterArgs(o: InstallOptions): string[] {
  return [
    'exporter',
    'node',
    `--web.listen-address=${o.nodeListenAddress}`,
    `--collector.textfile.directory=${o.textfileDir}`,
    ...o.nodeExtraFlags,
  ];
}

/** The server unit: promctl serve as the service user, writing only its data directory. */
export function serverUnit(o: InstallOptions): string {
  return [
    '# Written by promctl install --systemd. Local changes belong in a drop-in: systemctl edit promctl',
    '[Unit]',
    'Description=promctl monitoring server (Prometheus-compatible)',
    'Documentation=https://prometheus.io/docs/',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `User=${o.user}`,
    `Group=${o.group}`,
    `ExecStart=${execStart(o, serverArgs(o))}`,
    'ExecReload=/bin/kill -HUP $MAINPID',
    'Restart=on-failure',
    'RestartSec=5s',
    'TimeoutStopSec=120s',
    'LimitNOFILE=65536',
    `WorkingDirectory=${o.dataDir}`,
    'Environment=NODE_ENV=production',
    '',
    '# Sandboxing: read-only system, writable data directory only, no privileges.',
    ...COMMON_HARDENING,
    `ReadWritePaths=${o.dataDir}`,
    'ProtectHome=yes',
    'ProtectProc=invisible',
    'ProcSubset=pid',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/**
 * The node exporter unit. It must see the host as it is: /proc/1/mounts (so no ProtectProc or
 * ProcSubset, which hide it and /proc/diskstats), statfs of /home (ProtectHome=read-only rather than
 * yes, which would report an empty file system there), and /sys (read-only is enough).
 */
export function nodeExporterUnit(o: InstallOptions): string {
  return [
    '# Written by promctl install --systemd. Local changes belong in a drop-in: systemctl edit promctl-node-exporter',
    '[Unit]',
    "Description=promctl node exporter (this host's metrics with node_exporter's names)",
    'Documentation=https://github.com/prometheus/node_exporter',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `User=${o.user}`,
    `Group=${o.group}`,
    `ExecStart=${execStart(o, nodeExporterArgs(o))}`,
    'ExecReload=/bin/kill -HUP $MAINPID',
    'Restart=on-failure',
    'RestartSec=5s',
    'LimitNOFILE=8192',
    'Environment=NODE_ENV=production',
    '',
    '# Sandboxing: read-only view of the host, no privileges, no writable paths.',
    ...COMMON_HARDENING,
    'ProtectHome=read-only',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

export function unitFor(c: Component, o: InstallOptions): string {
  return c === 'server' ? serverUnit(o) : nodeExporterUnit(o);
}
