/**
 * promctl query against servers: a fake Prometheus API on a real local HTTP server (auth, errors,
 * parameters), a closed port (server down), and --data-dir (a TSDB opened in-process).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { UserError } from '../../src/lib/cli/errors.js';
import { lockHolder } from '../../src/lib/cli/local-api.js';
import { runLabelValues, runLabels, runQuery, runSeries } from '../../src/lib/cli/query.js';
import { renderSeries, renderSeriesCsv } from '../../src/lib/cli/render-query.js';
import { Labels } from '../../src/lib/model/labels.js';
import { Tsdb } from '../../src/lib/tsdb/db.js';
import { freePort } from '../support/procs.js';

const plain = new Chalk({ level: 0 });

interface Seen {
  path: string;
  params: URLSearchParams;
  auth?: string;
}

/** A fake API: records requests; `reply` decides the answer. */
let seen: Seen[] = [];
let reply: (s: Seen) => { status: number; body: string } = () => ({
  status: 200,
  body: JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }),
});
let server: Server;
let url: string;

async function paramsOf(req: IncomingMessage): Promise<URLSearchParams> {
  const u = new URL(req.url!, 'http://x');
  const p = new URLSearchParams(u.search);
  let body = '';
  for await (const c of req) body += String(c);
  for (const [k, v] of new URLSearchParams(body)) p.append(k, v);
  return p;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void paramsOf(req).then((params) => {
      const s: Seen = { path: new URL(req.url!, 'http://x').pathname, params, auth: req.headers.authorization };
      seen.push(s);
      const r = reply(s);
      res.writeHead(r.status, { 'Content-Type': 'application/json' });
      res.end(r.body);
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  url = `http://127.0.0.1:${port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const flags = () => ({ url, 'http-timeout': '5s' });

async function failure(p: Promise<unknown>): Promise<UserError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(UserError);
  return e as UserError;
}

describe('promctl query against a server', () => {
  it('shows a parse error with a caret before sending anything', async () => {
    const spy = vi.spyOn(globalThis, 'fetch');
    seen = [];
    try {
      const e = await failure(runQuery('sum(rate(x[5m])', { url: 'http://127.0.0.1:1', 'http-timeout': '1s' }));
      expect(e.message).toBe('1:16: parse error: unclosed left parenthesis\n  sum(rate(x[5m])\n                 ^');
      expect(e.exitCode).toBe(1);
      expect(spy).not.toHaveBeenCalled();
      const m = await failure(runSeries({ ...flags(), match: ['up{job='] }));
      expect(m.message).toMatch(/^--match up\{job=: 1:8: parse error: .*\n {2}up\{job=\n {9}\^/);
      expect(seen).toHaveLength(0);
    } finally {
      spy.mockRestore();
    }
  });

  it('sends instant and range queries with relative times resolved', async () => {
    seen = [];
    const now = 1_700_000_000_000;
    await runQuery('up', { ...flags(), time: '-5m' }, now);
    await runQuery('rate(x[5m])', { ...flags(), start: '-1h', end: 'now', step: '1m' }, now);
    await runQuery('up', flags(), now);
    expect(seen.map((s) => [s.path, Object.fromEntries(s.params)])).toEqual([
      ['/api/v1/query', { query: 'up', time: '1699999700' }],
      ['/api/v1/query_range', { query: 'rate(x[5m])', start: '1699996400', end: '1700000000', step: '60' }],
      ['/api/v1/query', { query: 'up' }],
    ]);
  });

  it('sends basic auth and bearer tokens', async () => {
    seen = [];
    await runQuery('up', { ...flags(), user: 'alice', password: 's3cret' });
    await runQuery('up', { ...flags(), 'bearer-token': 'tok' });
    const dir = mkdtempSync(join(tmpdir(), 'promctl-q-'));
    writeFileSync(join(dir, 'token'), 'from-file\n');
    await runQuery('up', { ...flags(), 'bearer-token-file': join(dir, 'token') });
    rmSync(dir, { recursive: true });
    expect(seen.map((s) => s.auth)).toEqual([
      `Basic ${Buffer.from('alice:s3cret').toString('base64')}`,
      'Bearer tok',
      'Bearer from-file',
    ]);
  });

  it('explains error answers, refused credentials and a server that is down', async () => {
    reply = () => ({
      status: 422,
      body: JSON.stringify({ status: 'error', errorType: 'execution', error: 'too many samples' }),
    });
    expect((await failure(runQuery('up', flags()))).message).toBe(
      'the server answered 422 (execution): too many samples',
    );
    reply = () => ({ status: 401, body: 'Unauthorized\n' });
    const e = await failure(runQuery('up', flags()));
    expect(e.message).toMatch(/refused the request: 401/);
    expect(e.hint).toMatch(/--user/);
    reply = () => ({ status: 200, body: '<html>' });
    expect((await failure(runQuery('up', flags()))).message).toMatch(/non-JSON body: is this a Prometheus API\?/);
    const down = `http://127.0.0.1:${await freePort()}`;
    expect((await failure(runQuery('up', { url: down, 'http-timeout': '2s' }))).message).toBe(
      `cannot reach ${down}: connection refused (is the server running?)`,
    );
  });

  it('asks series, labels and values with match[], start, end and limit', async () => {
    seen = [];
    reply = (s) => ({
      status: 200,
      body: JSON.stringify({
        status: 'success',
        data: s.path === '/api/v1/series' ? [{ __name__: 'up', job: 'node' }] : ['a', 'b'],
      }),
    });
    const now = 1_700_000_000_000;
    const s = await runSeries({ ...flags(), match: ['{job="node"}', 'up'], start: '-1h', end: 'now', limit: 5 }, now);
    expect(s.data).toEqual([{ __name__: 'up', job: 'node' }]);
    expect((await runLabels({ ...flags(), match: ['up'] }, now)).data).toEqual(['a', 'b']);
    await runLabelValues('job', flags(), now);
    expect(seen.map((x) => [x.path, [...x.params]])).toEqual([
      [
        '/api/v1/series',
        [
          ['match[]', '{job="node"}'],
          ['match[]', 'up'],
          ['start', '1699996400'],
          ['end', '1700000000'],
          ['limit', '5'],
        ],
      ],
      ['/api/v1/labels', [['match[]', 'up']]],
      ['/api/v1/label/job/values', []],
    ]);
    expect((await failure(runSeries(flags()))).message).toMatch(/--match is required/);
  });
});

describe('series rendering', () => {
  const series = [
    { __name__: 'up', job: 'node', instance: 'a:9100' },
    { __name__: 'up', job: 'prometheus', instance: 'localhost:9090' },
  ];
  it('prints one series per line, a table or CSV', () => {
    expect(renderSeries(series, { color: plain })).toBe(
      'up{instance="a:9100", job="node"}\nup{instance="localhost:9090", job="prometheus"}',
    );
    expect(renderSeries(series, { color: plain, table: true }).split('\n')).toEqual([
      'NAME  instance        job',
      'up    a:9100          node',
      'up    localhost:9090  prometheus',
    ]);
    expect(renderSeriesCsv(series)).toBe('__name__,instance,job\nup,a:9100,node\nup,localhost:9090,prometheus\n');
  });
});

describe('promctl query --data-dir', () => {
  let dir: string;
  const T0 = 1_700_000_000_000;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'promctl-qdd-'));
    const db = await Tsdb.open(join(dir, 'data'));
    const app = db.appender();
    for (let i = 0; i <= 20; i++) {
      app.append(0, Labels.fromObject({ __name__: 'reqs_total', job: 'api', code: '200' }), T0 + i * 15_000, i * 30);
      app.append(0, Labels.fromObject({ __name__: 'reqs_total', job: 'api', code: '500' }), T0 + i * 15_000, i * 3);
      app.append(0, Labels.fromObject({ __name__: 'up', job: 'api' }), T0 + i * 15_000, 1);
    }
    await app.commit();
    await db.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const local = () => ({ url: 'http://127.0.0.1:1', 'http-timeout': '1s', 'data-dir': join(dir, 'data') });

  it('answers queries from the directory with the API encoding', async () => {
    const t = (T0 + 300_000) / 1000;
    const r = await runQuery('sum by (code) (reqs_total) / 10', { ...local(), time: String(t) });
    expect(r.data).toEqual({
      resultType: 'vector',
      result: [
        { metric: { code: '200' }, value: [t, '60'] },
        { metric: { code: '500' }, value: [t, '6'] },
      ],
    });
    const range = await runQuery('up', { ...local(), start: String(T0 / 1000), end: String(t), step: '60' });
    expect(range.data.resultType).toBe('matrix');
    expect((range.data.result as { values: unknown[] }[])[0]!.values).toHaveLength(6);
    // A long expression goes as a POST form, through the same handler.
    const long = `up${' + 0'.repeat(1500)}`;
    const post = await runQuery(long, { ...local(), time: String(t) });
    expect(post.data).toEqual({ resultType: 'vector', result: [{ metric: { job: 'api' }, value: [t, '1'] }] });
    // Evaluated now, years after the data: empty, with a hint naming the data's span.
    const late = await runQuery('up', local());
    expect(late.data.result).toEqual([]);
    expect(late.hint).toBe(
      `the data in ${join(dir, 'data')} spans 2023-11-14T22:13:20.000Z to 2023-11-14T22:18:20.000Z: pass --time (or --start/--end) within it`,
    );
    expect((await runQuery('up', { ...local(), time: String(t) })).hint).toBeUndefined();
    const bad = await failure(runQuery('rate(up)', local()));
    expect(bad.message).toMatch(/^1:6: parse error: expected type range vector/);
  });

  it('lists series, label names and values', async () => {
    expect((await runSeries({ ...local(), match: ['reqs_total{code="500"}'] })).data).toEqual([
      { __name__: 'reqs_total', code: '500', job: 'api' },
    ]);
    expect((await runLabels(local())).data).toEqual(['__name__', 'code', 'job']);
    expect((await runLabelValues('__name__', local())).data).toEqual(['reqs_total', 'up']);
    expect((await runLabelValues('code', { ...local(), match: ['up'] })).data).toEqual([]);
  });

  it('refuses a missing directory and one a running server holds', async () => {
    expect((await failure(runQuery('up', { ...local(), 'data-dir': join(dir, 'nope') }))).message).toMatch(
      /no such directory/,
    );
    const holder = spawn('sleep', ['30']);
    try {
      writeFileSync(join(dir, 'data', 'lock'), `${holder.pid}\n`);
      expect(lockHolder(join(dir, 'data'))).toBe(holder.pid);
      const e = await failure(runQuery('up', local()));
      expect(e.message).toMatch(new RegExp(`in use by a running server \\(pid ${holder.pid}\\)`));
      expect(e.hint).toMatch(/--url/);
    } finally {
      holder.kill();
      await new Promise((r) => holder.once('exit', r));
    }
    expect(lockHolder(join(dir, 'data'))).toBeNull(); // a stale lock does not block
    rmSync(join(dir, 'data', 'lock'));
  });
});
