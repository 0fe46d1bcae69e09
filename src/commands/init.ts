import { Flags } from '@oclif/core';
import { BaseCommand } from '../lib/cli/base-command.js';
import { ExitCode, UserError } from '../lib/cli/errors.js';
import {
  DEFAULT_INIT,
  FileExistsError,
  parseJobSpec,
  PRESETS,
  renderInitConfig,
  validateDurationInput,
  validateHostPort,
  writeFileAtomic,
  type InitJob,
  type InitOptions,
} from '../lib/config/index.js';

export interface InitResult {
  file: string;
  written: boolean;
  jobs: InitJob[];
  alertmanagers: string[];
  ruleFiles: string[];
  /** The config text, with --stdout (so that --stdout --json carries it). */
  config?: string;
}

export default class Init extends BaseCommand<InitResult> {
  static override summary = 'Write a commented, valid prometheus.yml for this machine.';
  static override description = `Without flags on a terminal, asks for the intervals, jobs, Alertmanager and rule files in a form that
validates each answer as you type. With flags (for scripts), writes the config directly. The file is
written atomically and never replaces an existing one without --force; it passes
promctl check config and promtool check config.
Presets: prometheus (self-monitoring, :9090), node (node_exporter, :9100), python_app (:5000).`;
  static override examples = [
    '<%= config.bin %> init',
    '<%= config.bin %> init --preset prometheus --preset node',
    '<%= config.bin %> init --job node=10.0.0.5:9100,10.0.0.6:9100 --alertmanager localhost:9093 --rule-file "rules/*.yml"',
    '<%= config.bin %> init --scrape-interval 30s --file /etc/prometheus/prometheus.yml --force',
  ];
  static override flags = {
    file: Flags.string({ char: 'f', summary: 'Where to write the config.', default: 'prometheus.yml' }),
    'scrape-interval': Flags.string({
      summary: 'How often targets are scraped.',
      default: DEFAULT_INIT.scrapeInterval,
    }),
    'evaluation-interval': Flags.string({
      summary: 'How often rules are evaluated.',
      default: DEFAULT_INIT.evaluationInterval,
    }),
    job: Flags.string({ summary: 'A scrape job, NAME=HOST:PORT[,HOST:PORT] (repeatable).', multiple: true }),
    preset: Flags.string({
      summary: 'A common job (repeatable): prometheus, node, python_app. Default: prometheus.',
      options: Object.keys(PRESETS),
      multiple: true,
    }),
    alertmanager: Flags.string({ summary: 'Alertmanager HOST:PORT (repeatable).', multiple: true }),
    'rule-file': Flags.string({
      summary: 'Rule file path or glob, relative to the config (repeatable).',
      multiple: true,
    }),
    force: Flags.boolean({ summary: 'Replace an existing file.' }),
    stdout: Flags.boolean({ summary: 'Print the config instead of writing it.' }),
    interactive: Flags.boolean({ char: 'i', summary: 'Ask in a form even when flags are given.', allowNo: true }),
  };

  async run(): Promise<InitResult> {
    const { flags, raw } = await this.parse(Init);
    const flagsGiven = raw.some((r) => r.type === 'flag' && r.flag !== 'json');
    const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
    let file = flags.file;
    let opts: InitOptions;
    if (flags.interactive === true || (flags.interactive !== false && !flagsGiven && tty && !this.jsonEnabled())) {
      if (!tty)
        throw new UserError(
          'the interactive form needs a terminal',
          ExitCode.usage,
          'pass flags instead: promctl init --help',
        );
      const { runInitForm } = await import('../lib/ui/init-form.js');
      const answers = await runInitForm({ ...optionsFromFlags(flags), file });
      if (!answers) throw new UserError('cancelled: nothing written');
      file = answers.file;
      opts = answers;
    } else {
      opts = optionsFromFlags(flags);
    }
    let text: string;
    try {
      text = renderInitConfig(opts);
    } catch (e) {
      throw new UserError((e as Error).message, ExitCode.usage);
    }
    const result: InitResult = {
      file,
      written: false,
      jobs: opts.jobs,
      alertmanagers: opts.alertmanagers,
      ruleFiles: opts.ruleFiles,
    };
    if (flags.stdout) {
      if (!this.jsonEnabled()) process.stdout.write(text);
      return { ...result, config: text };
    }
    try {
      writeFileAtomic(file, text, { overwrite: flags.force });
    } catch (e) {
      if (e instanceof FileExistsError)
        throw new UserError(
          `${file} already exists: not replacing it`,
          ExitCode.failure,
          `use --force to replace it, or --file to write elsewhere`,
        );
      throw e;
    }
    result.written = true;
    const c = this.color;
    this.out(
      `${c.green('✔')} wrote ${file}: ${opts.jobs.length} job${opts.jobs.length === 1 ? '' : 's'} (${opts.jobs.map((j) => j.name).join(', ')})`,
    );
    this.out(c.dim(`  next: promctl check config ${file}   ·   promctl target add JOB HOST:PORT --file ${file}`));
    return result;
  }
}

function optionsFromFlags(flags: {
  'scrape-interval': string;
  'evaluation-interval': string;
  job?: string[];
  preset?: string[];
  alertmanager?: string[];
  'rule-file'?: string[];
}): InitOptions {
  for (const [name, v] of [
    ['--scrape-interval', flags['scrape-interval']],
    ['--evaluation-interval', flags['evaluation-interval']],
  ] as const) {
    const e = validateDurationInput(v);
    if (e) throw new UserError(`${name} ${v}: ${e}`, ExitCode.usage);
  }
  let custom: InitJob[];
  try {
    custom = (flags.job ?? []).map(parseJobSpec);
  } catch (e) {
    throw new UserError((e as Error).message, ExitCode.usage);
  }
  const presets = (flags.preset ?? (custom.length ? [] : ['prometheus'])).map((p) => PRESETS[p]!);
  const jobs: InitJob[] = [...presets.filter((p) => !custom.some((c) => c.name === p.name)), ...custom].map((j) => ({
    name: j.name,
    targets: [...j.targets],
  }));
  for (const a of flags.alertmanager ?? []) {
    const e = validateHostPort(a);
    if (e) throw new UserError(`--alertmanager ${a}: ${e}`, ExitCode.usage);
  }
  return {
    scrapeInterval: flags['scrape-interval'],
    evaluationInterval: flags['evaluation-interval'],
    jobs,
    alertmanagers: flags.alertmanager ?? [],
    ruleFiles: flags['rule-file'] ?? [],
  };
}
