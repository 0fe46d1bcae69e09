/**
 * Bad targets end to end: a local HTTP server on 127.0.0.1 with one misbehaving route per case,
 * scraped by the ScrapeManager, and the outcome read back from /api/v1/targets (the real API
 * handler) and the report series. Every case fails only its own target (up = 0, lastError set)
 * and never the process; the healthy target next to them keeps working.
 *
 * The expected errors are what Prometheus 2.42 shows for the same routes (run side by side while
 * writing this test), except where noted: parse and Content-Type errors use Prometheus 3's
 * wording (scrape_protocols/fallback_scrape_protocol are Prometheus 3 features), connection
 * resets do not name the socket addresses (`read tcp A->B:`), and a redirect loop names the
 * scrape URL rather than the last Location.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler, listen } from '../../src/lib/api/server.js';
import type { TargetGroup } from '../../src/lib/discovery/targetgroup.js';
import { isStaleNaN } from '../../src/lib/model/value.js';
import type { ScrapeJobConfig } from '../../src/lib/scrape/config.js';
import { ScrapeManager } from '../../src/lib/scrape/manager.js';
import { MemoryStorage } from '../../src/lib/storage/memory.js';
import { RecordingAppendable } from '../support/appendable.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const TEXT = 'text/plain; version=0.0.4';
const ok = (body: string | Buffer, headers: Record<string, string> = { 'content-type': TEXT }): Handler => {
  return (_q, res) => {
    res.writeHead(200, headers);
    res.end(body);
  };
};
const redirect =
  (to: string): Handler =>
  (_q, res) => {
    res.writeHead(302, { location: to });
    res.end();
  };
const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024, 'a'));
const routes: Record<string, Handler> = {
  '/ok': ok('# TYPE m gauge\nm{a="1"} 1\nm{a="2"} 2\n'),
  '/500': (_q, res) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('oops');
  },
  '/hang': () => {},
  '/hangbody': (_q, res) => {
    res.writeHead(200, { 'content-type': TEXT });
    res.write('m{a="1"} 1\n');
  },
  '/reset': (q) => (q.socket as Socket & { resetAndDestroy(): void }).resetAndDestroy(),
  '/resetbody': (q, res) => {
    res.writeHead(200, { 'content-type': TEXT });
    res.write('m{a="1"} 1\n');
    setTimeout(() => (q.socket as Socket & { resetAndDestroy(): void }).resetAndDestroy(), 20);
  },
  '/truncated': (_q, res) => {
    res.writeHead(200, { 'content-type': TEXT, 'content-length': '1000' });
    res.write('m{a="1"} 1\nm{a="2"} ');
    setTimeout(() => res.socket?.destroy(), 20);
  },
  '/truncchunked': (_q, res) => {
    res.writeHead(200, { 'content-type': TEXT });
    res.write('m{a="1"} 1\nm{a="2"} ');
    setTimeout(() => res.socket?.destroy(), 20);
  },
  '/redirect': redirect('/ok'),
  '/redirectloop': redirect('/redirectloop'),
  '/badutf8': ok(Buffer.concat([Buffer.from('m{a="'), Buffer.from([0xff, 0xfe]), Buffer.from('"} 1\n')])),
  '/badutf8name': ok(Buffer.concat([Buffer.from('m{"a'), Buffer.from([0xff]), Buffer.from('"="x"} 1\n')]), {
    'content-type': 'text/plain; version=1.0.0',
  }),
  '/badname': ok(Buffer.concat([Buffer.from('m{'), Buffer.from([0xff]), Buffer.from('="x"} 1\n')])),
  '/dup': ok('m{a="1"} 1\nm{a="1"} 2\nm{a="2"} 3\n'),
  '/duplabel': ok('m{a="1",a="2"} 1\n'),
  '/json': ok('m 1\n', { 'content-type': 'application/json' }),
  '/noct': ok('m 1\n', {}),
  '/gzip': ok(gzipSync('m{a="1"} 1\n'), { 'content-type': TEXT, 'content-encoding': 'gzip' }),
  '/badgzip': ok('this is not gzip', { 'content-type': TEXT, 'content-encoding': 'gzip' }),
  '/gzipbomb': ok(bomb, { 'content-type': TEXT, 'content-encoding': 'gzip' }),
  '/big': ok('x_metric{label="aaaaaaaaaaaaaaaaaaaaaaaa"} 1\n'.repeat(50_000)),
  '/many': ok(Array.from({ length: 20 }, (_, i) => `m{i="${i}"} 1\n`).join('')),
  '/labels': ok('m{a="1",b="2",c="3",d="4"} 1\n'),
  '/longname': ok('m{a_very_long_label_name_indeed="1"} 1\n'),
  '/longvalue': ok(`m{a="${'v'.repeat(100)}"} 1\n`),
  '/parseerr': ok('m{a="1"} 1\nm{a="2" 2\n'),
  '/omnoeof': ok('m 1\n', { 'content-type': 'application/openmetrics-text; version=1.0.0' }),
};
for (let i = 0; i < 20; i++) routes[`/r${i}`] = redirect(`/r${i + 1}`);
for (let i = 0; i < 10; i++) routes[`/s${i}`] = redirect(i === 9 ? '/ok' : `/s${i + 1}`);

let server: Server;
let api: Server;
const sockets = new Set<Socket>();
let addr = '';
let apiBase = '';
const app = new RecordingAppendable();
let mgr: ScrapeManager;
const jobs: (Partial<ScrapeJobConfig> & { job_name: string })[] = [];

function job(name: string, path: string, extra: Partial<ScrapeJobConfig> = {}): void {
  jobs.push({ job_name: name, metrics_path: path, scrape_interval: '3s', scrape_timeout: '2500ms', ...extra });
}
// Generous timeouts (the machine may be busy); the hanging targets time out after 1s.
for (const r of Object.keys(routes)) {
  // (the big bodies only under their limits below)
  if (!/^\/([rs]\d|big|gzipbomb)/.test(r)) job(r.slice(1), r, r.startsWith('/hang') ? { scrape_timeout: '1s' } : {});
}
job('noredirect', '/redirect', { follow_redirects: false });
job('chain20', '/r0');
job('chain10', '/s0');
job('chain9', '/s1');
job('big_limited', '/big', { body_size_limit: '100KB' });
job('gzipbomb_limited', '/gzipbomb', { body_size_limit: '1MB' });
job('many_limited', '/many', { sample_limit: 10 });
job('labels_limited', '/labels', { label_limit: 3 });
job('longname_limited', '/longname', { label_name_length_limit: 10 });
job('longvalue_limited', '/longvalue', { label_value_length_limit: 50 });
job('target_limited', '/ok', { target_limit: 1 });

beforeAll(async () => {
  server = createServer((req, res) => {
    const h = routes[req.url!.split('?')[0]!];
    if (h) h(req, res);
    else {
      res.writeHead(404);
      res.end();
    }
  });
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  addr = `127.0.0.1:${(server.address() as { port: number }).port}`;

  mgr = new ScrapeManager(app);
  await mgr.applyConfig(jobs);
  const sets = new Map<string, TargetGroup[]>();
  for (const j of jobs) {
    const targets = [{ __address__: addr }];
    if (j.job_name === 'target_limited') targets.push({ __address__: addr.replace('127.0.0.1', 'localhost') });
    sets.set(j.job_name, [{ source: '0', targets, labels: {} }]);
  }
  mgr.updateTargets(sets);

  api = await listen(
    createHandler({
      queryable: new MemoryStorage(),
      engine: {
        instantQuery: () => Promise.reject(new Error('unused')),
        rangeQuery: () => Promise.reject(new Error('unused')),
      },
      parseSelector: () => [],
      ready: () => true,
      targets: () => ({ activeTargets: mgr.activeTargets(), droppedTargets: mgr.droppedTargets() }),
    }),
    '127.0.0.1',
    0,
  );
  apiBase = `http://127.0.0.1:${(api.address() as { port: number }).port}`;
  // Every target scraped once.
  const end = Date.now() + 20_000;
  while (Date.now() < end) {
    const ts = mgr.activeTargets();
    if (ts.length === jobs.length + 1 && ts.every((t) => t.health !== 'unknown')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
}, 30_000);

afterAll(async () => {
  await mgr?.stop();
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  await new Promise<void>((r) => api.close(() => r()));
});

interface ApiTarget {
  scrapePool: string;
  scrapeUrl: string;
  health: string;
  lastError: string;
}

async function targets(): Promise<Map<string, ApiTarget>> {
  const res = await fetch(`${apiBase}/api/v1/targets`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { status: string; data: { activeTargets: ApiTarget[] } };
  expect(body.status).toBe('success');
  return new Map(body.data.activeTargets.map((t) => [t.scrapePool, t]));
}

const url = (path: string) => `http://${addr}${path}`;

describe('bad targets: each fails alone with a clear error in /api/v1/targets', () => {
  const cases: [job: string, error: string | RegExp][] = [
    ['500', 'server returned HTTP status 500 Internal Server Error'],
    ['hang', `Get "${'URL'}": context deadline exceeded`],
    ['hangbody', 'context deadline exceeded'],
    ['reset', /^Get "URL": (read: connection reset by peer|unexpected EOF)$/],
    ['resetbody', /^(read: connection reset by peer|unexpected EOF)$/],
    ['truncated', 'unexpected EOF'],
    ['truncchunked', 'unexpected EOF'],
    ['redirectloop', 'Get "URL": stopped after 10 redirects'],
    ['chain20', 'Get "URL": stopped after 10 redirects'],
    ['chain10', 'Get "URL": stopped after 10 redirects'],
    ['noredirect', 'server returned HTTP status 302 Found'],
    ['badutf8', 'invalid UTF-8 label value: "\\"\\xff\\xfe\\""'],
    ['badutf8name', 'invalid UTF-8 label name: "a\\xff"'],
    ['badname', 'expected label name, got "\\xff" ("INVALID") while parsing: "m{\\xff"'],
    ['duplabel', 'label name "a" is not unique: invalid sample'],
    [
      'json',
      'received unsupported Content-Type "application/json" and no fallback_scrape_protocol specified for target',
    ],
    [
      'noct',
      'non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target',
    ],
    ['badgzip', 'gzip: invalid header'],
    ['parseerr', 'expected label name, got "2" ("INVALID") while parsing: "m{a=\\"2\\" 2"'],
    ['omnoeof', 'data does not end with # EOF'],
    ['big_limited', 'body size limit exceeded'],
    ['gzipbomb_limited', 'body size limit exceeded'],
    ['many_limited', 'sample limit exceeded'],
    ['labels_limited', 'label_limit exceeded (metric: m, number of labels: 7, limit: 3)'],
    [
      'longname_limited',
      'label_name_length_limit exceeded (metric: m, label name: a_very_long_label_name_indeed, length: 29, limit: 10)',
    ],
    [
      'longvalue_limited',
      `label_value_length_limit exceeded (metric: m, label name: a, value: "${'v'.repeat(50)}", length: 100, limit: 50)`,
    ],
  ];

  it.each(cases)('%s', async (name, error) => {
    const t = (await targets()).get(name)!;
    expect(t, name).toBeDefined();
    expect(t.health).toBe('down');
    const u = jobs.find((j) => j.job_name === name)!.metrics_path!;
    if (typeof error === 'string') expect(t.lastError).toBe(error.replace('URL', url(u)));
    else expect(t.lastError).toMatch(new RegExp(error.source.replace('URL', url(u).replace(/[.]/g, '\\.'))));
    expect(app.last('up', { job: name })).toBe(0);
    // A failed scrape keeps none of its samples: whatever the series, its last value is stale.
    for (const s of app.samples.filter((x) => x.labels.get('job') === name && !isReport(x.labels.get('__name__')))) {
      const last = app.series(s.labels.get('__name__'), s.labels.toObject()).at(-1)!;
      expect(isStaleNaN(last.v), `${name}: ${s.labels.toString()}`).toBe(true);
    }
  });

  it('target_limit fails every target of the job without scraping', async () => {
    const all = mgr.activeTargets().filter((t) => t.scrapePool === 'target_limited');
    expect(all).toHaveLength(2);
    for (const t of all) expect(t.lastError).toBe('target_limit exceeded (number of targets: 2, limit: 1)');
    expect(app.last('up', { job: 'target_limited' })).toBe(0);
  });

  it('good, redirected, gzipped targets and duplicate series stay up next to them', async () => {
    const ts = await targets();
    for (const name of ['ok', 'redirect', 'gzip', 'dup', 'chain9']) {
      expect(ts.get(name)!.lastError, name).toBe('');
      expect(ts.get(name)!.health).toBe('up');
      expect(app.last('up', { job: name })).toBe(1);
    }
    expect(app.last('m', { job: 'redirect', a: '2' })).toBe(2);
    expect(app.last('m', { job: 'gzip', a: '1' })).toBe(1);
    // Duplicate series in one exposition: the first sample is kept, the scrape does not fail (as
    // Prometheus, which counts the duplicate and moves on).
    expect(app.last('m', { job: 'dup', a: '1' })).toBe(1);
    expect(app.last('m', { job: 'dup', a: '2' })).toBe(3);
    expect(app.last('scrape_samples_scraped', { job: 'dup' })).toBe(3);
  });
});

function isReport(name: string): boolean {
  return name === 'up' || name.startsWith('scrape_');
}
