import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../lib/cli/base-command.js';
import { formatDuration } from '../../lib/model/duration.js';
import { progressLine } from '../../lib/tsdb/progress.js';
import { analyzeBlock, type AnalyzeResult, type Cardinality } from '../../lib/tsdb/tools.js';

export default class TsdbAnalyze extends BaseCommand<AnalyzeResult> {
  static override summary = 'Analyze churn and label cardinality of a block, like promtool tsdb analyze.';
  static override examples = [
    '<%= config.bin %> tsdb analyze data/',
    '<%= config.bin %> tsdb analyze data/ 01H… --limit 10 --json',
  ];
  static override args = {
    dir: Args.string({ description: 'Data directory.', default: 'data/' }),
    block: Args.string({ description: 'Block ULID (default: the newest block).' }),
  };
  static override flags = {
    limit: Flags.integer({ summary: 'How many items to show in each list.', default: 20 }),
  };

  async run(): Promise<AnalyzeResult> {
    const { args, flags } = await this.parse(TsdbAnalyze);
    const p = progressLine('analyzing');
    const r = analyzeBlock(args.dir, args.block, flags.limit, (n, t) => p.update(n, t));
    p.done();
    const list = (title: string, items: Cardinality[]): string =>
      `\n${title}:\n` + items.map((i) => `${i.count} ${i.name}`).join('\n');
    this.out(
      [
        `Block ID: ${r.block.ulid}`,
        `Duration: ${formatDuration(r.block.durationMs)}`,
        `Series: ${r.block.numSeries}`,
        `Label names: ${r.labelNames}`,
        `Postings (unique label pairs): ${r.postings}`,
        `Postings entries (total label pairs): ${r.postingsEntries}`,
        list('Label pairs most involved in churning', r.churnLabelPairs),
        list('Highest cardinality labels', r.labelNamesByValueCount),
        list('Label names with highest cumulative label value length', r.labelNamesByValueBytes),
        list('Most common label pairs', r.labelPairsBySeries),
        list('Highest cardinality metric names', r.metricsBySeries),
      ].join('\n'),
    );
    return r;
  }
}
