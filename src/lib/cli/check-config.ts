/**
 * `promctl check config` without oclif: the command (src/commands/check/config.ts) and bin/run.js'
 * fast path both run this, so a check costs Node's start-up plus the config loader, not the whole
 * oclif framework. Nothing here may import @oclif/core.
 */
// Straight from the modules (not ../config/index.js): the fast path needs neither init nor edit.
import { checkConfigFile, type RuleFileChecker } from '../config/check.js';
import { renderProblem, type ConfigProblem } from '../config/problems.js';
import { ExitCode } from './errors.js';

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

export interface CheckConfigOptions {
  /** Config files to check; none means prometheus.yml. */
  files: string[];
  syntaxOnly?: boolean;
  agent?: boolean;
  /** Lint checks on the rule files (promtool's --lint: all, duplicate-rules, none). */
  lint?: 'all' | 'duplicate-rules' | 'none';
  /** Lint findings make the exit code 3 (when there are no errors). */
  lintFatal?: boolean;
  /** With --json nothing is written here: the caller prints the result. */
  json: boolean;
}

/** Colors used in the report (chalk instances fit; identity functions print plain text). */
export interface ReportStyle {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  cyan(s: string): string;
}

export interface ReportIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  /** Colors for stdout and for stderr (each stream is a terminal or not on its own). */
  color: ReportStyle;
  errColor: ReportStyle;
}

/**
 * Rule files are validated by the rules capability, loaded only when a config names rule files.
 * Lint findings (duplicate rules) are warnings; `lintCount` counts them for --lint-fatal.
 */
function rulesChecker(lint: 'duplicate-rules' | 'none', counter: { lint: number }): RuleFileChecker {
  return async (path) => {
    const [{ checkRuleFile }, { promqlValidator }] = await Promise.all([
      import('../rules/check.js'),
      import('../rules/expr.js'),
    ]);
    const r = await checkRuleFile(path, { validateExpr: promqlValidator(), lint });
    counter.lint += r.errors.length === 0 ? r.lint.length : 0;
    const problem = (severity: 'error' | 'warning', message: string): ConfigProblem => ({
      severity,
      message,
      file: path,
      line: 0,
      column: 0,
    });
    return {
      rules: r.errors.length === 0 ? r.rules : undefined,
      problems:
        r.errors.length > 0
          ? r.errors.map((m) => problem('error', m))
          : r.lint.map((m) => problem('warning', m.replace(/\n+$/, ''))),
    };
  };
}

/** Job names listed on the success line (a generated config may have thousands). */
const MAX_NAMES = 10;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Checks every file and reports as it goes: problems (with excerpts) and a failure line on stderr,
 * a success line on stdout. Returns the result and the exit code (0 all valid, 1 otherwise).
 */
export async function runCheckConfig(
  opts: CheckConfigOptions,
  io: ReportIO,
): Promise<{ result: CheckConfigResult; exitCode: number }> {
  const files = opts.files.length > 0 ? opts.files : ['prometheus.yml'];
  const results: CheckConfigFileResult[] = [];
  const counter = { lint: 0 };
  const checkRuleFile = rulesChecker(opts.lint === 'none' ? 'none' : 'duplicate-rules', counter);
  for (const file of files) {
    const r = await checkConfigFile(file, {
      syntaxOnly: opts.syntaxOnly,
      agentMode: opts.agent,
      checkRuleFile,
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
    if (opts.json) continue;
    const e = io.errColor;
    for (const p of r.problems) io.stderr.write(renderProblem(p, r.sources.get(p.file), e) + '\n');
    if (r.valid) {
      const c = io.color;
      const rules = r.ruleFiles.flatMap((rf) => rf.files);
      const ruleCount = rules.reduce((n, f) => n + (f.rules ?? 0), 0);
      const names = r.jobs.length > MAX_NAMES ? [...r.jobs.slice(0, MAX_NAMES), '…'] : r.jobs;
      const jobs = r.jobs.length ? `${plural(r.jobs.length, 'scrape job')} (${names.join(', ')})` : 'no scrape jobs';
      const ruleText = rules.length ? `, ${plural(rules.length, 'rule file')} (${plural(ruleCount, 'rule')})` : '';
      const warn = warnings ? c.yellow(`, ${plural(warnings, 'warning')}`) : '';
      io.stdout.write(`${c.green('✔')} ${file}: valid Prometheus config: ${jobs}${ruleText}${warn}\n`);
    } else {
      const warn = warnings ? `, ${plural(warnings, 'warning')}` : '';
      io.stderr.write(`${e.red('✘')} ${file}: ${plural(errors, 'error')}${warn}\n`);
    }
  }
  const success = results.every((r) => r.valid);
  const exitCode = !success ? ExitCode.failure : counter.lint > 0 && opts.lintFatal ? ExitCode.lint : ExitCode.success;
  return { result: { files: results, success }, exitCode };
}
