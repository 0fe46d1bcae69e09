/**
 * A client for the Prometheus HTTP API v1, used by `promctl query` and `promctl dashboard` against
 * promctl or any Prometheus-compatible server. Transport is injectable (`fetch`) for tests.
 */
import type { BuildInfo, Envelope, ErrorType, QueryData, TargetsData } from './types.js';

export interface ClientOptions {
  /** Base URL, e.g. http://localhost:9090 (a path prefix is kept). */
  url: string;
  basicAuth?: { username: string; password: string };
  bearerToken?: string;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /** Per-request timeout in ms (default 30s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** The server answered with Prometheus' error envelope. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly errorType: ErrorType | string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The server could not be reached, or did not answer like a Prometheus API. */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  constructor(
    readonly url: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Result<T> {
  data: T;
  warnings: string[];
  infos: string[];
}

/** A time for the API: a Date, unix seconds, or a string the server parses (RFC 3339 or seconds). */
export type ApiTime = Date | number | string;

function timeParam(t: ApiTime): string {
  if (t instanceof Date) return (t.getTime() / 1000).toString();
  return String(t);
}

export class PrometheusClient {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly opts: ClientOptions) {
    this.base = opts.url.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? fetch;
  }

  get url(): string {
    return this.base;
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = { Accept: 'application/json', ...this.opts.headers };
    if (this.opts.basicAuth) {
      const { username, password } = this.opts.basicAuth;
      h.Authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    } else if (this.opts.bearerToken) {
      h.Authorization = `Bearer ${this.opts.bearerToken}`;
    }
    return h;
  }

  /** GETs (or POSTs as a form, for long queries) an API path and unwraps the envelope. */
  async call<T>(
    path: string,
    params: [string, string][] = [],
    opts: { method?: 'GET' | 'POST'; signal?: AbortSignal } = {},
  ): Promise<Result<T>> {
    const qs = new URLSearchParams(params).toString();
    const method = opts.method ?? (qs.length > 4000 ? 'POST' : 'GET');
    const url = `${this.base}${path}${method === 'GET' && qs ? `?${qs}` : ''}`;
    const timeout = AbortSignal.timeout(this.opts.timeoutMs ?? 30_000);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        method,
        headers:
          method === 'POST'
            ? { ...this.headers(), 'Content-Type': 'application/x-www-form-urlencoded' }
            : this.headers(),
        body: method === 'POST' ? qs : undefined,
        signal,
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why =
        (e as Error).name === 'TimeoutError'
          ? `no answer within ${Math.round((this.opts.timeoutMs ?? 30_000) / 1000)}s`
          : cause?.code === 'ECONNREFUSED'
            ? 'connection refused (is the server running?)'
            : (cause?.message ?? (e as Error).message);
      throw new ConnectionError(this.base, `cannot reach ${this.base}: ${why}`);
    }
    const text = await res.text();
    let body: Envelope<T>;
    try {
      body = JSON.parse(text) as Envelope<T>;
    } catch {
      if (res.status === 401 || res.status === 403)
        throw new ApiError('unauthorized', `${res.status} ${res.statusText}: check the credentials`, res.status);
      throw new ConnectionError(
        this.base,
        `${url} answered ${res.status} ${res.statusText} with a non-JSON body: is this a Prometheus API?`,
      );
    }
    if (body.status === 'error') throw new ApiError(body.errorType, body.error, res.status);
    if (body.status !== 'success') throw new ConnectionError(this.base, `${url}: unexpected response`);
    return { data: body.data, warnings: body.warnings ?? [], infos: body.infos ?? [] };
  }

  query(
    expr: string,
    time?: ApiTime,
    opts: { timeout?: string; signal?: AbortSignal } = {},
  ): Promise<Result<QueryData>> {
    const p: [string, string][] = [['query', expr]];
    if (time !== undefined) p.push(['time', timeParam(time)]);
    if (opts.timeout) p.push(['timeout', opts.timeout]);
    return this.call('/api/v1/query', p, { signal: opts.signal });
  }

  queryRange(
    expr: string,
    start: ApiTime,
    end: ApiTime,
    step: number | string,
    opts: { timeout?: string; signal?: AbortSignal } = {},
  ): Promise<Result<QueryData>> {
    const p: [string, string][] = [
      ['query', expr],
      ['start', timeParam(start)],
      ['end', timeParam(end)],
      ['step', String(step)],
    ];
    if (opts.timeout) p.push(['timeout', opts.timeout]);
    return this.call('/api/v1/query_range', p, { signal: opts.signal });
  }

  private matchParams(match: readonly string[], start?: ApiTime, end?: ApiTime, limit?: number): [string, string][] {
    const p: [string, string][] = match.map((m) => ['match[]', m]);
    if (start !== undefined) p.push(['start', timeParam(start)]);
    if (end !== undefined) p.push(['end', timeParam(end)]);
    if (limit) p.push(['limit', String(limit)]);
    return p;
  }

  series(
    match: readonly string[],
    start?: ApiTime,
    end?: ApiTime,
    limit?: number,
  ): Promise<Result<Record<string, string>[]>> {
    return this.call('/api/v1/series', this.matchParams(match, start, end, limit));
  }

  labels(match: readonly string[] = [], start?: ApiTime, end?: ApiTime, limit?: number): Promise<Result<string[]>> {
    return this.call('/api/v1/labels', this.matchParams(match, start, end, limit));
  }

  labelValues(
    name: string,
    match: readonly string[] = [],
    start?: ApiTime,
    end?: ApiTime,
    limit?: number,
  ): Promise<Result<string[]>> {
    return this.call(`/api/v1/label/${encodeURIComponent(name)}/values`, this.matchParams(match, start, end, limit));
  }

  targets(state?: 'active' | 'dropped' | 'any'): Promise<Result<TargetsData>> {
    return this.call('/api/v1/targets', state ? [['state', state]] : []);
  }

  buildInfo(): Promise<Result<BuildInfo>> {
    return this.call('/api/v1/status/buildinfo');
  }

  metadata(
    metric?: string,
    limit?: number,
  ): Promise<Result<Record<string, { type: string; help: string; unit: string }[]>>> {
    const p: [string, string][] = [];
    if (metric) p.push(['metric', metric]);
    if (limit) p.push(['limit', String(limit)]);
    return this.call('/api/v1/metadata', p);
  }

  rules(type?: 'alert' | 'record'): Promise<Result<{ groups: unknown[] }>> {
    return this.call('/api/v1/rules', type ? [['type', type]] : []);
  }

  alerts(): Promise<Result<{ alerts: unknown[] }>> {
    return this.call('/api/v1/alerts');
  }
}
