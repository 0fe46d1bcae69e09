/**
 * What rules depend on: function types, not implementations. `serve` passes an engine-backed
 * QueryFunc, a notifier-backed NotifyFunc and the storage as Appendable/Queryable.
 */
import type { Labels } from '../model/labels.js';

/** One element of an instant vector. */
export interface RuleSample {
  metric: Labels;
  /** ms */
  t: number;
  v: number;
}

/**
 * Evaluates an instant query at `t` (ms) and returns an instant vector. A scalar result is a
 * one-element vector with empty labels (Prometheus' EngineQueryFunc); other types are an error.
 */
export type QueryFunc = (expr: string, t: number) => Promise<RuleSample[]>;

export type AlertState = 'inactive' | 'pending' | 'firing';

/** An alert as rules hold it. Times are ms since the epoch; 0 is Go's zero time (unset). */
export interface Alert {
  state: AlertState;
  labels: Labels;
  annotations: Labels;
  /** Value of the sample that created or last updated the alert. */
  value: number;
  activeAt: number;
  firedAt: number;
  resolvedAt: number;
  lastSentAt: number;
  validUntil: number;
  keepFiringSince: number;
}

/** Receives alerts to send (firing, or resolved since the last send) with the rule's expression. */
export type NotifyFunc = (expr: string, alerts: readonly Alert[]) => void;

export type RuleHealth = 'unknown' | 'ok' | 'err';

export interface Logger {
  (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void;
}

export const noopLogger: Logger = () => {};

/** Time source for schedules (tests drive it). */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};
