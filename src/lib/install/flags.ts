import { Flags } from '@oclif/core';
import { DEFAULT_INSTALL } from './options.js';

/** oclif flags shared by `install --systemd` and `uninstall --systemd`. */
export const installFlags = {
  systemd: Flags.boolean({ summary: 'Install as systemd services (the only target so far).', required: true }),
  component: Flags.string({
    summary: 'What to install: server, node-exporter (repeat for both; default both).',
    options: ['server', 'node-exporter'],
    multiple: true,
  }),
  user: Flags.string({ summary: `Service user (default ${DEFAULT_INSTALL.user}).` }),
  group: Flags.string({ summary: 'Service group (default: the user name).' }),
  'config-dir': Flags.string({ summary: `Configuration directory (default ${DEFAULT_INSTALL.configDir}).` }),
  'data-dir': Flags.string({ summary: `TSDB directory (default ${DEFAULT_INSTALL.dataDir}).` }),
  'textfile-dir': Flags.string({
    summary: `Node exporter textfile directory (default ${DEFAULT_INSTALL.textfileDir}).`,
  }),
  'unit-dir': Flags.string({ summary: `Where unit files go (default ${DEFAULT_INSTALL.unitDir}).` }),
  root: Flags.string({ summary: 'Staging root: write files under DIR; skip users, systemctl and health checks.' }),
  'dry-run': Flags.boolean({ summary: 'Print the plan (every file and command) and change nothing.' }),
  yes: Flags.boolean({ char: 'y', summary: 'Do not ask for confirmation.' }),
} as const;
