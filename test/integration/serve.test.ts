/**
 * `promctl serve` against real peers, the user journey end to end:
 * - promctl and the real Prometheus 2.42 scrape the same node_exporter and Flask app;
 * - promtool's query commands give the same answers against both;
 * - the real Prometheus federates from promctl's /federate;
 * - hello_world_total grows after requests to the app, and the CPU-usage query answers one series
 *   per instance with a plausible percentage;
 * - the web page works in a real browser (Chromium through playwright-core): type a query, see the
 *   table and the graph.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startProc, startServe, which, type Proc, until as pollUntil } from '../support/procs.js';

const until = <T>(fn: () => Promise<T | undefined>, ms = 60_000) => pollUntil('the servers', fn, ms, 500);

const python = ['/usr/bin/python3', which('python3')].find(
  (p) => p && spawnSync(p, ['-c', 'import flask, prometheus_client'], { stdio: 'ignore' }).status === 0,
);
const have = which('prometheus') && which('promtool') && which('prometheus-node-exporter') && python;
if (!have)
  console.warn('serve integration: prometheus, promtool, prometheus-node-exporter or python3-flask missing; skipped');

const procs: Proc[] = [];
let dir = '';
let promctlUrl = '';
let promUrl = '';
let appUrl = '';
let nodeAddr = '';

async function instant(url: string, q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const r = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as {
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  return r.data.result;
}

function promtool(...args: string[]): string {
  return execFileSync('promtool', args, { encoding: 'utf8' });
}

/** promtool's output without timestamps (the two servers evaluate at different instants). */
function stripTimes(s: string): string[] {
  return s
    .split('\n')
    .map((l) => l.replace(/ @\[[0-9.]+\]/g, '').trim())
    .filter(Boolean)
    .sort();
}

describe.skipIf(!have)('promctl serve with real peers', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'promctl-serve-it-'));
    nodeAddr = `127.0.0.1:${await freePort()}`;
    procs.push(
      await startProc('prometheus-node-exporter', [`--web.listen-address=${nodeAddr}`], {
        readyUrl: `http://${nodeAddr}/metrics`,
      }),
    );
    const appPort = await freePort();
    appUrl = `http://127.0.0.1:${appPort}`;
    procs.push(
      await startProc(python!, ['examples/apps/flask/app.py', '--host', '127.0.0.1', '--port', String(appPort)], {
        readyUrl: `${appUrl}/metrics`,
      }),
    );
    const scrapeConfigs = `scrape_configs:
  - job_name: node
    static_configs: [{targets: ['${nodeAddr}']}]
  - job_name: python_app
    static_configs: [{targets: ['127.0.0.1:${appPort}']}]
`;
    const cPort = await freePort();
    promctlUrl = `http://127.0.0.1:${cPort}`;
    writeFileSync(join(dir, 'promctl.yml'), `global: {scrape_interval: 1s, evaluation_interval: 1s}\n${scrapeConfigs}`);
    procs.push(await startServe(dir, cPort));
    // The real Prometheus scrapes the same targets, and federates from promctl.
    const pPort = await freePort();
    promUrl = `http://127.0.0.1:${pPort}`;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global: {scrape_interval: 1s}\n${scrapeConfigs}  - job_name: federate
    honor_labels: true
    metrics_path: /federate
    params: {'match[]': ['{job="python_app"}']}
    static_configs: [{targets: ['127.0.0.1:${cPort}']}]
`,
    );
    procs.push(
      await startProc(
        'prometheus',
        [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'prom-data')}`,
          `--web.listen-address=127.0.0.1:${pPort}`,
        ],
        { readyUrl: `${promUrl}/-/ready` },
      ),
    );
    await until(async () => ((await instant(promctlUrl, 'up')).length === 2 ? true : undefined));
    await until(async () => ((await instant(promUrl, 'up')).length === 3 ? true : undefined));
    await new Promise((r) => setTimeout(r, 4000));
  });

  afterAll(async () => {
    for (const p of procs.reverse()) await p.stop();
  });

  it('hello_world_total grows after requests to the app (the seed journey)', async () => {
    const before = Number((await until(async () => (await instant(promctlUrl, 'hello_world_total'))[0]))?.value[1]);
    for (let i = 0; i < 5; i++) await fetch(appUrl + '/');
    const after = await until(async () => {
      const v = Number((await instant(promctlUrl, 'hello_world_total'))[0]?.value[1]);
      return v >= before + 5 ? v : undefined;
    });
    expect(after).toBeGreaterThanOrEqual(before + 5);
    const series = await instant(promctlUrl, 'hello_world_total');
    expect(series[0]!.metric).toMatchObject({ __name__: 'hello_world_total', job: 'python_app' });
  });

  it("answers the seed's CPU-usage query with one plausible series per instance", async () => {
    const q = '100 - (avg by (instance) (irate(node_cpu_seconds_total{mode="idle"}[5m])) * 100)';
    const r = await until(async () => {
      const x = await instant(promctlUrl, q);
      return x.length ? x : undefined;
    });
    expect(r).toHaveLength(1);
    expect(r[0]!.metric).toEqual({ instance: nodeAddr });
    const pct = Number(r[0]!.value[1]);
    expect(pct).toBeGreaterThanOrEqual(0);
    expect(pct).toBeLessThanOrEqual(100);
  });

  it('promtool query gives the same answers against promctl and Prometheus', () => {
    const queries = [
      'count by (mode) (node_cpu_seconds_total)',
      'node_uname_info',
      'count(up{job!="federate"})',
      'sum by (job) (up{job!="federate"})',
      'max by (cpu) (node_cpu_seconds_total{mode="idle"} >= 0) * 0',
    ];
    for (const q of queries) {
      const a = stripTimes(promtool('query', 'instant', promctlUrl, q));
      const b = stripTimes(promtool('query', 'instant', promUrl, q));
      expect([q, a]).toEqual([q, b]);
    }
    const labelsA = promtool('query', 'labels', promctlUrl, 'job').trim().split('\n').sort();
    const labelsB = promtool('query', 'labels', promUrl, 'job')
      .trim()
      .split('\n')
      .filter((l) => l !== 'federate')
      .sort();
    expect(labelsA).toEqual(labelsB);
    const seriesA = stripTimes(promtool('query', 'series', promctlUrl, '--match=node_uname_info'));
    const seriesB = stripTimes(promtool('query', 'series', promUrl, '--match=node_uname_info'));
    expect(seriesA).toEqual(seriesB);
    const now = Math.floor(Date.now() / 1000);
    const range = promtool(
      'query',
      'range',
      `--start=${now - 3}`,
      `--end=${now}`,
      '--step=1s',
      promctlUrl,
      'count(up)',
    );
    expect(range).toMatch(/2 @\[/);
  });

  it('the real Prometheus federates from promctl', async () => {
    const r = await until(async () => {
      const x = await instant(promUrl, 'hello_world_total{job="python_app"}');
      // Two series: Prometheus' own scrape and the federated copy (honor_labels keeps job="python_app").
      return x.length >= 1 ? x : undefined;
    });
    expect(r.length).toBeGreaterThanOrEqual(1);
    const fed = await instant(promUrl, 'up{job="federate"}');
    expect(fed[0]?.value[1]).toBe('1');
    const scraped = await instant(promUrl, 'scrape_samples_scraped{job="federate"}');
    expect(Number(scraped[0]?.value[1])).toBeGreaterThan(0);
  });

  it('the web page runs a query as a table and a graph in Chromium', async () => {
    const chromium = which('chromium');
    if (!chromium) return console.warn('chromium not installed: browser test skipped');
    const { chromium: pw } = await import('playwright-core');
    const browser = await pw.launch({
      executablePath: chromium,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage();
      await page.goto(promctlUrl + '/');
      await page.fill('#expr', 'hello_w');
      await page.waitForSelector('#completions li');
      expect(await page.textContent('#completions')).toContain('hello_world_total');
      await page.fill('#expr', 'hello_world_total');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#result-table td.series');
      expect(await page.textContent('#result-table')).toContain('job="python_app"');
      await page.click('button[data-tab="graph"]');
      await page.waitForSelector('#chart canvas');
      expect(await page.textContent('#legend')).toContain('hello_world_total');
      await page.click('a[data-page="targets"]');
      await page.waitForSelector('#targets .badge');
      expect(await page.textContent('#targets')).toContain('python_app');
      await page.click('a[data-page="graph"]');
      await page.fill('#expr', 'sum(');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#error:not([hidden])');
      expect(await page.textContent('#error')).toContain('parse error');
    } finally {
      await browser.close();
    }
  });
});
