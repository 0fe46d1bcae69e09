import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../lib/cli/base-command.js';
import { removeTarget, writeFileAtomic } from '../../lib/config/index.js';
import { editError, readConfigForEdit, type TargetEditResult } from './add.js';

export default class TargetRemove extends BaseCommand<TargetEditResult> {
  static override summary = "Remove a scrape target from a job's static_configs.";
  static override description = `Empty target groups are removed; a job whose last target goes is removed too (unless it has other
service discovery). Comments and formatting are kept, the result is validated, the write is atomic.`;
  static override examples = ['<%= config.bin %> target remove node 10.0.0.5:9100'];
  static override args = {
    job: Args.string({ description: 'Job name.', required: true }),
    target: Args.string({ description: 'HOST:PORT to remove.', required: true }),
  };
  static override flags = {
    file: Flags.string({ char: 'f', summary: 'The config file.', default: 'prometheus.yml' }),
  };

  async run(): Promise<TargetEditResult> {
    const { args, flags } = await this.parse(TargetRemove);
    const text = readConfigForEdit(flags.file);
    let res;
    try {
      res = removeTarget(text, args.job, args.target, { file: flags.file });
    } catch (e) {
      editError(e);
    }
    writeFileAtomic(flags.file, res.text, { overwrite: true });
    this.out(`${this.color.green('✔')} ${flags.file}: ${res.summary}`);
    return { file: flags.file, job: args.job, target: args.target, summary: res.summary };
  }
}
