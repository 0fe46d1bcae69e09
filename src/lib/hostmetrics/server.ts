import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TEXT_CONTENT_TYPE, writeTextFormat } from '../textparse/writer.js';
import type { NodeCollector } from './node.js';

export interface NodeExporterServer {
  server: Server;
  /** The bound address, e.g. `127.0.0.1:9100`. */
  address: string;
  close(): Promise<void>;
}

/** Splits node_exporter's `--web.listen-address` (`:9100`, `host:port`, `[::1]:9100`). */
export function parseListenAddress(addr: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(addr);
  if (!m) throw new Error(`invalid listen address ${JSON.stringify(addr)}: want host:port or :port`);
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid port in listen address ${JSON.stringify(addr)}`);
  return { host: host === '' ? undefined : host, port };
}

const LANDING = `<html><head><title>promctl node exporter</title></head><body>
<h1>promctl node exporter</h1><p><a href="/metrics">Metrics</a></p></body></html>
`;

/**
 * Serves a node collector on `/metrics` (text format 0.0.4; `?collect[]=cpu` limits the collectors
 * like node_exporter), a landing page on `/`, and `/-/healthy` / `/-/ready`.
 */
export function startNodeExporter(
  collector: NodeCollector,
  listenAddress: string,
  onError: (msg: string) => void = () => {},
): Promise<NodeExporterServer> {
  const { host, port } = parseListenAddress(listenAddress);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (url.pathname === '/metrics') {
      collector.scrape(url.searchParams.getAll('collect[]')).then(
        ({ families, errors }) => {
          for (const e of errors) onError(`collector ${e.collector} failed: ${e.error}`);
          const body = writeTextFormat(families);
          res.writeHead(200, { 'Content-Type': TEXT_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) });
          res.end(req.method === 'HEAD' ? undefined : body);
        },
        (err: unknown) => {
          res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`scrape failed: ${String(err)}\n`);
        },
      );
      return;
    }
    if (url.pathname === '/-/healthy' || url.pathname === '/-/ready') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('OK\n');
      return;
    }
    if (url.pathname === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(LANDING);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      const address = a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
      resolve({
        server,
        address,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}
