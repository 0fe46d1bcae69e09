import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../lib/cli/base-command.js';
import { runCheckConfig, type CheckConfigResult } from '../../lib/cli/check-config.js';

export type { CheckConfigFileResult, CheckConfigResult } from '../../lib/cli/check-config.js';

export default class CheckConfig extends BaseCommand<CheckConfigResult> {
  static override summary = 'Validate prometheus.yml files like promtool check config, and explain what is wrong.';
  static override description = `Loads each file exactly as Prometheus 3.x does (strict YAML, defaults, global settings inherited by
every job, every section's own rules) and reports every problem at once, each with file:line:column,
the offending line and what would be valid. Like promtool, it also checks the files a config names:
rule files (their rules too), scrape_config_files, file_sd files, password, credential and TLS files.
Exit codes (promtool's): 0 valid, 1 invalid, 3 lint findings in the rule files with --lint-fatal.`;
  static override examples = [
    '<%= config.bin %> check config prometheus.yml',
    '<%= config.bin %> check config --json prometheus.yml',
    '<%= config.bin %> check config --syntax-only /etc/prometheus/prometheus.yml',
    '<%= config.bin %> check config --lint-fatal prometheus.yml',
  ];
  static override strict = false;
  static override args = {
    files: Args.string({ description: 'Config files to check (default: prometheus.yml).' }),
  };
  static override flags = {
    'syntax-only': Flags.boolean({ summary: 'Only check the config itself, not the files it names.' }),
    agent: Flags.boolean({ summary: 'Check for agent mode (no alerting, rule_files or remote_read).' }),
    lint: Flags.string({
      summary: 'Lint checks on the rule files the config names (duplicate-rules, all, none).',
      options: ['all', 'duplicate-rules', 'none'],
      default: 'duplicate-rules',
    }),
    'lint-fatal': Flags.boolean({ summary: 'Make lint findings exit with code 3.' }),
  };

  async run(): Promise<CheckConfigResult> {
    const { argv, flags } = await this.parse(CheckConfig);
    // The same code runs in bin/run.js' fast path (no oclif): keep the two in step.
    const { result, exitCode } = await runCheckConfig(
      {
        files: argv as string[],
        syntaxOnly: flags['syntax-only'],
        agent: flags.agent,
        lint: flags.lint as 'all' | 'duplicate-rules' | 'none',
        lintFatal: flags['lint-fatal'],
        json: this.jsonEnabled(),
      },
      { stdout: process.stdout, stderr: process.stderr, color: this.color, errColor: this.errColor },
    );
    if (exitCode !== 0) {
      if (this.jsonEnabled()) process.exitCode = exitCode;
      else this.exit(exitCode);
    }
    return result;
  }
}
