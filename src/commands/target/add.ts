import { readFileSync } from 'node:fs';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../lib/cli/base-command.js';
import { ExitCode, UserError } from '../../lib/cli/errors.js';
import { addTarget, UserFacingEditError, writeFileAtomic } from '../../lib/config/index.js';

export interface TargetEditResult {
  file: string;
  job: string;
  target: string;
  summary: string;
}

/** Reads the config for an edit, with a clear message when it is missing. */
export function readConfigForEdit(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new UserError(`${file}: no such file`, ExitCode.failure, 'create one with: promctl init');
    if (code === 'EISDIR') throw new UserError(`${file} is a directory, not a config file`);
    throw e;
  }
}

export function editError(e: unknown): never {
  if (e instanceof UserFacingEditError) throw new UserError(e.message, ExitCode.failure, e.hint);
  throw e;
}

export default class TargetAdd extends BaseCommand<TargetEditResult> {
  static override summary = "Add a scrape target to a job's static_configs (creating the job if needed).";
  static override description = `Edits prometheus.yml in place, keeping its comments, order and formatting. The result is validated
before it is written (an edit that would make the file invalid is refused with the reason), and the
file is replaced atomically.`;
  static override examples = [
    '<%= config.bin %> target add node 10.0.0.5:9100',
    '<%= config.bin %> target add node 10.0.0.5:9100 --label env=prod --label rack=r1',
    '<%= config.bin %> target add python_app localhost:5000 --file /etc/prometheus/prometheus.yml',
  ];
  static override args = {
    job: Args.string({ description: 'Job name (the job label).', required: true }),
    target: Args.string({ description: 'HOST:PORT to scrape.', required: true }),
  };
  static override flags = {
    file: Flags.string({ char: 'f', summary: 'The config file.', default: 'prometheus.yml' }),
    label: Flags.string({ char: 'l', summary: 'A label for the target, NAME=VALUE (repeatable).', multiple: true }),
  };

  async run(): Promise<TargetEditResult> {
    const { args, flags } = await this.parse(TargetAdd);
    const labels: Record<string, string> = {};
    for (const l of flags.label ?? []) {
      const eq = l.indexOf('=');
      if (eq <= 0) throw new UserError(`--label ${l}: expected NAME=VALUE`, ExitCode.usage);
      labels[l.slice(0, eq)] = l.slice(eq + 1);
    }
    const text = readConfigForEdit(flags.file);
    let res;
    try {
      res = addTarget(text, args.job, args.target, { labels, file: flags.file });
    } catch (e) {
      editError(e);
    }
    writeFileAtomic(flags.file, res.text, { overwrite: true });
    this.out(`${this.color.green('✔')} ${flags.file}: ${res.summary}`);
    return { file: flags.file, job: args.job, target: args.target, summary: res.summary };
  }
}
