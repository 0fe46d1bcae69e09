/**
 * undici, loaded on first use. A server scraping static targets never needs it (the scraper has
 * its own HTTP/1.1 client): HTTP service discovery, the notifier and clients of those options
 * load it when they first send a request, and a server that never does saves the ~20 MB of
 * memory the package costs once imported.
 */
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

let mod: typeof Undici | null = null;

export function undici(): typeof Undici {
  mod ??= createRequire(import.meta.url)('undici') as typeof Undici;
  return mod;
}
