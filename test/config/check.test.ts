import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConfigFile, type RuleFileChecker } from '../../src/lib/config/index.js';

let dir: string;
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const messages = (r: { problems: { message: string }[] }) => r.problems.map((p) => p.message).join('\n');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'promctl-check-'));
  mkdirSync(join(dir, 'rules'));
  mkdirSync(join(dir, 'sd'));
  mkdirSync(join(dir, 'jobs'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('checkConfigFile: what promtool checks beyond the loader', () => {
  it('a valid config with existing rule files, file_sd files and credentials', async () => {
    file('rules/a.yml', 'groups: []\n');
    file('sd/web.json', '[{"targets": ["web1:80"], "labels": {"env": "prod"}}]');
    file('token', 'secret\n');
    const p = file(
      'ok.yml',
      'rule_files: [rules/*.yml]\nscrape_configs:\n  - job_name: web\n    authorization: {credentials_file: token}\n    file_sd_configs: [{files: [sd/*.json]}]\n',
    );
    const r = await checkConfigFile(p);
    expect(messages(r)).toBe('');
    expect(r.valid).toBe(true);
    expect(r.jobs).toEqual(['web']);
    expect(r.ruleFiles[0]!.files.map((f) => f.path)).toEqual([join(dir, 'rules/a.yml')]);
  });

  it('a missing rule file (no glob), a missing TLS file and a broken file_sd file are reported', async () => {
    file('sd/bad.yml', '- targets: [a:1]\n  labelz: {}\n');
    const p = file(
      'refs.yml',
      'rule_files: [missing.yml]\nscrape_configs:\n  - job_name: a\n    tls_config: {ca_file: nope.pem}\n    file_sd_configs: [{files: [sd/bad.yml, sd/none-*.json]}]\n',
    );
    const r = await checkConfigFile(p);
    expect(r.valid).toBe(false);
    const m = messages(r);
    expect(m).toContain(`"${join(dir, 'missing.yml')}" does not point to an existing file`);
    expect(m).toContain(`error checking CA file "${join(dir, 'nope.pem')}"`);
    expect(m).toContain('field labelz not found in type targetgroup.plain');
    // a glob with no match is only a warning (Prometheus picks files up later)
    expect(r.problems.find((p) => p.message.includes('none-*.json'))!.severity).toBe('warning');
    // positions point into the config
    expect(r.problems.find((p) => p.message.includes('CA file'))).toMatchObject({ file: p, line: 4 });
  });

  it('syntaxOnly skips the referenced files', async () => {
    const p = file('syntax.yml', 'rule_files: [missing.yml]\n');
    expect((await checkConfigFile(p, { syntaxOnly: true })).valid).toBe(true);
  });

  it('rule-file checking is pluggable', async () => {
    file('rules/bad.yml', 'groups: [{name: x, rules: [{record: "a b", expr: "1"}]}]\n');
    const p = file('plug.yml', 'rule_files: [rules/bad.yml]\n');
    const seen: string[] = [];
    const checker: RuleFileChecker = (path) => {
      seen.push(path);
      return {
        problems: [{ severity: 'error', message: 'invalid recording rule name: a b', file: path, line: 1, column: 1 }],
      };
    };
    const r = await checkConfigFile(p, { checkRuleFile: checker });
    expect(seen).toEqual([join(dir, 'rules/bad.yml')]);
    expect(r.valid).toBe(false);
    expect(messages(r)).toContain('invalid recording rule name');
  });

  it('follows scrape_config_files and reports duplicate jobs across files', async () => {
    file('jobs/one.yml', 'scrape_configs:\n  - job_name: a\n  - job_name: b\n    scrape_interval: 1x\n');
    const p = file('inc.yml', 'scrape_config_files: [jobs/*.yml]\nscrape_configs:\n  - job_name: a\n');
    const r = await checkConfigFile(p);
    const m = messages(r);
    expect(m).toContain('not a valid duration string: "1x"');
    const dup = await checkConfigFile(
      file('inc2.yml', 'scrape_config_files: [jobs/two.yml]\nscrape_configs:\n  - job_name: a\n'),
    );
    // like Prometheus, a pattern that matches nothing is not an error (but we say so)
    expect(dup.valid).toBe(true);
    expect(dup.problems[0]).toMatchObject({ severity: 'warning', line: 1 });
    file('jobs/two.yml', 'scrape_configs:\n  - job_name: a\n');
    const dup2 = await checkConfigFile(join(dir, 'inc2.yml'));
    expect(messages(dup2)).toContain(
      'found multiple scrape configs with job name "a", first found in main config file',
    );
  });

  it('bad input: missing file, directory, empty file, binary, 10 MB', async () => {
    expect(messages(await checkConfigFile(join(dir, 'absent.yml')))).toContain('no such file or directory');
    expect(messages(await checkConfigFile(join(dir, 'rules')))).toContain('is a directory');
    const empty = await checkConfigFile(file('empty.yml', ''));
    expect(empty.valid).toBe(false);
    expect(messages(empty)).toContain('is empty');
    const bin = await checkConfigFile(file('bin.yml', '\u007fELF\u0002\u0001\u0001\u0000\u0000'));
    expect(messages(bin)).toContain('control characters are not allowed');
    let big = 'scrape_configs:\n  - job_name: big\n    static_configs:\n      - targets:\n';
    let i = 0;
    while (big.length < 10 * 1024 * 1024) big += `          - 'host-${i++}.example.com:9100'\n`;
    const t0 = performance.now();
    const r = await checkConfigFile(file('big.yml', big));
    expect(r.valid).toBe(true);
    expect(performance.now() - t0).toBeLessThan(60_000);
  }, 120_000);
});
