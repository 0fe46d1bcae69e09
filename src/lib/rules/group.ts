/**
 * A rule group: its rules evaluated in order on the group's schedule (Prometheus' evaluation
 * offset per group: hash(file, name) mod interval), results appended with staleness markers for
 * series that stop, alerts sent, for-state restored after a start, and its self-metrics.
 */
import type { Labels } from '../model/labels.js';
import { METRIC_NAME } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import { STALE_NAN, isStaleNaN } from '../model/value.js';
import type { Appendable, Queryable } from '../storage/interface.js';
import { ValueType } from '../storage/interface.js';
import { ALERT_FOR_STATE_METRIC_NAME, ALERT_NAME_LABEL, AlertingRule, type EvalContext, type Rule } from './rule.js';
import type { Clock, Logger, NotifyFunc, QueryFunc, RuleSample } from './types.js';
import { labelsHash } from './xxhash.js';

export interface GroupOptions {
  queryFn: QueryFunc;
  notifyFn: NotifyFunc;
  appendable: Appendable;
  /** For restoring the for-state; without it nothing is restored. */
  queryable?: Queryable;
  externalURL: string;
  externalLabels: Labels;
  /** ms */
  resendDelay: number;
  /** ms */
  outageTolerance: number;
  /** ms */
  forGracePeriod: number;
  logger: Logger;
  clock: Clock;
  /** Called after each evaluation (for metrics). */
  onEvaluated?: (g: Group, durationSeconds: number) => void;
  /** Called after each rule evaluation with its duration (for metrics). */
  onRuleEvaluated?: (durationSeconds: number) => void;
}

export interface GroupStats {
  iterations: number;
  iterationsMissed: number;
  evaluations: number;
  failures: number;
  lastSamples: number;
  lastRuleDurationSum: number;
}

/** Prometheus' GroupKey: file;name. */
export function groupKey(file: string, name: string): string {
  return `${file};${name}`;
}

export class Group {
  /** seconds */
  lastDuration = 0;
  /** ms since epoch; 0 = never */
  lastEvaluation = 0;
  /** The evaluation timestamp (ms) of the last evaluation. */
  lastEvalTimestamp = 0;
  readonly stats: GroupStats = {
    iterations: 0,
    iterationsMissed: 0,
    evaluations: 0,
    failures: 0,
    lastSamples: 0,
    lastRuleDurationSum: 0,
  };
  /** Per rule: the series returned in the previous evaluation (key → labels). */
  seriesInPreviousEval: Map<string, Labels>[];
  shouldRestore: boolean;
  private timer: unknown = null;
  private stopped = true;
  private running: Promise<void> | null = null;
  /** Mark all series of this group stale when it stops (removed by a reload). */
  markStale = false;

  constructor(
    readonly name: string,
    readonly file: string,
    /** ms */
    readonly interval: number,
    readonly limit: number,
    /** ms */
    readonly queryOffset: number,
    readonly rules: Rule[],
    readonly opts: GroupOptions,
    shouldRestore = false,
  ) {
    this.seriesInPreviousEval = rules.map(() => new Map());
    this.shouldRestore = shouldRestore;
  }

  key(): string {
    return groupKey(this.file, this.name);
  }

  /** Offset of this group's evaluations within the interval (ms), from Prometheus' hash. */
  offset(): number {
    const h = labelsHash([
      ['file', this.file],
      ['name', this.name],
    ]);
    const intervalNs = BigInt(Math.round(this.interval)) * 1_000_000n;
    // Prometheus works in ns and stores ms: the slot's ms timestamp is the truncated offset.
    return Math.floor(Number(h % intervalNs) / 1e6);
  }

  /** The evaluation timestamp at or before `now` (ms) on this group's slots. */
  evalTimestamp(now: number): number {
    const offset = this.offset();
    const adj = now - offset;
    const base = adj - (((adj % this.interval) + this.interval) % this.interval);
    return base + offset;
  }

  private ctx(): EvalContext {
    return {
      queryFn: this.opts.queryFn,
      externalURL: this.opts.externalURL,
      externalLabels: this.opts.externalLabels,
      logger: this.opts.logger,
    };
  }

  /** Evaluates every rule once at `ts` (ms), in order. */
  async eval(ts: number): Promise<void> {
    const ctx = this.ctx();
    let samplesTotal = 0;
    let ruleDurationSum = 0;
    for (let i = 0; i < this.rules.length; i++) {
      const rule = this.rules[i]!;
      const started = performance.now();
      rule.lastEvaluation = this.opts.clock.now();
      this.stats.evaluations++;
      let vector: RuleSample[];
      try {
        vector = await rule.eval(ts, this.queryOffset, ctx, this.limit);
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        rule.setHealth('err', err);
        this.stats.failures++;
        this.opts.logger('warn', 'Evaluating rule failed', { group: this.name, rule: rule.name, err: err.message });
        rule.evaluationTime = (performance.now() - started) / 1000;
        ruleDurationSum += rule.evaluationTime;
        this.opts.onRuleEvaluated?.(rule.evaluationTime);
        continue;
      }
      rule.setHealth('ok', null);
      samplesTotal += vector.length;
      if (rule instanceof AlertingRule) {
        rule.sendAlerts(ts, this.opts.resendDelay, this.interval, this.opts.notifyFn);
      }
      const app = this.opts.appendable.appender();
      const returned = new Map<string, Labels>();
      let outOfOrder = 0;
      let tooOld = 0;
      let duplicates = 0;
      for (const s of vector) {
        try {
          app.append(0, s.metric, s.t, s.v);
          returned.set(s.metric.key(), s.metric);
        } catch (e) {
          const err = e as Error;
          rule.setHealth('err', err);
          const n = err.name;
          if (/OutOfOrder/i.test(n)) outOfOrder++;
          else if (/TooOld|OutOfBounds/i.test(n)) tooOld++;
          else if (/Duplicate/i.test(n)) duplicates++;
          else
            this.opts.logger('warn', 'Rule evaluation result discarded', {
              err: err.message,
              sample: s.metric.toString(),
            });
        }
      }
      if (outOfOrder > 0)
        this.opts.logger('warn', 'Error on ingesting out-of-order result from rule evaluation', {
          numDropped: outOfOrder,
        });
      if (tooOld > 0)
        this.opts.logger('warn', 'Error on ingesting too old result from rule evaluation', { numDropped: tooOld });
      if (duplicates > 0) {
        this.opts.logger(
          'warn',
          'Error on ingesting results from rule evaluation with different value but same timestamp',
          { numDropped: duplicates },
        );
      }
      const staleT = ts - this.queryOffset;
      for (const [k, lset] of this.seriesInPreviousEval[i]!) {
        if (returned.has(k)) continue;
        try {
          app.append(0, lset, staleT, STALE_NAN);
        } catch {
          // Out of order / duplicate is expected when another rule exposes the series.
        }
      }
      this.seriesInPreviousEval[i] = returned;
      try {
        await app.commit();
      } catch (e) {
        rule.setHealth('err', e as Error);
        this.opts.logger('warn', 'Rule sample appending failed', { err: (e as Error).message });
      }
      rule.evaluationTime = (performance.now() - started) / 1000;
      ruleDurationSum += rule.evaluationTime;
      this.opts.onRuleEvaluated?.(rule.evaluationTime);
    }
    this.stats.lastSamples = samplesTotal;
    this.stats.lastRuleDurationSum = ruleDurationSum;
  }

  /** Restores the `for` state of active alerts from ALERTS_FOR_STATE (Prometheus' RestoreForState). */
  async restoreForState(ts: number): Promise<void> {
    const q = this.opts.queryable;
    if (!q) {
      for (const r of this.rules) if (r instanceof AlertingRule) r.restored = true;
      return;
    }
    const maxt = ts;
    const mint = ts - this.opts.outageTolerance;
    let querier;
    try {
      querier = await q.querier(mint, maxt);
    } catch (e) {
      this.opts.logger('error', 'Failed to get Querier', { err: (e as Error).message });
      return;
    }
    try {
      for (const rule of this.rules) {
        if (!(rule instanceof AlertingRule)) continue;
        if (rule.holdDuration < this.opts.forGracePeriod) {
          rule.restored = true;
          continue;
        }
        const matchers = [
          new Matcher('=', METRIC_NAME, ALERT_FOR_STATE_METRIC_NAME),
          new Matcher('=', ALERT_NAME_LABEL, rule.name),
        ];
        rule.labels.forEach((k, v) => {
          if (!v.includes('{{')) matchers.push(new Matcher('=', k, v));
        });
        let set;
        try {
          set = await querier.select(false, undefined, matchers);
        } catch (e) {
          this.opts.logger('error', 'Failed to restore for state', { alert: rule.name, err: (e as Error).message });
          return;
        }
        const byLabels = new Map<string, { t: number; v: number }>();
        while (set.next()) {
          const s = set.at();
          const it = s.iterator();
          let t = 0;
          let v = NaN;
          while (it.next() === ValueType.Float) {
            t = it.t;
            v = it.v;
          }
          byLabels.set(s.labels.without(METRIC_NAME).key(), { t, v });
        }
        for (const a of rule.active.values()) {
          const found = byLabels.get(a.labels.key());
          if (!found || isStaleNaN(found.v) || Number.isNaN(found.v)) continue;
          const downAt = Math.floor(found.t / 1000) * 1000;
          let restoredActiveAt = Math.trunc(found.v) * 1000;
          const timeSpentPending = downAt - restoredActiveAt;
          const timeRemainingPending = rule.holdDuration - timeSpentPending;
          if (timeRemainingPending <= 0) {
            // It was firing when we went down; the next evaluation keeps it firing.
          } else if (timeRemainingPending < this.opts.forGracePeriod) {
            restoredActiveAt = ts + this.opts.forGracePeriod - rule.holdDuration;
          } else {
            restoredActiveAt = restoredActiveAt + (ts - downAt);
          }
          a.activeAt = restoredActiveAt;
        }
        rule.restored = true;
      }
    } finally {
      await querier.close();
    }
  }

  /** Starts the schedule: first evaluation at the next slot, then every interval. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const clock = this.opts.clock;
    let evalTs = this.evalTimestamp(clock.now()) + this.interval;
    const tick = async () => {
      if (this.stopped) return;
      const now = clock.now();
      const missed = Math.floor((now - evalTs) / this.interval);
      if (missed > 0) {
        this.stats.iterationsMissed += missed;
        evalTs += missed * this.interval;
      }
      try {
        this.running = this.iterate(evalTs);
        await this.running;
        if (this.shouldRestore) {
          // Like Prometheus: restore after the first evaluation, so that the alerts' state is known.
          await this.restoreForState(clock.now());
          this.shouldRestore = false;
        }
      } catch (e) {
        // A failure outside rule evaluation (storage, restore) must not stop the schedule.
        this.opts.logger('error', 'Rule group evaluation failed', { group: this.name, err: (e as Error).message });
      } finally {
        this.running = null;
      }
      evalTs += this.interval;
      if (!this.stopped) this.timer = clock.setTimeout(() => void tick(), Math.max(0, evalTs - clock.now()));
    };
    this.timer = clock.setTimeout(() => void tick(), Math.max(0, evalTs - clock.now()));
  }

  /** One iteration with timing and metrics. */
  async iterate(ts: number): Promise<void> {
    const started = performance.now();
    this.stats.iterations++;
    this.lastEvalTimestamp = ts;
    this.lastEvaluation = this.opts.clock.now();
    await this.eval(ts);
    this.lastDuration = (performance.now() - started) / 1000;
    this.opts.onEvaluated?.(this, this.lastDuration);
  }

  /** Stops the schedule; waits for a running evaluation. Marks series stale when markStale. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.opts.clock.clearTimeout(this.timer);
    this.timer = null;
    if (this.running) await this.running;
    if (this.markStale) {
      const app = this.opts.appendable.appender();
      const t = this.opts.clock.now();
      for (const m of this.seriesInPreviousEval) {
        for (const lset of m.values()) {
          try {
            app.append(0, lset, t, STALE_NAN);
          } catch {
            // ignore
          }
        }
      }
      await app.commit().catch(() => undefined);
    }
  }

  /** Copies alert state and staleness bookkeeping from the same group before a reload. */
  copyState(from: Group): void {
    this.lastDuration = from.lastDuration;
    this.lastEvaluation = from.lastEvaluation;
    this.lastEvalTimestamp = from.lastEvalTimestamp;
    this.shouldRestore = from.shouldRestore;
    const byName = new Map<string, number[]>();
    from.rules.forEach((r, i) => {
      const k = `${r.type}\u0000${r.name}\u0000${r.labels.key()}`;
      const list = byName.get(k) ?? [];
      list.push(i);
      byName.set(k, list);
    });
    this.rules.forEach((r, i) => {
      const k = `${r.type}\u0000${r.name}\u0000${r.labels.key()}`;
      const idx = byName.get(k)?.shift();
      if (idx === undefined) return;
      const old = from.rules[idx]!;
      this.seriesInPreviousEval[i] = from.seriesInPreviousEval[idx]!;
      r.health = old.health;
      r.lastError = old.lastError;
      r.lastEvaluation = old.lastEvaluation;
      r.evaluationTime = old.evaluationTime;
      if (r instanceof AlertingRule && old instanceof AlertingRule) {
        for (const [h, a] of old.active) r.active.set(h, a);
        r.restored = old.restored;
      }
    });
  }
}
