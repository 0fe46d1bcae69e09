import { Args, Flags } from '@oclif/core';
import { RE2JS } from 're2js';
import { BaseCommand } from '../../lib/cli/base-command.js';
import { ExitCode, UserError } from '../../lib/cli/errors.js';
import { promqlValidator } from '../../lib/rules/expr.js';
import { runUnitTestFile, type UnitTestFileResult } from '../../lib/rules/unittest.js';

export interface TestRulesResult {
  files: UnitTestFileResult[];
  success: boolean;
}

export default class TestRules extends BaseCommand<TestRulesResult> {
  static override summary = "Run rule unit tests in promtool's format.";
  static override description = `Runs promtool rule unit test files unchanged: rule_files, evaluation_interval, group_eval_order and
tests with input_series, alert_rule_test, promql_expr_test, external_labels and external_url.
Output and exit codes follow promtool test rules (1 when any test fails).`;
  static override examples = [
    '<%= config.bin %> test rules tests.yml',
    '<%= config.bin %> test rules examples/rules/*.test.yml',
    '<%= config.bin %> test rules --json tests.yml',
  ];
  static override strict = false;
  static override args = {
    files: Args.string({ description: 'Unit test files.', required: true }),
  };
  static override flags = {
    run: Flags.string({
      summary: 'Only run test groups whose names match this regular expression (repeatable).',
      multiple: true,
      multipleNonGreedy: true,
    }),
  };

  async run(): Promise<TestRulesResult> {
    const { argv, flags } = await this.parse(TestRules);
    const run = (flags.run ?? []).map((p) => {
      try {
        const re = RE2JS.compile(p);
        return { test: (s: string) => re.matcher(s).find() };
      } catch (e) {
        throw new UserError(
          `--run: invalid regular expression ${JSON.stringify(p)}: ${(e as Error).message}`,
          ExitCode.usage,
        );
      }
    });
    const results: UnitTestFileResult[] = [];
    for (const f of argv as string[]) {
      this.out(`Unit Testing:  ${f}`);
      const r = await runUnitTestFile(f, {
        validateExpr: promqlValidator(),
        run,
        warn: (w) => process.stderr.write(`  WARNING: ${w}\n`),
      });
      results.push(r);
      if (r.success) this.out(`  ${this.color.green('SUCCESS')}`);
      else if (!this.jsonEnabled()) {
        process.stderr.write(`  ${this.errColor.red('FAILED:')}\n`);
        for (const e of r.errors) {
          process.stderr.write(e + '\n');
          this.out('');
        }
      }
      this.out('');
    }
    const success = results.every((r) => r.success);
    if (!success) {
      if (this.jsonEnabled()) process.exitCode = ExitCode.failure;
      else this.exit(ExitCode.failure);
    }
    return { files: results, success };
  }
}
