/**
 * Fetching a target's exposition over HTTP (Prometheus' targetScraper): one kept-alive connection
 * per target, the Accept header from scrape_protocols, gzip, the scrape timeout over the whole
 * request, body_size_limit enforced while reading (the rest of the body is never read), redirects
 * and proxies as Go's http.Client handles them, and per-target errors worded as Prometheus'.
 *
 * The HTTP/1.1 exchange is our own (http1.ts) on node:net/node:tls sockets rather than a general
 * client: a loop's scrapes never overlap, so a target needs one connection and no pool, queue or
 * handler layers. At a server's scrape rates (each scrape after seconds of idleness, CPU caches
 * cold) undici's request path cost about 1.3 ms of CPU a scrape against 0.6 ms for this one —
 * more than parsing and storing a 10-series exposition.
 */
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { gunzipSync } from 'node:zlib';
import { describeNetError, type HttpClient } from '../discovery/http-client.js';
import { HttpProtocolError, type ResponseHead, ResponseParser, type ResponseSink } from './http1.js';

export interface ScrapeResponse {
  body: Uint8Array;
  contentType: string;
}

/** Fetches one exposition; rejects with an Error whose message is the per-target error. */
export interface Scraper {
  scrape(signal: AbortSignal): Promise<ScrapeResponse>;
  /** Releases the connection (the loop stopped). */
  close?(): void;
}

export const errBodySizeLimit = 'body size limit exceeded';

export interface HttpScraperOptions {
  url: string;
  client: HttpClient;
  acceptHeader: string;
  timeoutMs: number;
  /** Bytes; 0 = none. Prometheus fails when the body reaches the limit. */
  bodySizeLimit: number;
  enableCompression: boolean;
  userAgent?: string;
}

/** Formats seconds like Go's strconv.FormatFloat(s, 'f', -1, 64). */
function secs(ms: number): string {
  return String(ms / 1000);
}

/** Bytes of a non-200 (or redirect) body read and dropped so the connection can be reused. */
const DRAIN_LIMIT = 64 * 1024;
/** Go's http.Client gives up at the 10th redirect. */
const MAX_REDIRECTS = 10;
/** Prometheus' transport closes connections idle this long (IdleConnTimeout). */
const IDLE_CONN_MS = 5 * 60_000;

/** Where a request goes: the connection's identity and the request line's target. */
interface Endpoint {
  url: string;
  https: boolean;
  hostname: string;
  port: number;
  /** The Host header ("host:port" as in the URL). */
  host: string;
  /** Origin-form request target ("/metrics?x=1"). */
  path: string;
}

function endpoint(url: string): Endpoint {
  const u = new URL(url);
  const https = u.protocol === 'https:';
  if (!https && u.protocol !== 'http:') throw new Error(`unsupported protocol scheme "${u.protocol.slice(0, -1)}"`);
  const hostname = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return {
    url,
    https,
    hostname,
    port: u.port === '' ? (https ? 443 : 80) : Number(u.port),
    host: u.host,
    path: (u.pathname || '/') + u.search,
  };
}

function connKey(e: Endpoint): string {
  return `${e.https ? 's' : ''}${e.hostname}:${e.port}`;
}

/** Header lines ("Name: value\r\n"), rejecting values that would split the request as Go does. */
function headerLines(h: Record<string, string>): string {
  let out = '';
  for (const k in h) {
    const v = h[k]!;
    if (/[\r\n\0]/.test(v)) throw new Error(`net/http: invalid header field value for "${k}"`);
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(k)) throw new Error(`net/http: invalid header field name "${k}"`);
    out += `${k}: ${v}\r\n`;
  }
  return out;
}

export class HttpScraper implements Scraper {
  private readonly start: Endpoint;
  /** Header lines every request carries (after Host). */
  private readonly fixedLines: string;
  /** The first hop's request, when the headers cannot change between scrapes. */
  private firstRequest: Buffer | null = null;
  /** The auth and custom header lines of firstRequest. */
  private staticLines = '';
  private readonly proxy: URL | null;
  private readonly proxyAuth: string;
  /**
   * The body is assembled in this buffer, reused from scrape to scrape (a loop's scrapes never
   * overlap, and the loop is done with a body before it scrapes again): a fresh 60 KB Buffer per
   * scrape survived into the old generation often enough that external memory grew by tens of MB
   * between major GCs, and the process kept that as resident memory.
   */
  readonly body = new BodyBuffer();
  /** The connection, idle between scrapes, and the endpoint it is connected to. */
  sock: Socket | null = null;
  sockKey = '';
  sockIdleSince = 0;
  /** The scrape in flight (a loop's scrapes never overlap), failed when the stop signal fires. */
  current: Exchange | null = null;
  /**
   * The stop signal listened to: once per signal (a loop passes the same one to every scrape), not
   * an add/removeEventListener pair per scrape (EventTarget's bookkeeping cost more than the rest
   * of the request set-up).
   */
  private watched: AbortSignal | null = null;

  constructor(readonly o: HttpScraperOptions) {
    this.start = endpoint(o.url);
    this.fixedLines = headerLines({
      'User-Agent': o.userAgent ?? 'promctl/0.1',
      Accept: o.acceptHeader,
      'Accept-Encoding': o.enableCompression ? 'gzip' : 'identity',
      'X-Prometheus-Scrape-Timeout-Seconds': secs(o.timeoutMs),
    });
    const p = o.client.settings.proxyUrl;
    this.proxy = p ? new URL(p) : null;
    this.proxyAuth =
      this.proxy && (this.proxy.username || this.proxy.password)
        ? 'Basic ' +
          Buffer.from(`${decodeURIComponent(this.proxy.username)}:${decodeURIComponent(this.proxy.password)}`).toString(
            'base64',
          )
        : '';
  }

  private watch(signal: AbortSignal): void {
    if (signal === this.watched) return;
    this.watched = signal;
    signal.addEventListener('abort', () => this.current?.fail(this.current.error('context canceled')), {
      once: true,
    });
  }

  async scrape(signal: AbortSignal): Promise<ScrapeResponse> {
    const { url } = this.o;
    if (signal.aborted) throw new Error(`Get "${url}": context canceled`);
    let extraLines = this.staticLines;
    let first = this.firstRequest;
    if (first === null) {
      try {
        extraLines = headerLines(await this.o.client.headers());
      } catch (e) {
        throw new Error(`Get "${url}": ${describeNetError(e)}`);
      }
      first = this.request(this.start, extraLines);
      if (!this.o.client.dynamicHeaders) {
        this.firstRequest = first;
        this.staticLines = extraLines;
      }
    }
    // Prometheus reads at most `limit` bytes and fails when it got that many: same as failing
    // past limit-1.
    const limit = this.o.bodySizeLimit > 0 ? Math.max(1, this.o.bodySizeLimit - 1) : Infinity;
    return new Promise<ScrapeResponse>((resolve, reject) => {
      const x = new Exchange(this, limit, extraLines, resolve, reject);
      x.timer = setTimeout(() => x.fail(x.error('context deadline exceeded')), this.o.timeoutMs);
      this.watch(signal);
      this.current = x;
      x.send(this.start, first);
    });
  }

  /** The bytes of a GET for `e`. */
  request(e: Endpoint, extraLines: string): Buffer {
    // Through an HTTP proxy a plain-http request names the absolute URL; https goes through a
    // CONNECT tunnel and looks direct.
    const target = this.proxy !== null && !e.https ? e.url : e.path;
    const proxyLine =
      this.proxy !== null && !e.https && this.proxyAuth ? `Proxy-Authorization: ${this.proxyAuth}\r\n` : '';
    return Buffer.from(
      `GET ${target} HTTP/1.1\r\nHost: ${e.host}\r\n${this.fixedLines}${extraLines}${proxyLine}\r\n`,
      'latin1',
    );
  }

  /**
   * A connection to `e`: the idle one when it goes there (and `reuse`), else a new one (dropping
   * the old). `opened` gets the socket once it can carry the request — at once, or after a
   * proxy's CONNECT.
   */
  connection(
    e: Endpoint,
    reuse: boolean,
    opened: (s: Socket, reused: boolean) => void,
    failed: (err: Error) => void,
  ): void {
    const key = connKey(e);
    const s = this.sock;
    if (s !== null) {
      if (reuse && this.sockKey === key && !s.destroyed && Date.now() - this.sockIdleSince < IDLE_CONN_MS) {
        opened(s, true);
        return;
      }
      this.dropConnection();
    }
    const tlsOpts = (socket?: Socket) => {
      const t = this.o.client.settings.tls;
      return {
        ...t,
        socket,
        host: e.hostname,
        port: e.port,
        // Node checks the certificate against servername, or else the host (IP SANs for IPs).
        servername: t.servername ?? (isIP(e.hostname) ? undefined : e.hostname),
      };
    };
    const adopt = (sock: Socket) => {
      this.sock = sock;
      this.sockKey = key;
      sock.setNoDelay(true);
      // Idle connections never keep the process alive; a scrape in flight has its timer.
      sock.unref();
      sock.on('data', (c: Buffer) => this.onData(sock, c));
      sock.on('end', () => this.onClose(sock, null));
      sock.on('error', (err: Error) => this.onClose(sock, err));
      sock.on('close', () => this.onClose(sock, null));
    };
    if (this.proxy === null) {
      const sock = e.https ? tlsConnect(tlsOpts()) : netConnect(e.port, e.hostname);
      adopt(sock);
      opened(sock, false);
      return;
    }
    const px = this.proxy;
    const raw = netConnect(
      Number(px.port || (px.protocol === 'https:' ? 443 : 80)),
      px.hostname.replace(/^\[|\]$/g, ''),
    );
    if (!e.https) {
      adopt(raw);
      opened(raw, false);
      return;
    }
    // https through the proxy: CONNECT host:port, then TLS inside the tunnel.
    raw.unref();
    const authority = `${isIP(e.hostname) === 6 ? `[${e.hostname}]` : e.hostname}:${e.port}`;
    openTunnel(raw, authority, this.proxyAuth, failed, () => {
      const sock = tlsConnect(tlsOpts(raw));
      adopt(sock);
      opened(sock, false);
    });
    // The exchange's deadline destroys the connection it is waiting for through this.
    this.sock = raw;
    this.sockKey = '';
  }

  private onData(sock: Socket, c: Buffer): void {
    const x = this.current;
    if (x !== null && x.sock === sock) x.data(c);
    else if (this.sock === sock) this.dropConnection(); // bytes nobody asked for: unusable
  }

  private onClose(sock: Socket, err: Error | null): void {
    if (this.sock === sock) {
      this.sock = null;
      this.sockKey = '';
    }
    const x = this.current;
    if (x !== null && x.sock === sock) x.closed(err);
    if (!sock.destroyed) sock.destroy();
  }

  /** Keeps `sock` for the next scrape. */
  release(sock: Socket): void {
    if (this.sock === sock && !sock.destroyed) this.sockIdleSince = Date.now();
  }

  dropConnection(): void {
    const s = this.sock;
    this.sock = null;
    this.sockKey = '';
    s?.destroy();
  }

  close(): void {
    this.current?.fail(this.current.error('context canceled'));
    this.dropConnection();
  }
}

/**
 * Asks the proxy on `raw` for a tunnel to `authority` (CONNECT); `ready` once it answers 200,
 * else `failed` with Go's wording (the status text, or the connection's error).
 */
function openTunnel(
  raw: Socket,
  authority: string,
  proxyAuth: string,
  failed: (err: Error) => void,
  ready: () => void,
): void {
  const p = new ResponseParser({ onHead: () => {}, onBody: () => {}, onEnd: () => {} }, true);
  const cleanup = () => {
    raw.removeListener('data', onData);
    raw.removeListener('error', onErr);
    raw.removeListener('end', onEnd);
  };
  const onErr = (err: Error) => {
    cleanup();
    raw.destroy();
    failed(new Error(`proxyconnect tcp: ${describeNetError(err)}`));
  };
  const onEnd = () => onErr(new Error('unexpected EOF'));
  const onData = (c: Buffer) => {
    try {
      p.push(c);
    } catch (err) {
      onErr(err as Error);
      return;
    }
    const h = p.head;
    if (h === null) return;
    cleanup();
    if (h.status !== 200) {
      raw.destroy();
      const sp = h.statusLine.indexOf(' ');
      failed(new Error(sp < 0 ? 'unknown status code' : h.statusLine.slice(sp + 1)));
      return;
    }
    ready();
  };
  raw.on('data', onData);
  raw.on('error', onErr);
  raw.on('end', onEnd);
  const pa = proxyAuth ? `Proxy-Authorization: ${proxyAuth}\r\n` : '';
  raw.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${pa}\r\n`, 'latin1');
}

/** A growable byte buffer, reset per scrape. */
class BodyBuffer {
  buf: Buffer = Buffer.allocUnsafe(16 * 1024);
  n = 0;

  push(c: Uint8Array): void {
    const need = this.n + c.length;
    if (need > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < need) cap *= 2;
      const nb = Buffer.allocUnsafe(cap);
      this.buf.copy(nb, 0, 0, this.n);
      this.buf = nb;
    }
    this.buf.set(c, this.n);
    this.n = need;
  }

  /** The bytes pushed since the last reset; valid until the next scrape. */
  bytes(): Buffer {
    return this.buf.subarray(0, this.n);
  }
}

/** Go's http.Client follows these for a GET. */
function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/**
 * One scrape: the request, its redirects, and the response read into the scraper's body buffer.
 * Settles once: with the body on a complete 200 response, else with the per-target error; on
 * timeout, cancellation, body_size_limit and broken responses the connection is destroyed.
 */
class Exchange implements ResponseSink {
  timer: NodeJS.Timeout | undefined;
  sock: Socket | null = null;
  private settled = false;
  private parser: ResponseParser;
  private ep: Endpoint | null = null;
  private req: Buffer | null = null;
  private reused = false;
  private retried = false;
  private redirects = 0;
  /** The response being read is a redirect to follow (to this URL). */
  private redirectTo: string | null = null;
  /** A redirect to follow once the parser returns. */
  private next: { to: string; reuse: boolean } | null = null;
  private statusErr: string | null = null;
  /** A 200 response's head arrived: errors now come from reading the body. */
  private inBody = false;
  private contentType = '';
  private gzip = false;
  private total = 0;
  private keepAlive = false;

  constructor(
    private readonly owner: HttpScraper,
    private readonly limit: number,
    private readonly extraLines: string,
    private readonly resolve: (r: ScrapeResponse) => void,
    private readonly reject: (e: Error) => void,
  ) {
    owner.body.n = 0;
    this.parser = new ResponseParser(this);
  }

  /**
   * The per-target error for `msg`, as Prometheus words it: errors of the request (connecting,
   * redirects, waiting for the response headers) are Go's url.Error `Get "<url>": <msg>`; errors
   * while reading the body come bare (`unexpected EOF`, `context deadline exceeded`).
   */
  error(msg: string): Error {
    return new Error(this.inBody ? msg : `Get "${this.owner.o.url}": ${msg}`);
  }

  /** Sends the request for `e` (`req`: its bytes), on the idle connection when it fits. */
  send(e: Endpoint, req: Buffer, reuse = true): void {
    this.ep = e;
    this.req = req;
    this.owner.connection(
      e,
      reuse,
      (s, reused) => {
        if (this.settled) return;
        this.sock = s;
        this.reused = reused;
        this.parser.reset();
        s.write(req);
      },
      (err) => this.fail(this.error(err.message)),
    );
    // Waiting for a proxy's CONNECT: the deadline still applies to that socket.
    if (this.sock === null && !this.settled) this.sock = this.owner.sock;
  }

  private finish(): void {
    this.settled = true;
    clearTimeout(this.timer);
    if (this.owner.current === this) this.owner.current = null;
  }

  /** Fails the scrape with `e` and closes the connection (its response is unfinished). */
  fail(e: Error): void {
    if (this.settled) return;
    this.finish();
    this.reject(e);
    if (this.sock !== null && this.owner.sock === this.sock) this.owner.dropConnection();
    else this.sock?.destroy();
  }

  data(c: Buffer): void {
    if (this.settled) return;
    try {
      this.parser.push(c);
    } catch (err) {
      this.fail(this.error((err as Error).message));
      return;
    }
    this.followPending();
  }

  /** The connection ended or failed. */
  closed(err: Error | null): void {
    if (this.settled) return;
    const p = this.parser;
    if (err === null) {
      try {
        p.close();
        this.followPending();
        return;
      } catch (e) {
        err = e as Error;
      }
    }
    if (!p.inBody && p.received === 0 && this.reused && !this.retried && this.req !== null) {
      // A kept-alive connection the server closed as we sent the request: send it again once on
      // a new connection, as Go's transport does for idempotent requests (same deadline).
      this.retried = true;
      this.sock = null;
      this.owner.dropConnection();
      this.send(this.ep!, this.req, false);
      return;
    }
    this.fail(this.error(err instanceof HttpProtocolError ? err.message : describeNetError(err)));
  }

  onHead(h: ResponseHead): void {
    if (this.settled) return;
    this.keepAlive = h.keepAlive;
    if (isRedirect(h.status) && h.location !== '' && this.owner.o.client.settings.followRedirects) {
      if (++this.redirects >= MAX_REDIRECTS) {
        this.fail(this.error(`stopped after ${MAX_REDIRECTS} redirects`));
        return;
      }
      let next: string;
      try {
        next = new URL(h.location, this.ep!.url).href;
      } catch {
        this.fail(this.error(`failed to parse Location header ${JSON.stringify(h.location)}`));
        return;
      }
      this.redirectTo = next;
      return;
    }
    if (h.status !== 200) {
      this.statusErr = `server returned HTTP status ${h.statusLine}`;
      return;
    }
    this.inBody = true;
    this.contentType = h.contentType;
    this.gzip = h.contentEncoding.trim().toLowerCase() === 'gzip';
  }

  onBody(b: Buffer): void {
    if (this.settled || this.next !== null) return;
    if (!this.inBody) {
      // A redirect's or an error's body: drop a little so the connection can be reused.
      this.total += b.length;
      if (this.total > DRAIN_LIMIT) {
        if (this.redirectTo !== null) {
          // Follow on a new connection instead of reading the rest.
          this.next = { to: this.redirectTo, reuse: false };
          this.redirectTo = null;
          this.owner.dropConnection();
        } else this.fail(new Error(this.statusErr!));
      }
      return;
    }
    this.total += b.length;
    // A compressed body is capped a little above the limit (gzip adds at most 0.1% + a header);
    // the limit proper applies to the decompressed bytes.
    const cap = this.gzip ? this.limit + this.limit / 1000 + 1024 : this.limit;
    if (this.total > cap) {
      this.fail(new Error(errBodySizeLimit));
      return;
    }
    this.owner.body.push(b);
  }

  onEnd(): void {
    if (this.settled || this.next !== null) return;
    const sock = this.sock!;
    // (A body that ran to the connection's close is never keepAlive.)
    const reusable = this.keepAlive && this.parser.extra === 0;
    if (reusable) this.owner.release(sock);
    else if (this.owner.sock === sock) this.owner.dropConnection();
    if (this.redirectTo !== null) {
      this.next = { to: this.redirectTo, reuse: reusable };
      this.redirectTo = null;
      return;
    }
    if (this.statusErr !== null) {
      this.finish();
      this.reject(new Error(this.statusErr));
      return;
    }
    let body = this.owner.body.bytes();
    if (this.gzip) {
      try {
        body = gunzipSync(body, this.limit === Infinity ? {} : { maxOutputLength: this.limit });
      } catch (e) {
        this.finish();
        const code = (e as { code?: string }).code;
        this.reject(new Error(code === 'ERR_BUFFER_TOO_LARGE' ? errBodySizeLimit : gzipError(e as Error)));
        return;
      }
    }
    this.finish();
    this.resolve({ body, contentType: this.contentType });
  }

  /**
   * Follows the redirect found while the parser ran: only once it has returned, as the next
   * request starts a new response on the parser (maybe on the same connection).
   */
  private followPending(): void {
    const n = this.next;
    if (n === null || this.settled) return;
    this.next = null;
    this.total = 0;
    this.follow(n.to, n.reuse);
  }

  /** Sends the request again for a redirect's Location. */
  private follow(to: string, reuse: boolean): void {
    let e: Endpoint;
    try {
      e = endpoint(to);
    } catch (err) {
      this.fail(this.error((err as Error).message));
      return;
    }
    // Go drops credentials when a redirect leaves the host they were meant for.
    const sameHost = e.hostname === this.ep!.hostname;
    const lines = sameHost ? this.extraLines : this.extraLines.replace(/^(authorization|cookie):.*\r\n/gim, '');
    this.sock = null;
    this.reused = false;
    this.retried = false;
    this.send(e, this.owner.request(e, lines), reuse);
  }
}

/** Go's gzip/flate wording for a zlib error while decompressing a body. */
function gzipError(e: Error): string {
  const m = e.message ?? String(e);
  if (m === 'incorrect header check') return 'gzip: invalid header';
  if (m === 'incorrect data check' || m === 'incorrect length check') return 'gzip: invalid checksum';
  if (m === 'unexpected end of file') return 'unexpected EOF';
  return `flate: corrupt input (${m})`;
}
