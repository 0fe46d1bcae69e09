import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer, type ServeOptions } from '../../src/lib/app/serve.js';
import { freePort, until } from '../support/procs.js';

/** A target with a counter that grows on every scrape. */
let target: Server;
let targetPort = 0;
let hits = 0;
let server: RunningServer;
let base = '';
let dir = '';

function options(over: Partial<ServeOptions>): ServeOptions {
  return {
    storagePath: join(dir, 'data'),
    retentionTime: 15 * 86_400_000,
    retentionSize: 0,
    listenAddress: '127.0.0.1:0',
    enableLifecycle: true,
    enableAdminApi: false,
    lookbackDelta: 300_000,
    queryTimeout: 60_000,
    maxSamples: 50_000_000,
    maxConcurrency: 4,
    logLevel: 'error',
    logFormat: 'logfmt',
    nodeCollector: true,
    flags: {},
    version: 'test',
    ...over,
  };
}

async function api(path: string): Promise<{ status: string; data: unknown; error?: string }> {
  const res = await fetch(base + path);
  return (await res.json()) as { status: string; data: unknown };
}

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'promctl-serve-'));
  targetPort = await freePort();
  target = createServer((_req, res) => {
    hits++;
    res.setHeader('Content-Type', 'text/plain; version=0.0.4');
    res.end(`# TYPE hello_world_total counter\nhello_world_total{path="/"} ${hits}\n`);
  });
  await new Promise<void>((r) => target.listen(targetPort, '127.0.0.1', r));
  const port = await freePort();
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [rules.yml]\nscrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['127.0.0.1:${targetPort}']\n`,
  );
  writeFileSync(
    join(dir, 'rules.yml'),
    `groups:\n  - name: g\n    rules:\n      - record: job:hello:rate1m\n        expr: sum by (job) (rate(hello_world_total[1m]))\n      - alert: AppUp\n        expr: up == 1\n        labels: {severity: info}\n        annotations: {summary: '{{ $labels.instance }} is up'}\n`,
  );
  server = await startServer(options({ configFile: join(dir, 'prometheus.yml'), listenAddress: `127.0.0.1:${port}` }));
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await server?.stop();
  await new Promise<void>((r) => target.close(() => r()));
});

describe('promctl serve (in process)', () => {
  it('scrapes targets, stores samples and answers PromQL', async () => {
    const v = await waitFor(async () => {
      const r = (await api('/api/v1/query?query=hello_world_total')) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      return r.data.result.length ? r.data.result : undefined;
    });
    expect(v[0]!.metric).toEqual({
      __name__: 'hello_world_total',
      instance: `127.0.0.1:${targetPort}`,
      job: 'app',
      path: '/',
    });
    const first = Number(v[0]!.value[1]);
    const later = await waitFor(async () => {
      const r = (await api('/api/v1/query?query=hello_world_total')) as {
        data: { result: { value: [number, string] }[] };
      };
      const n = Number(r.data.result[0]!.value[1]);
      return n > first ? n : undefined;
    });
    expect(later).toBeGreaterThan(first);
    const up = (await api('/api/v1/query?query=up')) as { data: { result: { value: [number, string] }[] } };
    expect(up.data.result[0]!.value[1]).toBe('1');
  });

  it('lists targets and evaluates rules', async () => {
    const t = (await api('/api/v1/targets')) as {
      data: { activeTargets: { health: string; labels: Record<string, string> }[] };
    };
    expect(t.data.activeTargets).toHaveLength(1);
    expect(t.data.activeTargets[0]!.health).toBe('up');
    const alerts = await waitFor(async () => {
      const r = (await api('/api/v1/alerts')) as {
        data: { alerts: { labels: Record<string, string>; annotations: Record<string, string>; state: string }[] };
      };
      return r.data.alerts.length ? r.data.alerts : undefined;
    });
    expect(alerts[0]!.annotations.summary).toBe(`127.0.0.1:${targetPort} is up`);
    expect(alerts[0]!.state).toBe('firing');
    const rec = await waitFor(async () => {
      const r = (await api('/api/v1/query?query=job:hello:rate1m')) as { data: { result: unknown[] } };
      return r.data.result.length ? r.data.result : undefined;
    });
    expect(rec).toHaveLength(1);
  });

  it('serves its own metrics, federation, status and the web page', async () => {
    const metrics = await (await fetch(base + '/metrics')).text();
    expect(metrics).toMatch(/^prometheus_tsdb_head_series \d+$/m);
    expect(metrics).toMatch(/^prometheus_http_requests_total\{code="200",handler="\/api\/v1\/query"\} \d+$/m);
    // The actual scrape intervals of the 1 s job, as Prometheus labels them (Go's duration format);
    // observed from the second scrape on.
    const median = await until(
      'an observed scrape interval',
      async () => {
        const text = await (await fetch(base + '/metrics')).text();
        return (
          /^prometheus_target_interval_length_seconds\{interval="1s",quantile="0\.5"\} (\d\S*)$/m.exec(text) ??
          undefined
        );
      },
      10_000,
    );
    expect(Number(median?.[1])).toBeGreaterThan(0.5);
    expect(Number(median?.[1])).toBeLessThan(2);
    expect(metrics).toMatch(/^prometheus_engine_query_duration_seconds\{quantile="0\.9",slice="inner_eval"\} \S+$/m);
    const fed = await (await fetch(base + '/federate?match[]=' + encodeURIComponent('{job="app"}'))).text();
    expect(fed).toMatch(/^hello_world_total\{instance="127\.0\.0\.1:\d+",job="app",path="\/"\} \d+ \d+$/m);
    const cfg = (await api('/api/v1/status/config')) as { data: { yaml: string } };
    expect(cfg.data.yaml).toContain('job_name: app');
    const page = await fetch(base + '/');
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<title>promctl</title>');
    const node = await (await fetch(base + '/node/metrics')).text();
    expect(node).toContain('node_cpu_seconds_total');
  });

  it('keeps the old config when a reload brings a bad one', async () => {
    const bad = join(dir, 'prometheus.yml');
    const good = await import('node:fs').then((fs) => fs.readFileSync(bad, 'utf8'));
    writeFileSync(bad, good.replace('scrape_interval: 1s', 'scrape_interval: 1x'));
    const r = await fetch(base + '/-/reload', { method: 'POST' });
    expect(r.status).toBe(500);
    expect(await r.text()).toContain('prometheus.yml:2:');
    const t = (await api('/api/v1/targets')) as { data: { activeTargets: unknown[] } };
    expect(t.data.activeTargets).toHaveLength(1);
    writeFileSync(bad, good);
    expect((await fetch(base + '/-/reload', { method: 'POST' })).status).toBe(200);
  });
});
