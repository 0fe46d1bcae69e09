import { describe, expect, it } from 'vitest';
import { addTarget, listTargets, parseConfig, removeTarget, UserFacingEditError } from '../../src/lib/config/index.js';

const base = `# my Prometheus
global:
  scrape_interval: 15s # fast

scrape_configs:
  # self
  - job_name: prometheus
    static_configs:
      - targets: ["localhost:9090"]

  - job_name: node # hosts
    scrape_interval: 30s
    static_configs:
      - targets:
          - a:9100 # rack 1
          - b:9100
`;

describe('target add/remove keep the rest of the file', () => {
  it('adds to an existing block list, keeping comments and order', () => {
    const r = addTarget(base, 'node', 'c:9100');
    expect(r.summary).toBe('added c:9100 to job node');
    expect(r.text).toBe(base.replace('          - b:9100\n', "          - b:9100\n          - 'c:9100'\n"));
  });

  it('adds to a flow list', () => {
    const r = addTarget(base, 'prometheus', 'localhost:9091');
    expect(r.text).toContain(`- targets: ["localhost:9090", 'localhost:9091']`);
    expect(r.text).toContain('# my Prometheus');
    expect(r.text).toContain('scrape_interval: 15s # fast');
  });

  it('creates a job, and a labelled group', () => {
    let r = addTarget(base, 'app', 'web:5000');
    expect(r.summary).toContain('(new job)');
    r = addTarget(r.text, 'node', 'd:9100', { labels: { env: 'prod' } });
    const c = parseConfig(r.text);
    expect(listTargets(c).map((j) => [j.job, j.targets.map((t) => t.target)])).toEqual([
      ['prometheus', ['localhost:9090']],
      ['node', ['a:9100', 'b:9100', 'd:9100']],
      ['app', ['web:5000']],
    ]);
    expect(c.scrape_configs[1]!.static_configs![1]!.labels).toEqual({ env: 'prod' });
  });

  it('creates scrape_configs in a file that has none', () => {
    const r = addTarget('global:\n  scrape_interval: 15s\n', 'node', 'h:9100');
    expect(listTargets(parseConfig(r.text))[0]!.targets[0]!.target).toBe('h:9100');
  });

  it('refuses bad targets, duplicates and invalid files', () => {
    expect(() => addTarget(base, 'node', 'http://a:9100/metrics')).toThrow(/is a URL/);
    expect(() => addTarget(base, 'node', 'a')).toThrow(/has no port/);
    expect(() => addTarget(base, 'node', 'a:9100')).toThrow(/already a target of job node/);
    // The same address with other labels would be a second target scraping the same endpoint.
    expect(() => addTarget(base, 'node', 'a:9100', { labels: { env: 'prod' } })).toThrow(
      'a:9100 is already a target of job node, without labels: adding it again would scrape it twice',
    );
    const withLabels = addTarget(base, 'node', 'z:9100', { labels: { env: 'prod' } }).text;
    expect(() => addTarget(withLabels, 'node', 'z:9100')).toThrow(
      /already a target of job node, with labels \{env="prod"\}/,
    );
    expect(() => addTarget(base, 'no de', 'x:1')).toThrow(UserFacingEditError);
    const broken = base.replace('scrape_interval: 30s', 'scrape_interval: 30 s');
    expect(() => addTarget(broken, 'node', 'c:9100')).toThrow(/has errors already/);
  });

  it('removes targets, then empty groups and jobs', () => {
    let r = removeTarget(base, 'node', 'a:9100');
    expect(r.text).not.toContain('a:9100');
    expect(r.text).toContain('- b:9100');
    r = removeTarget(r.text, 'node', 'b:9100');
    expect(r.summary).toContain('job node removed');
    expect(listTargets(parseConfig(r.text)).map((j) => j.job)).toEqual(['prometheus']);
    expect(() => removeTarget(base, 'node', 'z:1')).toThrow(/not a static target of job node/);
    expect(() => removeTarget(base, 'nope', 'z:1')).toThrow(/no job nope/);
  });
});
