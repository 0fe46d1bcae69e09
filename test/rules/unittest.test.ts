import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { promqlValidator } from '../../src/lib/rules/expr.js';
import { runUnitTestFile } from '../../src/lib/rules/unittest.js';

const dir = mkdtempSync(join(tmpdir(), 'promctl-unittest-'));
writeFileSync(
  join(dir, 'rules.yml'),
  `groups:
- name: g1
  rules:
  - record: job:up:sum
    expr: sum by (job) (up)
  - alert: InstanceDown
    expr: up == 0
    for: 5m
    labels: { severity: page }
    annotations:
      summary: "Instance {{ $labels.instance }} down"
      where: "{{ $externalLabels.dc }} {{ $externalURL }}"
`,
);

async function run(test: string) {
  const f = join(dir, `t${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(f, test);
  return runUnitTestFile(f, { validateExpr: promqlValidator() });
}

describe('test rules (promtool unit tests)', () => {
  it('passes alert and expression tests', async () => {
    const r = await run(`rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    external_labels: { dc: fra }
    external_url: http://prom:9090
    input_series:
      - series: 'up{job="node", instance="a"}'
        values: '1 1 0x10'
      - series: 'up{job="node", instance="b"}'
        values: '1+0x12'
    alert_rule_test:
      - eval_time: 6m
        alertname: InstanceDown
      - eval_time: 7m
        alertname: InstanceDown
        exp_alerts:
          - exp_labels: { severity: page, instance: a, job: node }
            exp_annotations: { summary: "Instance a down", where: "fra http://prom:9090" }
    promql_expr_test:
      - expr: job:up:sum
        eval_time: 4m
        exp_samples:
          - labels: 'job:up:sum{job="node"}'
            value: 1
      - expr: scalar(sum(up))
        eval_time: 0
        exp_samples:
          - labels: '{}'
            value: 2
`);
    expect(r.errors).toEqual([]);
    expect(r.success).toBe(true);
  });

  it("reports failures with promtool's texts", async () => {
    const r = await run(`rule_files: [rules.yml]
tests:
  - interval: 1m
    input_series:
      - series: 'up{job="node", instance="a"}'
        values: '1 1 0 0 0 0 0 0 0 0'
      - series: 'up{job="node", instance="b"}'
        values: '1x10'
    alert_rule_test:
      - eval_time: 8m
        alertname: InstanceDown
        exp_alerts:
          - exp_labels: { severity: page, instance: a, job: node }
            exp_annotations: { summary: "Instance x down" }
    promql_expr_test:
      - expr: job:up:sum
        eval_time: 4m
        exp_samples:
          - labels: 'job:up:sum{job="node"}'
            value: 2
      - expr: sum(
        eval_time: 4m
  - name: second
    interval: 1m
    input_series:
      - series: 'up{job="node", instance="a"}'
        values: '0x10'
    alert_rule_test:
      - eval_time: 1m
        alertname: InstanceDown
        exp_alerts:
          - exp_labels: { severity: page, instance: a, job: node }
`);
    expect(r.success).toBe(false);
    expect(r.errors).toEqual([
      `    alertname: InstanceDown, time: 8m, 
        exp:[
            0:
              Labels:{alertname="InstanceDown", instance="a", job="node", severity="page"}
              Annotations:{summary="Instance x down"}
            ], 
        got:[
            0:
              Labels:{alertname="InstanceDown", instance="a", job="node", severity="page"}
              Annotations:{summary="Instance a down", where=" "}
            ]`,
      `    expr: "job:up:sum", time: 4m,
        exp: {__name__="job:up:sum", job="node"} 2E+00
        got: {__name__="job:up:sum", job="node"} 1E+00`,
      '    expr: "sum(", time: 4m, err: 1:5: parse error: unclosed left parenthesis',
      `    name: second,
    alertname: InstanceDown, time: 1m, 
        exp:[
            0:
              Labels:{alertname="InstanceDown", instance="a", job="node", severity="page"}
              Annotations:{}
            ], 
        got:[]`,
    ]);
  });

  it('reports rule evaluation errors, bad files and bad input', async () => {
    writeFileSync(
      join(dir, 'dup.yml'),
      'groups:\n- name: d\n  rules:\n  - record: r\n    expr: up\n    labels: { a: same }\n',
    );
    const r = await run(`rule_files: [dup.yml]
tests:
  - interval: 1m
    input_series:
      - series: 'up{a="1"}'
        values: '1'
      - series: 'up{a="2"}'
        values: '1'
    promql_expr_test:
      - expr: up
        eval_time: 0m
`);
    expect(r.errors).toEqual([
      '    rule: r, time: 0s, err: vector contains metrics with the same labelset after applying rule labels',
    ]);
    expect((await run('rule_files: [nope.yml]\ntests: []\n')).warnings).toEqual([
      `no file match pattern ${join(dir, 'nope.yml')}`,
    ]);
    expect((await run('rule_files: [rules.yml]\ntestz: []\n')).errors[0]).toMatch(/field testz not found/);
    expect((await run('rule_files: [rules.yml]\ngroup_eval_order: [a, a]\n')).errors).toEqual([
      'group name repeated in evaluation order: a',
    ]);
  });
});
