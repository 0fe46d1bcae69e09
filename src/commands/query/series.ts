import { Flags } from '@oclif/core';
import { BaseCommand } from '../../lib/cli/base-command.js';
import { matchFlags } from '../../lib/cli/server-flags.js';
import { runSeries } from '../../lib/cli/query.js';
import { renderSeries, renderSeriesCsv } from '../../lib/cli/render-query.js';

export default class QuerySeries extends BaseCommand<Record<string, string>[]> {
  static override summary = 'List the series matching selectors, like promtool query series.';
  static override description = `Asks /api/v1/series (or reads --data-dir directly) for the series matching any --match selector
between --start and --end (default: all data). Prints one series per line; --table aligns the
labels in columns, --csv prints one column per label, --json the API's data.`;
  static override examples = [
    `<%= config.bin %> query series --match '{job="node"}'`,
    `<%= config.bin %> query series -m up -m 'node_load1' --start -1h --table`,
    `<%= config.bin %> query series --match '{__name__=~"http_.*"}' --data-dir ./data --csv`,
  ];
  static override flags = {
    ...matchFlags,
    table: Flags.boolean({ summary: 'Align the labels in columns.', exclusive: ['csv'] }),
    csv: Flags.boolean({ summary: 'Print CSV: one column per label name.' }),
  };

  async run(): Promise<Record<string, string>[]> {
    const { flags } = await this.parse(QuerySeries);
    const res = await runSeries(flags);
    for (const w of res.warnings) this.warnLine(w);
    if (this.jsonEnabled()) return res.data;
    if (flags.csv) process.stdout.write(renderSeriesCsv(res.data));
    else if (res.data.length === 0) process.stderr.write(this.errColor.dim('(no series matched)') + '\n');
    else this.out(renderSeries(res.data, { color: this.color, table: flags.table }));
    return res.data;
  }
}
