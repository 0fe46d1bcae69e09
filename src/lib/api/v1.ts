/**
 * Handlers of the Prometheus HTTP API v1 (web/api/v1/api.go), over ports the composition root
 * provides. Each handler returns the encoded `data` member (plus warnings) or throws ApiHttpError;
 * server.ts maps errors to statuses once.
 */
import type { Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import type { Queryable } from '../storage/interface.js';
import { jsonString, labelsJson, resultJson, type ResultValue } from './encode.js';
import { ApiHttpError, MAX_TIME, MIN_TIME, type Params } from './params.js';

export interface QueryOptions {
  /** ms */
  timeout?: number;
  /** ms */
  lookbackDelta?: number;
  signal?: AbortSignal;
}

export interface QueryOutcome {
  value: ResultValue;
  warnings: string[];
  infos: string[];
}

/**
 * The query engine as the API sees it. Implementations throw ApiHttpError for failures (bad_data
 * for parse errors with the positioned message, timeout, canceled, execution for the rest).
 */
export interface ApiEngine {
  instantQuery(expr: string, t: number, opts: QueryOptions): Promise<QueryOutcome>;
  rangeQuery(expr: string, start: number, end: number, step: number, opts: QueryOptions): Promise<QueryOutcome>;
}

export interface ApiPorts {
  engine: ApiEngine;
  queryable: Queryable;
  /** Parses a series selector (`match[]`) to matchers; throws with the parser's message. */
  parseSelector(s: string): Matcher[];
  /** Formats and validates an expression (format_query; query_exemplars validates with it). */
  formatQuery?(s: string): string;
  /** The AST as JSON for parse_query. */
  parseQuery?(s: string): unknown;
  targets?(): { activeTargets: unknown[]; droppedTargets: unknown[]; droppedTargetCounts?: Record<string, number> };
  targetsMetadata?(): unknown[];
  metadata?(): Map<string, { type: string; help: string; unit: string }[]>;
  /** The loaded configuration as YAML (secrets masked). */
  configYaml?(): string;
  flags?(): Record<string, string>;
  runtimeInfo?(): Record<string, unknown>;
  buildInfo?(): Record<string, string>;
  tsdbStatus?(limit: number): unknown;
  walReplayStatus?(): unknown;
  rules?(p: Params): unknown;
  alerts?(): unknown;
  alertmanagers?(): unknown;
  now?(): number;
}

export interface HandlerResult {
  data: string;
  warnings?: string[];
  infos?: string[];
}

const LABEL_NAME_OK = (s: string) => s.length > 0 && !/[\uD800-\uDFFF]/.test(s);

function queryOpts(p: Params, signal: AbortSignal | undefined): QueryOptions {
  const timeout = p.duration('timeout');
  const lookbackDelta = p.duration('lookback_delta');
  return { timeout, lookbackDelta, signal };
}

function required(p: Params, name: string): string {
  const v = p.get(name);
  if (v === undefined || v === '')
    throw new ApiHttpError(
      'bad_data',
      `invalid parameter ${JSON.stringify(name)}: ${name === 'query' ? 'empty query' : 'missing'}`,
    );
  return v;
}

function matchersFrom(ports: ApiPorts, p: Params): Matcher[][] {
  return p.all('match[]').map((s) => {
    try {
      return ports.parseSelector(s);
    } catch (e) {
      throw new ApiHttpError('bad_data', (e as Error).message);
    }
  });
}

function outcome(o: QueryOutcome): HandlerResult {
  return { data: resultJson(o.value), warnings: o.warnings, infos: o.infos };
}

export async function query(ports: ApiPorts, p: Params, signal?: AbortSignal): Promise<HandlerResult> {
  const now = ports.now?.() ?? Date.now();
  const t = p.timeParam('time', now);
  const expr = required(p, 'query');
  return outcome(await ports.engine.instantQuery(expr, t, queryOpts(p, signal)));
}

export async function queryRange(ports: ApiPorts, p: Params, signal?: AbortSignal): Promise<HandlerResult> {
  const start = p.time('start', NaN);
  if (Number.isNaN(start))
    throw new ApiHttpError('bad_data', 'invalid parameter "start": cannot parse "" to a valid timestamp');
  const end = p.time('end', NaN);
  if (Number.isNaN(end))
    throw new ApiHttpError('bad_data', 'invalid parameter "end": cannot parse "" to a valid timestamp');
  if (end < start)
    throw new ApiHttpError('bad_data', 'invalid parameter "end": end timestamp must not be before start time');
  const step = p.duration('step');
  if (step === undefined)
    throw new ApiHttpError('bad_data', 'invalid parameter "step": cannot parse "" to a valid duration');
  if (step <= 0)
    throw new ApiHttpError(
      'bad_data',
      'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer',
    );
  if ((end - start) / step > 11000)
    throw new ApiHttpError(
      'bad_data',
      'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
    );
  const expr = required(p, 'query');
  return outcome(await ports.engine.rangeQuery(expr, start, end, step, queryOpts(p, signal)));
}

async function forEachMatchedSeries(
  ports: ApiPorts,
  sets: Matcher[][],
  start: number,
  end: number,
  fn: (l: Labels) => boolean | void,
): Promise<string[]> {
  const q = await ports.queryable.querier(start, end);
  const warnings: string[] = [];
  try {
    const seen = new Set<string>();
    for (const ms of sets) {
      const ss = await q.select(true, { start, end, func: 'series' }, ms);
      while (ss.next()) {
        const l = ss.at().labels;
        const k = l.key();
        if (seen.has(k)) continue;
        seen.add(k);
        if (fn(l) === false) break;
      }
      const err = ss.err();
      if (err) throw new ApiHttpError('internal', err.message);
      warnings.push(...ss.warnings());
    }
  } finally {
    await q.close();
  }
  return warnings;
}

/**
 * query_exemplars. promctl keeps no exemplars (as Prometheus without
 * --enable-feature=exemplar-storage), so a valid request answers an empty list; the parameters are
 * checked as Prometheus checks them.
 */
export function queryExemplars(ports: ApiPorts, p: Params): HandlerResult {
  const start = p.timeParam('start', MIN_TIME);
  const end = p.timeParam('end', MAX_TIME);
  if (end < start) throw new ApiHttpError('bad_data', 'end timestamp must not be before start timestamp');
  try {
    ports.formatQuery?.(p.get('query') ?? '');
  } catch (e) {
    throw new ApiHttpError('bad_data', (e as Error).message);
  }
  return { data: '[]' };
}

export async function series(ports: ApiPorts, p: Params): Promise<HandlerResult> {
  if (p.all('match[]').length === 0) throw new ApiHttpError('bad_data', 'no match[] parameter provided');
  const start = p.timeParam('start', MIN_TIME);
  const end = p.timeParam('end', MAX_TIME);
  const limit = p.limit();
  const sets = matchersFrom(ports, p);
  const all: Labels[] = [];
  let truncated = false;
  const warnings = await forEachMatchedSeries(ports, sets, start, end, (l) => {
    if (limit && all.length >= limit) {
      truncated = true;
      return false;
    }
    all.push(l);
  });
  if (sets.length > 1) all.sort((a, b) => (a.key() < b.key() ? -1 : 1));
  if (truncated) warnings.push('results truncated due to limit');
  return { data: `[${all.map(labelsJson).join(',')}]`, warnings };
}

export async function labelNames(ports: ApiPorts, p: Params): Promise<HandlerResult> {
  const start = p.timeParam('start', MIN_TIME);
  const end = p.timeParam('end', MAX_TIME);
  const limit = p.limit();
  const sets = matchersFrom(ports, p);
  const q = await ports.queryable.querier(start, end);
  const names = new Set<string>();
  const warnings: string[] = [];
  try {
    for (const ms of sets.length ? sets : [[]]) {
      const r = await q.labelNames(undefined, ms);
      r.values.forEach((n) => names.add(n));
      warnings.push(...r.warnings);
    }
  } finally {
    await q.close();
  }
  let out = [...names].sort();
  if (limit && out.length > limit) {
    out = out.slice(0, limit);
    warnings.push('results truncated due to limit');
  }
  return { data: `[${out.map(jsonString).join(',')}]`, warnings };
}

export async function labelValues(ports: ApiPorts, p: Params, name: string): Promise<HandlerResult> {
  let label = name;
  if (label.startsWith('U__')) label = unescapeLabelName(label);
  if (!LABEL_NAME_OK(label)) throw new ApiHttpError('bad_data', `invalid label name: ${JSON.stringify(label)}`);
  const start = p.timeParam('start', MIN_TIME);
  const end = p.timeParam('end', MAX_TIME);
  const limit = p.limit();
  const sets = matchersFrom(ports, p);
  const q = await ports.queryable.querier(start, end);
  const values = new Set<string>();
  const warnings: string[] = [];
  try {
    for (const ms of sets.length ? sets : [[]]) {
      const r = await q.labelValues(label, undefined, ms);
      r.values.forEach((v) => values.add(v));
      warnings.push(...r.warnings);
    }
  } finally {
    await q.close();
  }
  let out = [...values].sort();
  if (limit && out.length > limit) {
    out = out.slice(0, limit);
    warnings.push('results truncated due to limit');
  }
  return { data: `[${out.map(jsonString).join(',')}]`, warnings };
}

/** Prometheus' U__ escaping of label names in URL paths (`U__my_2e_label` = `my.label`). */
export function unescapeLabelName(s: string): string {
  const body = s.slice(3);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '_') {
      if (body[i + 1] === '_') {
        out += '_';
        i++;
        continue;
      }
      const end = body.indexOf('_', i + 1);
      if (end < 0) return s;
      const code = parseInt(body.slice(i + 1, end), 16);
      if (Number.isNaN(code)) return s;
      out += String.fromCodePoint(code);
      i = end;
    } else out += c;
  }
  return out;
}

export function metadata(ports: ApiPorts, p: Params): HandlerResult {
  const all = ports.metadata?.() ?? new Map();
  const metric = p.get('metric');
  const limit = p.limit();
  const limitPerMetric = Number(p.get('limit_per_metric') ?? 0) || 0;
  const out: Record<string, unknown[]> = {};
  let n = 0;
  for (const [name, list] of all) {
    if (metric && name !== metric) continue;
    if (limit && n >= limit) break;
    out[name] = limitPerMetric ? list.slice(0, limitPerMetric) : list;
    n++;
  }
  return { data: JSON.stringify(out) };
}

export function targets(ports: ApiPorts, p: Params): HandlerResult {
  const t = ports.targets?.() ?? { activeTargets: [], droppedTargets: [] };
  const state = (p.get('state') ?? 'any').toLowerCase();
  const pool = p.get('scrapePool');
  const filter = <T>(xs: T[]) => (pool ? xs.filter((x) => (x as { scrapePool?: string }).scrapePool === pool) : xs);
  const data: Record<string, unknown> = {
    activeTargets: state === 'dropped' ? [] : filter(t.activeTargets),
    droppedTargets: state === 'active' ? [] : filter(t.droppedTargets),
  };
  if (t.droppedTargetCounts) data.droppedTargetCounts = t.droppedTargetCounts;
  return { data: JSON.stringify(data) };
}
