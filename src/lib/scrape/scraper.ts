/**
 * Fetching a target's exposition over HTTP (Prometheus' targetScraper): keep-alive connections
 * through undici, the Accept header from scrape_protocols, gzip, the scrape timeout over the whole
 * request, and body_size_limit enforced while reading (the rest of the body is never read).
 */
import { request } from 'undici';
import { describeNetError, type HttpClient, httpStatusText } from '../discovery/http-client.js';
import { BodySizeLimitError, readBody } from '../textparse/body.js';

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

export class HttpScraper implements Scraper {
  private readonly fixedHeaders: Record<string, string>;

  constructor(private readonly o: HttpScraperOptions) {
    this.fixedHeaders = {
      accept: o.acceptHeader,
      'accept-encoding': o.enableCompression ? 'gzip' : 'identity',
      'user-agent': o.userAgent ?? 'promctl/0.1',
      'x-prometheus-scrape-timeout-seconds': secs(o.timeoutMs),
    };
  }

  async scrape(signal: AbortSignal): Promise<ScrapeResponse> {
    const { url } = this.o;
    const timeout = AbortSignal.timeout(this.o.timeoutMs);
    const sig = AbortSignal.any([signal, timeout]);
    const fail = (e: unknown): Error => {
      if (timeout.aborted) return new Error(`Get "${url}": context deadline exceeded`);
      if (signal.aborted) return new Error(`Get "${url}": context canceled`);
      return new Error(`Get "${url}": ${describeNetError(e)}`);
    };
    let res;
    try {
      const auth = await this.o.client.headers();
      res = await request(url, {
        method: 'GET',
        headers: { ...this.fixedHeaders, ...auth },
        dispatcher: this.o.client.dispatcher,
        signal: sig,
      });
    } catch (e) {
      throw fail(e);
    }
    if (res.statusCode !== 200) {
      // Drain a little so the connection can be reused; destroy it otherwise.
      await res.body.dump({ limit: 64 * 1024 }).catch(() => {});
      throw new Error(`server returned HTTP status ${httpStatusText(res.statusCode)}`);
    }
    const enc = res.headers['content-encoding'];
    const ct = res.headers['content-type'];
    const limit = this.o.bodySizeLimit;
    try {
      // Prometheus reads at most `limit` bytes and fails when it got that many: same as failing
      // past limit-1.
      const body = await readBody(res.body, {
        encoding: Array.isArray(enc) ? enc[0] : enc,
        limit: limit > 0 ? Math.max(1, limit - 1) : 0,
      });
      return { body, contentType: (Array.isArray(ct) ? ct[0] : ct) ?? '' };
    } catch (e) {
      res.body.destroy();
      if (e instanceof BodySizeLimitError) throw new Error(errBodySizeLimit);
      if ((e as Error).message?.startsWith('invalid gzip body')) throw e;
      throw fail(e);
    }
  }
}
