import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRuleFile } from '../../src/lib/rules/check.js';
import { promqlValidator } from '../../src/lib/rules/expr.js';
import { parseRules } from '../../src/lib/rules/rulefmt.js';

const validateExpr = promqlValidator();

describe('rule files', () => {
  it('parses groups and rules with durations, labels and positions', () => {
    const { file, errors } = parseRules(
      `groups:
  - name: node
    interval: 30s
    query_offset: 1m
    limit: 10
    labels: { team: infra }
    rules:
      - record: instance:cpu:rate5m
        expr: rate(node_cpu_seconds_total[5m])
      - alert: InstanceDown
        expr: up == 0
        for: 5m
        keep_firing_for: 1m
        labels: { severity: page }
        annotations: { summary: "{{ $labels.instance }} down" }
`,
      { validateExpr },
    );
    expect(errors).toEqual([]);
    const g = file!.groups[0]!;
    expect(g).toMatchObject({
      name: 'node',
      interval: 30_000,
      queryOffset: 60_000,
      limit: 10,
      labels: { team: 'infra' },
    });
    expect(g.rules[0]).toMatchObject({
      record: 'instance:cpu:rate5m',
      for: 0,
      pos: { record: { line: 8, column: 17 } },
    });
    expect(g.rules[1]).toMatchObject({
      alert: 'InstanceDown',
      for: 300_000,
      keepFiringFor: 60_000,
      labels: { severity: 'page' },
    });
    expect(g.rules[1]!.pos.expr).toEqual({ line: 11, column: 15 });
  });

  it("reports invalid rules with Prometheus' messages and positions", () => {
    const { errors } = parseRules(
      `groups:
  - name: g1
    rules:
      - record: job:up:sum
        expr: sum by (job) (up
      - alert: X
        expr: up == 0
        annotations:
          summary: "{{ humanise $value }}"
      - record: "a{b}"
        expr: up
        for: 1m
      - expr: up
      - alert: Y
        expr: up
        labels:
          sev: "{{ .Foo }"
  - name: g1
    rules: []
  - name: ""
`,
      { validateExpr },
    );
    expect(errors).toEqual([
      '5:15: group "g1", rule 1, "job:up:sum": could not parse expression: 1:17: parse error: unclosed left parenthesis',
      'group "g1", rule 2, "X": annotation "summary": template: __alert_X:1: function "humanise" not defined',
      `10:17: group "g1", rule 3, "a{b}": invalid field 'for' in recording rule`,
      '10:17: group "g1", rule 3, "a{b}": braces present in the recording rule name; should it be in expr?: a{b}',
      `0:0: 0:0: group "g1", rule 4, "": one of 'record' or 'alert' must be set`,
      'group "g1", rule 5, "Y": label "sev": template: __alert_Y:1: unexpected "}" in operand',
      '18:5: groupname: "g1" is repeated in the same file',
      '20:5: Groupname must not be empty',
    ]);
  });

  it('reports unknown fields, bad durations and YAML errors', () => {
    expect(parseRules('groups:\n  - name: x\n    rulez: []\n').errors).toEqual([
      'yaml: unmarshal errors:\n  line 3: field rulez not found in type rulefmt.RuleGroup',
    ]);
    expect(parseRules('groups:\n  - name: x\n    interval: 5x\n    rules: []\n').errors).toEqual([
      'not a valid duration string: "5x"',
    ]);
    expect(parseRules('groups:\n  - name: x\n    limit: many\n').errors).toEqual([
      'yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str `many` into int',
    ]);
    expect(parseRules('x: [').errors[0]).toMatch(/^yaml: line 1: /);
    expect(parseRules('').errors).toEqual([]);
  });
});

describe('check rules', () => {
  const dir = mkdtempSync(join(tmpdir(), 'promctl-rules-'));
  it('counts rules, lints duplicates and names missing files', async () => {
    const good = join(dir, 'good.yml');
    writeFileSync(good, 'groups:\n- name: a\n  rules:\n  - record: r\n    expr: up\n  - alert: A\n    expr: up == 0\n');
    expect(await checkRuleFile(good, { validateExpr })).toMatchObject({ rules: 2, errors: [], lint: [] });

    const dup = join(dir, 'dup.yml');
    writeFileSync(
      dup,
      'groups:\n- name: a\n  rules:\n  - record: r\n    expr: up\n    labels: {x: "1"}\n- name: b\n  rules:\n  - record: r\n    expr: up\n    labels: {x: "1"}\n',
    );
    const d = await checkRuleFile(dup, { validateExpr });
    expect(d.lint).toEqual([
      'lint error 1 duplicate rule(s) found.\nMetric: r\nLabel(s):\n\tx: 1\nMight cause inconsistency while recording expressions',
    ]);
    expect((await checkRuleFile(dup, { validateExpr, lint: 'none' })).lint).toEqual([]);

    const missing = join(dir, 'nope.yml');
    expect((await checkRuleFile(missing)).errors).toEqual([`${missing}: open ${missing}: no such file or directory`]);
  });
});
