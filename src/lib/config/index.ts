/** prometheus.yml: load, validate (Prometheus 3.x semantics), check referenced files, edit. */
export * from './types.js';
export * from './problems.js';
export {
  analyzeConfigFile,
  analyzeConfigText,
  analyzeTargetGroup,
  analyzeTargetGroups,
  glob,
  joinDir,
  loadConfig,
  parseConfig,
  type LoadOptions,
  type LoadResult,
} from './load.js';
export { parseSize, SizeError } from './units.js';
export { parseGoURL, URLError } from './urls.js';
export {
  DEFAULT_SCRAPE_PROTOCOLS,
  DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS,
  SCRAPE_PROTOCOLS,
  expandEnv,
} from './validate.js';
export { SD_CONFIG_KEYS } from './sd-keys.js';
export * from './check.js';
export * from './edit.js';
export * from './init.js';
export { writeFileAtomic, FileExistsError, type AtomicWriteOptions } from './atomic.js';
