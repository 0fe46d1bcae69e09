/**
 * Rules and alerting against real peers:
 * - the real Alertmanager (Debian's prometheus-alertmanager 0.25) on 127.0.0.1: an instance goes
 *   down, the alert goes pending then firing through the rules manager and the notifier, the
 *   Alertmanager API lists it with the templated annotations; the instance comes back and the alert
 *   resolves there;
 * - the real promtool: every example rule file checks and every example unit test passes under
 *   `promtool test rules` too, and `check rules` reports the same errors for a broken file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Labels } from '../../src/lib/model/labels.js';
import { Notifier, sendAlertsFunc } from '../../src/lib/notifier/index.js';
import { Engine } from '../../src/lib/promql/engine/engine.js';
import { checkRuleFile } from '../../src/lib/rules/check.js';
import { engineQueryFunc } from '../../src/lib/rules/engine-query.js';
import { promqlValidator } from '../../src/lib/rules/expr.js';
import { RulesManager } from '../../src/lib/rules/manager.js';
import { MemoryStorage } from '../../src/lib/storage/memory.js';
import { freePort, repoRootBin, startProc, which, type Proc } from '../support/procs.js';

const amBin = which('prometheus-alertmanager') ?? which('alertmanager');
const promtool = which('promtool');
if (!amBin) console.warn('rules integration: skipping Alertmanager suite: prometheus-alertmanager not installed');
if (!promtool) console.warn('rules integration: skipping promtool suite: promtool not installed');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string };
  generatorURL: string;
}

describe.skipIf(!amBin)('rules → notifier → real Alertmanager', () => {
  let am: Proc;
  let amURL = '';
  const dir = mkdtempSync(join(tmpdir(), 'promctl-am-it-'));

  beforeAll(async () => {
    const port = await freePort();
    amURL = `http://127.0.0.1:${port}`;
    writeFileSync(
      join(dir, 'am.yml'),
      "route:\n  receiver: 'null'\n  group_wait: 1s\n  group_interval: 1s\nreceivers:\n  - name: 'null'\n",
    );
    am = await startProc(
      amBin!,
      [
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        `--storage.path=${join(dir, 'data')}`,
        `--config.file=${join(dir, 'am.yml')}`,
      ],
      { readyUrl: `${amURL}/-/ready`, timeoutMs: 30_000 },
    );
  });
  afterAll(async () => {
    await am?.stop();
  });

  async function amAlerts(): Promise<AmAlert[]> {
    const res = await fetch(`${amURL}/api/v2/alerts`);
    expect(res.status).toBe(200);
    return (await res.json()) as AmAlert[];
  }

  it('sends pending → firing alerts with templated annotations and resolves them', async () => {
    const storage = new MemoryStorage();
    const rules = join(dir, 'rules.yml');
    writeFileSync(
      rules,
      `groups:
  - name: it
    interval: 1s
    rules:
      - alert: InstanceDown
        expr: up == 0
        for: 2s
        labels: { severity: critical }
        annotations:
          summary: "Instance {{ $labels.instance }} down"
          description: "{{ $labels.instance }} of job {{ $labels.job }} is down ({{ $value }}) in {{ $externalLabels.cluster }}."
`,
    );
    const notifier = new Notifier({ externalLabels: Labels.fromObject({ cluster: 'it' }) });
    notifier.applyConfig({
      alertmanagers: [{ static_configs: [{ targets: [amURL.replace('http://', '')] }], timeout: '5s' }],
    });
    const mgr = new RulesManager({
      queryFn: engineQueryFunc(new Engine(), storage),
      notifyFn: sendAlertsFunc(notifier, 'http://promctl.test:9090'),
      appendable: storage,
      queryable: storage,
      externalURL: 'http://promctl.test:9090',
      externalLabels: Labels.fromObject({ cluster: 'it' }),
      validateExpr: promqlValidator(),
      resendDelay: 1000,
    });
    await mgr.update({ files: [rules], evaluationInterval: 1000 });
    mgr.start();
    // The "target": up=1, then down (0), then back (1); samples every 200ms.
    let upValue = 1;
    const target = Labels.fromObject({ __name__: 'up', job: 'web', instance: 'web-1:8080' });
    const feeder = setInterval(() => {
      try {
        storage.appendDirect(target, Date.now(), upValue);
      } catch {
        // same-millisecond duplicates are fine to skip
      }
    }, 200);
    try {
      await sleep(1500);
      expect(await amAlerts()).toEqual([]);
      upValue = 0;
      const rule = mgr.alertingRules()[0]!;
      const states = new Set<string>();
      let firing: AmAlert | undefined;
      for (let i = 0; i < 100 && !firing; i++) {
        states.add(rule.state());
        firing = (await amAlerts()).find((a) => a.labels.alertname === 'InstanceDown');
        if (!firing) await sleep(100);
      }
      expect(states.has('pending')).toBe(true);
      expect(firing).toBeDefined();
      expect(rule.state()).toBe('firing');
      expect(firing!.labels).toEqual({
        alertname: 'InstanceDown',
        severity: 'critical',
        instance: 'web-1:8080',
        job: 'web',
        cluster: 'it',
      });
      expect(firing!.annotations).toEqual({
        summary: 'Instance web-1:8080 down',
        description: 'web-1:8080 of job web is down (0) in it.',
      });
      expect(firing!.status.state).toBe('active');
      expect(firing!.generatorURL).toBe('http://promctl.test:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1');

      upValue = 1;
      let gone = false;
      for (let i = 0; i < 100 && !gone; i++) {
        gone = !(await amAlerts()).some((a) => a.labels.alertname === 'InstanceDown');
        if (!gone) await sleep(100);
      }
      expect(gone).toBe(true);
      expect(rule.state()).toBe('inactive');
      const url = `${amURL}/api/v2/alerts`;
      expect(notifier.sent.get(url)).toBeGreaterThanOrEqual(2);
      expect(notifier.errors.get(url) ?? 0).toBe(0);
    } finally {
      clearInterval(feeder);
      await mgr.stop();
      await notifier.stop();
    }
  });

  it('counts and logs an unreachable Alertmanager while rules keep evaluating', async () => {
    const storage = new MemoryStorage();
    const rules = join(dir, 'rules2.yml');
    writeFileSync(
      rules,
      'groups:\n  - name: u\n    interval: 1s\n    rules:\n      - alert: Always\n        expr: vector(1)\n      - record: one\n        expr: vector(1)\n',
    );
    const port = await freePort();
    const logs: string[] = [];
    const notifier = new Notifier({ logger: (_l, msg, f) => logs.push(`${msg} ${JSON.stringify(f)}`) });
    notifier.applyConfig({ alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${port}`] }], timeout: '1s' }] });
    const mgr = new RulesManager({
      queryFn: engineQueryFunc(new Engine(), storage),
      notifyFn: sendAlertsFunc(notifier, ''),
      appendable: storage,
      resendDelay: 1000,
    });
    await mgr.update({ files: [rules], evaluationInterval: 1000 });
    mgr.start();
    await sleep(3500);
    await mgr.stop();
    await notifier.stop();
    expect(notifier.dropped).toBeGreaterThan(0);
    expect(logs.some((l) => l.startsWith('Error sending alerts'))).toBe(true);
    expect(storage.seriesByLabels(Labels.fromObject({ __name__: 'one' }))!.n).toBeGreaterThanOrEqual(2);
  });
});

describe.skipIf(!promtool)('examples and check rules against the real promtool', () => {
  const examples = resolve(import.meta.dirname, '../../examples/rules');
  const files = readdirSync(examples);

  it.each(files.filter((f) => f.endsWith('.test.yml')))(
    'promtool test rules %s and promctl test rules (the command) both pass, with the same output',
    (f) => {
      const r = spawnSync(promtool!, ['test', 'rules', f], { cwd: examples, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const o = spawnSync(process.execPath, [repoRootBin, 'test', 'rules', f], { cwd: examples, encoding: 'utf8' });
      expect(o.stderr).toBe('');
      expect(o.status).toBe(0);
      expect(o.stdout).toBe(r.stdout);
    },
  );

  it('promctl check rules (the command) accepts every example file like promtool', () => {
    const rules = files.filter((f) => f.endsWith('.rules.yml'));
    const r = spawnSync(promtool!, ['check', 'rules', ...rules], { cwd: examples, encoding: 'utf8' });
    const o = spawnSync(process.execPath, [repoRootBin, 'check', 'rules', ...rules], {
      cwd: examples,
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(o.status).toBe(0);
    expect(o.stdout).toBe(r.stdout);
  });

  it('check rules reports the same problems as promtool', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'promctl-check-it-'));
    const bad = join(dir, 'bad.yml');
    writeFileSync(
      bad,
      `groups:
  - name: g1
    rules:
      - record: job:up:sum
        expr: sum by (job) (up
      - alert: X
        expr: up == 0
        annotations:
          summary: "{{ humanise $value }}"
      - record: ok
        expr: up
        for: 1m
      - alert: Y
        expr: rate(x[5m]) > 1
        labels:
          sev: "{{ .Foo }"
  - name: g1
    rules: []
`,
    );
    const r = spawnSync(promtool!, ['check', 'rules', bad], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    const theirs = r.stderr.split('\n').filter((l) => l.startsWith(bad));
    const ours = (await checkRuleFile(bad, { validateExpr: promqlValidator() })).errors;
    expect(ours).toEqual(theirs);
  });
});
