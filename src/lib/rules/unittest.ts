/**
 * `test rules`: promtool's rule unit tests (cmd/promtool/unittest.go). Each test group loads its
 * input_series (promqltest series notation) into an in-memory store, evaluates every rule group
 * from 0 to the largest eval_time every evaluation_interval (in group_eval_order), checks firing
 * alerts at each alert_rule_test eval_time and runs promql_expr_test queries — with promtool's
 * error texts.
 */
import { access, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { Labels } from '../model/labels.js';
import { DurationError, formatDuration, parseDuration } from '../model/duration.js';
import { Engine } from '../promql/engine/engine.js';
import { parseSeriesDesc, parseValueSeq, SlotKind } from '../promql/promqltest/script.js';
import { MemoryStorage } from '../storage/memory.js';
import { formatFloatAbs } from '../template/gofmt.js';
import { GoDuration } from '../template/value.js';
import { engineQueryFunc } from './engine-query.js';
import type { Group } from './group.js';
import { RuleLoadError, RulesManager, expandGlob } from './manager.js';
import { AlertingRule } from './rule.js';
import type { ExprValidator } from './rulefmt.js';

export interface UnitTestFileResult {
  file: string;
  success: boolean;
  /** promtool's error texts (each may span lines). */
  errors: string[];
  /** Warnings such as patterns that matched no file. */
  warnings: string[];
}

interface SeriesSpec {
  series: string;
  values: string;
}
interface AlertTestCase {
  evalTime: number;
  evalTimeText: string;
  alertname: string;
  expAlerts: { expLabels: Record<string, string>; expAnnotations: Record<string, string> }[];
}
interface PromqlTestCase {
  expr: string;
  evalTime: number;
  evalTimeText: string;
  expSamples: { labels: string; value: number }[];
}
interface TestGroup {
  interval: number;
  inputSeries: SeriesSpec[];
  alertRuleTests: AlertTestCase[];
  promqlExprTests: PromqlTestCase[];
  externalLabels: Record<string, string>;
  externalURL: string;
  name: string;
}
interface UnitTestFile {
  fuzzyCompare: boolean;
  ruleFiles: string[];
  evaluationInterval: number;
  groupEvalOrder: string[];
  tests: TestGroup[];
}

class DecodeError extends Error {}

function yamlValue(n: YamlNode | null | undefined): unknown {
  if (!n) return undefined;
  return (n as { toJSON(): unknown }).toJSON();
}

function expectKeys(obj: Record<string, unknown>, known: string[], type: string): void {
  for (const k of Object.keys(obj)) {
    if (!known.includes(k)) throw new DecodeError(`yaml: unmarshal errors:\n  field ${k} not found in type ${type}`);
  }
}

function asString(v: unknown, what: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new DecodeError(`yaml: unmarshal errors:\n  cannot unmarshal ${JSON.stringify(v)} into ${what}`);
}

function asDuration(v: unknown): number {
  if (v === undefined || v === null || v === '') return 0;
  try {
    return parseDuration(asString(v, 'model.Duration'));
  } catch (e) {
    if (e instanceof DurationError) throw new DecodeError(e.message);
    throw e;
  }
}

function asStringMap(v: unknown, what: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw new DecodeError(`yaml: unmarshal errors:\n  cannot unmarshal into ${what}`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = asString(x, 'string');
  return out;
}

function asList(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new DecodeError('yaml: unmarshal errors:\n  cannot unmarshal !!map into a list');
  return v;
}

function asObj(v: unknown, type: string): Record<string, unknown> {
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw new DecodeError(`yaml: unmarshal errors:\n  cannot unmarshal into ${type}`);
  return v as Record<string, unknown>;
}

function asFloat(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === '.nan' || s === 'nan') return NaN;
    if (s === '.inf' || s === '+inf' || s === 'inf' || s === '+.inf') return Infinity;
    if (s === '-.inf' || s === '-inf') return -Infinity;
    const n = Number(v);
    if (!Number.isNaN(n) && v.trim() !== '') return n;
  }
  throw new DecodeError(`yaml: unmarshal errors:\n  cannot unmarshal ${JSON.stringify(v)} into float64`);
}

/** Parses a unit test file's YAML (strict, like yaml.UnmarshalStrict). */
export function parseUnitTestFile(content: string): UnitTestFile {
  const doc = parseDocument(content, { version: '1.1', uniqueKeys: true });
  if (doc.errors.length > 0) throw new DecodeError(`yaml: ${doc.errors[0]!.message.split('\n')[0]}`);
  const root = doc.contents as YamlNode | null;
  if (root && !isMap(root) && !(isScalar(root) && root.value === null) && !isSeq(root)) {
    throw new DecodeError('yaml: unmarshal errors:\n  cannot unmarshal into main.unitTestFile');
  }
  const top = asObj(yamlValue(root), 'main.unitTestFile');
  expectKeys(
    top,
    ['rule_files', 'evaluation_interval', 'group_eval_order', 'tests', 'fuzzy_compare'],
    'main.unitTestFile',
  );
  const tests = asList(top.tests).map((t): TestGroup => {
    const o = asObj(t, 'main.testGroup');
    expectKeys(
      o,
      ['interval', 'input_series', 'alert_rule_test', 'promql_expr_test', 'external_labels', 'external_url', 'name'],
      'main.testGroup',
    );
    return {
      interval: asDuration(o.interval),
      inputSeries: asList(o.input_series).map((s) => {
        const so = asObj(s, 'main.series');
        expectKeys(so, ['series', 'values'], 'main.series');
        return { series: asString(so.series, 'string'), values: asString(so.values, 'string') };
      }),
      alertRuleTests: asList(o.alert_rule_test).map((a) => {
        const ao = asObj(a, 'main.alertTestCase');
        expectKeys(ao, ['eval_time', 'alertname', 'exp_alerts'], 'main.alertTestCase');
        const et = asDuration(ao.eval_time);
        return {
          evalTime: et,
          evalTimeText: formatDuration(et),
          alertname: asString(ao.alertname, 'string'),
          expAlerts: asList(ao.exp_alerts).map((e) => {
            const eo = asObj(e, 'main.alert');
            expectKeys(eo, ['exp_labels', 'exp_annotations'], 'main.alert');
            return {
              expLabels: asStringMap(eo.exp_labels, 'map[string]string'),
              expAnnotations: asStringMap(eo.exp_annotations, 'map[string]string'),
            };
          }),
        };
      }),
      promqlExprTests: asList(o.promql_expr_test).map((p) => {
        const po = asObj(p, 'main.promqlTestCase');
        expectKeys(po, ['expr', 'eval_time', 'exp_samples'], 'main.promqlTestCase');
        const et = asDuration(po.eval_time);
        return {
          expr: asString(po.expr, 'string'),
          evalTime: et,
          evalTimeText: formatDuration(et),
          expSamples: asList(po.exp_samples).map((s) => {
            const so = asObj(s, 'main.sample');
            expectKeys(so, ['labels', 'value'], 'main.sample');
            return { labels: asString(so.labels, 'string'), value: so.value === undefined ? 0 : asFloat(so.value) };
          }),
        };
      }),
      externalLabels: asStringMap(o.external_labels, 'labels.Labels'),
      externalURL: asString(o.external_url, 'string'),
      name: asString(o.name, 'string'),
    };
  });
  if (top.fuzzy_compare !== undefined && top.fuzzy_compare !== null && typeof top.fuzzy_compare !== 'boolean') {
    throw new DecodeError('yaml: unmarshal errors:\n  cannot unmarshal into bool (fuzzy_compare)');
  }
  return {
    fuzzyCompare: top.fuzzy_compare === true,
    ruleFiles: asList(top.rule_files).map((f) => asString(f, 'string')),
    evaluationInterval: asDuration(top.evaluation_interval),
    groupEvalOrder: asList(top.group_eval_order).map((g) => asString(g, 'string')),
    tests,
  };
}

function indentLines(lines: string, indent: string): string {
  return lines.split('\n').join('\n' + indent);
}

interface LabelsAndAnnotations {
  labels: Labels;
  annotations: Labels;
}

function sortLA(la: LabelsAndAnnotations[]): LabelsAndAnnotations[] {
  return la.sort((a, b) => Labels.compare(a.labels, b.labels) || Labels.compare(a.annotations, b.annotations));
}

function laString(la: LabelsAndAnnotations[]): string {
  if (la.length === 0) return '[]';
  const one = (l: LabelsAndAnnotations) => `Labels:${l.labels.toString()}\nAnnotations:${l.annotations.toString()}`;
  let s = '[\n0:' + indentLines('\n' + one(la[0]!), '  ');
  la.slice(1).forEach((l, i) => {
    s += ',\n' + String(i + 1) + ':' + indentLines('\n' + one(l), '  ');
  });
  return s + '\n]';
}

function laEqual(a: LabelsAndAnnotations[], b: LabelsAndAnnotations[]): boolean {
  return (
    a.length === b.length && a.every((x, i) => x.labels.equals(b[i]!.labels) && x.annotations.equals(b[i]!.annotations))
  );
}

/** strconv.FormatFloat(v, 'E', -1, 64). */
function formatE(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return (v < 0 || Object.is(v, -0) ? '-' : '') + formatFloatAbs(v, 'E', -1);
}

interface ParsedSample {
  labels: Labels;
  value: number;
}

function samplesString(ps: ParsedSample[]): string {
  if (ps.length === 0) return 'nil';
  return ps.map((p) => `${p.labels.toString()} ${formatE(p.value)}`).join(', ');
}

function sameValue(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

const MIN_NORMAL = 2.2250738585072014e-308;
/** Prometheus' util/almost.Equal with promtool's epsilon (fuzzy_compare: true). */
function almostEqual(a: number, b: number, epsilon = 1e-6): boolean {
  if (sameValue(a, b)) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < epsilon * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

export interface UnitTestOptions {
  validateExpr?: ExprValidator;
  /** Only test groups whose name matches one of these regexps (promtool --run). */
  run?: readonly { test(s: string): boolean }[];
  /** Output for promtool's "WARNING: no file match pattern". */
  warn?: (msg: string) => void;
}

async function runTestGroup(
  tg: TestGroup,
  evalInterval: number,
  order: Map<string, number>,
  ruleFiles: string[],
  opts: UnitTestOptions,
  fuzzy = false,
): Promise<string[]> {
  const storage = new MemoryStorage();
  // Load input series.
  try {
    for (const s of tg.inputSeries) {
      const { labels } = parseSeriesDesc(s.series.trim(), 0);
      const seq = parseValueSeq(s.values, 0);
      for (let i = 0; i < seq.kinds.length; i++) {
        const k = seq.kinds[i]!;
        if (k === SlotKind.Omitted) continue;
        if (k === SlotKind.Histogram) throw new Error('native histograms in input_series are not supported yet');
        storage.appendDirect(labels, i * tg.interval, seq.values[i]!);
      }
    }
  } catch (e) {
    return [(e as Error).message.replace(/^line 0: /, '')];
  }
  const engine = new Engine({ noStepSubqueryInterval: evalInterval });
  const queryFn = engineQueryFunc(engine, storage);
  const mgr = new RulesManager({
    queryFn,
    notifyFn: () => {},
    appendable: storage,
    externalURL: tg.externalURL,
    externalLabels: Labels.fromObject(tg.externalLabels),
    validateExpr: opts.validateExpr,
  });
  let groupsMap: Map<string, Group>;
  try {
    groupsMap = await mgr.loadGroups({ files: ruleFiles, evaluationInterval: tg.interval }, false);
  } catch (e) {
    if (e instanceof RuleLoadError) return e.errors;
    return [(e as Error).message];
  }
  const groups = [...groupsMap.values()].sort((a, b) => {
    const d = (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0);
    return d !== 0 ? d : a.key() < b.key() ? -1 : a.key() > b.key() ? 1 : 0;
  });
  for (const g of groups) for (const r of g.rules) if (r instanceof AlertingRule) r.restored = true;

  let maxt = 0;
  for (const a of tg.alertRuleTests) maxt = Math.max(maxt, a.evalTime);
  for (const p of tg.promqlExprTests) maxt = Math.max(maxt, p.evalTime);

  const alertsInTest = new Map<number, Set<string>>();
  const alertTests = new Map<number, AlertTestCase[]>();
  for (const a of tg.alertRuleTests) {
    if (a.alertname === '') {
      const where = tg.name ? ` (in TestGroup ${tg.name})` : '';
      return [
        `an item under alert_rule_test misses required attribute alertname at eval_time ${a.evalTimeText}${where}`,
      ];
    }
    if (!alertsInTest.has(a.evalTime)) alertsInTest.set(a.evalTime, new Set());
    alertsInTest.get(a.evalTime)!.add(a.alertname);
    alertTests.set(a.evalTime, [...(alertTests.get(a.evalTime) ?? []), a]);
  }
  const alertEvalTimes = [...alertsInTest.keys()].sort((a, b) => a - b);
  let curr = 0;
  const errs: string[] = [];
  const testName = tg.name ? `    name: ${tg.name},\n` : '';
  for (let ts = 0; ts <= maxt; ts += evalInterval) {
    const evalErrs: string[] = [];
    for (const g of groups) {
      await g.eval(ts);
      for (const r of g.rules) {
        if (r.lastError) {
          evalErrs.push(
            `    rule: ${r.name}, time: ${new GoDuration(BigInt(ts) * 1_000_000n).String()}, err: ${r.lastError.message}`,
          );
        }
      }
    }
    errs.push(...evalErrs);
    if (evalErrs.length > 0) return errs;
    while (curr < alertEvalTimes.length && ts <= alertEvalTimes[curr]! && alertEvalTimes[curr]! < ts + evalInterval) {
      const t = alertEvalTimes[curr]!;
      const present = alertsInTest.get(t)!;
      const got = new Map<string, LabelsAndAnnotations[]>();
      for (const g of groups) {
        for (const r of g.rules) {
          if (!(r instanceof AlertingRule) || !present.has(r.name)) continue;
          const list = got.get(r.name) ?? [];
          for (const a of r.activeAlerts())
            if (a.state === 'firing') list.push({ labels: a.labels, annotations: a.annotations });
          got.set(r.name, list);
        }
      }
      for (const tc of alertTests.get(t)!) {
        const gotAlerts = sortLA([...(got.get(tc.alertname) ?? [])]);
        const expAlerts = sortLA(
          tc.expAlerts.map((a) => ({
            labels: Labels.fromObject({ ...a.expLabels, alertname: tc.alertname }),
            annotations: Labels.fromObject(a.expAnnotations),
          })),
        );
        if (!laEqual(expAlerts, gotAlerts)) {
          const exp = indentLines(laString(expAlerts), '            ');
          const g = indentLines(laString(gotAlerts), '            ');
          errs.push(
            `${testName}    alertname: ${tc.alertname}, time: ${tc.evalTimeText}, \n        exp:${exp}, \n        got:${g}`,
          );
        }
      }
      curr++;
    }
  }
  for (const tc of tg.promqlExprTests) {
    let got;
    try {
      got = await queryFn(tc.expr, tc.evalTime);
    } catch (e) {
      errs.push(`    expr: ${JSON.stringify(tc.expr)}, time: ${tc.evalTimeText}, err: ${(e as Error).message}`);
      continue;
    }
    const gotSamples: ParsedSample[] = got.map((s) => ({ labels: s.metric, value: s.v }));
    const expSamples: ParsedSample[] = [];
    let bad = false;
    for (const s of tc.expSamples) {
      try {
        const { labels, rest } = parseSeriesDesc(s.labels.trim(), 0);
        if (rest.trim() !== '') throw new Error(`unexpected ${JSON.stringify(rest.trim())}`);
        expSamples.push({ labels, value: s.value });
      } catch (e) {
        errs.push(
          `    expr: ${JSON.stringify(tc.expr)}, time: ${tc.evalTimeText}, err: labels ${JSON.stringify(s.labels)}: ${(e as Error).message.replace(/^line 0: /, '')}`,
        );
        bad = true;
        break;
      }
    }
    if (bad) continue;
    expSamples.sort((a, b) => Labels.compare(a.labels, b.labels));
    gotSamples.sort((a, b) => Labels.compare(a.labels, b.labels));
    const equal =
      expSamples.length === gotSamples.length &&
      expSamples.every(
        (e, i) =>
          e.labels.equals(gotSamples[i]!.labels) && (fuzzy ? almostEqual : sameValue)(e.value, gotSamples[i]!.value),
      );
    if (!equal) {
      errs.push(
        `    expr: ${JSON.stringify(tc.expr)}, time: ${tc.evalTimeText},\n        exp: ${samplesString(expSamples)}\n        got: ${samplesString(gotSamples)}`,
      );
    }
  }
  return errs;
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/** Runs one unit test file. */
export async function runUnitTestFile(file: string, opts: UnitTestOptions = {}): Promise<UnitTestFileResult> {
  const warnings: string[] = [];
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return {
      file,
      success: false,
      errors: [`open ${file}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`],
      warnings,
    };
  }
  let utf: UnitTestFile;
  try {
    utf = parseUnitTestFile(content);
  } catch (e) {
    return { file, success: false, errors: [(e as Error).message], warnings };
  }
  const base = dirname(file);
  const ruleFiles: string[] = [];
  for (const rf of utf.ruleFiles) {
    const p = rf !== '' && !isAbsolute(rf) ? join(base, rf) : rf;
    // filepath.Glob: a literal path that does not exist matches nothing.
    const m = /[*?[]/.test(p) ? await expandGlob(p) : (await exists(p)) ? [p] : [];
    if (m.length === 0) {
      const w = `no file match pattern ${p}`;
      warnings.push(w);
      opts.warn?.(w);
    }
    ruleFiles.push(...m);
  }
  const evalInterval = utf.evaluationInterval || 60_000;
  const order = new Map<string, number>();
  for (let i = 0; i < utf.groupEvalOrder.length; i++) {
    const gn = utf.groupEvalOrder[i]!;
    if (order.has(gn))
      return { file, success: false, errors: [`group name repeated in evaluation order: ${gn}`], warnings };
    order.set(gn, i);
  }
  const errors: string[] = [];
  for (const t of utf.tests) {
    if (opts.run?.length && !opts.run.some((re) => re.test(t.name))) continue;
    // Prometheus 3: a test group's interval defaults to the evaluation interval.
    if (t.interval === 0) t.interval = evalInterval;
    errors.push(...(await runTestGroup(t, evalInterval, order, ruleFiles, opts, utf.fuzzyCompare)));
  }
  return { file, success: errors.length === 0, errors, warnings };
}

export async function runUnitTests(
  files: readonly string[],
  opts: UnitTestOptions = {},
): Promise<UnitTestFileResult[]> {
  const out: UnitTestFileResult[] = [];
  for (const f of files) out.push(await runUnitTestFile(f, opts));
  return out;
}
