/**
 * The JSON shapes of Prometheus' HTTP API v1 (web/api/v1), shared by the server (which must encode
 * them byte-for-byte like Prometheus) and the client.
 */

/** [unix seconds, "value"], e.g. [1700000000.123, "1.5"]. */
export type SampleValue = [number, string];

export interface VectorSample {
  metric: Record<string, string>;
  value: SampleValue;
}

export interface MatrixSeries {
  metric: Record<string, string>;
  values: SampleValue[];
}

export type QueryData =
  | { resultType: 'vector'; result: VectorSample[] }
  | { resultType: 'matrix'; result: MatrixSeries[] }
  | { resultType: 'scalar'; result: SampleValue }
  | { resultType: 'string'; result: SampleValue };

/** Prometheus' error types (errorType in error responses). */
export type ErrorType =
  'timeout' | 'canceled' | 'execution' | 'bad_data' | 'internal' | 'unavailable' | 'not_found' | 'not_acceptable';

export interface SuccessEnvelope<T> {
  status: 'success';
  data: T;
  warnings?: string[];
  infos?: string[];
}

export interface ErrorEnvelope {
  status: 'error';
  errorType: ErrorType;
  error: string;
  data?: unknown;
  warnings?: string[];
  infos?: string[];
}

export type Envelope<T> = SuccessEnvelope<T> | ErrorEnvelope;

export interface ActiveTarget {
  discoveredLabels: Record<string, string>;
  labels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
  globalUrl: string;
  lastError: string;
  lastScrape: string;
  lastScrapeDuration: number;
  health: 'up' | 'down' | 'unknown';
  scrapeInterval: string;
  scrapeTimeout: string;
}

export interface DroppedTarget {
  discoveredLabels: Record<string, string>;
}

export interface TargetsData {
  activeTargets: ActiveTarget[];
  droppedTargets: DroppedTarget[];
  droppedTargetCounts?: Record<string, number>;
}

export interface BuildInfo {
  version: string;
  revision: string;
  branch: string;
  buildUser: string;
  buildDate: string;
  goVersion: string;
}
