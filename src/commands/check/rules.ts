import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../lib/cli/base-command.js';
import { ExitCode } from '../../lib/cli/errors.js';
import { checkRuleFiles, type RuleFileCheck } from '../../lib/rules/check.js';
import { promqlValidator } from '../../lib/rules/expr.js';

export interface CheckRulesResult {
  files: Omit<RuleFileCheck, 'parsed'>[];
  success: boolean;
}

export default class CheckRules extends BaseCommand<CheckRulesResult> {
  static override summary = 'Check rule files like promtool check rules.';
  static override description = `Parses each rule file, validates every group and rule the way Prometheus does (names, labels,
PromQL expressions, label and annotation templates) and lints duplicate rules. Output and exit codes
follow promtool: 1 when a file has errors, 3 for lint findings with --lint-fatal, 0 otherwise.`;
  static override examples = [
    '<%= config.bin %> check rules rules/*.yml',
    '<%= config.bin %> check rules --lint-fatal alerts.yml',
    '<%= config.bin %> check rules --json alerts.yml',
  ];
  static override strict = false;
  static override args = {
    files: Args.string({ description: 'Rule files to check.', required: true }),
  };
  static override flags = {
    lint: Flags.string({
      summary: 'Linting checks to apply: all, duplicate-rules, none.',
      options: ['all', 'duplicate-rules', 'none'],
      default: 'duplicate-rules',
    }),
    'lint-fatal': Flags.boolean({ summary: 'Make lint errors exit with exit code 3.' }),
  };

  async run(): Promise<CheckRulesResult> {
    const { argv, flags } = await this.parse(CheckRules);
    const files = argv as string[];
    const results = await checkRuleFiles(files, {
      validateExpr: promqlValidator(),
      lint: flags.lint === 'none' ? 'none' : 'duplicate-rules',
    });
    let hasErrors = false;
    let hasLint = false;
    for (const r of results) {
      this.out(`Checking ${r.file}`);
      const problems = r.errors.length > 0 ? r.errors : r.lint;
      if (problems.length > 0) {
        if (!this.jsonEnabled()) {
          process.stderr.write(`  ${this.errColor.red('FAILED:')}\n${problems.join('\n')}\n`);
        }
        if (r.errors.length > 0) hasErrors = true;
        else hasLint = true;
      } else {
        this.out(`  ${this.color.green('SUCCESS:')} ${r.rules} rules found`);
      }
      this.out('');
    }
    const result: CheckRulesResult = {
      files: results.map(({ parsed: _parsed, ...r }) => r),
      success: !hasErrors && !hasLint,
    };
    if (this.jsonEnabled()) {
      if (hasErrors || (hasLint && flags['lint-fatal']))
        process.exitCode = hasErrors ? ExitCode.failure : ExitCode.lint;
      return result;
    }
    if (hasErrors) this.exitQuietly(ExitCode.failure);
    if (hasLint && flags['lint-fatal']) this.exitQuietly(ExitCode.lint);
    return result;
  }

  private exitQuietly(code: number): never {
    return this.exit(code);
  }
}
