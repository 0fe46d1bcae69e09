import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../lib/cli/base-command.js';
import { ExitCode } from '../../lib/cli/errors.js';
import { checkConfigFile, renderProblem, type ConfigProblem, type RuleFileChecker } from '../../lib/config/index.js';

export interface CheckConfigFileResult {
  file: string;
  valid: boolean;
  jobs: string[];
  ruleFiles: { pattern: string; files: { path: string; rules?: number }[] }[];
  scrapeConfigFiles: string[];
  errors: number;
  warnings: number;
  problems: ConfigProblem[];
}

export interface CheckConfigResult {
  files: CheckConfigFileResult[];
  success: boolean;
}

/** Rule files are validated by the rules capability, loaded only when a config names rule files. */
const rulesChecker: RuleFileChecker = async (path) => {
  const [{ checkRuleFile }, { promqlValidator }] = await Promise.all([
    import('../../lib/rules/check.js'),
    import('../../lib/rules/expr.js'),
  ]);
  const r = await checkRuleFile(path, { validateExpr: promqlValidator() });
  return {
    rules: r.errors.length === 0 ? r.rules : undefined,
    problems: r.errors.map((message) => ({ severity: 'error' as const, message, file: path, line: 0, column: 0 })),
  };
};

export default class CheckConfig extends BaseCommand<CheckConfigResult> {
  static override summary = 'Validate prometheus.yml files like promtool check config, and explain what is wrong.';
  static override description = `Loads each file exactly as Prometheus 3.x does (strict YAML, defaults, global settings inherited by
every job, every section's own rules) and reports every problem at once, each with file:line:column,
the offending line and what would be valid. Like promtool, it also checks the files a config names:
rule files (their rules too), scrape_config_files, file_sd files, password, credential and TLS files.
Exit codes: 0 valid, 1 invalid (promtool's convention).`;
  static override examples = [
    '<%= config.bin %> check config prometheus.yml',
    '<%= config.bin %> check config --json prometheus.yml',
    '<%= config.bin %> check config --syntax-only /etc/prometheus/prometheus.yml',
  ];
  static override strict = false;
  static override args = {
    files: Args.string({ description: 'Config files to check (default: prometheus.yml).' }),
  };
  static override flags = {
    'syntax-only': Flags.boolean({ summary: 'Only check the config itself, not the files it names.' }),
    agent: Flags.boolean({ summary: 'Check for agent mode (no alerting, rule_files or remote_read).' }),
  };

  async run(): Promise<CheckConfigResult> {
    const { argv, flags } = await this.parse(CheckConfig);
    const files = (argv as string[]).length > 0 ? (argv as string[]) : ['prometheus.yml'];
    const results: CheckConfigFileResult[] = [];
    for (const file of files) {
      const r = await checkConfigFile(file, {
        syntaxOnly: flags['syntax-only'],
        agentMode: flags.agent,
        checkRuleFile: rulesChecker,
      });
      const errors = r.problems.filter((p) => p.severity === 'error').length;
      const warnings = r.problems.length - errors;
      results.push({
        file,
        valid: r.valid,
        jobs: r.jobs,
        ruleFiles: r.ruleFiles.map((rf) => ({
          pattern: rf.pattern,
          files: rf.files.map((f) => ({ path: f.path, rules: f.rules })),
        })),
        scrapeConfigFiles: r.scrapeConfigFiles,
        errors,
        warnings,
        problems: r.problems,
      });
      if (this.jsonEnabled()) continue;
      const c = this.color;
      const style = { red: c.red, yellow: c.yellow, dim: c.dim, bold: c.bold, cyan: c.cyan };
      for (const p of r.problems) process.stderr.write(renderProblem(p, r.sources.get(p.file), style) + '\n');
      if (r.valid) {
        const rules = r.ruleFiles.flatMap((rf) => rf.files);
        const ruleCount = rules.reduce((n, f) => n + (f.rules ?? 0), 0);
        const jobs = r.jobs.length
          ? `${r.jobs.length} scrape job${r.jobs.length === 1 ? '' : 's'} (${r.jobs.join(', ')})`
          : 'no scrape jobs';
        const ruleText = rules.length
          ? `, ${rules.length} rule file${rules.length === 1 ? '' : 's'} (${ruleCount} rule${ruleCount === 1 ? '' : 's'})`
          : '';
        const warn = warnings ? c.yellow(`, ${warnings} warning${warnings === 1 ? '' : 's'}`) : '';
        this.out(`${c.green('✔')} ${file}: valid Prometheus config: ${jobs}${ruleText}${warn}`);
      } else {
        process.stderr.write(
          `${c.red('✘')} ${file}: ${errors} error${errors === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}\n`,
        );
      }
    }
    const success = results.every((r) => r.valid);
    if (!success) {
      if (this.jsonEnabled()) process.exitCode = ExitCode.failure;
      else this.exit(ExitCode.failure);
    }
    return { files: results, success };
  }
}
