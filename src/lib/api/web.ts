/**
 * Serves the web page (web/ at the package root) and uPlot from node_modules. The assets are read
 * once and kept in memory; the page is plain HTML/CSS/JS with no build step.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

interface Asset {
  body: Buffer;
  type: string;
}

/** Loads the assets; both src/lib/api and dist/lib/api sit three levels below the package root. */
export function loadWebAssets(): Map<string, Asset> {
  const root = new URL('../../../web/', import.meta.url);
  const req = createRequire(import.meta.url);
  const uplotDir = req.resolve('uplot/dist/uPlot.iife.min.js').replace(/uPlot\.iife\.min\.js$/, '');
  const assets = new Map<string, Asset>();
  const add = (path: string, file: string) => {
    const ext = file.slice(file.lastIndexOf('.'));
    assets.set(path, { body: readFileSync(file), type: TYPES[ext] ?? 'application/octet-stream' });
  };
  add('/', new URL('index.html', root).pathname);
  add('/static/app.js', new URL('app.js', root).pathname);
  add('/static/app.css', new URL('app.css', root).pathname);
  add('/static/uPlot.iife.min.js', uplotDir + 'uPlot.iife.min.js');
  add('/static/uPlot.min.css', uplotDir + 'uPlot.min.css');
  return assets;
}

/** A `web` port for the server: serves the page for `/`, `/graph` and the static assets. */
export function webHandler(
  assets: Map<string, Asset>,
): (path: string, req: IncomingMessage, res: ServerResponse) => boolean {
  return (path, req, res) => {
    const key = path === '/graph' || path === '/targets' || path === '/alerts' || path === '/config' ? '/' : path;
    const a = assets.get(key);
    if (!a || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    res.writeHead(200, {
      'Content-Type': a.type,
      'Content-Length': a.body.length,
      'Cache-Control': key === '/' ? 'no-cache' : 'max-age=300',
    });
    res.end(req.method === 'HEAD' ? undefined : a.body);
    return true;
  };
}
