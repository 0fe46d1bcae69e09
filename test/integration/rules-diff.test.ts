/**
 * Differential test against the real Prometheus rule engine (promtool 2.42's unit-test runner):
 * the same rule file over the same data. promctl evaluates the groups every minute and records
 * every recorded series and the ALERTS / ALERTS_FOR_STATE series at a few times; those results are
 * written as a promtool unit test's promql_expr_test expectations, and `promtool test rules` must
 * accept them — so recorded series and alerts are identical, labels and values exactly.
 *
 * Rules avoid range selectors and data has no gaps, because Prometheus 3 made ranges and the
 * lookback window left-open (a documented 2 → 3 change that would show at the edges).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Labels } from '../../src/lib/model/labels.js';
import { Engine } from '../../src/lib/promql/engine/engine.js';
import { engineQueryFunc } from '../../src/lib/rules/engine-query.js';
import { promqlValidator } from '../../src/lib/rules/expr.js';
import { RulesManager } from '../../src/lib/rules/manager.js';
import { AlertingRule } from '../../src/lib/rules/rule.js';
import { MemoryStorage } from '../../src/lib/storage/memory.js';
import { which } from '../support/procs.js';

const promtool = which('promtool');
if (!promtool) console.warn('rules-diff: skipping: promtool not installed');

const M = 60_000;
const STEPS = 40;

const RULES = `groups:
  - name: rec
    rules:
      - record: rec:cpu:avg
        expr: avg by (instance) (cpu_usage)
      - record: rec:cpu:max_job
        expr: max by (job) (cpu_usage) * 2
      - record: rec:mem:ratio
        expr: mem_used / on (instance) group_left (job) mem_total
      - record: rec:hot
        expr: cpu_usage > 70
        labels: { tier: hot }
      - record: rec:count
        expr: count(cpu_usage > 50)
      - record: rec:chain
        expr: rec:cpu:avg + 1
  - name: alerts
    rules:
      - alert: CpuHigh
        expr: rec:cpu:avg > 60
        for: 3m
        labels: { severity: warning }
        annotations: { summary: "{{ $labels.instance }} at {{ $value | humanize }}" }
      - alert: MemHigh
        expr: rec:mem:ratio > 0.8
        for: 2m
        keep_firing_for: 4m
      - alert: Instant
        expr: rec:count >= 3
`;

/** Deterministic pseudo-random values. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe.skipIf(!promtool)('rules: same results as Prometheus (promtool) on the same data', () => {
  it('recorded series, ALERTS and ALERTS_FOR_STATE match exactly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'promctl-rules-diff-'));
    writeFileSync(join(dir, 'rules.yml'), RULES);
    const r = rng(42);
    const input: { series: string; values: number[] }[] = [];
    for (const inst of ['a', 'b', 'c', 'd']) {
      for (const cpu of ['0', '1']) {
        const vals: number[] = [];
        let v = 30 + r() * 40;
        for (let k = 0; k <= STEPS; k++) {
          v = Math.max(0, Math.min(100, v + (r() - 0.45) * 20));
          vals.push(Math.round(v * 10) / 10);
        }
        input.push({ series: `cpu_usage{instance="${inst}", cpu="${cpu}", job="node"}`, values: vals });
      }
      const total = 1000;
      const used: number[] = [];
      let u = 500 + r() * 300;
      for (let k = 0; k <= STEPS; k++) {
        u = Math.max(0, Math.min(total, u + (r() - 0.4) * 120));
        used.push(Math.round(u));
      }
      input.push({ series: `mem_used{instance="${inst}"}`, values: used });
      input.push({ series: `mem_total{instance="${inst}", job="node"}`, values: used.map(() => total) });
    }

    // promctl: evaluate like promtool does (groups every minute from 0), then query.
    const st = new MemoryStorage();
    for (const s of input) {
      const m = /^(\w+)\{(.*)\}$/.exec(s.series)!;
      const obj: Record<string, string> = { __name__: m[1]! };
      for (const p of m[2]!.split(', ')) {
        const [k, v] = p.split('=') as [string, string];
        obj[k] = JSON.parse(v) as string;
      }
      s.values.forEach((v, k) => st.appendDirect(Labels.fromObject(obj), k * M, v));
    }
    const engine = new Engine();
    const queryFn = engineQueryFunc(engine, st);
    const mgr = new RulesManager({ queryFn, notifyFn: () => {}, appendable: st, validateExpr: promqlValidator() });
    const groups = [
      ...(await mgr.loadGroups({ files: [join(dir, 'rules.yml')], evaluationInterval: M }, false)).values(),
    ];
    groups.sort((a, b) => (a.name === 'rec' ? -1 : b.name === 'rec' ? 1 : 0));
    for (const g of groups) for (const rule of g.rules) if (rule instanceof AlertingRule) rule.restored = true;
    const maxT = STEPS * M;
    for (let t = 0; t <= maxT; t += M) for (const g of groups) await g.eval(t);
    for (const g of groups) for (const rule of g.rules) expect(rule.lastError).toBeNull();

    const times = [5, 12, 20, 27, 33, 40];
    let exprTests = '';
    let total = 0;
    let alertsSeen = 0;
    for (const minute of times) {
      const got = await queryFn('{__name__=~"rec:.+|ALERTS|ALERTS_FOR_STATE"}', minute * M);
      total += got.length;
      alertsSeen += got.filter((s) => s.metric.get('__name__') === 'ALERTS').length;
      exprTests += `      - expr: '{__name__=~"rec:.+|ALERTS|ALERTS_FOR_STATE"}'\n        eval_time: ${minute}m\n        exp_samples:\n`;
      for (const s of got) {
        exprTests += `          - labels: ${JSON.stringify(s.metric.toString())}\n            value: ${String(s.v)}\n`;
      }
    }
    expect(total).toBeGreaterThan(50);
    expect(alertsSeen).toBeGreaterThan(0);
    const test = `rule_files: [rules.yml]
evaluation_interval: 1m
group_eval_order: [rec, alerts]
tests:
  - interval: 1m
    input_series:
${input.map((s) => `      - series: '${s.series}'\n        values: '${s.values.join(' ')}'`).join('\n')}
    promql_expr_test:
${exprTests}`;
    writeFileSync(join(dir, 'diff.test.yml'), test);
    const res = spawnSync(promtool!, ['test', 'rules', 'diff.test.yml'], { cwd: dir, encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });
});
