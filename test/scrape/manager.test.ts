/**
 * ScrapeManager end to end on a local HTTP server with short intervals: target views, dropped
 * targets, removal staleness, reload preserving unchanged targets, target_limit, shutdown.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isStaleNaN } from '../../src/lib/model/value.js';
import type { TargetGroup } from '../../src/lib/discovery/targetgroup.js';
import type { ScrapeJobConfig } from '../../src/lib/scrape/config.js';
import { ScrapeManager } from '../../src/lib/scrape/manager.js';
import { RecordingAppendable } from '../support/appendable.js';

let server: Server;
let port: number;
const hits = new Map<string, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url!.split('?')[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(`# TYPE demo gauge\ndemo{path="${path}"} 1\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

let mgr: ScrapeManager | undefined;
afterEach(async () => {
  await mgr?.stop();
  mgr = undefined;
});

const addr = () => `127.0.0.1:${port}`;
const group = (paths: string[], labels: Record<string, string> = {}): TargetGroup => ({
  source: '0',
  targets: paths.map((p) => ({ __address__: addr(), __metrics_path__: p })),
  labels,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await sleep(20);
  }
}

const fast: Partial<ScrapeJobConfig> = { scrape_interval: '200ms', scrape_timeout: '200ms' };

describe('ScrapeManager', () => {
  it('scrapes discovered targets and exposes them for the targets view', async () => {
    const app = new RecordingAppendable();
    mgr = new ScrapeManager(app);
    await mgr.applyConfig([
      {
        job_name: 'demo',
        ...fast,
        relabel_configs: [{ source_labels: ['__metrics_path__'], regex: '/drop.*', action: 'drop' }],
      },
    ]);
    mgr.updateTargets(new Map([['demo', [group(['/a', '/b', '/drop-me'], { env: 'test' })]]]));
    const active = mgr.activeTargets();
    expect(active.map((t) => t.scrapeUrl)).toEqual([`http://${addr()}/a`, `http://${addr()}/b`]);
    expect(active[0]).toMatchObject({
      scrapePool: 'demo',
      health: 'unknown',
      labels: { env: 'test', instance: addr(), job: 'demo' },
      scrapeInterval: '200ms',
      scrapeTimeout: '200ms',
    });
    expect(active[0]!.discoveredLabels).toMatchObject({ __address__: addr(), __metrics_path__: '/a', env: 'test' });
    expect(mgr.droppedTargets()).toEqual([
      {
        scrapePool: 'demo',
        discoveredLabels: {
          __address__: addr(),
          __metrics_path__: '/drop-me',
          __scheme__: 'http',
          __scrape_interval__: '200ms',
          __scrape_timeout__: '200ms',
          env: 'test',
          job: 'demo',
        },
      },
    ]);
    await until(() => mgr!.activeTargets().every((t) => t.health === 'up'));
    const t = mgr.activeTargets()[0]!;
    expect(t.lastError).toBe('');
    expect(t.lastScrape).toBeGreaterThan(Date.now() - 5000);
    expect(t.lastScrapeDuration).toBeGreaterThan(0);
    expect(app.last('demo', { path: '/a', job: 'demo', instance: addr(), env: 'test' })).toBe(1);
    expect(app.last('up', { job: 'demo' })).toBe(1);
    expect(hits.get('/drop-me')).toBeUndefined();
    expect(mgr.metadata({ metric: 'demo' })).toContainEqual({
      target: { env: 'test', instance: addr(), job: 'demo' },
      metric: 'demo',
      type: 'gauge',
      help: '',
      unit: '',
    });
  });

  it('a removed target gets staleness markers about two intervals later', async () => {
    const app = new RecordingAppendable();
    mgr = new ScrapeManager(app);
    await mgr.applyConfig([{ job_name: 'rm', ...fast }]);
    mgr.updateTargets(new Map([['rm', [group(['/r1', '/r2'])]]]));
    await until(() => app.series('demo', { path: '/r2' }).length > 0 && app.series('demo', { path: '/r1' }).length > 0);
    mgr.updateTargets(new Map([['rm', [group(['/r1'])]]]));
    expect(mgr.activeTargets().map((t) => t.scrapeUrl)).toEqual([`http://${addr()}/r1`]);
    await until(() => app.series('demo', { path: '/r2' }).some((s) => isStaleNaN(s.v)), 2000);
    const r2 = app.series('demo', { path: '/r2' });
    const stale = r2.find((s) => isStaleNaN(s.v))!;
    expect(stale.t).toBeGreaterThan(r2.filter((s) => !isStaleNaN(s.v)).at(-1)!.t);
    expect(app.series('up', { job: 'rm' }).some((s) => isStaleNaN(s.v))).toBe(true);
    // The remaining target is untouched.
    expect(app.series('demo', { path: '/r1' }).some((s) => isStaleNaN(s.v))).toBe(false);
  });

  it('a target that comes back before its end-of-run staleness keeps its series without markers', async () => {
    const app = new RecordingAppendable();
    mgr = new ScrapeManager(app);
    await mgr.applyConfig([{ job_name: 'flap', ...fast }]);
    mgr.updateTargets(new Map([['flap', [group(['/f'])]]]));
    await until(() => app.series('demo', { path: '/f' }).length > 0);
    mgr.updateTargets(new Map([['flap', []]]));
    mgr.updateTargets(new Map([['flap', [group(['/f'])]]]));
    await sleep(700);
    expect(app.staleMarkers()).toEqual([]);
  });

  it('reload keeps unchanged jobs running and restarts changed ones', async () => {
    const app = new RecordingAppendable();
    mgr = new ScrapeManager(app);
    const cfg: ScrapeJobConfig[] = [
      { job_name: 'keep', ...fast },
      { job_name: 'change', ...fast },
    ];
    await mgr.applyConfig(cfg);
    mgr.updateTargets(
      new Map([
        ['keep', [group(['/k'])]],
        ['change', [group(['/c'])]],
      ]),
    );
    await until(() => mgr!.activeTargets().every((t) => t.health === 'up'));
    const keepLoop = mgr.loops('keep')[0]!;
    const changeLoop = mgr.loops('change')[0]!;
    await mgr.applyConfig([
      { job_name: 'keep', ...fast },
      { job_name: 'change', ...fast, metric_relabel_configs: [{ target_label: 'added', replacement: 'yes' }] },
    ]);
    expect(mgr.loops('keep')[0]).toBe(keepLoop);
    expect(mgr.loops('change')[0]).not.toBe(changeLoop);
    await until(() => app.series('demo', { path: '/c', added: 'yes' }).length > 0);
    // Unchanged targets continue without staleness.
    expect(app.staleMarkers().filter((s) => s.labels.get('job') === 'keep')).toEqual([]);
  });

  it('removing a job writes staleness markers; a bad config changes nothing', async () => {
    const app = new RecordingAppendable();
    mgr = new ScrapeManager(app);
    await mgr.applyConfig([{ job_name: 'gone', ...fast }]);
    mgr.updateTargets(new Map([['gone', [group(['/g'])]]]));
    await until(() => app.series('demo', { path: '/g' }).length > 0);
    await expect(mgr.applyConfig([{ job_name: 'gone', scrape_interval: 'bad' }])).rejects.toThrow('scrape_interval');
    expect(mgr.activeTargets()).toHaveLength(1);
    await mgr.applyConfig([]);
    expect(mgr.activeTargets()).toEqual([]);
    await until(() => app.series('demo', { path: '/g' }).some((s) => isStaleNaN(s.v)), 2000);
  });

  it('target_limit marks every target of the job failed without scraping', async () => {
    const app = new RecordingAppendable();
    mgr = new ScrapeManager(app);
    await mgr.applyConfig([{ job_name: 'lim', ...fast, target_limit: 1 }]);
    hits.delete('/l1');
    mgr.updateTargets(new Map([['lim', [group(['/l1', '/l2'])]]]));
    await until(() => mgr!.activeTargets().every((t) => t.health === 'down'));
    expect(mgr.activeTargets()[0]!.lastError).toBe('target_limit exceeded (number of targets: 2, limit: 1)');
    expect(hits.get('/l1')).toBeUndefined();
    mgr.updateTargets(new Map([['lim', [group(['/l1'])]]]));
    await until(() => mgr!.activeTargets()[0]!.health === 'up');
  });

  it('stop() writes no staleness markers (shutdown)', async () => {
    const app = new RecordingAppendable();
    const m = new ScrapeManager(app);
    await m.applyConfig([{ job_name: 's', ...fast }]);
    m.updateTargets(new Map([['s', [group(['/s'])]]]));
    await until(() => app.series('demo', { path: '/s' }).length > 0);
    await m.stop();
    const n = app.samples.length;
    await sleep(600);
    expect(app.samples.length).toBe(n);
    expect(app.staleMarkers()).toEqual([]);
  });

  it('spreads the first scrapes of many targets over the interval', async () => {
    const app = new RecordingAppendable();
    mgr = new ScrapeManager(app);
    await mgr.applyConfig([{ job_name: 'spread', scrape_interval: '1s', scrape_timeout: '1s' }]);
    const paths = Array.from({ length: 10 }, (_, i) => `/s${i}`);
    mgr.updateTargets(new Map([['spread', [group(paths)]]]));
    await until(() => mgr!.activeTargets().every((t) => t.lastScrape > 0), 2500);
    const times = mgr.activeTargets().map((t) => t.lastScrape % 1000);
    expect(new Set(times.map((t) => Math.floor(t / 100))).size).toBeGreaterThan(3);
  });
});
