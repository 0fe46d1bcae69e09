/**
 * tls_config for scrapes: CA verification, insecure_skip_verify, client certificates (mTLS).
 * Certificates are made with openssl at test time (skipped without it).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, type TLSConfig } from '../../src/lib/discovery/http-client.js';
import { resolveJob } from '../../src/lib/scrape/config.js';
import { ScrapeLoop } from '../../src/lib/scrape/loop.js';
import { HttpScraper } from '../../src/lib/scrape/scraper.js';
import { populateLabels, Target } from '../../src/lib/scrape/target.js';
import { acceptHeader } from '../../src/lib/textparse/negotiate.js';
import { RecordingAppendable } from '../support/appendable.js';
import { which } from '../support/procs.js';
import { startProxy } from '../support/proxy.js';

const openssl = which('openssl');
if (!openssl) console.warn('tls test: openssl not found; skipped');

describe.runIf(openssl)('TLS scraping', () => {
  let dir: string;
  let server: Server;
  let port: number;
  const f = (n: string) => join(dir, n);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'promctl-tls-'));
    const run = (...args: string[]) => execFileSync(openssl!, args, { cwd: dir, stdio: 'ignore' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=promctl test CA');
    writeFileSync(f('srv.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    run('req', ...ec, '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=localhost');
    run(
      'x509',
      '-req',
      '-in',
      'srv.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'srv.crt',
      '-days',
      '1',
      '-extfile',
      'srv.ext',
    );
    run('req', ...ec, '-keyout', 'cli.key', '-out', 'cli.csr', '-subj', '/CN=scraper');
    run(
      'x509',
      '-req',
      '-in',
      'cli.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'cli.crt',
      '-days',
      '1',
    );
    server = createServer(
      {
        key: readFileSync(f('srv.key')),
        cert: readFileSync(f('srv.crt')),
        ca: readFileSync(f('ca.crt')),
        requestCert: true,
        rejectUnauthorized: false,
      },
      (req, res) => {
        const s = req.socket as TLSSocket;
        if (req.url === '/mtls' && !s.authorized) {
          res.writeHead(403);
          return void res.end();
        }
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end('secure 1\n');
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function scrape(tls: TLSConfig | undefined, path = '/metrics', proxyUrl?: string) {
    const job = resolveJob({
      job_name: 'tls',
      scheme: 'https',
      metrics_path: path,
      tls_config: tls,
      scrape_interval: '5s',
      ...(proxyUrl ? { proxy_url: proxyUrl } : {}),
    });
    const r = populateLabels(job, { __address__: `127.0.0.1:${port}` }, {});
    const target = new Target(r.labels!, r.discovered!, {});
    const client = createHttpClient(job.http);
    const scraper = new HttpScraper({
      url: target.url(),
      client,
      acceptHeader: acceptHeader(),
      timeoutMs: 5000,
      bodySizeLimit: 0,
      enableCompression: true,
    });
    const app = new RecordingAppendable();
    const res = await new ScrapeLoop({ target, job, appendable: app, scraper }).scrapeAndReport(Date.now());
    scraper.close();
    await client.close();
    return { error: res.error, value: app.last('secure'), url: target.url() };
  }

  it('rejects an unknown CA with a Go-like message', async () => {
    const r = await scrape(undefined);
    expect(r.error).toBe(
      `Get "${r.url}": tls: failed to verify certificate: x509: certificate signed by unknown authority`,
    );
  });

  it('verifies against ca_file', async () => {
    expect(await scrape({ ca_file: f('ca.crt') })).toMatchObject({ error: null, value: 1 });
  });

  it('insecure_skip_verify skips verification', async () => {
    expect(await scrape({ insecure_skip_verify: true })).toMatchObject({ error: null, value: 1 });
  });

  it('server_name must match the certificate', async () => {
    const r = await scrape({ ca_file: f('ca.crt'), server_name: 'other.example' });
    expect(r.error).toContain('x509: certificate is not valid for this host');
  });

  it('sends a client certificate (mTLS)', async () => {
    expect((await scrape({ ca_file: f('ca.crt') }, '/mtls')).error).toBe('server returned HTTP status 403 Forbidden');
    expect(
      await scrape({ ca_file: f('ca.crt'), cert_file: f('cli.crt'), key_file: f('cli.key') }, '/mtls'),
    ).toMatchObject({
      error: null,
      value: 1,
    });
  });

  it('tunnels through proxy_url with CONNECT, verifying the target inside the tunnel', async () => {
    const proxy = await startProxy();
    try {
      const authed = proxy.url.replace('http://', 'http://user:pw@');
      expect(await scrape({ ca_file: f('ca.crt') }, '/metrics', authed)).toMatchObject({ error: null, value: 1 });
      const bad = await scrape(undefined, '/metrics', authed);
      expect(bad.error).toContain('x509: certificate signed by unknown authority');
      const denied = await scrape({ ca_file: f('ca.crt') }, '/metrics', proxy.url);
      expect(denied.error).toBe(`Get "${denied.url}": Proxy Authentication Required`);
      expect(proxy.seen).toEqual(Array(3).fill(`CONNECT 127.0.0.1:${port}`));
    } finally {
      await proxy.close();
    }
  });

  it('an unreadable ca_file is a clear config error', () => {
    expect(() => createHttpClient({ tls_config: { ca_file: f('missing.crt') } })).toThrow(
      /unable to read CA file .*missing\.crt/,
    );
  });
});
