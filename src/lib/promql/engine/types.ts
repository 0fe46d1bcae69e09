/**
 * Values the engine works with and returns. Shapes follow Prometheus' promql/value.go: a Vector is
 * samples at one timestamp, a Matrix is series of points, sorted by labels in range results.
 */
import type { Labels } from '../../model/labels.js';
import type { PositionRange } from '../parser/ast.js';

/** One sample of an instant vector. `dropName`: the name is to be removed at the end (delayed removal). */
export interface Sample {
  metric: Labels;
  /** ms */
  t: number;
  f: number;
  dropName: boolean;
}

export type Vector = Sample[];

/** A series of float points: `ts[i]` (ms) with `fs[i]`. */
export interface Series {
  metric: Labels;
  ts: number[];
  fs: number[];
  dropName: boolean;
}

export type Matrix = Series[];

export interface ScalarResult {
  type: 'scalar';
  /** ms */
  t: number;
  v: number;
}

export interface StringResult {
  type: 'string';
  t: number;
  v: string;
}

export interface VectorResult {
  type: 'vector';
  /** Evaluation time, ms. */
  t: number;
  samples: { metric: Labels; t: number; v: number }[];
}

export interface MatrixResult {
  type: 'matrix';
  series: { metric: Labels; ts: Float64Array; vs: Float64Array }[];
}

export type QueryValue = ScalarResult | StringResult | VectorResult | MatrixResult;

/** A warning or info annotation (Prometheus 3 annotations). `message` includes the `PromQL warning: ` prefix. */
export interface Annotation {
  kind: 'warning' | 'info';
  message: string;
  pos?: PositionRange;
}

export interface QueryResult {
  value: QueryValue;
  /** Messages with prefix, as Prometheus' annotations' Error(). */
  warnings: string[];
  infos: string[];
  /** Annotations with positions, for renderers that add `(line:col)` like Prometheus' API. */
  annotations: Annotation[];
  stats: { samplesLoaded: number; peakSamples: number; evalMs: number };
}
