/**
 * The rules manager: loads rule files (rule_files globs), builds groups with the global evaluation
 * interval and query offset, runs them on their schedules, swaps them on reload keeping alert state
 * (Prometheus' Manager.Update/LoadGroups/CopyState), and exposes state for the API and metrics.
 *
 * What `serve` passes in: a QueryFunc (engine over the storage), a NotifyFunc (notifier.send),
 * the storage as Appendable and Queryable, external labels and URL, and the flags
 * (--rules.alert.for-outage-tolerance, --rules.alert.for-grace-period, --rules.alert.resend-delay).
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { Labels } from '../model/labels.js';
import type { ExposedSample, MetricFamily } from '../model/metricfamily.js';
import { QuantileWindow } from '../model/quantiles.js';
import type { Appendable, Queryable } from '../storage/interface.js';
import { Group, groupKey } from './group.js';
import { AlertingRule, RecordingRule, type Rule } from './rule.js';
import type { ExprValidator, RuleGroupSpec } from './rulefmt.js';
import { parseRuleFile } from './rulefmt.js';
import type { Clock, Logger, NotifyFunc, QueryFunc } from './types.js';
import { noopLogger, systemClock } from './types.js';

export interface RulesManagerOptions {
  queryFn: QueryFunc;
  notifyFn: NotifyFunc;
  appendable: Appendable;
  /** For restoring alerts' for-state after a restart. */
  queryable?: Queryable;
  externalURL?: string;
  externalLabels?: Labels;
  /** Checks PromQL of loaded rules (promqlValidator()); without it expressions fail at evaluation. */
  validateExpr?: ExprValidator;
  /** --rules.alert.resend-delay, ms (default 1m). */
  resendDelay?: number;
  /** --rules.alert.for-outage-tolerance, ms (default 1h). */
  outageTolerance?: number;
  /** --rules.alert.for-grace-period, ms (default 10m). */
  forGracePeriod?: number;
  logger?: Logger;
  clock?: Clock;
}

export interface UpdateOptions {
  /** global.evaluation_interval, ms (default 1m). */
  evaluationInterval?: number;
  /** global.rule_query_offset, ms (default 0). */
  ruleQueryOffset?: number;
  /** rule_files patterns (filepath.Glob syntax). */
  files: readonly string[];
  /** Directory that relative patterns are resolved against (the config file's directory). */
  baseDir?: string;
  externalLabels?: Labels;
  externalURL?: string;
}

export class RuleLoadError extends Error {
  override readonly name = 'RuleLoadError';
  constructor(readonly errors: string[]) {
    super(errors.join('\n'));
  }
}

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw new Error('syntax error in pattern');
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = '^' + cls.slice(1);
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) re += '\\' + pattern[++i];
    else re += c.replace(/[.+^${}()|]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Go's filepath.Glob: wildcards in any path component; no match is not an error. */
export async function expandGlob(pattern: string): Promise<string[]> {
  if (!/[*?[]/.test(pattern)) return [pattern];
  const abs = isAbsolute(pattern);
  const parts = pattern.split(sep).filter((p, i) => p !== '' || i === 0);
  let bases = [abs ? sep : '.'];
  for (let i = abs ? 1 : 0; i < parts.length; i++) {
    const part = parts[i]!;
    const next: string[] = [];
    if (!/[*?[]/.test(part)) {
      for (const b of bases) next.push(b === '.' && !abs ? part : join(b, part));
    } else {
      const re = globToRegExp(part);
      for (const b of bases) {
        let names: string[];
        try {
          names = await readdir(b);
        } catch {
          continue;
        }
        for (const n of names.sort()) if (re.test(n)) next.push(b === '.' && !abs ? n : join(b, n));
      }
    }
    bases = next;
  }
  return bases;
}

export class RulesManager {
  private groups = new Map<string, Group>();
  private running = false;
  private externalURL: string;
  private externalLabels: Labels;
  readonly evalDuration = new QuantileWindow();
  readonly groupDuration = new QuantileWindow();
  private readonly logger: Logger;
  private readonly clock: Clock;

  constructor(private readonly opts: RulesManagerOptions) {
    this.externalURL = opts.externalURL ?? '';
    this.externalLabels = opts.externalLabels ?? Labels.EMPTY;
    this.logger = opts.logger ?? noopLogger;
    this.clock = opts.clock ?? systemClock;
  }

  /** Loads rule files into groups without starting them. Throws RuleLoadError with every problem. */
  async loadGroups(u: UpdateOptions, shouldRestore: boolean): Promise<Map<string, Group>> {
    const interval = u.evaluationInterval ?? 60_000;
    const globalOffset = u.ruleQueryOffset ?? 0;
    const errors: string[] = [];
    const out = new Map<string, Group>();
    const files: string[] = [];
    for (const p of u.files) {
      const pat = u.baseDir && !isAbsolute(p) ? resolve(u.baseDir, p) : p;
      try {
        for (const f of await expandGlob(pat)) if (!files.includes(f)) files.push(f);
      } catch (e) {
        errors.push(`${p}: ${(e as Error).message}`);
      }
    }
    for (const file of files) {
      if (!existsSync(file)) {
        // A literal rule_files entry naming no file: Prometheus loads nothing from it without a word
        // (Go's Glob matches nothing). promctl loads the rest too, but says so.
        this.logger(
          'warn',
          "Rule file not found, no rules loaded from it: fix its rule_files entry (relative paths start at the configuration file's folder)",
          { file },
        );
        continue;
      }
      const res = await parseRuleFile(file, { validateExpr: this.opts.validateExpr });
      if (res.errors.length > 0 || !res.file) {
        errors.push(...res.errors);
        continue;
      }
      for (const g of res.file.groups) {
        const group = this.buildGroup(g, file, interval, globalOffset, shouldRestore);
        out.set(group.key(), group);
      }
    }
    if (errors.length > 0) throw new RuleLoadError(errors);
    return out;
  }

  private buildGroup(
    g: RuleGroupSpec,
    file: string,
    interval: number,
    globalOffset: number,
    shouldRestore: boolean,
  ): Group {
    const rules: Rule[] = g.rules.map((r) => {
      const labels = Labels.fromObject({ ...g.labels, ...r.labels });
      if (r.alert) {
        return new AlertingRule(
          r.alert,
          r.expr,
          r.for,
          r.keepFiringFor,
          labels,
          Labels.fromObject(r.annotations),
          !shouldRestore,
        );
      }
      return new RecordingRule(r.record ?? '', r.expr, labels);
    });
    return new Group(
      g.name,
      file,
      g.interval || interval,
      g.limit,
      g.queryOffset ?? globalOffset,
      rules,
      {
        queryFn: this.opts.queryFn,
        notifyFn: this.opts.notifyFn,
        appendable: this.opts.appendable,
        queryable: this.opts.queryable,
        externalURL: this.externalURL,
        externalLabels: this.externalLabels,
        resendDelay: this.opts.resendDelay ?? 60_000,
        outageTolerance: this.opts.outageTolerance ?? 3_600_000,
        forGracePeriod: this.opts.forGracePeriod ?? 600_000,
        logger: this.logger,
        clock: this.clock,
        onEvaluated: (_g, d) => this.groupDuration.observe(d),
        onRuleEvaluated: (d) => this.evalDuration.observe(d),
      },
      shouldRestore,
    );
  }

  /**
   * Applies a (re)loaded configuration: on error the running groups stay untouched. Groups that
   * continue keep their alerts and staleness state; removed groups stop and mark their series stale.
   */
  async update(u: UpdateOptions): Promise<void> {
    if (u.externalLabels) this.externalLabels = u.externalLabels;
    if (u.externalURL !== undefined) this.externalURL = u.externalURL;
    const fresh = this.groups.size === 0;
    const groups = await this.loadGroups(u, fresh);
    for (const [k, g] of groups) {
      const old = this.groups.get(k);
      if (old) {
        g.copyState(old);
        await old.stop();
      }
    }
    for (const [k, old] of this.groups) {
      if (!groups.has(k)) {
        old.markStale = true;
        await old.stop();
      }
    }
    this.groups = groups;
    if (this.running) for (const g of groups.values()) g.start();
  }

  /** Starts every group's schedule. */
  start(): void {
    this.running = true;
    for (const g of this.groups.values()) g.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all([...this.groups.values()].map((g) => g.stop()));
  }

  /** Groups sorted by file, then name (Prometheus' RuleGroups order). */
  ruleGroups(): Group[] {
    return [...this.groups.values()].sort((a, b) =>
      a.file < b.file ? -1 : a.file > b.file ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
  }

  alertingRules(): AlertingRule[] {
    return this.ruleGroups().flatMap((g) => g.rules.filter((r): r is AlertingRule => r instanceof AlertingRule));
  }

  /** Self-metrics with Prometheus' names. */
  collectMetrics(): MetricFamily[] {
    const fams: MetricFamily[] = [];
    const perGroup = (name: string, help: string, type: 'gauge' | 'counter', f: (g: Group) => number) => {
      const samples: ExposedSample[] = this.ruleGroups().map((g) => ({
        name,
        labels: Labels.fromObject({ rule_group: groupKey(g.file, g.name) }),
        value: f(g),
      }));
      fams.push({ name, type, help, samples });
    };
    const summary = (name: string, help: string, s: QuantileWindow) => {
      const samples: ExposedSample[] = [0.5, 0.9, 0.99].map((q) => ({
        name,
        labels: Labels.fromObject({ quantile: String(q) }),
        value: s.quantile(q),
      }));
      samples.push({ name: `${name}_sum`, labels: Labels.EMPTY, value: s.sum });
      samples.push({ name: `${name}_count`, labels: Labels.EMPTY, value: s.count });
      fams.push({ name, type: 'summary', help, samples });
    };
    summary('prometheus_rule_evaluation_duration_seconds', 'The duration for a rule to execute.', this.evalDuration);
    summary('prometheus_rule_group_duration_seconds', 'The duration of rule group evaluations.', this.groupDuration);
    perGroup(
      'prometheus_rule_evaluation_failures_total',
      'The total number of rule evaluation failures.',
      'counter',
      (g) => g.stats.failures,
    );
    perGroup(
      'prometheus_rule_evaluations_total',
      'The total number of rule evaluations.',
      'counter',
      (g) => g.stats.evaluations,
    );
    perGroup(
      'prometheus_rule_group_interval_seconds',
      'The interval of a rule group.',
      'gauge',
      (g) => g.interval / 1000,
    );
    perGroup(
      'prometheus_rule_group_iterations_missed_total',
      'The total number of rule group evaluations missed due to slow rule group evaluation.',
      'counter',
      (g) => g.stats.iterationsMissed,
    );
    perGroup(
      'prometheus_rule_group_iterations_total',
      'The total number of scheduled rule group evaluations, whether executed or missed.',
      'counter',
      (g) => g.stats.iterations + g.stats.iterationsMissed,
    );
    perGroup(
      'prometheus_rule_group_last_duration_seconds',
      'The duration of the last rule group evaluation.',
      'gauge',
      (g) => g.lastDuration,
    );
    perGroup(
      'prometheus_rule_group_last_evaluation_samples',
      'The number of samples returned during the last rule group evaluation.',
      'gauge',
      (g) => g.stats.lastSamples,
    );
    perGroup(
      'prometheus_rule_group_last_evaluation_timestamp_seconds',
      'The timestamp of the last rule group evaluation in seconds.',
      'gauge',
      (g) => (g.lastEvaluation === 0 ? 0 : g.lastEvaluation / 1000),
    );
    perGroup(
      'prometheus_rule_group_last_rule_duration_sum_seconds',
      'The sum of time in seconds it took to evaluate each rule in the group regardless of concurrency.',
      'gauge',
      (g) => g.stats.lastRuleDurationSum,
    );
    perGroup('prometheus_rule_group_rules', 'The number of rules.', 'gauge', (g) => g.rules.length);
    return fams;
  }
}
