import { readFileSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../lib/cli/base-command.js';
import { colors } from '../lib/cli/color.js';
import { UserError } from '../lib/cli/errors.js';
import { clientFromFlags, serverFlags } from '../lib/cli/server-flags.js';
import { parseDuration } from '../lib/model/duration.js';
import { importGrafana } from '../lib/ui/dashboard/grafana.js';
import { loadDashboardFile } from '../lib/ui/dashboard/load.js';
import type { Dashboard } from '../lib/ui/dashboard/model.js';
import { PRESETS } from '../lib/ui/dashboard/presets.js';

export default class DashboardCommand extends BaseCommand<{ title: string; panels: number } | void> {
  static override summary = 'Live dashboards in the terminal, against promctl or any Prometheus.';
  static override description = `Presets mirror the usual setup: node (CPU, memory, disk, network, load, uptime), app (request
rate, errors, latency percentiles) and prometheus (the server's own health). Bring your own as YAML
(--file) or import a Grafana dashboard JSON (--grafana). Press ? for keys.`;
  static override examples = [
    '<%= config.bin %> dashboard',
    '<%= config.bin %> dashboard --preset app --range 6h',
    '<%= config.bin %> dashboard --file examples/dashboards/node.yml --var instance=web1:9100',
    '<%= config.bin %> dashboard --grafana node-exporter-full.json --url http://prometheus:9090',
    '<%= config.bin %> dashboard --once --width 120 --height 40 > frame.txt',
  ];
  static override enableJsonFlag = false;
  static override flags = {
    ...serverFlags,
    preset: Flags.string({
      summary: 'Built-in dashboard.',
      options: Object.keys(PRESETS),
      default: 'node',
      exclusive: ['file', 'grafana'],
    }),
    file: Flags.string({ char: 'f', summary: 'Dashboard YAML file.', exclusive: ['grafana'] }),
    grafana: Flags.string({ summary: 'Grafana dashboard JSON file to import.' }),
    range: Flags.string({ summary: 'Time range shown, e.g. 1h (default: the dashboard’s, else 1h).' }),
    refresh: Flags.string({ summary: 'Refresh interval, e.g. 5s (default: the dashboard’s, else 5s).' }),
    var: Flags.string({ summary: 'Variable value, NAME=VALUE (repeatable).', multiple: true, default: [] }),
    once: Flags.boolean({ summary: 'Render one frame to stdout and exit (no terminal needed).' }),
    width: Flags.integer({ summary: 'Columns for --once (default: terminal width or 120).', min: 40 }),
    height: Flags.integer({ summary: 'Lines for --once (default: terminal height or 40).', min: 10 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(DashboardCommand);
    let dash: Dashboard;
    if (flags.file) dash = loadDashboardFile(flags.file);
    else if (flags.grafana) {
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(flags.grafana, 'utf8'));
      } catch (e) {
        throw new UserError(`${flags.grafana}: ${(e as Error).message}`);
      }
      dash = importGrafana(json);
    } else dash = PRESETS[flags.preset]!;
    const dur = (name: string, v: string | undefined, dflt: string) => {
      try {
        return parseDuration(v ?? dflt);
      } catch {
        throw new UserError(`invalid --${name} ${JSON.stringify(v)}: use a duration such as 30s, 5m or 1h`, 2);
      }
    };
    const rangeMs = dur('range', flags.range, dash.range ?? '1h');
    const refreshMs = Math.max(250, dur('refresh', flags.refresh, dash.refresh ?? '5s'));
    const vars: Record<string, string> = {};
    for (const kv of flags.var) {
      const i = kv.indexOf('=');
      if (i <= 0) throw new UserError(`invalid --var ${JSON.stringify(kv)}: use NAME=VALUE`, 2);
      vars[kv.slice(0, i)] = kv.slice(i + 1);
    }
    const client = await clientFromFlags(flags);
    if (flags.once) {
      const { renderOnceResult } = await import('../lib/ui/dashboard/once.js');
      const { frame, unreachable } = await renderOnceResult(dash, client, {
        cols: flags.width ?? process.stdout.columns ?? 120,
        lines: flags.height ?? process.stdout.rows ?? 40,
        rangeMs,
        vars,
        color: colors(process.stdout),
      });
      process.stdout.write(frame + '\n');
      if (unreachable)
        throw new UserError(`cannot reach ${unreachable}`, 1, 'is the server running? Pass its address with --url');
      return;
    }
    if (!process.stdin.isTTY || !process.stdout.isTTY)
      throw new UserError(
        'the live dashboard needs a terminal',
        1,
        'use --once to print one frame, e.g. in scripts or CI',
      );
    const [{ render }, React, { DashboardApp, INK_OPTIONS }, { Screen }] = await Promise.all([
      import('ink'),
      import('react'),
      import('../lib/ui/dashboard/view.js'),
      import('../lib/ui/dashboard/screen.js'),
    ]);
    // The alternate screen (as top or less use): the dashboard does not scroll the shell's history
    // away, and quitting gives the terminal back as it was.
    const screen = new Screen(process.stdout);
    screen.enter();
    const app = render(
      React.createElement(DashboardApp, {
        dashboard: dash,
        client,
        refreshMs,
        rangeMs,
        initialVars: vars,
        color: colors(process.stdout),
      }),
      { ...INK_OPTIONS, stdout: screen as unknown as NodeJS.WriteStream },
    );
    const onTerm = () => app.unmount();
    process.once('SIGTERM', onTerm);
    process.once('SIGHUP', onTerm);
    try {
      await app.waitUntilExit();
    } finally {
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onTerm);
      screen.leave();
    }
  }
}
