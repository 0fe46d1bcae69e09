/**
 * The PromQL engine: `instantQuery(queryable, expr, t)` and `rangeQuery(queryable, expr, start,
 * end, step)` (all times in ms). Results follow Prometheus' shapes (scalar | string | vector |
 * matrix) with Prometheus 3 annotations (warnings and infos).
 */
import { Labels } from '../../model/labels.js';
import type { Queryable } from '../../storage/interface.js';
import type { Expr } from '../parser/ast.js';
import { exprType } from '../parser/ast.js';
import { parseExpr } from '../parser/parser.js';
import { Annotations } from './annotations.js';
import { EvalError } from './errors.js';
import { Evaluator, dropMetricName, type QueryState } from './evaluator.js';
import type { Matrix, MatrixResult, QueryResult, QueryValue } from './types.js';

export interface EngineOptions {
  /** Lookback delta for instant selectors, ms. Default 5m. */
  lookbackDelta?: number;
  /** Query timeout, ms. Default 2m. */
  timeout?: number;
  /** Maximum samples a query may hold in memory. Default 50,000,000 (Prometheus' default). */
  maxSamples?: number;
  /**
   * Prometheus' `promql-delayed-name-removal` feature: `__name__` is removed at the end of the
   * evaluation rather than by each operation. Off by default, as in Prometheus.
   */
  enableDelayedNameRemoval?: boolean;
  /** Step for subqueries written without one (`[1h:]`), ms. Default 1m (the global evaluation interval). */
  noStepSubqueryInterval?: number;
}

export interface QueryOptions {
  /** Overrides the engine's lookback delta for this query. */
  lookbackDelta?: number;
  /** Cancels the query (QueryCanceledError). */
  signal?: AbortSignal;
  /** Overrides the engine's timeout, ms. */
  timeout?: number;
}

export class Engine {
  readonly lookbackDelta: number;
  readonly timeout: number;
  readonly maxSamples: number;
  readonly enableDelayedNameRemoval: boolean;
  readonly noStepSubqueryInterval: number;

  constructor(opts: EngineOptions = {}) {
    this.lookbackDelta = opts.lookbackDelta ?? 5 * 60_000;
    this.timeout = opts.timeout ?? 2 * 60_000;
    this.maxSamples = opts.maxSamples ?? 50_000_000;
    this.enableDelayedNameRemoval = opts.enableDelayedNameRemoval ?? false;
    this.noStepSubqueryInterval = opts.noStepSubqueryInterval ?? 60_000;
  }

  /** Evaluates `expr` at time `t` (ms). Parse errors are thrown as ParseError. */
  async instantQuery(
    queryable: Queryable,
    expr: string | Expr,
    t: number,
    opts: QueryOptions = {},
  ): Promise<QueryResult> {
    const ast = typeof expr === 'string' ? parseExpr(expr) : expr;
    return this.exec(queryable, ast, t, t, 0, opts);
  }

  /** Evaluates `expr` at start, start+step, … ≤ end (ms). */
  async rangeQuery(
    queryable: Queryable,
    expr: string | Expr,
    start: number,
    end: number,
    step: number,
    opts: QueryOptions = {},
  ): Promise<QueryResult> {
    const ast = typeof expr === 'string' ? parseExpr(expr) : expr;
    if (!(step > 0))
      throw new EvalError('zero or negative query resolution step widths are not accepted. Try a positive integer');
    if (end < start) throw new EvalError('end timestamp must not be before start time');
    const type = exprType(ast);
    if (type !== 'scalar' && type !== 'vector')
      throw new EvalError(
        `invalid expression type "${type === 'matrix' ? 'range vector' : type}" for range query, must be Scalar or instant Vector`,
      );
    return this.exec(queryable, ast, start, end, step, opts);
  }

  private async exec(
    queryable: Queryable,
    ast: Expr,
    start: number,
    end: number,
    step: number,
    opts: QueryOptions,
  ): Promise<QueryResult> {
    const began = performance.now();
    const annotations = new Annotations();
    const state: QueryState = {
      queryable,
      queriers: [],
      annotations,
      opts: {
        lookbackDelta: opts.lookbackDelta ?? this.lookbackDelta,
        noStepSubqueryInterval: this.noStepSubqueryInterval,
        enableDelayedNameRemoval: this.enableDelayedNameRemoval,
        maxSamples: this.maxSamples,
        deadline: Date.now() + (opts.timeout ?? this.timeout),
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      queryStart: start,
      queryEnd: end,
      currentSamples: 0,
      peakSamples: 0,
      samplesLoaded: 0,
    };
    const instant = step === 0;
    const ev = new Evaluator(state, start, end, instant ? 1 : step);
    let value: QueryValue;
    try {
      const v = await ev.eval(ast);
      switch (v.kind) {
        case 'string':
          value = { type: 'string', t: start, v: v.s };
          break;
        case 'scalar':
          if (instant) value = { type: 'scalar', t: start, v: v.vs[0]! };
          else {
            const ts = new Float64Array(ev.numSteps);
            for (let i = 0; i < ev.numSteps; i++) ts[i] = ev.stepT(i);
            value = { type: 'matrix', series: [{ metric: Labels.EMPTY, ts, vs: Float64Array.from(v.vs) }] };
          }
          break;
        case 'range':
          value = toMatrix(cleanup(v.m, this.enableDelayedNameRemoval), false);
          break;
        case 'vector': {
          const m = cleanup(v.m, this.enableDelayedNameRemoval);
          if (instant) {
            value = {
              type: 'vector',
              t: start,
              samples: m.filter((s) => s.ts.length > 0).map((s) => ({ metric: s.metric, t: start, v: s.fs[0]! })),
            };
          } else value = toMatrix(m, true);
          break;
        }
      }
    } finally {
      await Promise.allSettled(state.queriers.map((q) => q.close()));
    }
    return {
      value,
      warnings: annotations.warnings(),
      infos: annotations.infos(),
      annotations: annotations.list,
      stats: {
        samplesLoaded: state.samplesLoaded,
        peakSamples: state.peakSamples,
        evalMs: performance.now() - began,
      },
    };
  }
}

/** Removes names marked for removal and rejects label sets that then collide. */
function cleanup(m: Matrix, delayed: boolean): Matrix {
  if (!delayed) return m;
  const seen = new Map<string, number[]>();
  const out: Matrix = [];
  for (const s of m) {
    const metric = s.dropName ? dropMetricName(s.metric) : s.metric;
    const key = metric.key();
    const prev = seen.get(key);
    if (prev) {
      // Same labels after removal: fine only if they never share a timestamp.
      const set = new Set(prev);
      for (const t of s.ts) if (set.has(t)) throw new EvalError('vector cannot contain metrics with the same labelset');
      prev.push(...s.ts);
      const target = out.find((o) => o.metric.key() === key)!;
      const merged = target.ts
        .map((t, i) => [t, target.fs[i]!] as const)
        .concat(s.ts.map((t, i) => [t, s.fs[i]!] as const));
      merged.sort((a, b) => a[0] - b[0]);
      target.ts = merged.map((x) => x[0]);
      target.fs = merged.map((x) => x[1]);
      continue;
    }
    seen.set(key, [...s.ts]);
    out.push({ metric, ts: s.ts, fs: s.fs, dropName: false });
  }
  return out;
}

function toMatrix(m: Matrix, sort: boolean): MatrixResult {
  const series = m
    .filter((s) => s.ts.length > 0)
    .map((s) => ({ metric: s.metric, ts: Float64Array.from(s.ts), vs: Float64Array.from(s.fs) }));
  if (sort) series.sort((a, b) => Labels.compare(a.metric, b.metric));
  return { type: 'matrix', series };
}
