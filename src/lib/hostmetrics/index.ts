export { collectNode, createNodeCollector } from './node.js';
export type { NodeCollector, NodeCollectorDeps, NodeScrape, CollectorError } from './node.js';
export {
  COLLECTOR_NAMES,
  DEFAULT_NODE_OPTIONS,
  DEFAULT_DISKSTATS_DEVICE_EXCLUDE,
  DEFAULT_FS_TYPES_EXCLUDE,
  DEFAULT_MOUNT_POINTS_EXCLUDE,
  isCollectorName,
  nodeOptions,
} from './options.js';
export type { CollectorName, NodeOptions } from './options.js';
export { startNodeExporter } from './server.js';
export type { NodeExporterServer } from './server.js';
export { nodeOptionsFromFlags } from './flags.js';
export type { NodeFlagValues } from './flags.js';
export { parseListenAddress } from './server.js';
