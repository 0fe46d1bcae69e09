import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Labels } from '../../src/lib/model/labels.js';
import { isStaleNaN } from '../../src/lib/model/value.js';
import { Engine } from '../../src/lib/promql/engine/engine.js';
import { MemoryStorage } from '../../src/lib/storage/memory.js';
import {
  alertsAPI,
  engineQueryFunc,
  Group,
  promqlValidator,
  rulesAPI,
  RulesManager,
  RuleLoadError,
  type Alert,
  type Clock,
} from '../../src/lib/rules/index.js';

const M = 60_000;

class FakeClock implements Clock {
  t = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  now() {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number) {
    const id = this.nextId++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(h: unknown) {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  /** Advances time, running due timers in order (awaiting the async work they start). */
  async advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
      for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    }
    this.t = end;
  }
}

function writeRules(content: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'promctl-rules-'));
  const file = join(dir, 'rules.yml');
  writeFileSync(file, content);
  return { dir, file };
}

function series(st: MemoryStorage, labels: Labels, mint: number, maxt: number): [number, number][] {
  const s = st.seriesByLabels(labels);
  if (!s) return [];
  const out: [number, number][] = [];
  for (let i = 0; i < s.n; i++) if (s.ts[i]! >= mint && s.ts[i]! <= maxt) out.push([s.ts[i]!, s.vs[i]!]);
  return out;
}

function setup(rules: string, opts: { restore?: boolean } = {}) {
  const st = new MemoryStorage();
  const engine = new Engine();
  const clock = new FakeClock();
  const sent: { expr: string; alerts: Alert[] }[] = [];
  const logs: string[] = [];
  const mgr = new RulesManager({
    logger: (level, msg, f) => logs.push(`${level} ${msg} ${JSON.stringify(f)}`),
    queryFn: engineQueryFunc(engine, st),
    notifyFn: (expr, alerts) => {
      if (alerts.length) sent.push({ expr, alerts: alerts.map((a) => ({ ...a })) });
    },
    appendable: st,
    queryable: st,
    externalURL: 'http://prom.example:9090',
    externalLabels: Labels.fromObject({ cluster: 'eu1' }),
    validateExpr: promqlValidator(),
    resendDelay: M,
    clock,
  });
  const { file } = writeRules(rules);
  void opts;
  return { st, engine, clock, sent, mgr, file, logs };
}

describe('rules manager', () => {
  it('records, alerts pending → firing → resolved, writes ALERTS and stale markers', async () => {
    const { st, mgr, file, sent } = setup(`groups:
- name: g
  interval: 1m
  rules:
  - record: job:up:sum
    expr: sum by (job) (up)
  - alert: InstanceDown
    expr: up == 0
    for: 2m
    labels: { severity: page }
    annotations:
      summary: "{{ $labels.instance }} of {{ $labels.job }} down ({{ $value }}) in {{ $externalLabels.cluster }}"
`);
    await mgr.update({ files: [file], evaluationInterval: M });
    const g = mgr.ruleGroups()[0]!;
    const up = (inst: string) => Labels.fromObject({ __name__: 'up', job: 'node', instance: inst });
    // a: up for the first 3 minutes, down from 3m to 7m, back afterwards; b always up.
    for (let t = 0; t <= 12 * M; t += 15_000) {
      st.appendDirect(up('a'), t, t >= 3 * M && t < 7 * M ? 0 : 1);
      st.appendDirect(up('b'), t, 1);
    }
    // A fresh start writes ALERTS only once the for-state is restored (for < grace period: at once).
    await g.restoreForState(0);
    const states: string[] = [];
    for (let m = 1; m <= 10; m++) {
      await g.eval(m * M);
      const r = rulesAPI([g]).groups[0]!.rules[1] as { state: string };
      states.push(r.state);
    }
    expect(states).toEqual([
      'inactive',
      'inactive',
      'pending',
      'pending',
      'firing',
      'firing',
      'inactive',
      'inactive',
      'inactive',
      'inactive',
    ]);
    const alerts = Labels.fromObject({
      __name__: 'ALERTS',
      alertname: 'InstanceDown',
      alertstate: 'firing',
      instance: 'a',
      job: 'node',
      severity: 'page',
    });
    expect(series(st, alerts, 0, 20 * M).map(([t, v]) => [t / M, isStaleNaN(v) ? 'stale' : v])).toEqual([
      [5, 1],
      [6, 1],
      [7, 'stale'],
    ]);
    const forState = Labels.fromObject({
      __name__: 'ALERTS_FOR_STATE',
      alertname: 'InstanceDown',
      instance: 'a',
      job: 'node',
      severity: 'page',
    });
    expect(series(st, forState, 0, 20 * M)[0]).toEqual([3 * M, 180]);
    expect(series(st, Labels.fromObject({ __name__: 'job:up:sum', job: 'node' }), 0, 20 * M).map(([, v]) => v)).toEqual(
      [2, 2, 1, 1, 1, 1, 2, 2, 2, 2],
    );
    // Notifications: firing at 5m, resolved at 7m.
    const firing = sent.map((s) => [s.alerts[0]!.state, s.alerts[0]!.resolvedAt]);
    expect(firing[0]).toEqual(['firing', 0]);
    expect(sent.at(-1)!.alerts[0]!.state).toBe('inactive');
    expect(sent.at(-1)!.alerts[0]!.resolvedAt).toBe(7 * M);
    expect(sent[0]!.alerts[0]!.annotations.get('summary')).toBe('a of node down (0) in eu1');
    expect(sent[0]!.expr).toBe('up == 0');
  });

  it('keeps firing for keep_firing_for and honours limit', async () => {
    const { st, mgr, file } = setup(`groups:
- name: g
  limit: 1
  rules:
  - alert: Flappy
    expr: x > 0
    keep_firing_for: 3m
  - record: many
    expr: y
`);
    await mgr.update({ files: [file], evaluationInterval: M });
    const g = mgr.ruleGroups()[0]!;
    st.appendDirect(Labels.fromObject({ __name__: 'x' }), 0, 1);
    st.appendDirect(Labels.fromObject({ __name__: 'x' }), 2 * M, 0);
    for (const t of [0, 3 * M, 6 * M]) {
      st.appendDirect(Labels.fromObject({ __name__: 'y', a: '1' }), t, 1);
      st.appendDirect(Labels.fromObject({ __name__: 'y', a: '2' }), t, 1);
    }
    const states: string[] = [];
    for (const m of [1, 2, 3, 4, 5, 6]) {
      await g.eval(m * M);
      states.push((rulesAPI([g]).groups[0]!.rules[0] as { state: string }).state);
    }
    expect(states).toEqual(['firing', 'firing', 'firing', 'firing', 'inactive', 'inactive']);
    const rec = rulesAPI([g]).groups[0]!.rules[1]!;
    expect(rec.health).toBe('err');
    expect(rec.lastError).toBe('exceeded limit of 1 with 2 series');
  });

  it('evaluates on schedule with the group offset and restores for-state after a restart', async () => {
    const rules = `groups:
- name: restore
  interval: 1m
  rules:
  - alert: Slow
    expr: latency > 1
    for: 30m
`;
    const a = setup(rules);
    const lat = Labels.fromObject({ __name__: 'latency' });
    for (let t = 0; t <= 60 * M; t += 15_000) a.st.appendDirect(lat, t, 5);
    await a.mgr.update({ files: [a.file], evaluationInterval: M });
    const g1 = a.mgr.ruleGroups()[0]!;
    expect(g1.offset()).toBeGreaterThanOrEqual(0);
    expect(g1.offset()).toBeLessThan(M);
    // Run it as a fresh start: first eval, then restore (nothing stored yet), then normal evals.
    for (let m = 1; m <= 10; m++) await g1.eval(m * M);
    const rule1 = a.mgr.alertingRules()[0]!;
    expect(rule1.restored).toBe(false); // fresh manager: waits for restore before writing ALERTS
    await g1.restoreForState(10 * M);
    expect(rule1.restored).toBe(true);
    for (let m = 11; m <= 15; m++) await g1.eval(m * M);
    expect(rule1.activeAlerts()[0]!.activeAt).toBe(1 * M);

    // "Restart" 5 minutes later with a new manager over the same storage.
    const clock = new FakeClock();
    const mgr2 = new RulesManager({
      queryFn: engineQueryFunc(new Engine(), a.st),
      notifyFn: () => {},
      appendable: a.st,
      queryable: a.st,
      clock,
    });
    await mgr2.update({ files: [a.file], evaluationInterval: M });
    const g2 = mgr2.ruleGroups()[0]!;
    await g2.eval(20 * M);
    await g2.restoreForState(20 * M);
    // Pending 14m when it went down at 15m, 16m to go (≥ grace period): activeAt moves by the
    // downtime, 1m + 5m → fires at 36m.
    const rule2 = mgr2.alertingRules()[0]!;
    expect(rule2.activeAlerts()[0]!.activeAt).toBe(6 * M);
    await g2.eval(35 * M);
    expect(rule2.state()).toBe('pending');
    await g2.eval(36 * M);
    expect(rule2.state()).toBe('firing');

    // With less than the grace period to go, it fires one grace period (10m) after the restart.
    const mgr3 = new RulesManager({
      queryFn: engineQueryFunc(new Engine(), a.st),
      notifyFn: () => {},
      appendable: a.st,
      queryable: a.st,
      clock,
    });
    writeFileSync(a.file, rules.replace('for: 30m', 'for: 20m'));
    await mgr3.update({ files: [a.file], evaluationInterval: M });
    const g3 = mgr3.ruleGroups()[0]!;
    await g3.eval(20 * M);
    await g3.restoreForState(20 * M);
    expect(mgr3.alertingRules()[0]!.activeAlerts()[0]!.activeAt).toBe(10 * M);
  });

  it('runs groups on their schedule with a clock', async () => {
    const { st, mgr, file, clock } = setup(`groups:
- name: sched
  interval: 10s
  rules:
  - record: one
    expr: vector(1)
`);
    await mgr.update({ files: [file], evaluationInterval: M });
    mgr.start();
    await clock.advance(65_000);
    await mgr.stop();
    const g = mgr.ruleGroups()[0]!;
    const got = series(st, Labels.fromObject({ __name__: 'one' }), 0, 100_000);
    expect(got.length).toBeGreaterThanOrEqual(6);
    for (const [t] of got) expect((t - g.offset()) % 10_000).toBe(0);
    const fams = mgr.collectMetrics();
    const iters = fams.find((f) => f.name === 'prometheus_rule_group_iterations_total')!;
    expect(iters.samples[0]!.labels.get('rule_group')).toBe(`${file};sched`);
    expect(iters.samples[0]!.value).toBe(got.length);
  });

  it('a rule failing at evaluation is counted and logged; the rules after it, and other groups, go on', async () => {
    const st = new MemoryStorage();
    const clock = new FakeClock();
    const logs: string[] = [];
    const sent: Alert[] = [];
    const mgr = new RulesManager({
      queryFn: engineQueryFunc(new Engine(), st),
      notifyFn: (_e, alerts) => sent.push(...alerts),
      appendable: st,
      queryable: st,
      validateExpr: promqlValidator(),
      logger: (level, msg, f) => logs.push(`${level} ${msg} ${JSON.stringify(f)}`),
      clock,
    });
    const { file } = writeRules(`groups:
- name: g
  interval: 1m
  rules:
  - record: bad:many_to_many
    expr: a * on () b
  - alert: BadTemplate
    expr: a > 0
    annotations:
      summary: "{{ index $labels 1 }}"
      ok: "{{ $labels.x }} is {{ $value }}"
  - record: good
    expr: sum(a)
- name: other
  interval: 1m
  rules:
  - record: other:good
    expr: count(b)
`);
    for (const x of ['1', '2']) {
      st.appendDirect(Labels.fromObject({ __name__: 'a', x }), 0, Number(x));
      st.appendDirect(Labels.fromObject({ __name__: 'b', x }), 0, 1);
    }
    await mgr.update({ files: [file], evaluationInterval: M });
    mgr.start();
    await clock.advance(2 * M);
    await mgr.stop();
    const [g] = mgr.ruleGroups();
    const [bad, alert, good] = g!.rules;
    expect(bad!.health).toBe('err');
    expect(bad!.lastError?.message).toMatch(/many-to-many matching not allowed|multiple matches/);
    expect(good!.health).toBe('ok');
    expect(series(st, Labels.fromObject({ __name__: 'good' }), 0, 2 * M).length).toBeGreaterThan(0);
    expect(series(st, Labels.fromObject({ __name__: 'other:good' }), 0, 2 * M).length).toBeGreaterThan(0);
    // Counted under Prometheus' name, per group.
    const failures = mgr.collectMetrics().find((f) => f.name === 'prometheus_rule_evaluation_failures_total')!;
    const byGroup = new Map(failures.samples.map((x) => [x.labels.get('rule_group'), x.value]));
    expect(byGroup.get(`${file};g`)).toBeGreaterThanOrEqual(1);
    expect(byGroup.get(`${file};other`)).toBe(0);
    expect(logs.some((l) => l.startsWith('warn Evaluating rule failed') && l.includes('bad:many_to_many'))).toBe(true);
    // A template failing at execution: that annotation says so, the alert still fires with the others.
    expect(alert!.health).toBe('ok');
    const a = sent.find((x) => x.labels.get('x') === '2')!;
    expect(a.annotations.get('summary')).toMatch(/^<error expanding template: /);
    expect(a.annotations.get('ok')).toBe('2 is 2');
    expect(logs.some((l) => l.startsWith('warn Expanding alert template failed'))).toBe(true);
  });

  it('rejects bad rule files on update and keeps the running groups', async () => {
    const { mgr, file, logs } = setup(`groups:\n- name: ok\n  rules:\n  - record: r\n    expr: vector(1)\n`);
    await mgr.update({ files: [file] });
    writeFileSync(file, `groups:\n- name: ok\n  rules:\n  - record: r\n    expr: sum(\n`);
    await expect(mgr.update({ files: [file] })).rejects.toThrow(RuleLoadError);
    expect(mgr.ruleGroups().map((g) => g.name)).toEqual(['ok']);
    // A literal path naming no file loads nothing, as in Prometheus, and promctl says so.
    writeFileSync(file, `groups:\n- name: ok\n  rules:\n  - record: r\n    expr: vector(1)\n`);
    await mgr.update({ files: [join(file, '..', 'missing.yml'), file] });
    expect(mgr.ruleGroups().map((g) => g.name)).toEqual(['ok']);
    expect(logs.some((l) => /^warn Rule file not found, no rules loaded from it.*missing\.yml/.test(l))).toBe(true);
    // A glob matching nothing is not an error (Prometheus' filepath.Glob).
    await mgr.update({ files: [join(file, '..', 'none-*.yml')] });
    expect(mgr.ruleGroups()).toEqual([]);
  });

  it('builds /api/v1/rules and /api/v1/alerts like Prometheus', async () => {
    const { st, mgr, file } = setup(`groups:
- name: api
  rules:
  - alert: High
    expr: v>1
    for: 0s
    annotations: { d: "{{ $value | humanize }}" }
  - record: rec
    expr: v
    labels: { a: b }
`);
    await mgr.update({ files: [file] });
    st.appendDirect(Labels.fromObject({ __name__: 'v' }), 0, 2500);
    const g = mgr.ruleGroups()[0]!;
    await g.eval(60_000);
    const data = rulesAPI([g]);
    expect(data.groups[0]).toMatchObject({ name: 'api', file, interval: 60, limit: 0 });
    expect(data.groups[0]!.rules[0]).toMatchObject({
      state: 'firing',
      name: 'High',
      query: 'v > 1',
      duration: 0,
      keepFiringFor: 0,
      labels: {},
      annotations: { d: '{{ $value | humanize }}' },
      alerts: [
        {
          labels: { alertname: 'High' },
          annotations: { d: '2.5k' },
          state: 'firing',
          activeAt: '1970-01-01T00:01:00Z',
          value: '2.5e+03',
        },
      ],
      health: 'ok',
      type: 'alerting',
    });
    expect(data.groups[0]!.rules[1]).toMatchObject({
      name: 'rec',
      query: 'v',
      labels: { a: 'b' },
      health: 'ok',
      type: 'recording',
    });
    expect(rulesAPI([g], { type: 'record' }).groups[0]!.rules.map((r) => r.name)).toEqual(['rec']);
    expect(rulesAPI([g], { ruleName: ['nope'] }).groups).toEqual([]);
    expect(rulesAPI([g], { file: ['other.yml'] }).groups).toEqual([]);
    expect((rulesAPI([g], { excludeAlerts: true }).groups[0]!.rules[0] as { alerts: unknown[] }).alerts).toEqual([]);
    expect(alertsAPI([g]).alerts).toHaveLength(1);
    expect(g).toBeInstanceOf(Group);
  });
});
