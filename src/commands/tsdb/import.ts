import { readFile } from 'node:fs/promises';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../lib/cli/base-command.js';
import { ExitCode, UserError } from '../../lib/cli/errors.js';
import { parseDuration } from '../../lib/model/duration.js';
import { progressLine } from '../../lib/tsdb/progress.js';
import { importOpenMetrics, type ImportResult } from '../../lib/tsdb/tools.js';

export default class TsdbImport extends BaseCommand<ImportResult> {
  static override summary =
    'Create blocks from an OpenMetrics file, like promtool tsdb create-blocks-from openmetrics.';
  static override description = `Every sample needs a timestamp. One block is written per aligned window of
--max-block-duration (default 2h) into DIR (default data/). The blocks can be moved into a running
promctl's or Prometheus' data directory.`;
  static override examples = ['<%= config.bin %> tsdb import openmetrics metrics.om data/'];
  static override args = {
    format: Args.string({ description: 'Input format.', required: true, options: ['openmetrics'] }),
    file: Args.string({ description: 'OpenMetrics file.', required: true }),
    dir: Args.string({ description: 'Output data directory.', default: 'data/' }),
  };
  static override flags = {
    'max-block-duration': Flags.string({ summary: 'Duration of each block.', default: '2h' }),
  };

  async run(): Promise<ImportResult> {
    const { args, flags } = await this.parse(TsdbImport);
    let dur: number;
    try {
      dur = parseDuration(flags['max-block-duration']);
    } catch (e) {
      throw new UserError(`invalid --max-block-duration: ${(e as Error).message}`, ExitCode.usage);
    }
    const input = await readFile(args.file);
    const p = progressLine('importing');
    const res = await importOpenMetrics(input, args.dir, {
      blockDuration: dur,
      onProgress: (_ph, d, t) => p.update(d, t),
    });
    p.done();
    this.out(`wrote ${res.blocks.length} block(s) with ${res.series} series and ${res.samples} samples to ${args.dir}`);
    for (const b of res.blocks) this.out(`  ${b.ulid} [${b.minTime}, ${b.maxTime}) ${b.stats.numSeries} series`);
    return res;
  }
}
