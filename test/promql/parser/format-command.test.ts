import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../support/conformance.js';

// `promctl promql format` end to end, through the real CLI entry (bin/dev.js runs the TS sources).
function run(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'bin/dev.js'), 'promql', 'format', ...args],
    {
      encoding: 'utf8',
      input,
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('promctl promql format', () => {
  it('prints the canonical form, pretty by default', () => {
    const r = run(['sum(rate(http_requests_total{job="api",code=~"5.."}[5m])) by (code)']);
    expect(r).toMatchObject({
      code: 0,
      stdout: 'sum by (code) (rate(http_requests_total{code=~"5..",job="api"}[5m]))\n',
    });
  });

  it('reads stdin with "-", supports --oneline and --json', () => {
    const q =
      'topk(10, sum without (instance, pod, container, namespace, service, endpoint) (rate(container_cpu_usage_seconds_total[5m])))';
    expect(run(['-'], q).stdout).toBe(
      'topk(\n  10,\n  sum without (instance, pod, container, namespace, service, endpoint) (\n    rate(container_cpu_usage_seconds_total[5m])\n  )\n)\n',
    );
    expect(run(['--oneline', q]).stdout).toBe(q + '\n');
    expect(JSON.parse(run(['--json', 'up == 1']).stdout)).toEqual({ query: 'up == 1', formatted: 'up == 1' });
  });

  it('reports parse errors with position and caret, exit 1, no stack trace', () => {
    const r = run(['sum(rate(foo[5m]) bar)']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'error: 1:19: parse error: unexpected identifier "bar" in aggregation\n  sum(rate(foo[5m]) bar)\n                    ^^^\n',
    );
  });
});
