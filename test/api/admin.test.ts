import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHttpError } from '../../src/lib/api/params.js';
import { createHandler, listen, type ServerPorts } from '../../src/lib/api/server.js';
import { MemoryStorage } from '../../src/lib/storage/memory.js';
import { freePort } from '../support/procs.js';

const calls: unknown[][] = [];
const servers: Server[] = [];
let on = '';
let off = '';

function ports(admin: boolean): ServerPorts {
  return {
    queryable: new MemoryStorage(),
    ready: () => true,
    engine: {
      instantQuery: async () => ({ value: { type: 'scalar', t: 0, v: 0 }, warnings: [], infos: [] }),
      rangeQuery: async () => ({ value: { type: 'matrix', series: [] }, warnings: [], infos: [] }),
    },
    parseSelector: () => [],
    admin: admin
      ? {
          deleteSeries: async (m, start, end) => {
            calls.push(['delete', m, start, end]);
            if (m.includes('bad{')) throw new ApiHttpError('bad_data', 'invalid parameter "match[]": 1:5: parse error');
          },
          cleanTombstones: async () => {
            calls.push(['clean']);
          },
          snapshot: async (skipHead) => {
            calls.push(['snapshot', skipHead]);
            return '20261207T024822Z-5b94450f0f619dbb';
          },
        }
      : undefined,
  };
}

beforeAll(async () => {
  for (const admin of [true, false]) {
    const port = await freePort();
    servers.push(await listen(createHandler(ports(admin)), '127.0.0.1', port));
    if (admin) on = `http://127.0.0.1:${port}/api/v1/admin/tsdb/`;
    else off = `http://127.0.0.1:${port}/api/v1/admin/tsdb/`;
  }
});
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
});

async function post(url: string, method = 'POST'): Promise<{ status: number; type: string | null; body: string }> {
  const r = await fetch(url, { method });
  return { status: r.status, type: r.headers.get('content-type'), body: await r.text() };
}

describe('admin API routes', () => {
  it('answers 204 without a body on success, passing matchers and times (default: all time)', async () => {
    calls.length = 0;
    expect(await post(`${on}delete_series?match[]=a&match[]=b&start=10&end=20.5`)).toEqual({
      status: 204,
      type: null,
      body: '',
    });
    expect(await post(`${on}delete_series?match[]=a`, 'PUT')).toMatchObject({ status: 204, body: '' });
    expect(await post(`${on}clean_tombstones`)).toMatchObject({ status: 204, body: '' });
    expect(calls).toEqual([
      ['delete', ['a', 'b'], 10_000, 20_500],
      ['delete', ['a'], -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
      ['clean'],
    ]);
  });

  it('rejects bad parameters with bad_data as Prometheus words them', async () => {
    const bad = (error: string) => ({
      status: 400,
      type: 'application/json',
      body: JSON.stringify({ status: 'error', errorType: 'bad_data', error }),
    });
    expect(await post(`${on}delete_series`)).toEqual(bad('no match[] parameter provided'));
    expect(await post(`${on}delete_series?match[]=a&start=abc`)).toEqual(
      bad(`invalid parameter "start": Invalid time value for 'start': cannot parse "abc" to a valid timestamp`),
    );
    expect(await post(`${on}delete_series?match[]=bad%7B`)).toEqual(
      bad('invalid parameter "match[]": 1:5: parse error'),
    );
    expect(await post(`${on}snapshot?skip_head=yes`)).toEqual(
      bad('invalid parameter "skip_head": unable to parse boolean: strconv.ParseBool: parsing "yes": invalid syntax'),
    );
  });

  it('snapshots with skip_head read as Go reads booleans', async () => {
    calls.length = 0;
    for (const v of ['', 'true', 'T', '1', 'false', '0', 'F']) {
      const r = await post(`${on}snapshot?skip_head=${v}`);
      expect(r.status).toBe(200);
      expect(r.body).toBe('{"status":"success","data":{"name":"20261207T024822Z-5b94450f0f619dbb"}}');
    }
    expect(calls.map((c) => c[1])).toEqual([false, true, true, true, false, false, false]);
    expect((await post(`${on}snapshot`, 'GET')).status).toBe(405);
  });

  it('answers unavailable (HTTP 500, as Prometheus) when the admin API is off', async () => {
    for (const p of ['delete_series?match[]=a', 'clean_tombstones', 'snapshot']) {
      const r = await post(off + p);
      expect(r.status).toBe(500); // Prometheus 2.42 and 3.x: errorType unavailable falls to 500
      expect(JSON.parse(r.body)).toEqual({ status: 'error', errorType: 'unavailable', error: 'admin APIs disabled' });
    }
  });
});
