/**
 * The HTTP server of `promctl serve`: API v1 routes, lifecycle endpoints, /metrics, /federate and the
 * web page, over node:http. Errors are mapped to Prometheus' statuses and envelopes here, once.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { errorJson, successJson } from './encode.js';
import { ApiHttpError, Params } from './params.js';
import * as v1 from './v1.js';

/**
 * HTTP status per Prometheus errorType (web/api/v1/api.go respondError). `unavailable` is not in
 * its switch and falls to the default 500 (seen from the real Prometheus 2.42 on the admin API
 * when it is disabled); `canceled` is nginx's 499 (client closed the connection).
 */
export const STATUS_BY_ERROR: Record<string, number> = {
  bad_data: 400,
  execution: 422,
  canceled: 499,
  timeout: 503,
  internal: 500,
  unavailable: 500,
  not_found: 404,
  not_acceptable: 406,
};

export interface ServerPorts extends v1.ApiPorts {
  /** Whether the server has finished starting (WAL replayed). */
  ready(): boolean;
  /** Reloads the configuration; rejects with the reason when the new config is bad. */
  reload?(): Promise<void>;
  /** Asks the process to shut down gracefully. */
  quit?(): void;
  /** The server's own metrics in the text format. */
  metrics?(): Promise<string> | string;
  /** Federation: the latest samples of the series matching the selectors, as text format. */
  federate?(selectors: string[]): Promise<string>;
  /** Serves the web page and its assets; returns false when the path is not one of them. */
  web?(path: string, req: IncomingMessage, res: ServerResponse): boolean;
  /** Admin API (only with --web.enable-admin-api). */
  admin?: {
    deleteSeries(matchers: string[], start: number, end: number): Promise<void>;
    cleanTombstones(): Promise<void>;
    snapshot(skipHead: boolean): Promise<string>;
  };
  enableLifecycle?: boolean;
  /** Called after every request, for prometheus_http_requests_total and durations. */
  observe?(handler: string, code: number, seconds: number): void;
  /** Access-Control-Allow-Origin regex (Prometheus' --web.cors.origin, default '.*'). */
  corsOrigin?: RegExp;
}

type Handler = (
  p: Params,
  req: IncomingMessage,
  signal: AbortSignal,
  match: RegExpExecArray,
) => Promise<v1.HandlerResult> | v1.HandlerResult;

interface Route {
  methods: string[];
  pattern: RegExp;
  /** The handler label for metrics, like Prometheus' (`/api/v1/query`). */
  name: string;
  handler: Handler;
}

async function readBody(req: IncomingMessage, limit = 16 << 20): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new ApiHttpError('bad_data', 'request body too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function paramsOf(req: IncomingMessage, url: URL): Promise<Params> {
  const merged = new URLSearchParams(url.searchParams);
  if (req.method === 'POST' || req.method === 'PUT') {
    const type = req.headers['content-type'] ?? '';
    if (type.startsWith('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(await readBody(req))) merged.append(k, v);
    } else {
      await readBody(req); // drain
    }
  }
  return new Params(merged);
}

function routes(ports: ServerPorts): Route[] {
  const json = (data: unknown): v1.HandlerResult => ({ data: JSON.stringify(data) });
  const optional =
    (name: string, fn: (() => unknown) | undefined): Handler =>
    () => {
      if (!fn) throw new ApiHttpError('unavailable', `${name} is not available`);
      return json(fn());
    };
  const r: Route[] = [
    {
      methods: ['GET', 'POST'],
      pattern: /^\/api\/v1\/query$/,
      name: '/api/v1/query',
      handler: (p, _q, s) => v1.query(ports, p, s),
    },
    {
      methods: ['GET', 'POST'],
      pattern: /^\/api\/v1\/query_range$/,
      name: '/api/v1/query_range',
      handler: (p, _q, s) => v1.queryRange(ports, p, s),
    },
    {
      methods: ['GET', 'POST'],
      pattern: /^\/api\/v1\/query_exemplars$/,
      name: '/api/v1/query_exemplars',
      handler: (p) => v1.queryExemplars(ports, p),
    },
    {
      methods: ['GET', 'POST'],
      pattern: /^\/api\/v1\/series$/,
      name: '/api/v1/series',
      handler: (p) => v1.series(ports, p),
    },
    {
      methods: ['GET', 'POST'],
      pattern: /^\/api\/v1\/labels$/,
      name: '/api/v1/labels',
      handler: (p) => v1.labelNames(ports, p),
    },
    {
      methods: ['GET'],
      pattern: /^\/api\/v1\/label\/([^/]+)\/values$/,
      name: '/api/v1/label/:name/values',
      handler: (p, _q, _s, m) => v1.labelValues(ports, p, decodeURIComponent(m[1]!)),
    },
    {
      methods: ['GET'],
      pattern: /^\/api\/v1\/metadata$/,
      name: '/api/v1/metadata',
      handler: (p) => v1.metadata(ports, p),
    },
    {
      methods: ['GET'],
      pattern: /^\/api\/v1\/targets$/,
      name: '/api/v1/targets',
      handler: (p) => v1.targets(ports, p),
    },
    {
      methods: ['GET'],
      pattern: /^\/api\/v1\/targets\/metadata$/,
      name: '/api/v1/targets/metadata',
      handler: () => json(ports.targetsMetadata?.() ?? []),
    },
    {
      methods: ['GET'],
      pattern: /^\/api\/v1\/rules$/,
      name: '/api/v1/rules',
      handler: (p) => json(ports.rules?.(p) ?? { groups: [] }),
    },
    {
      methods: ['GET'],
      pattern: /^\/api\/v1\/alerts$/,
      name: '/api/v1/alerts',
      handler: () => json(ports.alerts?.() ?? { alerts: [] }),
    },
    {
      methods: ['GET'],
      pattern: /^\/api\/v1\/alertmanagers$/,
      name: '/api/v1/alertmanagers',
      handler: () => json(ports.alertmanagers?.() ?? { activeAlertmanagers: [], droppedAlertmanagers: [] }),
    },
    {
      methods: ['GET'],
      pattern: /^\/api\/v1\/status\/config$/,
      name: '/api/v1/status/config',
      handler: () => json({ yaml: ports.configYaml?.() ?? '' }),
    },
    {
      methods: ['GET'],
      pattern: /^\/api\/v1\/status\/flags$/,
      name: '/api/v1/status/flags',
      handler: optional('flags', ports.flags),
    },
    {
      methods: ['GET'],
      pattern: /^\/api\/v1\/status\/runtimeinfo$/,
      name: '/api/v1/status/runtimeinfo',
      handler: optional('runtime information', ports.runtimeInfo),
    },
    {
      methods: ['GET'],
      pattern: /^\/api\/v1\/status\/buildinfo$/,
      name: '/api/v1/status/buildinfo',
      handler: optional('build information', ports.buildInfo),
    },
    {
      methods: ['GET'],
      pattern: /^\/api\/v1\/status\/tsdb$/,
      name: '/api/v1/status/tsdb',
      handler: (p) => json(ports.tsdbStatus ? ports.tsdbStatus(p.limit() || 10) : {}),
    },
    {
      methods: ['GET'],
      pattern: /^\/api\/v1\/status\/walreplay$/,
      name: '/api/v1/status/walreplay',
      handler: () => json(ports.walReplayStatus?.() ?? { min: 0, max: 0, current: 0 }),
    },
    {
      methods: ['GET', 'POST'],
      pattern: /^\/api\/v1\/format_query$/,
      name: '/api/v1/format_query',
      handler: (p) => {
        if (!ports.formatQuery) throw new ApiHttpError('unavailable', 'format_query is not available');
        try {
          return json(ports.formatQuery(p.get('query') ?? ''));
        } catch (e) {
          throw new ApiHttpError('bad_data', `invalid parameter "query": ${(e as Error).message}`);
        }
      },
    },
    {
      methods: ['GET', 'POST'],
      pattern: /^\/api\/v1\/parse_query$/,
      name: '/api/v1/parse_query',
      handler: (p) => {
        if (!ports.parseQuery) throw new ApiHttpError('unavailable', 'parse_query is not available');
        try {
          return json(ports.parseQuery(p.get('query') ?? ''));
        } catch (e) {
          throw new ApiHttpError('bad_data', `invalid parameter "query": ${(e as Error).message}`);
        }
      },
    },
  ];
  const admin = ports.admin;
  const adminOff: Handler = () => {
    throw new ApiHttpError('unavailable', 'admin APIs disabled');
  };
  r.push(
    {
      methods: ['POST', 'PUT'],
      pattern: /^\/api\/v1\/admin\/tsdb\/delete_series$/,
      name: '/api/v1/admin/tsdb/delete_series',
      handler: admin
        ? async (p) => {
            const m = p.all('match[]');
            if (m.length === 0) throw new ApiHttpError('bad_data', 'no match[] parameter provided');
            await admin.deleteSeries(
              m,
              p.timeParam('start', -Number.MAX_SAFE_INTEGER),
              p.timeParam('end', Number.MAX_SAFE_INTEGER),
            );
            return NO_CONTENT;
          }
        : adminOff,
    },
    {
      methods: ['POST', 'PUT'],
      pattern: /^\/api\/v1\/admin\/tsdb\/clean_tombstones$/,
      name: '/api/v1/admin/tsdb/clean_tombstones',
      handler: admin
        ? async () => {
            await admin.cleanTombstones();
            return NO_CONTENT;
          }
        : adminOff,
    },
    {
      methods: ['POST', 'PUT'],
      pattern: /^\/api\/v1\/admin\/tsdb\/snapshot$/,
      name: '/api/v1/admin/tsdb/snapshot',
      handler: admin
        ? async (p) => {
            return json({ name: await admin.snapshot(parseBool(p, 'skip_head')) });
          }
        : adminOff,
    },
  );
  return r;
}

/** A handler's answer without a body: 204 No Content (Prometheus' admin endpoints on success). */
const NO_CONTENT: v1.HandlerResult = { data: '' };

/** A boolean form value as Go's strconv.ParseBool reads it; absent or empty is false. */
function parseBool(p: Params, name: string): boolean {
  const v = p.get(name) ?? '';
  if (v === '') return false;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw new ApiHttpError(
    'bad_data',
    `invalid parameter ${JSON.stringify(name)}: unable to parse boolean: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`,
  );
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Builds the request handler (exported for tests, which call it through a real server). */
export function createHandler(ports: ServerPorts): (req: IncomingMessage, res: ServerResponse) => void {
  const table = routes(ports);
  return (req, res) => {
    const started = performance.now();
    let handlerName = 'other';
    res.on('finish', () => ports.observe?.(handlerName, res.statusCode, (performance.now() - started) / 1000));
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const origin = req.headers.origin;
    if (origin && path.startsWith('/api/') && (ports.corsOrigin ?? /^.*$/).test(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }
    void (async () => {
      try {
        if (path === '/-/healthy') {
          handlerName = '/-/healthy';
          return send(res, 200, 'text/plain; charset=utf-8', 'Prometheus Server is Healthy.\n');
        }
        if (path === '/-/ready') {
          handlerName = '/-/ready';
          return ports.ready()
            ? send(res, 200, 'text/plain; charset=utf-8', 'Prometheus Server is Ready.\n')
            : send(res, 503, 'text/plain; charset=utf-8', 'Service Unavailable\n');
        }
        if (path === '/-/reload' || path === '/-/quit') {
          handlerName = path;
          if (req.method !== 'POST' && req.method !== 'PUT')
            return send(res, 405, 'text/plain; charset=utf-8', 'Only POST or PUT requests allowed\n');
          if (!ports.enableLifecycle)
            return send(res, 403, 'text/plain; charset=utf-8', 'Lifecycle API is not enabled.\n');
          if (path === '/-/quit') {
            send(res, 200, 'text/plain; charset=utf-8', 'Requesting termination... Goodbye!\n');
            ports.quit?.();
            return;
          }
          try {
            await ports.reload?.();
            return send(res, 200, 'text/plain; charset=utf-8', '');
          } catch (e) {
            return send(res, 500, 'text/plain; charset=utf-8', `failed to reload config: ${(e as Error).message}\n`);
          }
        }
        if (path === '/metrics' && ports.metrics) {
          handlerName = '/metrics';
          return send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', await ports.metrics());
        }
        if (path === '/federate' && ports.federate) {
          handlerName = '/federate';
          const p = await paramsOf(req, url);
          return send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', await ports.federate(p.all('match[]')));
        }
        if (path.startsWith('/api/v1/')) {
          if (req.method === 'OPTIONS') {
            res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
            res.setHeader('Access-Control-Allow-Headers', 'Accept, Authorization, Content-Type, Origin');
            return send(res, 204, 'text/plain', '');
          }
          const route = table.find((r) => r.pattern.test(path));
          if (!route) {
            handlerName = '/api/v1/*';
            return send(res, 404, 'text/plain; charset=utf-8', '404 page not found\n');
          }
          handlerName = route.name;
          if (!route.methods.includes(req.method ?? 'GET'))
            return send(res, 405, 'text/plain; charset=utf-8', 'Method Not Allowed\n');
          const ac = new AbortController();
          res.on('close', () => {
            if (!res.writableFinished) ac.abort();
          });
          const p = await paramsOf(req, url);
          const out = await route.handler(p, req, ac.signal, route.pattern.exec(path)!);
          if (out === NO_CONTENT) {
            res.writeHead(204);
            return void res.end();
          }
          return send(res, 200, 'application/json', successJson(out.data, out.warnings, out.infos));
        }
        if (ports.web?.(path, req, res)) {
          handlerName = path === '/' ? '/' : '/static/*filepath';
          return;
        }
        return send(res, 404, 'text/plain; charset=utf-8', '404 page not found\n');
      } catch (e) {
        if (res.headersSent) return void res.end();
        if (e instanceof ApiHttpError) {
          return send(
            res,
            STATUS_BY_ERROR[e.errorType] ?? 500,
            'application/json',
            errorJson(e.errorType, e.message, e.data),
          );
        }
        const msg = e instanceof Error ? e.message : String(e);
        return send(res, 500, 'application/json', errorJson('internal', msg));
      }
    })();
  };
}

/** Starts listening; resolves with the server once bound, rejects with a clear message otherwise. */
export function listen(handler: ReturnType<typeof createHandler>, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer({ keepAliveTimeout: 65_000 }, handler);
    srv.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE')
        reject(new Error(`cannot listen on ${host || '0.0.0.0'}:${port}: address already in use`));
      else if (e.code === 'EACCES')
        reject(new Error(`cannot listen on ${host || '0.0.0.0'}:${port}: permission denied`));
      else reject(e);
    });
    srv.listen(port, host || undefined, () => resolve(srv));
  });
}
