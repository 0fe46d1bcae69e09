/**
 * Target groups, the unit every service discovery produces (Prometheus' discovery/targetgroup):
 * a list of targets (each a label set holding at least `__address__`) plus labels common to all,
 * identified by a `source` that is unique within its provider. An update carrying a group with no
 * targets removes that source's targets.
 */
import { isValidUtf8Name } from '../model/labels.js';

export interface TargetGroup {
  /** Unique within its provider, e.g. "0" (static), "/etc/sd/a.json:0" (file), "http://…:0" (http). */
  source: string;
  /** One label set per target; each has `__address__`. */
  targets: Record<string, string>[];
  /** Labels shared by all targets of the group (target labels take precedence). */
  labels: Record<string, string>;
}

export const ADDRESS_LABEL = '__address__';

/** A target group file or HTTP SD response that is not in the documented format. */
export class TargetGroupError extends Error {
  override readonly name = 'TargetGroupError';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Validates one `{targets: [...], labels: {...}}` entry as Prometheus' targetgroup unmarshalling
 * does, and converts it to a TargetGroup with the given source.
 */
export function parseTargetGroup(raw: unknown, source: string, where: string): TargetGroup {
  if (raw === null || raw === undefined) throw new TargetGroupError(`${where}: nil target group item found`);
  if (!isObject(raw))
    throw new TargetGroupError(`${where}: a target group must be an object with "targets" and "labels"`);
  for (const k of Object.keys(raw)) {
    if (k !== 'targets' && k !== 'labels') throw new TargetGroupError(`${where}: unknown field "${k}" in target group`);
  }
  const targetsRaw = raw['targets'] ?? [];
  if (!Array.isArray(targetsRaw)) throw new TargetGroupError(`${where}: "targets" must be a list of strings`);
  const targets: Record<string, string>[] = [];
  for (const t of targetsRaw) {
    if (typeof t !== 'string') throw new TargetGroupError(`${where}: target ${JSON.stringify(t)} is not a string`);
    targets.push({ [ADDRESS_LABEL]: t });
  }
  const labelsRaw = raw['labels'] ?? {};
  if (!isObject(labelsRaw)) throw new TargetGroupError(`${where}: "labels" must be a map of label names to values`);
  const labels: Record<string, string> = {};
  for (const [n, v] of Object.entries(labelsRaw)) {
    if (!isValidUtf8Name(n)) throw new TargetGroupError(`${where}: "${n}" is not a valid label name`);
    if (typeof v !== 'string') {
      if (typeof v === 'number' || typeof v === 'boolean') labels[n] = String(v);
      else throw new TargetGroupError(`${where}: value of label "${n}" must be a string`);
    } else labels[n] = v;
  }
  return { source, targets, labels };
}

/** Whether two groups carry the same targets and labels. */
export function sameGroup(a: TargetGroup | undefined, b: TargetGroup | undefined): boolean {
  if (!a || !b) return a === b;
  return JSON.stringify([a.targets, a.labels]) === JSON.stringify([b.targets, b.labels]);
}
