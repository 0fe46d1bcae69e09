import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHttpError } from '../../src/lib/api/params.js';
import { createHandler, listen, type ServerPorts } from '../../src/lib/api/server.js';
import { Labels } from '../../src/lib/model/labels.js';
import { Matcher } from '../../src/lib/model/matcher.js';
import { formatQuery } from '../../src/lib/promql/parser/index.js';
import { MemoryStorage } from '../../src/lib/storage/memory.js';
import { freePort } from '../support/procs.js';

let server: Server;
let base: string;
const calls: unknown[][] = [];
let reloadShouldFail = false;

beforeAll(async () => {
  const store = new MemoryStorage();
  const app = store.appender();
  for (const [job, inst] of [
    ['node', 'a:9100'],
    ['node', 'b:9100'],
    ['prometheus', 'localhost:9090'],
  ] as const) {
    app.append(0, Labels.fromObject({ __name__: 'up', job, instance: inst }), 1000, 1);
  }
  app.append(0, Labels.fromObject({ __name__: 'other', 'weird.label': 'x' }), 1000, 1);
  await app.commit();
  const ports: ServerPorts = {
    queryable: store,
    ready: () => true,
    enableLifecycle: true,
    reload: async () => {
      if (reloadShouldFail) throw new Error('bad.yml:3:1: field foo not found');
    },
    // A stand-in engine: it records the arguments and answers a fixed result, so these tests
    // check the HTTP layer (parameters, envelopes, statuses), not PromQL.
    engine: {
      instantQuery: async (expr, t, opts) => {
        calls.push(['instant', expr, t, opts.timeout]);
        if (expr === 'bad(')
          throw new ApiHttpError('bad_data', 'invalid parameter "query": 1:5: parse error: unclosed left parenthesis');
        return {
          value: { type: 'vector', samples: [{ metric: Labels.fromObject({ a: 'b' }), t, v: 2 }] },
          warnings: [],
          infos: ['PromQL info: x'],
        };
      },
      rangeQuery: async (expr, start, end, step) => {
        calls.push(['range', expr, start, end, step]);
        return {
          value: { type: 'matrix', series: [{ metric: Labels.EMPTY, ts: [start, end], vs: [1, NaN] }] },
          warnings: [],
          infos: [],
        };
      },
    },
    parseSelector: (s) => {
      if (!/^[a-z_]+$/.test(s)) throw new Error(`1:1: parse error: unexpected character in ${s}`);
      return [new Matcher('=', '__name__', s)];
    },
    formatQuery,
  };
  const port = await freePort();
  server = await listen(createHandler(ports), '127.0.0.1', port);
  base = `http://127.0.0.1:${port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function get(path: string, init?: RequestInit) {
  const res = await fetch(base + path, init);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

describe('HTTP API v1 server', () => {
  it('answers instant queries with Prometheus envelopes', async () => {
    const r = await get('/api/v1/query?query=up&time=1.5&timeout=10s');
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/json');
    expect(r.body).toBe(
      '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"b"},"value":[1.500,"2"]}]},"infos":["PromQL info: x"]}',
    );
    expect(calls.at(-1)).toEqual(['instant', 'up', 1500, 10_000]);
  });

  it('accepts POST forms and RFC 3339 times for range queries', async () => {
    const r = await get('/api/v1/query_range', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'query=up&start=1970-01-01T00:00:01Z&end=3&step=1m',
    });
    expect(r.status).toBe(200);
    expect(calls.at(-1)).toEqual(['range', 'up', 1000, 3000, 60_000]);
    expect(r.body).toContain('"values":[[1,"1"],[3,"NaN"]]');
  });

  it('maps bad parameters to 400 bad_data with Prometheus wording', async () => {
    expect(await get('/api/v1/query_range?query=up&start=2&end=1&step=1')).toMatchObject({
      status: 400,
      body: '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"end\\": end timestamp must not be before start time"}',
    });
    expect((await get('/api/v1/query_range?query=up&start=0&end=100000&step=1')).body).toContain('11,000 points');
    expect((await get('/api/v1/query_range?query=up&start=0&end=1&step=0')).body).toContain('zero or negative');
    expect((await get('/api/v1/query?query=bad(')).status).toBe(400);
    expect((await get('/api/v1/series')).body).toContain('no match[] parameter provided');
  });

  it('words bad times and limits as Prometheus (checked against 2.42 and 3.x source)', async () => {
    const err = async (path: string) => {
      const r = await get(path);
      expect(r.status, path).toBe(400);
      return (JSON.parse(r.body) as { error: string }).error;
    };
    // parseTimeParam's wrapping: query time, and start/end of series, labels, values, exemplars.
    for (const [path, name] of [
      ['/api/v1/query?query=up&time=abc', 'time'],
      ['/api/v1/series?match[]=up&start=abc', 'start'],
      ['/api/v1/labels?end=abc', 'end'],
      ['/api/v1/label/job/values?start=abc', 'start'],
      ['/api/v1/query_exemplars?query=up&end=abc', 'end'],
    ] as const) {
      expect(await err(path)).toBe(
        `invalid parameter "${name}": Invalid time value for '${name}': cannot parse "abc" to a valid timestamp`,
      );
    }
    // query_range reads its times bare.
    expect(await err('/api/v1/query_range?query=up&start=abc&end=1&step=1')).toBe(
      'invalid parameter "start": cannot parse "abc" to a valid timestamp',
    );
    expect(await err('/api/v1/query_exemplars?query=up&start=5&end=1')).toBe(
      'end timestamp must not be before start timestamp',
    );
    expect(await err('/api/v1/query_exemplars?query=up(')).toMatch(/^1:4: parse error: /);
    expect(JSON.parse((await get('/api/v1/query_exemplars?query=up')).body)).toEqual({ status: 'success', data: [] });
    // limit as strconv.Atoi reads it.
    expect(await err('/api/v1/labels?limit=-1')).toBe('invalid parameter "limit": limit must be non-negative');
    expect(await err('/api/v1/labels?limit=x')).toBe(
      'invalid parameter "limit": strconv.Atoi: parsing "x": invalid syntax',
    );
    expect(await err('/api/v1/series?match[]=up&limit=99999999999999999999')).toBe(
      'invalid parameter "limit": strconv.Atoi: parsing "99999999999999999999": value out of range',
    );
  });

  it('serves series, labels and label values from the store', async () => {
    const s = await get('/api/v1/series?match[]=up');
    expect(JSON.parse(s.body).data).toHaveLength(3);
    expect(JSON.parse((await get('/api/v1/series?match[]=up&limit=2')).body)).toMatchObject({
      warnings: ['results truncated due to limit'],
    });
    expect(JSON.parse((await get('/api/v1/labels')).body).data).toEqual(['__name__', 'instance', 'job', 'weird.label']);
    expect(JSON.parse((await get('/api/v1/labels?match[]=up')).body).data).toEqual(['__name__', 'instance', 'job']);
    expect(JSON.parse((await get('/api/v1/label/job/values')).body).data).toEqual(['node', 'prometheus']);
    expect(JSON.parse((await get('/api/v1/label/U__weird_2e_label/values')).body).data).toEqual(['x']);
    expect((await get('/api/v1/series?match[]=%7B')).status).toBe(400);
  });

  it('serves lifecycle endpoints', async () => {
    expect((await get('/-/healthy')).status).toBe(200);
    expect((await get('/-/ready')).status).toBe(200);
    expect((await get('/-/reload')).status).toBe(405);
    expect((await get('/-/reload', { method: 'POST' })).status).toBe(200);
    reloadShouldFail = true;
    const r = await get('/-/reload', { method: 'POST' });
    expect(r.status).toBe(500);
    expect(r.body).toContain('field foo not found');
  });

  it('keeps admin APIs off unless enabled and answers 404 for unknown paths', async () => {
    const r = await get('/api/v1/admin/tsdb/snapshot', { method: 'POST' });
    expect(r.status).toBe(500); // as Prometheus: errorType unavailable, HTTP 500
    expect(r.body).toContain('admin APIs disabled');
    expect((await get('/api/v1/nope')).status).toBe(404);
    expect((await get('/nope')).status).toBe(404);
  });
});
