import { Args } from '@oclif/core';
import { BaseCommand } from '../../lib/cli/base-command.js';
import { matchFlags } from '../../lib/cli/server-flags.js';
import { runLabelValues } from '../../lib/cli/query.js';

export default class QueryValues extends BaseCommand<string[]> {
  static override summary = 'List the values of a label, like promtool query labels NAME.';
  static override description = `Asks /api/v1/label/NAME/values (or reads --data-dir directly) for the values of one label over all
series, or over the series matching any --match selector, between --start and --end. One value per
line; --json prints the API's data. "promctl query values __name__" lists the metric names.`;
  static override examples = [
    `<%= config.bin %> query values job`,
    `<%= config.bin %> query values instance --match 'up{job="node"}'`,
    `<%= config.bin %> query values __name__ --data-dir ./data`,
  ];
  static override args = { label: Args.string({ description: 'label name', required: true }) };
  static override flags = matchFlags;

  async run(): Promise<string[]> {
    const { args, flags } = await this.parse(QueryValues);
    const res = await runLabelValues(args.label, flags);
    for (const w of res.warnings) this.warnLine(w);
    if (res.data.length === 0 && !this.jsonEnabled())
      process.stderr.write(this.errColor.dim(`(no values of ${args.label})`) + '\n');
    else this.out(res.data.join('\n'));
    return res.data;
  }
}
