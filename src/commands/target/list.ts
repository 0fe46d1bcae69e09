import { Flags } from '@oclif/core';
import { BaseCommand } from '../../lib/cli/base-command.js';
import { ExitCode, UserError } from '../../lib/cli/errors.js';
import { renderTable } from '../../lib/cli/render.js';
import { analyzeConfigFile, listTargets, where, type JobTargets } from '../../lib/config/index.js';
import { readConfigForEdit } from './add.js';

export default class TargetList extends BaseCommand<{ file: string; jobs: JobTargets[] }> {
  static override summary = 'List the scrape jobs of prometheus.yml and their targets.';
  static override examples = [
    '<%= config.bin %> target list',
    '<%= config.bin %> target list --json --file /etc/prometheus/prometheus.yml',
  ];
  static override flags = {
    file: Flags.string({ char: 'f', summary: 'The config file.', default: 'prometheus.yml' }),
  };

  async run(): Promise<{ file: string; jobs: JobTargets[] }> {
    const { flags } = await this.parse(TargetList);
    readConfigForEdit(flags.file); // a missing file or a folder: the same message as target add
    const r = analyzeConfigFile(flags.file);
    if (!r.config) {
      const first = r.problems.find((p) => p.severity === 'error')!;
      throw new UserError(
        `${where(first)}${first.message}`,
        ExitCode.failure,
        `promctl check config ${flags.file} shows every problem`,
      );
    }
    const jobs = listTargets(r.config);
    const c = this.color;
    const rows: string[][] = [];
    for (const j of jobs) {
      const url = (t: string) => c.dim(`${j.scheme}://${t}${j.metricsPath}`);
      if (j.targets.length === 0)
        rows.push([
          c.bold(j.job),
          j.discovery.length ? c.dim(`(${j.discovery.join(', ')})`) : c.dim('(no targets)'),
          '',
          '',
        ]);
      j.targets.forEach((t, i) => {
        const labels = Object.entries(t.labels)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(',');
        rows.push([i === 0 ? c.bold(j.job) : '', t.target, labels, url(t.target)]);
      });
      if (j.targets.length > 0 && j.discovery.length) rows.push(['', c.dim(`+ ${j.discovery.join(', ')}`), '', '']);
    }
    this.out(rows.length ? renderTable(rows, { header: ['JOB', 'TARGET', 'LABELS', 'SCRAPES'] }) : 'no scrape jobs');
    return { file: flags.file, jobs };
  }
}
