import { BaseCommand } from '../../lib/cli/base-command.js';
import { matchFlags } from '../../lib/cli/server-flags.js';
import { runLabels } from '../../lib/cli/query.js';

export default class QueryLabels extends BaseCommand<string[]> {
  static override summary = 'List label names, optionally of the series matching selectors.';
  static override description = `Asks /api/v1/labels (or reads --data-dir directly) for the label names of all series, or of the
series matching any --match selector, between --start and --end. One name per line; --json prints
the API's data. For the values of one label use "promctl query values NAME".`;
  static override examples = [
    `<%= config.bin %> query labels`,
    `<%= config.bin %> query labels --match 'node_cpu_seconds_total' --start -1h`,
  ];
  static override flags = matchFlags;

  async run(): Promise<string[]> {
    const { flags } = await this.parse(QueryLabels);
    const res = await runLabels(flags);
    for (const w of res.warnings) this.warnLine(w);
    if (res.data.length === 0 && !this.jsonEnabled())
      process.stderr.write(this.errColor.dim('(no label names)') + '\n');
    else this.out(res.data.join('\n'));
    return res.data;
  }
}
