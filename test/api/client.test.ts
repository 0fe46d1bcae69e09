import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, ConnectionError, PrometheusClient } from '../../src/lib/api/client.js';
import { freePort } from '../support/procs.js';

let server: Server;
let base: string;
const seen: { method: string; url: string; auth?: string; body: string }[] = [];

beforeAll(async () => {
  const port = await freePort();
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
      const u = new URL(req.url!, 'http://x');
      res.setHeader('Content-Type', 'application/json');
      if (u.pathname === '/api/v1/query') {
        const q = u.searchParams.get('query') ?? new URLSearchParams(body).get('query');
        if (q === 'bad(') {
          res.statusCode = 400;
          res.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error' }));
          return;
        }
        res.end(
          JSON.stringify({
            status: 'success',
            data: { resultType: 'vector', result: [{ metric: { __name__: 'up' }, value: [1, '1'] }] },
            warnings: ['w1'],
          }),
        );
      } else if (u.pathname === '/html') {
        res.setHeader('Content-Type', 'text/html');
        res.end('<html>');
      } else {
        res.statusCode = 404;
        res.end('{"status":"error","errorType":"not_found","error":"not found"}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  base = `http://127.0.0.1:${port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('PrometheusClient', () => {
  it('unwraps success envelopes with warnings and sends auth', async () => {
    const c = new PrometheusClient({ url: base + '/', bearerToken: 'tok' });
    const r = await c.query('up', 10);
    expect(r.data).toEqual({ resultType: 'vector', result: [{ metric: { __name__: 'up' }, value: [1, '1'] }] });
    expect(r.warnings).toEqual(['w1']);
    const last = seen.at(-1)!;
    expect(last.url).toBe('/api/v1/query?query=up&time=10');
    expect(last.auth).toBe('Bearer tok');
  });

  it('posts long queries as a form', async () => {
    const c = new PrometheusClient({ url: base, basicAuth: { username: 'u', password: 'p' } });
    const long = 'up' + ' + up'.repeat(1000);
    await c.query(long);
    const last = seen.at(-1)!;
    expect(last.method).toBe('POST');
    expect(new URLSearchParams(last.body).get('query')).toBe(long);
    expect(last.auth).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('maps error envelopes to ApiError', async () => {
    const c = new PrometheusClient({ url: base });
    await expect(c.query('bad(')).rejects.toMatchObject({ name: 'ApiError', errorType: 'bad_data', status: 400 });
    await expect(c.call('/nope')).rejects.toBeInstanceOf(ApiError);
  });

  it('explains unreachable servers and non-API answers', async () => {
    const port = await freePort();
    const dead = new PrometheusClient({ url: `http://127.0.0.1:${port}` });
    await expect(dead.query('up')).rejects.toThrow(/connection refused/);
    await expect(new PrometheusClient({ url: base }).call('/html')).rejects.toBeInstanceOf(ConnectionError);
  });
});
