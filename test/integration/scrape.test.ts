/**
 * Scraping real targets: Debian's prometheus-node-exporter and the Flask demo app
 * (examples/apps/flask, python3-flask + python3-prometheus-client), both bound to 127.0.0.1 on
 * free ports and started here, discovered through static_configs and scraped by the
 * ScrapeManager into the recording fake Appendable.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscoveryManager } from '../../src/lib/discovery/manager.js';
import { isStaleNaN } from '../../src/lib/model/value.js';
import { ScrapeManager } from '../../src/lib/scrape/manager.js';
import { RecordingAppendable } from '../support/appendable.js';
import { freePort, type Proc, startProc, which } from '../support/procs.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const nodeExporter = which('prometheus-node-exporter') ?? which('node_exporter');
const python = ['/usr/bin/python3', which('python3')].find(
  (p) => p && spawnSync(p, ['-c', 'import flask, prometheus_client'], { stdio: 'ignore' }).status === 0,
);

if (!nodeExporter)
  console.warn('scrape integration: prometheus-node-exporter not installed; node_exporter test skipped');
if (!python) console.warn('scrape integration: python3 with flask + prometheus_client not found; Flask test skipped');

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.runIf(nodeExporter || python)('scraping real targets', () => {
  const procs: Proc[] = [];
  const app = new RecordingAppendable();
  let scrape: ScrapeManager;
  let sd: DiscoveryManager;
  let nodeAddr = '';
  let flaskAddr = '';

  beforeAll(async () => {
    const jobs = [];
    if (nodeExporter) {
      const port = await freePort();
      nodeAddr = `127.0.0.1:${port}`;
      procs.push(
        await startProc(nodeExporter, [`--web.listen-address=${nodeAddr}`], { readyUrl: `http://${nodeAddr}/metrics` }),
      );
      jobs.push({ job_name: 'node', scrape_interval: '1s', static_configs: [{ targets: [nodeAddr] }] });
    }
    if (python) {
      const port = await freePort();
      flaskAddr = `127.0.0.1:${port}`;
      procs.push(
        await startProc(
          python,
          [join(root, 'examples/apps/flask/app.py'), '--host', '127.0.0.1', '--port', String(port)],
          {
            readyUrl: `http://${flaskAddr}/metrics`,
          },
        ),
      );
      for (let i = 0; i < 3; i++) await fetch(`http://${flaskAddr}/`).then((r) => r.text());
      jobs.push({
        job_name: 'flask',
        scrape_interval: '1s',
        static_configs: [{ targets: [flaskAddr], labels: { app: 'hello' } }],
      });
    }
    scrape = new ScrapeManager(app);
    await scrape.applyConfig(jobs);
    sd = new DiscoveryManager({ onUpdate: (sets) => scrape.updateTargets(sets), updateDelayMs: 0 });
    expect(sd.applyConfig(jobs)).toEqual([]);
    await until(
      () =>
        scrape.activeTargets().length === jobs.length && scrape.activeTargets().every((t) => t.health !== 'unknown'),
      10_000,
      'first scrapes',
    );
  }, 60_000);

  afterAll(async () => {
    sd?.stop();
    await scrape?.stop();
    for (const p of procs) await p.stop();
  });

  it.runIf(nodeExporter)('finds node_cpu_seconds_total with job, instance, cpu and mode', () => {
    const t = scrape.activeTargets().find((x) => x.scrapePool === 'node')!;
    expect(t.lastError).toBe('');
    expect(t.health).toBe('up');
    const cpu = app.series('node_cpu_seconds_total', { job: 'node', instance: nodeAddr });
    expect(cpu.length).toBeGreaterThan(0);
    const modes = new Set(cpu.map((s) => s.labels.get('mode')));
    expect(modes.has('idle')).toBe(true);
    expect(modes.has('user')).toBe(true);
    expect(cpu.every((s) => /^\d+$/.test(s.labels.get('cpu')))).toBe(true);
    expect(app.series('node_cpu_seconds_total', { cpu: '0', mode: 'idle' })[0]!.v).toBeGreaterThan(0);
    expect(app.last('up', { job: 'node', instance: nodeAddr })).toBe(1);
    const scraped = app.last('scrape_samples_scraped', { job: 'node' })!;
    expect(scraped).toBeGreaterThan(100);
    expect(app.last('scrape_samples_post_metric_relabeling', { job: 'node' })).toBe(scraped);
  });

  it.runIf(python)('finds the Flask app hello_world_total with job, instance and group labels', async () => {
    const t = scrape.activeTargets().find((x) => x.scrapePool === 'flask')!;
    expect(t.lastError).toBe('');
    const hello = app.series('hello_world_total', { job: 'flask', instance: flaskAddr, app: 'hello' });
    expect(hello.length).toBeGreaterThan(0);
    expect(hello.at(-1)!.v).toBeGreaterThanOrEqual(3);
    // More requests show up in the next scrapes.
    await fetch(`http://${flaskAddr}/`).then((r) => r.text());
    const before = hello.at(-1)!.v;
    await until(() => (app.last('hello_world_total', { job: 'flask' }) ?? 0) > before, 5000, 'the counter to increase');
    expect(app.last('up', { job: 'flask' })).toBe(1);
  });

  it.runIf(python)('marks the Flask series stale when the app goes away', async () => {
    const flask = procs.at(-1)!;
    await flask.stop();
    await until(() => app.last('up', { job: 'flask' }) === 0, 5000, 'up == 0');
    const hello = app.series('hello_world_total', { job: 'flask' });
    expect(isStaleNaN(hello.at(-1)!.v)).toBe(true);
    const t = scrape.activeTargets().find((x) => x.scrapePool === 'flask')!;
    expect(t.health).toBe('down');
    expect(t.lastError).toMatch(/connection refused/);
  });
});
