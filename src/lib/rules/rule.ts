/**
 * Recording and alerting rules with Prometheus' evaluation semantics (rules/recording.go,
 * rules/alerting.go): label handling, duplicate-labelset errors, limits, the alert state machine
 * (pending → firing → inactive/resolved, keep_firing_for, 15m resolved retention), ALERTS and
 * ALERTS_FOR_STATE samples and which alerts need sending.
 */
import { Labels, METRIC_NAME } from '../model/labels.js';
import { expandAlertTemplate } from '../template/prometheus.js';
import type { Alert, AlertState, Logger, NotifyFunc, QueryFunc, RuleHealth, RuleSample } from './types.js';

export const ALERT_METRIC_NAME = 'ALERTS';
export const ALERT_FOR_STATE_METRIC_NAME = 'ALERTS_FOR_STATE';
export const ALERT_NAME_LABEL = 'alertname';
export const ALERT_STATE_LABEL = 'alertstate';
/** How long a resolved alert is kept (and re-sent as resolved). */
export const RESOLVED_RETENTION = 15 * 60_000;

export interface EvalContext {
  queryFn: QueryFunc;
  externalURL: string;
  externalLabels: Labels;
  logger: Logger;
}

abstract class BaseRule {
  health: RuleHealth = 'unknown';
  lastError: Error | null = null;
  /** ms since epoch of the last evaluation start; 0 if never. */
  lastEvaluation = 0;
  /** seconds */
  evaluationTime = 0;

  constructor(
    readonly name: string,
    /** The expression as written (for queries). */
    readonly expr: string,
    readonly labels: Labels,
  ) {}

  abstract readonly type: 'recording' | 'alerting';
  abstract eval(ts: number, queryOffset: number, ctx: EvalContext, limit: number): Promise<RuleSample[]>;

  setHealth(h: RuleHealth, err: Error | null): void {
    this.health = h;
    this.lastError = err;
  }
}

export class RecordingRule extends BaseRule {
  readonly type = 'recording' as const;

  async eval(ts: number, queryOffset: number, ctx: EvalContext, limit: number): Promise<RuleSample[]> {
    const t = ts - queryOffset;
    const vector = await ctx.queryFn(this.expr, t);
    const seen = new Set<string>();
    const out: RuleSample[] = [];
    for (const s of vector) {
      const b = s.metric.builder();
      b.set(METRIC_NAME, this.name);
      this.labels.forEach((k, v) => b.set(k, v));
      const metric = b.labels();
      const key = metric.key();
      if (seen.has(key)) throw new Error('vector contains metrics with the same labelset after applying rule labels');
      seen.add(key);
      out.push({ metric, t, v: s.v });
    }
    if (limit > 0 && out.length > limit) throw new Error(`exceeded limit of ${limit} with ${out.length} series`);
    return out;
  }
}

function newAlert(labels: Labels, annotations: Labels, value: number, ts: number): Alert {
  return {
    state: 'pending',
    labels,
    annotations,
    value,
    activeAt: ts,
    firedAt: 0,
    resolvedAt: 0,
    lastSentAt: 0,
    validUntil: 0,
    keepFiringSince: 0,
  };
}

export class AlertingRule extends BaseRule {
  readonly type = 'alerting' as const;
  /** Active alerts by their labels' key. */
  readonly active = new Map<string, Alert>();
  /** Whether ALERTS samples are written (false until the for-state was restored after a start). */
  restored: boolean;

  constructor(
    name: string,
    expr: string,
    /** `for`, ms */
    readonly holdDuration: number,
    /** `keep_firing_for`, ms */
    readonly keepFiringFor: number,
    labels: Labels,
    readonly annotations: Labels,
    restored = true,
  ) {
    super(name, expr, labels);
    this.restored = restored;
  }

  /** The most advanced state among active alerts. */
  state(): AlertState {
    let s: AlertState = 'inactive';
    for (const a of this.active.values()) {
      if (a.state === 'firing') return 'firing';
      if (a.state === 'pending') s = 'pending';
    }
    return s;
  }

  /** Alerts that are pending or firing (not resolved), like Prometheus' ActiveAlerts. */
  activeAlerts(): Alert[] {
    return [...this.active.values()].filter((a) => a.resolvedAt === 0);
  }

  private sample(a: Alert, t: number): RuleSample {
    const b = a.labels.builder();
    b.set(METRIC_NAME, ALERT_METRIC_NAME);
    b.set(ALERT_STATE_LABEL, a.state);
    return { metric: b.labels(), t, v: 1 };
  }

  private forStateSample(a: Alert, t: number): RuleSample {
    const b = a.labels.builder();
    b.set(METRIC_NAME, ALERT_FOR_STATE_METRIC_NAME);
    return { metric: b.labels(), t, v: Math.floor(a.activeAt / 1000) };
  }

  async eval(ts: number, queryOffset: number, ctx: EvalContext, limit: number): Promise<RuleSample[]> {
    const qt = ts - queryOffset;
    const res = await ctx.queryFn(this.expr, qt);
    const alerts = new Map<string, Alert>();
    const tmplQuery = async (q: string, t: number) =>
      (await ctx.queryFn(q, t)).map((s) => ({ labels: s.metric, value: s.v }));
    const name = `__alert_${this.name}`;
    for (const smpl of res) {
      const expand = async (text: string): Promise<string> => {
        try {
          return await expandAlertTemplate(
            name,
            text,
            { labels: smpl.metric, externalLabels: ctx.externalLabels, externalURL: ctx.externalURL, value: smpl.v },
            { timestamp: ts, queryFn: tmplQuery, externalURL: ctx.externalURL || undefined },
          );
        } catch (e) {
          ctx.logger('warn', 'Expanding alert template failed', { err: (e as Error).message, alert: this.name });
          return `<error expanding template: ${(e as Error).message}>`;
        }
      };
      const lb = smpl.metric.builder();
      lb.del(METRIC_NAME);
      for (let i = 0; i < this.labels.size; i++) lb.set(this.labels.name(i), await expand(this.labels.value(i)));
      lb.set(ALERT_NAME_LABEL, this.name);
      const ann: [string, string][] = [];
      for (let i = 0; i < this.annotations.size; i++)
        ann.push([this.annotations.name(i), await expand(this.annotations.value(i))]);
      const lbs = lb.labels();
      const h = lbs.key();
      if (alerts.has(h)) throw new Error('vector contains metrics with the same labelset after applying alert labels');
      alerts.set(h, newAlert(lbs, Labels.fromPairs(ann), smpl.v, ts));
    }
    for (const [h, a] of alerts) {
      const cur = this.active.get(h);
      if (cur && cur.state !== 'inactive') {
        cur.value = a.value;
        cur.annotations = a.annotations;
        continue;
      }
      this.active.set(h, a);
    }
    let numActivePending = 0;
    const vec: RuleSample[] = [];
    for (const [h, a] of this.active) {
      if (!alerts.has(h)) {
        let keepFiring = false;
        if (a.state === 'firing' && this.keepFiringFor > 0) {
          if (a.keepFiringSince === 0) a.keepFiringSince = ts;
          if (ts - a.keepFiringSince < this.keepFiringFor) keepFiring = true;
        }
        if (a.state === 'pending' || (a.resolvedAt !== 0 && ts - a.resolvedAt > RESOLVED_RETENTION)) {
          this.active.delete(h);
        }
        if (a.state !== 'inactive' && !keepFiring) {
          a.state = 'inactive';
          a.resolvedAt = ts;
        }
        if (!keepFiring) continue;
      } else {
        a.keepFiringSince = 0;
      }
      numActivePending++;
      if (a.state === 'pending' && ts - a.activeAt >= this.holdDuration) {
        a.state = 'firing';
        a.firedAt = ts;
      }
      if (this.restored) {
        vec.push(this.sample(a, qt));
        vec.push(this.forStateSample(a, qt));
      }
    }
    if (limit > 0 && numActivePending > limit) {
      this.active.clear();
      throw new Error(`exceeded limit of ${limit} with ${numActivePending} alerts`);
    }
    return vec;
  }

  /** Sends alerts that need sending (Prometheus' sendAlerts + needsSending). */
  sendAlerts(ts: number, resendDelay: number, interval: number, notify: NotifyFunc): void {
    const out: Alert[] = [];
    for (const a of this.active.values()) {
      if (a.state === 'pending') continue;
      const needs = a.resolvedAt > a.lastSentAt || a.lastSentAt + resendDelay < ts;
      if (!needs) continue;
      a.lastSentAt = ts;
      const delta = Math.max(resendDelay, interval);
      a.validUntil = ts + 4 * delta;
      out.push({ ...a });
    }
    notify(this.expr, out);
  }
}

export type Rule = RecordingRule | AlertingRule;
