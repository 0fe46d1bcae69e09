/**
 * Runs promqltest scripts (see script.ts) against the in-memory storage and the engine, with the
 * checks of Prometheus' promqltest runner: result comparison with its float tolerance, the
 * range-mode cross-check and the `@`-modifier invariance check for instant evaluations.
 */
import { Labels, METRIC_NAME } from '../../model/labels.js';
import { isStaleNaN } from '../../model/value.js';
import { MemoryStorage } from '../../storage/memory.js';
import { Engine } from '../engine/engine.js';
import type { QueryResult } from '../engine/types.js';
import type { Expr } from '../parser/ast.js';
import { extractSelectors, inspect } from '../parser/ast.js';
import { parseExpr } from '../parser/parser.js';
import { SlotKind, parseScript, type Command, type EvalCmd, type LoadCmd, type SeriesLine } from './script.js';

export interface EvalOutcome {
  line: number;
  header: string;
  passed: boolean;
  /** Why it failed (a readable diff), '' when passed. */
  message: string;
  /** The evaluation involves native histograms (data or expectations), which promctl does not store. */
  nativeHistogram: boolean;
}

export interface FileOutcome {
  file: string;
  evals: EvalOutcome[];
  /** A script error that stopped the file before any evaluation. */
  error?: string;
}

/** The engine settings the upstream scripts assume (FORMAT.md section 7). */
export function testEngine(): Engine {
  return new Engine({
    lookbackDelta: 5 * 60_000,
    timeout: 100_000,
    maxSamples: 10_000,
    enableDelayedNameRemoval: true,
    noStepSubqueryInterval: 60_000,
  });
}

class TestFailure extends Error {}

/** Float equality with promqltest's tolerance. */
export function almostEqual(a: number, b: number): boolean {
  const sa = a !== a && isStaleNaN(a);
  const sb = b !== b && isStaleNaN(b);
  if (sa || sb) return sa && sb;
  if (a === b) return true;
  if (a !== a && b !== b) return true;
  const minNormal = 2.2250738585072014e-308;
  const eps = 1e-6;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < minNormal) return diff < eps * minNormal;
  return diff / Math.min(absSum, Number.MAX_VALUE) < eps;
}

const TIME_FUNCS = new Set([
  'time',
  'timestamp',
  'predict_linear',
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'days_in_month',
  'hour',
  'minute',
  'month',
  'year',
]);

function fmt(v: number): string {
  if (v !== v) return isStaleNaN(v) ? 'stale' : 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** Adds `@ t` to every selector and subquery without one (not inside a subquery that has one). */
export function withAt(e: Expr, t: number): Expr {
  const rec = (n: Expr): Expr => {
    switch (n.type) {
      case 'VectorSelector':
        return n.timestamp === null && n.startOrEnd === null ? { ...n, timestamp: t } : n;
      case 'MatrixSelector':
        return { ...n, vectorSelector: rec(n.vectorSelector) as typeof n.vectorSelector };
      case 'SubqueryExpr':
        if (n.timestamp !== null || n.startOrEnd !== null) return n;
        // Selectors inside a subquery that has an @ (now) are left alone.
        return { ...n, timestamp: t };
      case 'ParenExpr':
      case 'UnaryExpr':
        return { ...n, expr: rec(n.expr) };
      case 'BinaryExpr':
        return { ...n, lhs: rec(n.lhs), rhs: rec(n.rhs) };
      case 'AggregateExpr':
        return { ...n, expr: rec(n.expr), param: n.param ? rec(n.param) : null };
      case 'Call':
        return { ...n, args: n.args.map(rec) };
      default:
        return n;
    }
  };
  return rec(e);
}

export class ScriptRunner {
  private storage = new MemoryStorage();
  /** Label sets of series loaded with native-histogram samples (not stored). */
  private histogramSeries: Labels[] = [];

  constructor(private readonly engine: Engine = testEngine()) {}

  async run(text: string, file = '<script>'): Promise<FileOutcome> {
    let cmds: Command[];
    try {
      cmds = parseScript(text);
      // Upstream parses every expression before running anything.
      for (const c of cmds) if (c.kind === 'eval' && !c.fail) parseExpr(c.expr);
    } catch (e) {
      return { file, evals: [], error: (e as Error).message };
    }
    const evals: EvalOutcome[] = [];
    for (const c of cmds) {
      if (c.kind === 'clear') {
        this.storage = new MemoryStorage();
        this.histogramSeries = [];
      } else if (c.kind === 'load') {
        try {
          this.load(c);
        } catch (e) {
          evals.push({
            line: c.line,
            header: `load at line ${c.line}`,
            passed: false,
            message: (e as Error).message,
            nativeHistogram: false,
          });
        }
      } else {
        evals.push(await this.runEval(c));
      }
    }
    return { file, evals };
  }

  private load(c: LoadCmd): void {
    // A later line with the same labels replaces an earlier one.
    const byKey = new Map<string, SeriesLine>();
    for (const s of c.series) byKey.set(s.labels.key(), s);
    for (const s of byKey.values()) {
      let hasHist = false;
      for (let i = 0; i < s.seq.kinds.length; i++) {
        const k = s.seq.kinds[i]!;
        if (k === SlotKind.Histogram) {
          hasHist = true;
          continue;
        }
        if (k !== SlotKind.Float) continue;
        this.storage.appendDirect(s.labels, i * c.interval, s.seq.values[i]!);
      }
      if (hasHist) this.histogramSeries.push(s.labels);
    }
    if (c.withNhcb) {
      for (const s of byKey.values()) {
        const name = s.labels.metricName();
        const m = /^(.*)_(bucket|sum|count)$/.exec(name);
        if (!m) continue;
        this.histogramSeries.push(s.labels.builder().set(METRIC_NAME, m[1]!).del('le').labels());
      }
    }
  }

  private touchesHistograms(expr: string): boolean {
    if (this.histogramSeries.length === 0) return false;
    let sels;
    try {
      sels = extractSelectors(parseExpr(expr));
    } catch {
      return false;
    }
    return sels.some((ms) => this.histogramSeries.some((l) => ms.every((m) => m.matches(l.get(m.name)))));
  }

  private async runEval(c: EvalCmd): Promise<EvalOutcome> {
    const expectsHist = c.expected.some((e) => Array.from(e.seq.kinds).includes(SlotKind.Histogram));
    const nativeHistogram = expectsHist || this.touchesHistograms(c.expr);
    const outcome: EvalOutcome = { line: c.line, header: c.header, passed: true, message: '', nativeHistogram };
    try {
      if (c.instant) await this.checkInstant(c);
      else await this.checkRange(c);
    } catch (e) {
      outcome.passed = false;
      outcome.message = e instanceof TestFailure ? e.message : `unexpected error: ${(e as Error).stack ?? String(e)}`;
    }
    return outcome;
  }

  private async query(
    expr: Expr | string,
    start: number,
    end: number,
    step: number,
  ): Promise<{ res?: QueryResult; err?: Error }> {
    try {
      const ast = typeof expr === 'string' ? parseExpr(expr) : expr;
      const res =
        step === 0
          ? await this.engine.instantQuery(this.storage, ast, start)
          : await this.engine.rangeQuery(this.storage, ast, start, end, step);
      return { res };
    } catch (err) {
      return { err: err as Error };
    }
  }

  /** Checks fail/annotation expectations; returns true when the failure was expected and happened. */
  private checkOutcome(c: EvalCmd, r: { res?: QueryResult; err?: Error }, what: string): boolean {
    if (r.err) {
      if (!c.fail) throw new TestFailure(`${what}: unexpected error: ${r.err.message}`);
      if (c.failMessage !== undefined && r.err.message !== c.failMessage)
        throw new TestFailure(
          `${what}: expected error ${JSON.stringify(c.failMessage)}, got ${JSON.stringify(r.err.message)}`,
        );
      if (c.failRegexp && !c.failRegexp.test(r.err.message))
        throw new TestFailure(`${what}: expected error matching ${c.failRegexp}, got ${JSON.stringify(r.err.message)}`);
      return true;
    }
    if (c.fail) throw new TestFailure(`${what}: expected an error, got a result`);
    const res = r.res!;
    const checkKind = (
      got: string[],
      any: boolean,
      exps: { msg?: string; regex?: RegExp }[],
      none: boolean,
      kind: string,
    ): void => {
      if (any && got.length === 0) throw new TestFailure(`${what}: expected at least one ${kind} annotation, got none`);
      if (none && got.length > 0)
        throw new TestFailure(`${what}: expected no ${kind} annotations, got ${JSON.stringify(got)}`);
      if (exps.length === 0) return;
      const match = (e: { msg?: string; regex?: RegExp }, g: string): boolean =>
        e.msg !== undefined ? g === e.msg : e.regex ? e.regex.test(g) : true;
      for (const e of exps)
        if (!got.some((g) => match(e, g)))
          throw new TestFailure(`${what}: expected ${kind} ${e.msg ?? e.regex ?? '(any)'}, got ${JSON.stringify(got)}`);
      for (const g of got)
        if (!exps.some((e) => match(e, g))) throw new TestFailure(`${what}: unexpected ${kind} ${JSON.stringify(g)}`);
    };
    checkKind(res.warnings, c.anyWarn, c.warn, c.noWarn, 'warning');
    checkKind(res.infos, c.anyInfo, c.info, c.noInfo, 'info');
    return false;
  }

  private async checkInstant(c: EvalCmd): Promise<void> {
    await this.checkInstantAt(c, c.expr, c.start, 'instant query');
    if (c.fail) return;
    const ast = parseExpr(c.expr);
    let usesTime = false;
    inspect(ast, (n) => {
      if (n.type === 'Call' && TIME_FUNCS.has(n.func.name)) usesTime = true;
    });
    if (usesTime) return;
    const t = c.start;
    const rewritten = withAt(ast, t);
    const times = t === 0 ? [-1000, 0, 1000] : [-10 * t, 0, Math.trunc(t / 5), t, 10 * t];
    for (const at of times)
      await this.checkInstantAt(c, rewritten, at, `with @ ${t / 1000} evaluated at ${at / 1000}s`);
  }

  private async checkInstantAt(c: EvalCmd, expr: Expr | string, t: number, what: string): Promise<void> {
    const r = await this.query(expr, t, t, 0);
    if (this.checkOutcome(c, r, what)) return;
    const v = r.res!.value;
    if (c.scalar !== null) {
      if (v.type !== 'scalar') throw new TestFailure(`${what}: expected scalar ${fmt(c.scalar)}, got ${v.type}`);
      if (!almostEqual(v.v, c.scalar))
        throw new TestFailure(`${what}: expected scalar ${fmt(c.scalar)}, got ${fmt(v.v)}`);
    } else {
      if (v.type === 'scalar') throw new TestFailure(`${what}: expected a vector, got scalar ${fmt(v.v)}`);
      if (v.type === 'string') throw new TestFailure(`${what}: cannot check a string result`);
      let got: { metric: Labels; v: number }[];
      if (v.type === 'vector') got = v.samples;
      else {
        // A matrix result (range selector at the top): not comparable with instant expectations.
        got = v.series.map((s) => ({ metric: s.metric, v: s.vs[s.vs.length - 1]! }));
        if (c.expected.length || got.length) throw new TestFailure(`${what}: got a range vector result`);
      }
      this.compareVector(c, got, what);
    }
    // Range-mode cross-check (ordered evals: only that the range query succeeds).
    const rr = await this.query(expr, t - 60_000, t + 60_000, 60_000);
    if (rr.err) throw new TestFailure(`${what}: range-mode cross-check failed: ${rr.err.message}`);
    if (c.ordered) return;
    const mv = rr.res!.value;
    if (mv.type !== 'matrix') throw new TestFailure(`${what}: range-mode cross-check returned ${mv.type}`);
    for (let i = 1; i < mv.series.length; i++)
      if (Labels.compare(mv.series[i - 1]!.metric, mv.series[i]!.metric) >= 0)
        throw new TestFailure(`${what}: range-mode cross-check returned an unsorted matrix`);
    if (c.scalar !== null) {
      let got: number | undefined;
      for (const s of mv.series) {
        const idx = Array.from(s.ts).indexOf(t);
        if (idx >= 0) {
          got = s.vs[idx]!;
          break;
        }
      }
      if (got === undefined || !almostEqual(got, c.scalar))
        throw new TestFailure(
          `${what}: range-mode cross-check: expected scalar ${fmt(c.scalar)}, got ${got === undefined ? 'nothing' : fmt(got)}`,
        );
      return;
    }
    const got: { metric: Labels; v: number }[] = [];
    for (const s of mv.series) {
      const idx = Array.from(s.ts).indexOf(t);
      if (idx >= 0) got.push({ metric: s.metric, v: s.vs[idx]! });
    }
    this.compareVector({ ...c, ordered: false }, got, `${what} (range-mode cross-check)`);
  }

  private compareVector(c: EvalCmd, got: { metric: Labels; v: number }[], what: string): void {
    const exp = c.expected.filter((e) => e.seq.kinds[0] === SlotKind.Float);
    const expHist = c.expected.length - exp.length;
    if (expHist > 0) throw new TestFailure(`${what}: native histogram results are not supported`);
    const lines: string[] = [];
    const gotMap = new Map(got.map((g, i) => [g.metric.key(), { ...g, i }]));
    const expKeys = new Set(exp.map((e) => e.labels.key()));
    exp.forEach((e, i) => {
      const g = gotMap.get(e.labels.key());
      const want = e.seq.values[0]!;
      if (!g) lines.push(`- ${e.labels.toMetricString()} ${fmt(want)}   (missing)`);
      else if (!almostEqual(g.v, want))
        lines.push(`~ ${e.labels.toMetricString()} expected ${fmt(want)}, got ${fmt(g.v)}`);
      else if (c.ordered && g.i !== i)
        lines.push(`~ ${e.labels.toMetricString()} expected at position ${i}, got ${g.i}`);
    });
    for (const g of got)
      if (!expKeys.has(g.metric.key())) lines.push(`+ ${g.metric.toMetricString()} ${fmt(g.v)}   (unexpected)`);
    if (lines.length) throw new TestFailure(`${what}:\n    ${lines.join('\n    ')}`);
  }

  private async checkRange(c: EvalCmd): Promise<void> {
    const r = await this.query(c.expr, c.start, c.end, c.step);
    if (this.checkOutcome(c, r, 'range query')) return;
    const v = r.res!.value;
    if (v.type !== 'matrix') throw new TestFailure(`range query: expected a matrix, got ${v.type}`);
    for (let i = 1; i < v.series.length; i++)
      if (Labels.compare(v.series[i - 1]!.metric, v.series[i]!.metric) >= 0)
        throw new TestFailure('range query: result matrix is not sorted by labels');
    const lines: string[] = [];
    const gotMap = new Map(v.series.map((s) => [s.metric.key(), s]));
    const expKeys = new Set<string>();
    for (const e of c.expected) {
      expKeys.add(e.labels.key());
      const s = gotMap.get(e.labels.key());
      const want: string[] = [];
      const wantPts: [number, number][] = [];
      for (let i = 0; i < e.seq.kinds.length; i++) {
        const k = e.seq.kinds[i]!;
        if (k === SlotKind.Histogram) throw new TestFailure('native histogram results are not supported');
        if (k === SlotKind.Float) {
          wantPts.push([c.start + i * c.step, e.seq.values[i]!]);
          want.push(`${fmt(e.seq.values[i]!)}@${(c.start + i * c.step) / 1000}`);
        }
      }
      if (!s) {
        lines.push(`- ${e.labels.toMetricString()} ${want.join(' ')}   (missing)`);
        continue;
      }
      let ok = s.ts.length === wantPts.length;
      for (let i = 0; ok && i < wantPts.length; i++)
        ok = s.ts[i] === wantPts[i]![0] && almostEqual(s.vs[i]!, wantPts[i]![1]);
      if (!ok) {
        const gotStr = Array.from(s.ts, (t, i) => `${fmt(s.vs[i]!)}@${t / 1000}`).join(' ');
        lines.push(`~ ${e.labels.toMetricString()}\n        expected ${want.join(' ')}\n        got      ${gotStr}`);
      }
    }
    for (const s of v.series)
      if (!expKeys.has(s.metric.key()))
        lines.push(
          `+ ${s.metric.toMetricString()} ${Array.from(s.ts, (t, i) => `${fmt(s.vs[i]!)}@${t / 1000}`).join(' ')}   (unexpected)`,
        );
    if (lines.length) throw new TestFailure(`range query:\n    ${lines.join('\n    ')}`);
  }
}

/** Runs one script text with a fresh storage and the upstream engine settings. */
export function runScript(text: string, file?: string, engine?: Engine): Promise<FileOutcome> {
  return new ScriptRunner(engine).run(text, file);
}
