/**
 * Fetching a target's exposition over HTTP (Prometheus' targetScraper): keep-alive connections
 * through undici, the Accept header from scrape_protocols, gzip, the scrape timeout over the whole
 * request, and body_size_limit enforced while reading (the rest of the body is never read).
 *
 * The request goes straight through the dispatcher with a callback handler (no request() stream,
 * no AbortSignal.any): per scrape that is about half the CPU of the stream API, which matters at
 * thousands of scrapes a minute.
 */
import type { Dispatcher } from 'undici';
import { createGunzip, type Gunzip } from 'node:zlib';
import { describeNetError, type HttpClient, httpStatusText } from '../discovery/http-client.js';

export interface ScrapeResponse {
  body: Uint8Array;
  contentType: string;
}

/** Fetches one exposition; rejects with an Error whose message is the per-target error. */
export interface Scraper {
  scrape(signal: AbortSignal): Promise<ScrapeResponse>;
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

/** Bytes of a non-200 body read (and dropped) so the connection can be reused. */
const DRAIN_LIMIT = 64 * 1024;

export class HttpScraper implements Scraper {
  private readonly fixedHeaders: Record<string, string>;
  private readonly origin: string;
  private readonly path: string;
  /**
   * The body is assembled in this buffer, reused from scrape to scrape (a loop's scrapes never
   * overlap, and the loop is done with a body before it scrapes again): a fresh 60 KB Buffer per
   * scrape survived into the old generation often enough that external memory grew by tens of MB
   * between major GCs, and the process kept that as resident memory.
   */
  private readonly body = new BodyBuffer();
  /** The scrape in flight (a loop's scrapes never overlap), failed when the stop signal fires. */
  current: ScrapeHandler | null = null;
  /**
   * The stop signal listened to: once per signal (a loop passes the same one to every scrape), not
   * an add/removeEventListener pair per scrape (EventTarget's bookkeeping cost more than the rest
   * of the request set-up).
   */
  private watched: AbortSignal | null = null;

  private watch(signal: AbortSignal): void {
    if (signal === this.watched) return;
    this.watched = signal;
    signal.addEventListener('abort', () => this.current?.handleEvent(), { once: true });
  }

  constructor(private readonly o: HttpScraperOptions) {
    this.fixedHeaders = {
      accept: o.acceptHeader,
      'accept-encoding': o.enableCompression ? 'gzip' : 'identity',
      'user-agent': o.userAgent ?? 'promctl/0.1',
      'x-prometheus-scrape-timeout-seconds': secs(o.timeoutMs),
    };
    const u = new URL(o.url);
    this.origin = u.origin;
    this.path = u.pathname + u.search;
  }

  async scrape(signal: AbortSignal): Promise<ScrapeResponse> {
    const { url } = this.o;
    if (signal.aborted) throw new Error(`Get "${url}": context canceled`);
    let headers = this.fixedHeaders;
    try {
      const auth = await this.o.client.headers();
      for (const _ in auth) {
        headers = { ...this.fixedHeaders, ...auth };
        break;
      }
    } catch (e) {
      throw new Error(`Get "${url}": ${describeNetError(e)}`);
    }
    // Prometheus reads at most `limit` bytes and fails when it got that many: same as failing
    // past limit-1.
    const limit = this.o.bodySizeLimit > 0 ? Math.max(1, this.o.bodySizeLimit - 1) : Infinity;
    return new Promise<ScrapeResponse>((resolve, reject) => {
      const h = new ScrapeHandler(url, limit, this.body, this, resolve, reject);
      h.timer = setTimeout(() => h.fail(h.error('context deadline exceeded')), this.o.timeoutMs);
      this.watch(signal);
      this.current = h;
      // throwOnMaxRedirect: like Go's client, too many redirects is an error, not the last 3xx.
      const opts = { origin: this.origin, path: this.path, method: 'GET', headers, throwOnMaxRedirect: true };
      const dispatch = () => this.o.client.dispatcher.dispatch(opts as Dispatcher.DispatchOptions, h);
      h.redispatch = dispatch;
      dispatch();
    });
  }
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

function headerString(v: Buffer | Buffer[] | string | string[] | undefined): string {
  if (v === undefined) return '';
  const x = Array.isArray(v) ? v[0] : v;
  return x === undefined ? '' : typeof x === 'string' ? x : x.toString('latin1');
}

/**
 * One scrape request's callbacks (undici's dispatch handler). Settles once: with the body on a
 * complete 200 response, else with the per-target error; aborts the request on timeout,
 * cancellation and body_size_limit.
 */
class ScrapeHandler implements Dispatcher.DispatchHandler {
  timer: NodeJS.Timeout | undefined;
  /** Sends the request again (once) after a connection broke before the response. */
  redispatch: (() => void) | null = null;
  private headersSeen = false;
  private abortFn: ((err: Error) => void) | null = null;
  private settled = false;
  private statusErr: string | null = null;
  /** A 200 response's headers arrived: errors now come from reading the body. */
  private inBody = false;
  private contentType = '';
  private gunzip: Gunzip | null = null;
  private gunzipDone: Promise<void> | null = null;
  private total = 0;

  constructor(
    private readonly url: string,
    private readonly limit: number,
    private readonly body: BodyBuffer,
    private readonly owner: { current: ScrapeHandler | null },
    private readonly resolve: (r: ScrapeResponse) => void,
    private readonly reject: (e: Error) => void,
  ) {
    body.n = 0;
  }

  /**
   * The per-target error for `msg`, as Prometheus words it: errors of the request (connecting,
   * redirects, waiting for the response headers) are Go's url.Error `Get "<url>": <msg>`; errors
   * while reading the body come bare (`unexpected EOF`, `context deadline exceeded`).
   */
  error(msg: string): Error {
    return new Error(this.inBody ? msg : `Get "${this.url}": ${msg}`);
  }

  /** The stop signal's abort listener. */
  handleEvent(): void {
    this.fail(this.error('context canceled'));
  }

  private finish(): void {
    this.settled = true;
    clearTimeout(this.timer);
    if (this.owner.current === this) this.owner.current = null;
  }

  /** Fails the scrape with `e` and aborts the request. */
  fail(e: Error): void {
    if (this.settled) return;
    this.finish();
    this.gunzip?.destroy();
    this.reject(e);
    if (this.abortFn) this.abortFn(e);
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.settled) abort(new Error('scrape already ended'));
    else this.abortFn = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[] | string[] | null): boolean {
    if (this.settled) return false;
    this.headersSeen = true;
    let enc = '';
    const raw = rawHeaders ?? [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const k = headerString(raw[i]);
      if (k.length === 12 && k.toLowerCase() === 'content-type') {
        if (this.contentType === '') this.contentType = headerString(raw[i + 1]);
      } else if (k.length === 16 && k.toLowerCase() === 'content-encoding') {
        if (enc === '') enc = headerString(raw[i + 1]);
      }
    }
    if (statusCode !== 200) {
      this.statusErr = `server returned HTTP status ${httpStatusText(statusCode)}`;
      return true;
    }
    this.inBody = true;
    if (enc.trim().toLowerCase() === 'gzip') {
      const gz = (this.gunzip = createGunzip());
      this.gunzipDone = new Promise<void>((res, rej) => {
        gz.on('data', (c: Buffer) => this.take(c));
        gz.on('end', res);
        gz.on('error', rej);
      });
      this.gunzipDone.catch(() => {}); // observed in onComplete
    }
    return true;
  }

  /** Keeps decoded body bytes; past the limit, fails the scrape (the rest is never read). */
  private take(c: Buffer): void {
    if (this.settled) return;
    this.total += c.length;
    if (this.total > this.limit) {
      this.fail(new Error(errBodySizeLimit));
      return;
    }
    this.body.push(c);
  }

  onData(chunk: Buffer): boolean {
    if (this.settled) return false;
    if (this.statusErr !== null) {
      // Drain a little so the connection can be reused; destroy it otherwise.
      this.total += chunk.length;
      if (this.total > DRAIN_LIMIT) this.fail(new Error(this.statusErr));
      return true;
    }
    if (this.gunzip !== null) this.gunzip.write(chunk);
    else this.take(chunk);
    return true;
  }

  onComplete(): void {
    if (this.settled) return;
    if (this.statusErr !== null) {
      this.finish();
      this.reject(new Error(this.statusErr));
      return;
    }
    if (this.gunzip === null) {
      this.finish();
      this.resolve({ body: this.body.bytes(), contentType: this.contentType });
      return;
    }
    this.gunzip.end();
    this.gunzipDone!.then(
      () => {
        if (this.settled) return;
        this.finish();
        this.resolve({ body: this.body.bytes(), contentType: this.contentType });
      },
      (e: Error) => this.fail(new Error(gzipError(e))),
    );
  }

  onError(err: Error): void {
    if (this.settled) return;
    const code = (err as { code?: string }).code;
    if (
      this.redispatch !== null &&
      !this.headersSeen &&
      (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE')
    ) {
      // The connection broke before any response byte — typically a kept-alive connection the
      // server closed as we sent the request: send it again once on a new one, as Go's transport
      // does for idempotent requests (same deadline).
      const again = this.redispatch;
      this.redispatch = null;
      this.abortFn = null;
      this.total = 0;
      this.body.n = 0;
      queueMicrotask(again);
      return;
    }
    const m = err.message ?? '';
    // undici's redirect handler: a Location already visited, or more than 10 hops.
    if (m.startsWith('Redirect loop detected') || m === 'max redirects') {
      this.fail(this.error('stopped after 10 redirects'));
    } else this.fail(this.error(describeNetError(err)));
  }

  onUpgrade(): void {
    this.onError(new Error('unexpected upgrade'));
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
