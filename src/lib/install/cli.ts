import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { COMPONENTS, DEFAULT_INSTALL, localTarget, type Component, type InstallOptions } from './options.js';
import { nologinPath, resolvePath } from './preflight.js';

/** Flag values shared by `install` and `uninstall`. */
export interface InstallFlagValues {
  component?: string[];
  user?: string;
  group?: string;
  'config-dir'?: string;
  'data-dir'?: string;
  'textfile-dir'?: string;
  'unit-dir'?: string;
  'listen-address'?: string;
  'node-listen-address'?: string;
  retention?: string;
  'extra-flag'?: string[];
  'node-extra-flag'?: string[];
  root?: string;
  'node-path'?: string;
  'promctl-path'?: string;
}

const NAME = /^[a-z_][a-z0-9_-]{0,30}$/;

/** Options from flags; `promctlRoot` is the installed package's directory (for bin/run.js). */
export function installOptionsFromFlags(f: InstallFlagValues, promctlRoot: string): InstallOptions {
  const components = (f.component?.length ? [...new Set(f.component)] : [...COMPONENTS]) as Component[];
  for (const c of components)
    if (!COMPONENTS.includes(c)) throw new Error(`unknown component ${c}: want server or node-exporter`);
  const user = f.user ?? DEFAULT_INSTALL.user;
  const group = f.group ?? f.user ?? DEFAULT_INSTALL.group;
  for (const [what, n] of [
    ['user', user],
    ['group', group],
  ] as const) {
    if (!NAME.test(n))
      throw new Error(`invalid ${what} name ${JSON.stringify(n)}: lower-case letters, digits, _ and -`);
  }
  const abs = (flag: string, v: string | undefined, def: string) => {
    const p = v ?? def;
    if (!p.startsWith('/')) throw new Error(`--${flag} must be an absolute path, got ${JSON.stringify(p)}`);
    return p.replace(/\/+$/, '') || '/';
  };
  const root = f.root ? resolvePath(f.root.replace(/\/+$/, '')) : '';
  const dataDir = abs('data-dir', f['data-dir'], DEFAULT_INSTALL.dataDir);
  const retention = f.retention ?? DEFAULT_INSTALL.retention;
  if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(retention))
    throw new Error(`invalid --retention ${JSON.stringify(retention)}: a duration like 15d or 4w`);
  for (const a of [f['listen-address'], f['node-listen-address']]) if (a !== undefined) localTarget(a);
  const textfileDir = abs('textfile-dir', f['textfile-dir'], DEFAULT_INSTALL.textfileDir);
  if (components.includes('server') && (textfileDir === dataDir || textfileDir.startsWith(`${dataDir}/`)))
    throw new Error(
      `--textfile-dir ${textfileDir} is inside the data directory ${dataDir}: promctl serve would refuse a data directory holding anything but its TSDB; pick a directory outside it (default ${DEFAULT_INSTALL.textfileDir})`,
    );
  return {
    components,
    user,
    group,
    configDir: abs('config-dir', f['config-dir'], DEFAULT_INSTALL.configDir),
    dataDir,
    textfileDir,
    unitDir: abs('unit-dir', f['unit-dir'], DEFAULT_INSTALL.unitDir),
    listenAddress: f['listen-address'] ?? DEFAULT_INSTALL.listenAddress,
    nodeListenAddress: f['node-listen-address'] ?? DEFAULT_INSTALL.nodeListenAddress,
    retention,
    extraFlags: f['extra-flag'] ?? [],
    nodeExtraFlags: f['node-extra-flag'] ?? [],
    nodePath: resolvePath(f['node-path'] ?? process.execPath),
    promctlPath: resolvePath(f['promctl-path'] ?? join(promctlRoot, 'bin', 'run.js')),
    nologin: nologinPath((p) => existsSync(root ? join(root, p) : p) || existsSync(p)),
    root,
  };
}
