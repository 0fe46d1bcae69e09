/** What `promctl install --systemd` installs and where. */

export type Component = 'server' | 'node-exporter';
export const COMPONENTS: readonly Component[] = ['server', 'node-exporter'];

export interface InstallOptions {
  components: readonly Component[];
  /** Service user and group (created as system accounts). */
  user: string;
  group: string;
  /** Directory of prometheus.yml. */
  configDir: string;
  /** TSDB directory (the server's --storage.tsdb.path); also the service user's home. */
  dataDir: string;
  /**
   * textfile collector directory of the node exporter; outside dataDir, since `promctl serve`
   * refuses a TSDB directory holding anything else.
   */
  textfileDir: string;
  unitDir: string;
  /** The server's --web.listen-address. */
  listenAddress: string;
  /** The node exporter's --web.listen-address. */
  nodeListenAddress: string;
  /** --storage.tsdb.retention.time. */
  retention: string;
  /** Extra flags appended to the server's ExecStart. */
  extraFlags: readonly string[];
  /** Extra flags appended to the node exporter's ExecStart. */
  nodeExtraFlags: readonly string[];
  /** Absolute path of the node binary that runs promctl. */
  nodePath: string;
  /** Absolute path of promctl's bin/run.js. */
  promctlPath: string;
  /** The login shell of the service user (nologin; differs across distributions). */
  nologin: string;
  /** Staging root: files are written under it; users, systemctl and health checks are skipped. */
  root: string;
}

export const UNIT_NAMES: Record<Component, string> = {
  server: 'promctl.service',
  'node-exporter': 'promctl-node-exporter.service',
};

export const DEFAULT_INSTALL: Omit<InstallOptions, 'nodePath' | 'promctlPath'> = {
  components: COMPONENTS,
  user: 'promctl',
  group: 'promctl',
  configDir: '/etc/promctl',
  dataDir: '/var/lib/promctl',
  textfileDir: '/var/lib/promctl-node-exporter',
  unitDir: '/etc/systemd/system',
  listenAddress: ':9090',
  nodeListenAddress: ':9100',
  retention: '15d',
  extraFlags: [],
  nodeExtraFlags: [],
  nologin: '/usr/sbin/nologin',
  root: '',
};

/** host:port of a listen address as a client reaches it (`:9090` → 127.0.0.1:9090). */
export function localTarget(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(listen);
  if (!m) throw new Error(`invalid listen address ${JSON.stringify(listen)}: want host:port or :port`);
  let host = m[1] ?? m[2] ?? '';
  if (host === '' || host === '0.0.0.0') host = '127.0.0.1';
  if (host === '::') host = '::1';
  return { host, port: Number(m[3]) };
}

export function urlOf(listen: string, path: string): string {
  const { host, port } = localTarget(listen);
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
}
