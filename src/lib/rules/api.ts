/**
 * JSON shapes of Prometheus' /api/v1/rules and /api/v1/alerts (web/api/v1/api.go), built from the
 * rules manager's state: the `data` field of the response.
 */
import { exprToString, parseExpr } from '../promql/parser/index.js';
import type { Labels } from '../model/labels.js';
import { formatFloatAbs } from '../template/gofmt.js';
import type { Group } from './group.js';
import { AlertingRule, type Rule } from './rule.js';
import type { Alert } from './types.js';

export interface ApiAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  activeAt?: string;
  keepFiringSince?: string;
  value: string;
}

export interface ApiAlertingRule {
  state: string;
  name: string;
  query: string;
  duration: number;
  keepFiringFor: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  alerts: ApiAlert[];
  health: string;
  lastError?: string;
  evaluationTime: number;
  lastEvaluation: string;
  type: 'alerting';
}

export interface ApiRecordingRule {
  name: string;
  query: string;
  labels?: Record<string, string>;
  health: string;
  lastError?: string;
  evaluationTime: number;
  lastEvaluation: string;
  type: 'recording';
}

export interface ApiRuleGroup {
  name: string;
  file: string;
  rules: (ApiAlertingRule | ApiRecordingRule)[];
  interval: number;
  limit: number;
  evaluationTime: number;
  lastEvaluation: string;
}

/** Go's time.Time JSON (RFC 3339 with nanoseconds, trailing zeros trimmed); 0 is the zero time. */
export function goTimeJSON(ms: number): string {
  if (ms === 0) return '0001-01-01T00:00:00Z';
  const d = new Date(ms);
  const iso = d.toISOString(); // 2024-01-01T00:00:00.123Z
  const [base, frac] = iso.slice(0, -1).split('.') as [string, string];
  const f = frac.replace(/0+$/, '');
  return f ? `${base}.${f}Z` : `${base}Z`;
}

/** strconv.FormatFloat(v, 'e', -1, 64), as the API prints alert values. */
export function formatAlertValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const s = formatFloatAbs(v, 'e', -1);
  return (v < 0 || Object.is(v, -0) ? '-' : '') + s;
}

const queryCache = new Map<string, string>();
/** The rule's expression as Prometheus prints it (`rule.Query().String()`). */
export function ruleQuery(expr: string): string {
  let q = queryCache.get(expr);
  if (q === undefined) {
    try {
      q = exprToString(parseExpr(expr));
    } catch {
      q = expr;
    }
    if (queryCache.size > 10_000) queryCache.clear();
    queryCache.set(expr, q);
  }
  return q;
}

function obj(l: Labels): Record<string, string> {
  return l.toObject();
}

export function apiAlert(a: Alert): ApiAlert {
  return {
    labels: obj(a.labels),
    annotations: obj(a.annotations),
    state: a.state,
    activeAt: goTimeJSON(a.activeAt),
    ...(a.keepFiringSince !== 0 ? { keepFiringSince: goTimeJSON(a.keepFiringSince) } : {}),
    value: formatAlertValue(a.value),
  };
}

export interface RulesFilter {
  /** `type`: "alert" or "record". */
  type?: 'alert' | 'record';
  ruleName?: readonly string[];
  ruleGroup?: readonly string[];
  file?: readonly string[];
  /** `exclude_alerts=true` leaves alerts out of alerting rules. */
  excludeAlerts?: boolean;
}

function ruleJSON(r: Rule, excludeAlerts: boolean): ApiAlertingRule | ApiRecordingRule {
  const base = {
    health: r.health,
    ...(r.lastError ? { lastError: r.lastError.message } : {}),
    evaluationTime: r.evaluationTime,
    lastEvaluation: goTimeJSON(r.lastEvaluation),
  };
  if (r instanceof AlertingRule) {
    return {
      state: r.state(),
      name: r.name,
      query: ruleQuery(r.expr),
      duration: r.holdDuration / 1000,
      keepFiringFor: r.keepFiringFor / 1000,
      labels: obj(r.labels),
      annotations: obj(r.annotations),
      alerts: excludeAlerts ? [] : r.activeAlerts().map(apiAlert),
      health: base.health,
      ...(base.lastError !== undefined ? { lastError: base.lastError } : {}),
      evaluationTime: base.evaluationTime,
      lastEvaluation: base.lastEvaluation,
      type: 'alerting',
    };
  }
  return {
    name: r.name,
    query: ruleQuery(r.expr),
    ...(r.labels.size > 0 ? { labels: obj(r.labels) } : {}),
    health: base.health,
    ...(base.lastError !== undefined ? { lastError: base.lastError } : {}),
    evaluationTime: base.evaluationTime,
    lastEvaluation: base.lastEvaluation,
    type: 'recording',
  };
}

/** The `data` of /api/v1/rules: `{ groups: [...] }`. */
export function rulesAPI(groups: readonly Group[], f: RulesFilter = {}): { groups: ApiRuleGroup[] } {
  const names = f.ruleName?.length ? new Set(f.ruleName) : null;
  const gnames = f.ruleGroup?.length ? new Set(f.ruleGroup) : null;
  const files = f.file?.length ? new Set(f.file) : null;
  const filtering = names !== null || f.type !== undefined;
  const out: ApiRuleGroup[] = [];
  for (const g of groups) {
    if (gnames && !gnames.has(g.name)) continue;
    if (files && !files.has(g.file)) continue;
    const rules: (ApiAlertingRule | ApiRecordingRule)[] = [];
    for (const r of g.rules) {
      if (names && !names.has(r.name)) continue;
      if (f.type === 'alert' && r.type !== 'alerting') continue;
      if (f.type === 'record' && r.type !== 'recording') continue;
      rules.push(ruleJSON(r, f.excludeAlerts ?? false));
    }
    if (filtering && rules.length === 0) continue;
    out.push({
      name: g.name,
      file: g.file,
      rules,
      interval: g.interval / 1000,
      limit: g.limit,
      evaluationTime: g.lastDuration,
      lastEvaluation: goTimeJSON(g.lastEvaluation),
    });
  }
  return { groups: out };
}

/** The `data` of /api/v1/alerts: `{ alerts: [...] }`, every pending or firing alert. */
export function alertsAPI(groups: readonly Group[]): { alerts: ApiAlert[] } {
  const alerts: ApiAlert[] = [];
  for (const g of groups) {
    for (const r of g.rules) {
      if (r instanceof AlertingRule) for (const a of r.activeAlerts()) alerts.push(apiAlert(a));
    }
  }
  return { alerts };
}
