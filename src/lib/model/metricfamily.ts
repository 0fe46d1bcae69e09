import type { Labels } from './labels.js';

/** The metric types of the exposition formats. */
export type MetricKind =
  'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'info' | 'stateset' | 'unknown';

/** One exposed sample: its full name (with any _bucket/_sum/_count/_total suffix) and labels. */
export interface ExposedSample {
  /** Full sample name, e.g. `http_requests_total` or `rpc_duration_seconds_bucket`. */
  name: string;
  /** Labels without `__name__`. */
  labels: Labels;
  value: number;
  /** Milliseconds since the epoch; omitted for "now". */
  timestamp?: number;
}

/**
 * A metric family as exporters produce it (promctl's own /metrics, the node collector, federation):
 * HELP and TYPE for `name`, then its samples in order.
 */
export interface MetricFamily {
  name: string;
  type: MetricKind;
  help: string;
  unit?: string;
  samples: ExposedSample[];
}
