/**
 * The HTTP client options Prometheus shares between scraping and HTTP-based discovery
 * (prometheus/common config.HTTPClientConfig), built on undici with keep-alive connections:
 * basic_auth, authorization / bearer_token(_file), tls_config, proxy_url, follow_redirects,
 * http_headers. Secrets in files are read at every request, as Prometheus does, so rotated
 * credentials take effect without a reload.
 */
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { Dispatcher } from 'undici';
import { undici } from './undici.js';

export interface BasicAuthConfig {
  username?: string;
  username_file?: string;
  password?: string;
  password_file?: string;
}

export interface AuthorizationConfig {
  type?: string;
  credentials?: string;
  credentials_file?: string;
}

export interface TLSConfig {
  ca?: string;
  ca_file?: string;
  cert?: string;
  cert_file?: string;
  key?: string;
  key_file?: string;
  server_name?: string;
  insecure_skip_verify?: boolean;
  min_version?: string;
  max_version?: string;
}

/** HTTP client options in prometheus.yml's snake_case. */
export interface HttpClientConfig {
  basic_auth?: BasicAuthConfig | null;
  authorization?: AuthorizationConfig | null;
  bearer_token?: string | null;
  bearer_token_file?: string | null;
  oauth2?: unknown;
  tls_config?: TLSConfig | null;
  proxy_url?: string | null;
  no_proxy?: string | null;
  proxy_from_environment?: boolean | null;
  follow_redirects?: boolean | null;
  enable_http2?: boolean | null;
  http_headers?: Record<string, { values?: string[]; secrets?: string[]; files?: string[] } | undefined> | null;
}

export class HttpClientConfigError extends Error {
  override readonly name = 'HttpClientConfigError';
}

const TLS_VERSIONS: Record<string, 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'> = {
  TLS10: 'TLSv1',
  TLS11: 'TLSv1.1',
  TLS12: 'TLSv1.2',
  TLS13: 'TLSv1.3',
};

/**
 * How a client connects, for code that speaks HTTP on its own sockets (the scraper): TLS options
 * for https, the proxy, whether to follow redirects.
 */
export interface ConnectionSettings {
  tls: ConnectionOptions;
  /** proxy_url, or null to connect directly. */
  proxyUrl: string | null;
  followRedirects: boolean;
}

/** A configured HTTP client: a keep-alive dispatcher plus the per-request auth headers. */
export interface HttpClient {
  /** undici's keep-alive dispatcher, created on first use. */
  readonly dispatcher: Dispatcher;
  readonly settings: ConnectionSettings;
  /** Headers for one request (auth, custom headers); reads secret files each time. */
  headers(): Promise<Record<string, string>>;
  /** True when headers() reads files, so its answer may change from one request to the next. */
  readonly dynamicHeaders: boolean;
  /** Non-fatal notes about options this client does not implement. */
  readonly warnings: readonly string[];
  close(): Promise<void>;
}

function readPem(inline: string | undefined, file: string | undefined, what: string): string | undefined {
  if (inline) return inline;
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new HttpClientConfigError(`unable to read ${what} file ${file}: ${(e as Error).message}`);
  }
}

/** Validates the combination rules Prometheus enforces (HTTPClientConfig.Validate). */
export function validateHttpClientConfig(c: HttpClientConfig): void {
  const auth = c.authorization;
  const bearer = Boolean(c.bearer_token) || Boolean(c.bearer_token_file);
  if (c.bearer_token && c.bearer_token_file) {
    throw new HttpClientConfigError('at most one of bearer_token & bearer_token_file must be configured');
  }
  if (c.basic_auth && (bearer || auth)) {
    throw new HttpClientConfigError(
      'at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured',
    );
  }
  if (c.basic_auth) {
    if (c.basic_auth.username && c.basic_auth.username_file) {
      throw new HttpClientConfigError('at most one of basic_auth username & username_file must be configured');
    }
    if (c.basic_auth.password && c.basic_auth.password_file) {
      throw new HttpClientConfigError('at most one of basic_auth password & password_file must be configured');
    }
  }
  if (auth) {
    if (bearer)
      throw new HttpClientConfigError('authorization is not compatible with bearer_token & bearer_token_file');
    if (auth.credentials && auth.credentials_file) {
      throw new HttpClientConfigError('at most one of authorization credentials & credentials_file must be configured');
    }
    if ((auth.type ?? '').toLowerCase() === 'basic') {
      throw new HttpClientConfigError(`authorization type cannot be set to "basic", use "basic_auth" instead`);
    }
  }
  if (c.oauth2 && (c.basic_auth || auth || bearer)) {
    throw new HttpClientConfigError('at most one of basic_auth, oauth2 & authorization must be configured');
  }
  if (c.proxy_url) {
    try {
      new URL(c.proxy_url);
    } catch {
      throw new HttpClientConfigError(`invalid proxy_url ${JSON.stringify(c.proxy_url)}`);
    }
  }
}

async function readSecret(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (e) {
    throw new Error(`unable to read secret file ${file}: ${(e as Error).message}`);
  }
}

export interface HttpClientOptions {
  /** Idle keep-alive time of pooled connections, ms. */
  keepAliveMs?: number;
  /** Connect timeout, ms. */
  connectTimeoutMs?: number;
}

/** Builds the client. Throws HttpClientConfigError for invalid combinations or unreadable TLS files. */
export function createHttpClient(c: HttpClientConfig = {}, opts: HttpClientOptions = {}): HttpClient {
  validateHttpClientConfig(c);
  const warnings: string[] = [];
  if (c.oauth2) warnings.push('oauth2 is not supported by promctl; requests are sent without OAuth2 credentials');
  const tls = c.tls_config ?? {};
  const tlsOptions: ConnectionOptions = {
    ca: readPem(tls.ca, tls.ca_file, 'CA'),
    cert: readPem(tls.cert, tls.cert_file, 'client certificate'),
    key: readPem(tls.key, tls.key_file, 'client key'),
    servername: tls.server_name || undefined,
    rejectUnauthorized: !tls.insecure_skip_verify,
    minVersion: tls.min_version ? TLS_VERSIONS[tls.min_version] : undefined,
    maxVersion: tls.max_version ? TLS_VERSIONS[tls.max_version] : undefined,
  };
  const connect = { ...tlsOptions, timeout: opts.connectTimeoutMs ?? 30_000 };
  if (tls.min_version && !TLS_VERSIONS[tls.min_version]) {
    throw new HttpClientConfigError(`unknown TLS version: ${tls.min_version}`);
  }
  if ((connect.cert && !connect.key) || (!connect.cert && connect.key)) {
    throw new HttpClientConfigError('exactly one of key or cert was configured; both are needed for client TLS');
  }
  // Idle connections stay open until keepAliveMs or until the server closes them, as with Go's
  // transport (which ignores Keep-Alive hints): undici would otherwise close them 2 s before the
  // server's advertised timeout — 3 s for Node's default server — so every scrape at a 5 s interval
  // paid for a new connection, socket and undici pool (~45% of the scraper's allocations). A request
  // racing the server's close fails before any response byte; the scraper retries it once, as Go does.
  const keepAlive = {
    keepAliveTimeout: opts.keepAliveMs ?? 60_000,
    keepAliveMaxTimeout: 5 * 60_000,
    keepAliveTimeoutThreshold: -5 * 60_000,
  };
  if (!c.proxy_url && c.proxy_from_environment) {
    warnings.push('proxy_from_environment is not supported; connecting directly');
  }
  const follow = c.follow_redirects ?? true;
  // The undici agent is made on first use: scrape pools never use it (the scraper has its own
  // HTTP/1.1 client on these settings), and an idle agent still costs memory.
  let base: Dispatcher | null = null;
  let dispatcher: Dispatcher | null = null;
  const getDispatcher = (): Dispatcher => {
    if (dispatcher === null) {
      const { Agent, ProxyAgent, interceptors } = undici();
      base = c.proxy_url
        ? new ProxyAgent({ uri: c.proxy_url, requestTls: connect, ...keepAlive })
        : new Agent({ connect, ...keepAlive });
      // Go's http.Client follows at most 10 redirects.
      dispatcher = follow ? base.compose(interceptors.redirect({ maxRedirections: 10 })) : base;
    }
    return dispatcher;
  };
  const settings: ConnectionSettings = {
    tls: tlsOptions,
    proxyUrl: c.proxy_url || null,
    followRedirects: follow,
  };
  const hv = Object.values(c.http_headers ?? {});
  const dynamicHeaders =
    hv.some((h) => (h?.files?.length ?? 0) > 0) ||
    Boolean(c.basic_auth?.username_file || c.basic_auth?.password_file) ||
    Boolean(c.authorization?.credentials_file) ||
    Boolean(c.bearer_token_file);

  const headers = async (): Promise<Record<string, string>> => {
    const h: Record<string, string> = {};
    for (const [name, hv] of Object.entries(c.http_headers ?? {})) {
      const vals = [...(hv?.values ?? []), ...(hv?.secrets ?? [])];
      for (const f of hv?.files ?? []) vals.push(await readSecret(f));
      if (vals.length) h[name] = vals.join(', ');
    }
    if (c.basic_auth) {
      const user = c.basic_auth.username_file
        ? await readSecret(c.basic_auth.username_file)
        : (c.basic_auth.username ?? '');
      const pass = c.basic_auth.password_file
        ? await readSecret(c.basic_auth.password_file)
        : (c.basic_auth.password ?? '');
      h['authorization'] = 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');
    } else if (c.authorization) {
      const type = c.authorization.type || 'Bearer';
      const cred = c.authorization.credentials_file
        ? await readSecret(c.authorization.credentials_file)
        : (c.authorization.credentials ?? '');
      h['authorization'] = `${type} ${cred}`;
    } else if (c.bearer_token || c.bearer_token_file) {
      const cred = c.bearer_token_file ? await readSecret(c.bearer_token_file) : c.bearer_token!;
      h['authorization'] = `Bearer ${cred}`;
    }
    return h;
  };
  return {
    get dispatcher() {
      return getDispatcher();
    },
    settings,
    headers,
    dynamicHeaders,
    warnings,
    close: () => (base === null ? Promise.resolve() : base.close()),
  };
}

/** Go's `resp.Status` ("404 Not Found") for a status code. */
export function httpStatusText(code: number, statusText?: string): string {
  return `${code} ${statusText || STATUS_TEXT[code] || ''}`.trimEnd();
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * A Go-like description of a network error ("connection refused", "connection reset by peer",
 * "unexpected EOF", "context deadline exceeded"), for per-target errors that read like Prometheus'.
 */
export function describeNetError(e: unknown): string {
  const err = e as { code?: string; message?: string; name?: string; cause?: unknown };
  const code = err?.code ?? (err?.cause as { code?: string } | undefined)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connect: connection refused';
    case 'ECONNRESET':
      return 'read: connection reset by peer';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dial tcp: lookup failed: no such host`;
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return 'unexpected EOF';
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'dial tcp: i/o timeout';
    case 'UND_ERR_MAX_REDIRECTIONS':
    case 'UND_ERR_REQ_RETRY':
      return 'stopped after 10 redirects';
    case 'EHOSTUNREACH':
      return 'connect: no route to host';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'tls: failed to verify certificate: x509: certificate is not valid for this host';
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
  }
  if (err?.name === 'AbortError' || err?.name === 'TimeoutError') return 'context deadline exceeded';
  const msg = err?.message ?? String(e);
  if (msg === 'other side closed' || msg === 'terminated') return 'unexpected EOF';
  return msg;
}
