export * from './interface.js';
export { PromParser } from './promparse.js';
export { OpenMetricsParser, type OpenMetricsParserOptions } from './openmetricsparse.js';
export * from './negotiate.js';
export * from './body.js';
export * from './writer.js';
export { SeriesCache, hashBytes } from './series-cache.js';
export { validateOpenMetrics } from './omvalidate.js';
export * from './lint.js';
