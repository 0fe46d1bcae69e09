import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_INIT,
  FileExistsError,
  parseConfig,
  parseJobSpec,
  parseSize,
  parseGoURL,
  PRESETS,
  renderInitConfig,
  validateDurationInput,
  validateHostPort,
  validateJobName,
  writeFileAtomic,
} from '../../src/lib/config/index.js';

describe('init', () => {
  it('renders a valid, commented config for every preset, Alertmanager and rule files', () => {
    const text = renderInitConfig({
      scrapeInterval: '30s',
      evaluationInterval: '1m',
      jobs: Object.values(PRESETS),
      alertmanagers: ['localhost:9093'],
      ruleFiles: ['rules/*.yml'],
    });
    expect(text).toMatch(/^# Prometheus configuration, written by promctl init/);
    const c = parseConfig(text, '/x/prometheus.yml');
    expect(c.global.scrape_interval).toBe('30s');
    expect(c.scrape_configs.map((s) => s.job_name)).toEqual(['prometheus', 'node', 'python_app']);
    expect(c.alerting.alertmanagers[0]!.static_configs![0]!.targets).toEqual(['localhost:9093']);
    expect(c.rule_files).toEqual(['/x/rules/*.yml']);
  });

  it('the default is self-monitoring only', () => {
    const c = parseConfig(renderInitConfig(DEFAULT_INIT));
    expect(c.scrape_configs.map((s) => [s.job_name, s.static_configs![0]!.targets])).toEqual([
      ['prometheus', ['localhost:9090']],
    ]);
  });

  it('refuses what would be invalid', () => {
    expect(() => renderInitConfig({ ...DEFAULT_INIT, scrapeInterval: '15' })).toThrow(/not a duration/);
    expect(() => renderInitConfig({ ...DEFAULT_INIT, jobs: [PRESETS.node!, PRESETS.node!] })).toThrow(/twice/);
  });

  it('validators', () => {
    expect(validateHostPort('localhost:9100')).toBeNull();
    expect(validateHostPort('10.0.0.5:9100')).toBeNull();
    expect(validateHostPort('[::1]:9090')).toBeNull();
    expect(validateHostPort('localhost')).toMatch(/no port/);
    expect(validateHostPort('host:99999')).toMatch(/out of range/);
    expect(validateHostPort('http://h:1/')).toMatch(/URL/);
    expect(validateDurationInput('1h30m')).toBeNull();
    expect(validateDurationInput('0s')).toMatch(/greater than 0/);
    expect(validateDurationInput('fast')).toMatch(/not a duration/);
    expect(validateJobName('python_app')).toBeNull();
    expect(validateJobName('my job')).toMatch(/letters, digits/);
    expect(parseJobSpec('node=a:1,b:2')).toEqual({ name: 'node', targets: ['a:1', 'b:2'] });
    expect(() => parseJobSpec('node')).toThrow(/NAME=HOST:PORT/);
    expect(() => parseJobSpec('node=a')).toThrow(/no port/);
  });
});

describe('atomic writes', () => {
  it('never replaces without overwrite, keeps the mode, leaves no temp file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'promctl-atomic-'));
    try {
      const p = join(dir, 'prometheus.yml');
      writeFileAtomic(p, 'a\n');
      expect(() => writeFileAtomic(p, 'b\n')).toThrow(FileExistsError);
      expect(readFileSync(p, 'utf8')).toBe('a\n');
      chmodSync(p, 0o600);
      writeFileAtomic(p, 'c\n', { overwrite: true });
      expect(readFileSync(p, 'utf8')).toBe('c\n');
      expect(statSync(p).mode & 0o777).toBe(0o600);
      expect(readdirSync(dir)).toEqual(['prometheus.yml']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('units and URLs as Go reads them', () => {
  it('sizes', () => {
    expect(parseSize('10MB')).toBe(10 * 1024 * 1024);
    expect(parseSize('1GiB')).toBe(1024 ** 3);
    expect(parseSize('512B')).toBe(512);
    expect(parseSize('0')).toBe(0);
    expect(() => parseSize('100')).toThrow('units: unknown unit  in 100');
    expect(() => parseSize('10 MB')).toThrow(/units:/);
  });
  it('URLs', () => {
    expect(parseGoURL('http://h:9090/api').hostname).toBe('h');
    expect(parseGoURL('http://').host).toBe('');
    expect(() => parseGoURL('://x')).toThrow('parse "://x": missing protocol scheme');
    expect(() => parseGoURL('http://h:port/')).toThrow(/invalid port ":port" after host/);
    expect(() => parseGoURL('http://h/%zz')).toThrow(/invalid URL escape "%zz"/);
  });
});
