/**
 * Reading exposition bodies: gzip decoding with a size limit (body_size_limit), as Prometheus
 * stops reading past the limit and fails the scrape.
 */
import { createGunzip } from 'node:zlib';

export class BodySizeLimitError extends Error {
  override readonly name = 'BodySizeLimitError';
  constructor(readonly limit: number) {
    super(`body size limit exceeded (${limit} bytes)`);
  }
}

function concat(chunks: Uint8Array[], total: number): Buffer {
  return Buffer.concat(chunks, total);
}

/**
 * Reads `chunks` (a response body stream), gunzipping when `encoding` is gzip, and stops with
 * BodySizeLimitError once more than `limit` bytes (after decompression) arrive; `limit` ≤ 0 means
 * no limit. The source is not read further past the limit.
 */
export async function readBody(
  chunks: AsyncIterable<Uint8Array>,
  opts: { encoding?: string | null; limit?: number } = {},
): Promise<Buffer> {
  const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
  const gzip = (opts.encoding ?? '').trim().toLowerCase() === 'gzip';
  const out: Uint8Array[] = [];
  let total = 0;
  const take = (c: Uint8Array) => {
    total += c.length;
    if (total > limit) throw new BodySizeLimitError(limit);
    out.push(c);
  };
  if (!gzip) {
    for await (const c of chunks) take(c);
    return concat(out, total);
  }
  const gunzip = createGunzip();
  const done = new Promise<void>((resolve, reject) => {
    gunzip.on('data', (c: Buffer) => {
      try {
        take(c);
      } catch (e) {
        gunzip.destroy(e as Error);
      }
    });
    gunzip.on('end', resolve);
    gunzip.on('error', reject);
  });
  done.catch(() => {}); // observed below
  try {
    for await (const c of chunks) {
      if (gunzip.destroyed) break;
      if (!gunzip.write(c)) await new Promise<void>((r) => gunzip.once('drain', r).once('close', r));
    }
    gunzip.end();
  } catch (e) {
    gunzip.destroy();
    throw e;
  }
  try {
    await done;
  } catch (e) {
    if (e instanceof BodySizeLimitError) throw e;
    throw new Error(`invalid gzip body: ${(e as Error).message}`);
  }
  return concat(out, total);
}

/** readBody for a whole buffer (files, tests). */
export function decodeBody(body: Uint8Array, opts: { encoding?: string | null; limit?: number } = {}): Promise<Buffer> {
  return readBody(
    (async function* () {
      yield body;
    })(),
    opts,
  );
}
