import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../lib/cli/base-command.js';
import { renderTable } from '../../lib/cli/render.js';
import { formatDuration } from '../../lib/model/duration.js';
import { listBlocks, type ListResult } from '../../lib/tsdb/tools.js';

export default class TsdbList extends BaseCommand<ListResult> {
  static override summary = 'List the blocks of a TSDB data directory, like promtool tsdb list.';
  static override examples = [
    '<%= config.bin %> tsdb list data/',
    '<%= config.bin %> tsdb list --human-readable data/',
  ];
  static override args = {
    dir: Args.string({ description: 'Data directory.', default: 'data/' }),
  };
  static override flags = {
    'human-readable': Flags.boolean({ char: 'r', summary: 'Print times and sizes in human-readable form.' }),
  };

  async run(): Promise<ListResult> {
    const { args, flags } = await this.parse(TsdbList);
    const res = listBlocks(args.dir);
    const hr = flags['human-readable'];
    const time = (t: number): string => (hr ? new Date(t).toISOString() : String(t));
    const size = (n: number): string => (hr ? humanBytes(n) : String(n));
    this.out(
      renderTable(
        res.blocks.map((b) => [
          b.ulid,
          time(b.minTime),
          time(b.maxTime),
          formatDuration(b.maxTime - b.minTime),
          String(b.stats.numSamples),
          String(b.stats.numChunks),
          String(b.stats.numSeries),
          size(b.size),
        ]),
        {
          header: ['BLOCK ULID', 'MIN TIME', 'MAX TIME', 'DURATION', 'NUM SAMPLES', 'NUM CHUNKS', 'NUM SERIES', 'SIZE'],
          alignRight: [4, 5, 6, 7],
        },
      ),
    );
    for (const c of res.corrupted) this.warnLine(`corrupted block ${c.ulid}: ${c.error}`);
    return res;
  }
}

export function humanBytes(n: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i ? n.toFixed(1) : n}${u[i]}`;
}
