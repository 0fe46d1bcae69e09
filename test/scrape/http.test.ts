/**
 * Scraping over real HTTP (a local server on 127.0.0.1): headers, gzip, keep-alive, errors
 * (500, hanging target, connection reset, truncated body, redirects), body_size_limit against a
 * huge body (reading stops), auth.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/lib/discovery/http-client.js';
import { resolveJob, type ScrapeJobConfig } from '../../src/lib/scrape/config.js';
import { ScrapeLoop } from '../../src/lib/scrape/loop.js';
import { HttpScraper } from '../../src/lib/scrape/scraper.js';
import { populateLabels, Target } from '../../src/lib/scrape/target.js';
import { acceptHeader } from '../../src/lib/textparse/negotiate.js';
import { RecordingAppendable } from '../support/appendable.js';
import { startProxy } from '../support/proxy.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const routes = new Map<string, Handler>();
let server: Server;
let port: number;
const sockets = new Set<Socket>();
let lastReq: IncomingMessage | undefined;
let hugeBytesSent = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    lastReq = req;
    const h = routes.get(req.url!.split('?')[0]!);
    if (h) h(req, res);
    else {
      res.writeHead(404);
      res.end('not found');
    }
  });
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;

  const text = '# TYPE m gauge\nm{a="1"} 1\nm{a="2"} 2\n';
  routes.set('/metrics', (_q, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(text);
  });
  routes.set('/gzip', (_q, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-encoding': 'gzip' });
    res.end(gzipSync(text));
  });
  routes.set('/500', (_q, res) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('oops');
  });
  routes.set('/hang', () => {
    // never answers
  });
  routes.set('/close', (req) => req.socket.destroy());
  routes.set('/reset', (req) => {
    (req.socket as Socket & { resetAndDestroy(): void }).resetAndDestroy();
  });
  // Closes the connection without answering every other request after the first: a kept-alive
  // connection that the server closes just as the next scrape is sent.
  let flaky = 0;
  routes.set('/flaky', (req, res) => {
    if (flaky++ % 2 === 1) {
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(text);
  });
  routes.set('/truncated', (_q, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': '1000' });
    res.write('m{a="1"} 1\nm{a="2"} ');
    setTimeout(() => res.socket?.destroy(), 20);
  });
  routes.set('/redirect', (_q, res) => {
    res.writeHead(302, { location: '/metrics' });
    res.end();
  });
  routes.set('/huge', (_q, res) => {
    // Up to 1 GiB of valid samples, streamed; stops when the client goes away.
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    const chunk = Buffer.from('x_metric{label="aaaaaaaaaaaaaaaaaaaaaaaa"} 1\n'.repeat(1400));
    const limit = 1024 ** 3;
    const pump = () => {
      while (hugeBytesSent < limit && !res.destroyed) {
        hugeBytesSent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('close', () => {});
    pump();
  });
  // 32 MiB of text compressed to ~32 KiB, compressed once here so that the scrape's timeout does
  // not run while the server (in this same process) is busy compressing.
  const bomb = gzipSync(Buffer.alloc(32 * 1024 * 1024, 'a'));
  routes.set('/gzipbomb', (_q, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-encoding': 'gzip' });
    res.end(bomb);
  });
  routes.set('/exact', (req, res) => {
    const n = Number(new URL(req.url!, 'http://x').searchParams.get('n'));
    const line = 'a 1\n';
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(line + '#'.repeat(n - line.length - 1) + '\n');
  });
  routes.set('/auth', (req, res) => {
    if (req.headers.authorization !== 'Bearer t0k') {
      res.writeHead(401);
      return void res.end();
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end('ok 1\n');
  });
  routes.set('/badutf8', (_q, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(Buffer.concat([Buffer.from('m{a="'), Buffer.from([0xff, 0xfe]), Buffer.from('"} 1\n')]));
  });
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

function mk(cfg: Partial<ScrapeJobConfig> = {}, params: Record<string, string> = {}) {
  const job = resolveJob({ job_name: 'http', scrape_interval: '2s', scrape_timeout: '1s', ...cfg });
  const r = populateLabels(job, { __address__: `127.0.0.1:${port}`, ...params }, {});
  const target = new Target(r.labels!, r.discovered!, job.params);
  const client = createHttpClient(job.http);
  const scraper = new HttpScraper({
    url: target.url(),
    client,
    acceptHeader: acceptHeader(job.scrapeProtocols),
    timeoutMs: job.timeoutMs,
    bodySizeLimit: job.bodySizeLimit,
    enableCompression: job.enableCompression,
  });
  const app = new RecordingAppendable();
  const loop = new ScrapeLoop({ target, job, appendable: app, scraper });
  return { app, loop, target, client, scraper };
}

describe('HTTP scraping', () => {
  it('scrapes with Prometheus headers and reuses one keep-alive connection', async () => {
    const { app, loop, client } = mk();
    const before = sockets.size;
    for (let i = 0; i < 3; i++) {
      expect((await loop.scrapeAndReport(Date.now() + i)).error).toBeNull();
      // Scrapes are an interval apart; give the connection a moment to return to the pool.
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(sockets.size - before).toBe(1);
    expect(app.series('m')).toHaveLength(6);
    expect(lastReq!.headers['accept']).toBe(
      'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
    );
    expect(lastReq!.headers['accept-encoding']).toBe('gzip');
    expect(lastReq!.headers['x-prometheus-scrape-timeout-seconds']).toBe('1');
    await client.close();
  });

  it('decodes gzip', async () => {
    const { app, loop } = mk({ metrics_path: '/gzip' });
    expect((await loop.scrapeAndReport(Date.now())).error).toBeNull();
    expect(app.last('m', { a: '2' })).toBe(2);
  });

  it('a 500 fails the scrape with the status', async () => {
    const { app, loop, target } = mk({ metrics_path: '/500' });
    const r = await loop.scrapeAndReport(Date.now());
    expect(r.error).toBe('server returned HTTP status 500 Internal Server Error');
    expect(app.last('up')).toBe(0);
    expect(target.health).toBe('down');
  });

  it('a hanging target times out after scrape_timeout', async () => {
    const { loop, target } = mk({ metrics_path: '/hang', scrape_timeout: '300ms' });
    const t0 = performance.now();
    const r = await loop.scrapeAndReport(Date.now());
    const took = performance.now() - t0;
    expect(r.error).toBe(`Get "${target.url()}": context deadline exceeded`);
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(2000);
  });

  it('a connection reset is a clear per-target error', async () => {
    const { loop, target } = mk({ metrics_path: '/reset' });
    const r = await loop.scrapeAndReport(Date.now());
    expect(r.error).toMatch(
      new RegExp(`^Get "${target.url().replace(/[?.]/g, '\\$&')}": (read: connection reset by peer|unexpected EOF)$`),
    );
  });

  it('a connection closed before any response byte is retried once, as Go does', async () => {
    const { loop, app } = mk({ metrics_path: '/flaky' });
    for (let i = 0; i < 3; i++) expect((await loop.scrapeAndReport(Date.now() + i)).error).toBeNull();
    expect(app.series('m')).toHaveLength(6);
  });

  it('a new connection closed before any response byte is an EOF, not retried (as Go)', async () => {
    const { loop, target } = mk({ metrics_path: '/close' });
    const before = sockets.size;
    expect((await loop.scrapeAndReport(Date.now())).error).toBe(`Get "${target.url()}": EOF`);
    expect(sockets.size - before).toBe(1);
  });

  it('goes through proxy_url with its credentials, and a 407 is a clear error', async () => {
    const proxy = await startProxy();
    try {
      const u = new URL(proxy.url);
      u.username = 'user';
      u.password = 'pw';
      const a = mk({ proxy_url: u.href });
      expect((await a.loop.scrapeAndReport(Date.now())).error).toBeNull();
      expect(a.app.last('m', { a: '2' })).toBe(2);
      expect(proxy.seen).toEqual([`GET http://127.0.0.1:${port}/metrics`]);
      a.scraper.close();
      const b = mk({ proxy_url: proxy.url });
      expect((await b.loop.scrapeAndReport(Date.now())).error).toBe(
        'server returned HTTP status 407 Proxy Authentication Required',
      );
      b.scraper.close();
    } finally {
      await proxy.close();
    }
  });

  it('scrapes an IPv6 literal address with the Host header Go sends', async () => {
    const v6 = createServer((q, r) => {
      r.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      r.end(`host_seen{host=${JSON.stringify(q.headers.host)}} 1\n`);
    });
    const ok = await new Promise<boolean>((res) => {
      v6.once('error', () => res(false));
      v6.listen(0, '::1', () => res(true));
    });
    if (!ok) return void console.warn('no IPv6 loopback here; IPv6 scrape not tested');
    try {
      const p = (v6.address() as { port: number }).port;
      const scraper = new HttpScraper({
        url: `http://[::1]:${p}/metrics`,
        client: createHttpClient({}),
        acceptHeader: acceptHeader(),
        timeoutMs: 2000,
        bodySizeLimit: 0,
        enableCompression: true,
      });
      const r = await scraper.scrape(new AbortController().signal);
      expect(Buffer.from(r.body).toString()).toBe(`host_seen{host="[::1]:${p}"} 1\n`);
      scraper.close();
    } finally {
      v6.close();
    }
  });

  it('a truncated body fails the scrape and keeps no partial samples', async () => {
    const { app, loop } = mk({ metrics_path: '/truncated' });
    const r = await loop.scrapeAndReport(Date.now());
    // As Prometheus: an error while reading the body is not wrapped in `Get "<url>":`.
    expect(r.error).toBe('unexpected EOF');
    expect(app.series('m')).toEqual([]);
  });

  it('follows redirects unless follow_redirects is false', async () => {
    const a = mk({ metrics_path: '/redirect' });
    expect((await a.loop.scrapeAndReport(Date.now())).error).toBeNull();
    expect(a.app.last('m', { a: '1' })).toBe(1);
    const b = mk({ metrics_path: '/redirect', follow_redirects: false });
    expect((await b.loop.scrapeAndReport(Date.now())).error).toBe('server returned HTTP status 302 Found');
  });

  it('body_size_limit stops reading a 1 GiB body early', async () => {
    hugeBytesSent = 0;
    // A generous timeout: the limit, not the deadline, must end the scrape even on a loaded machine.
    const { app, loop } = mk({
      metrics_path: '/huge',
      body_size_limit: '1MB',
      scrape_interval: '30s',
      scrape_timeout: '20s',
    });
    const r = await loop.scrapeAndReport(Date.now());
    expect(r.error).toBe('body size limit exceeded');
    await new Promise((res) => setTimeout(res, 50));
    // Only socket buffers beyond the limit were ever sent.
    expect(hugeBytesSent).toBeLessThan(64 * 1024 * 1024);
    expect(app.series('x_metric')).toEqual([]);
  });

  it('body_size_limit applies after gzip decompression', async () => {
    const { loop } = mk({
      metrics_path: '/gzipbomb',
      body_size_limit: '1MB',
      scrape_interval: '30s',
      scrape_timeout: '20s',
    });
    expect((await loop.scrapeAndReport(Date.now())).error).toBe('body size limit exceeded');
  });

  it('body_size_limit boundary: a body of exactly the limit fails, one byte less passes (as Prometheus)', async () => {
    const ok = mk({ metrics_path: '/exact', params: { n: ['1023'] }, body_size_limit: '1KB' });
    expect((await ok.loop.scrapeAndReport(Date.now())).error).toBeNull();
    const bad = mk({ metrics_path: '/exact', params: { n: ['1024'] }, body_size_limit: '1KB' });
    expect((await bad.loop.scrapeAndReport(Date.now())).error).toBe('body size limit exceeded');
  });

  it('sends authorization from the job config', async () => {
    const a = mk({ metrics_path: '/auth', authorization: { credentials: 't0k' } });
    expect((await a.loop.scrapeAndReport(Date.now())).error).toBeNull();
    const b = mk({ metrics_path: '/auth', bearer_token: 'wrong' });
    expect((await b.loop.scrapeAndReport(Date.now())).error).toBe('server returned HTTP status 401 Unauthorized');
  });

  it('invalid UTF-8 in a label value fails the scrape with a clear error', async () => {
    const { loop } = mk({ metrics_path: '/badutf8' });
    const r = await loop.scrapeAndReport(Date.now());
    expect(r.error).toMatch(/UTF-8/i);
  });

  it('connection refused', async () => {
    const job = resolveJob({ job_name: 'x', scrape_interval: '1s', scrape_timeout: '1s' });
    const r = populateLabels(job, { __address__: '127.0.0.1:1' }, {});
    const target = new Target(r.labels!, r.discovered!, {});
    const scraper = new HttpScraper({
      url: target.url(),
      client: createHttpClient({}),
      acceptHeader: acceptHeader(),
      timeoutMs: 1000,
      bodySizeLimit: 0,
      enableCompression: true,
    });
    const loop = new ScrapeLoop({ target, job, appendable: new RecordingAppendable(), scraper });
    expect((await loop.scrapeAndReport(Date.now())).error).toBe(
      'Get "http://127.0.0.1:1/metrics": connect: connection refused',
    );
  });

  it('a stop signal cancels the scrape in flight, once per scrape, for each signal given', async () => {
    const url = `http://127.0.0.1:${port}/hang`;
    const scraper = new HttpScraper({
      url,
      client: createHttpClient({}),
      acceptHeader: acceptHeader(),
      timeoutMs: 10_000,
      bodySizeLimit: 0,
      enableCompression: true,
    });
    const first = new AbortController();
    const p1 = scraper.scrape(first.signal);
    setTimeout(() => first.abort(), 50);
    await expect(p1).rejects.toThrow(`Get "${url}": context canceled`);
    // A finished scrape is not touched by a later abort; a new signal cancels the next scrape.
    const second = new AbortController();
    const p2 = scraper.scrape(second.signal);
    first.abort();
    setTimeout(() => second.abort(), 50);
    await expect(p2).rejects.toThrow(`Get "${url}": context canceled`);
    await expect(scraper.scrape(second.signal)).rejects.toThrow('context canceled');
  });
});
