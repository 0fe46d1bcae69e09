/** The check config report shared by the command and bin/run.js' fast path: output and exit codes. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCheckConfig, type CheckConfigOptions } from '../../src/lib/cli/check-config.js';
import { colors } from '../../src/lib/cli/color.js';

const dir = mkdtempSync(join(tmpdir(), 'promctl-check-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'rules'));
writeFileSync(
  join(dir, 'rules/dup.yml'),
  'groups:\n  - name: g\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n      - record: job:up:sum\n        expr: sum by (job) (up)\n',
);
writeFileSync(join(dir, 'lint.yml'), 'rule_files: [rules/*.yml]\nscrape_configs: []\n');
writeFileSync(
  join(dir, 'ok.yml'),
  "scrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: ['localhost:9100']\n",
);
writeFileSync(
  join(dir, 'bad.yml'),
  "global:\n  scrape_interval: 15x\nscrape_configs:\n  - job_name: node\n    scrape_timeout: 1m\n    static_configs:\n      - targets: ['localhost:9100']\n  - job_name: node\n    static_configs:\n      - targets: ['localhost:9101']\n",
);

async function run(opts: Partial<CheckConfigOptions> & { files: string[] }, color = false) {
  let stdout = '';
  let stderr = '';
  const c = colors({ isTTY: color }, color ? { FORCE_COLOR: '1' } : { NO_COLOR: '1' });
  const r = await runCheckConfig(
    { json: false, ...opts, files: opts.files.map((f) => join(dir, f)) },
    {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      color: c,
      errColor: c,
    },
  );
  return { ...r, stdout, stderr };
}

describe('check config report', () => {
  it('a valid file: one line on stdout, exit 0', async () => {
    const r = await run({ files: ['ok.yml'] });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`✔ ${join(dir, 'ok.yml')}: valid Prometheus config: 1 scrape job (node)\n`);
    expect(r.stderr).toBe('');
  });

  it('names at most 10 jobs on the success line', async () => {
    const jobs = Array.from({ length: 12 }, (_, i) => `  - job_name: j${i}\n`).join('');
    writeFileSync(join(dir, 'many.yml'), `scrape_configs:\n${jobs}`);
    const r = await run({ files: ['many.yml'] });
    expect(r.stdout).toContain(
      ': valid Prometheus config: 12 scrape jobs (j0, j1, j2, j3, j4, j5, j6, j7, j8, j9, …)\n',
    );
    expect(r.result.files[0]!.jobs).toHaveLength(12);
  });

  it('every error of a file in one run, each with file:line:column and a caret; exit 1', async () => {
    const r = await run({ files: ['bad.yml', 'ok.yml'] });
    expect(r.exitCode).toBe(1);
    const f = join(dir, 'bad.yml');
    expect(r.stderr).toContain(`${f}:2:20: error: not a valid duration string: "15x"`);
    expect(r.stderr).toContain(`${f}:8:15: error: found multiple scrape configs with job name "node"`);
    expect(r.stderr).toMatch(/ 2 \| {3}scrape_interval: 15x\n {3}\| {20}\^\n/);
    expect(r.stderr).toContain(`✘ ${f}: 2 errors`);
    expect(r.stdout).toContain('ok.yml: valid'); // the other file is still checked
    expect(r.result.files.map((x) => x.valid)).toEqual([false, true]);
  });

  it('colors only when enabled', async () => {
    expect((await run({ files: ['bad.yml'] })).stderr).not.toContain('\u001b[');
    expect((await run({ files: ['bad.yml'] }, true)).stderr).toContain('\u001b[31merror:\u001b[39m');
  });

  it('--json: nothing printed, the result says it all', async () => {
    const r = await run({ files: ['bad.yml'], json: true });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.exitCode).toBe(1);
    expect(r.result.success).toBe(false);
    expect(r.result.files[0]!.problems.map((p) => [p.line, p.column])).toEqual([
      [2, 20],
      [8, 15],
    ]);
  });

  it('lint findings in rule files: warnings, exit 3 with --lint-fatal (promtool), none with --lint none', async () => {
    const plain = await run({ files: ['lint.yml'] });
    expect(plain.exitCode).toBe(0);
    expect(plain.stderr).toContain('warning: lint error 1 duplicate rule(s) found.');
    expect(plain.stdout).toContain('1 rule file (2 rules), 1 warning');
    expect((await run({ files: ['lint.yml'], lintFatal: true })).exitCode).toBe(3);
    const none = await run({ files: ['lint.yml'], lint: 'none', lintFatal: true });
    expect(none.exitCode).toBe(0);
    expect(none.stderr).toBe('');
    // Errors win over lint findings.
    expect((await run({ files: ['lint.yml', 'bad.yml'], lintFatal: true })).exitCode).toBe(1);
  });
});
