export * from './config.js';
export * from './target.js';
export * from './cache.js';
export * from './scraper.js';
export * from './loop.js';
export * from './manager.js';
export { xxhash64, fnv64a, labelsHash } from './hash.js';
