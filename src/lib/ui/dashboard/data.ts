/** Fetching and shaping panel data through an injected API client. Pure helpers + async fetchers. */
import type { QueryData } from '../../api/types.js';
import type { Panel, Threshold, Variable } from './model.js';

/** The part of the API client the dashboard uses (PrometheusClient satisfies it). */
export interface DashboardClient {
  query(expr: string, time?: number, opts?: { signal?: AbortSignal }): Promise<{ data: QueryData; warnings: string[] }>;
  queryRange(
    expr: string,
    start: number,
    end: number,
    step: number,
    opts?: { signal?: AbortSignal },
  ): Promise<{ data: QueryData; warnings: string[] }>;
  labelValues(name: string, match?: readonly string[]): Promise<{ data: string[] }>;
}

export interface SeriesData {
  name: string;
  t: number[];
  v: number[];
}

export interface PanelData {
  series: SeriesData[];
  error?: string;
  /** ms since epoch of the last successful update. */
  updated?: number;
}

export interface TimeWindow {
  /** ms */
  start: number;
  end: number;
  step: number;
  /** The time for instant queries (ms; default `end`): now, even when `end` is aligned to the step. */
  at?: number;
}

/** Replaces `{{label}}` in a legend template; without a template, the series' label set. */
export function legendFor(template: string | undefined, metric: Record<string, string>): string {
  if (template) return template.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, n: string) => metric[n] ?? '');
  const name = metric.__name__ ?? '';
  const rest = Object.keys(metric)
    .filter((k) => k !== '__name__')
    .sort()
    .map((k) => `${k}="${metric[k]}"`);
  return rest.length ? `${name}{${rest.join(', ')}}` : name || '{}';
}

function seconds(ms: number): string {
  return `${Math.max(1, Math.round(ms / 1000))}s`;
}

/**
 * Substitutes dashboard variables and Grafana's built-ins: `$var`, `${var}`, `${var:regex}`,
 * `[[var]]`, `$__interval`, `$__rate_interval` (max(4 × step, interval + step) with a 15s scrape
 * interval assumed), `$__range`, `$__range_s`.
 */
export function interpolate(expr: string, vars: Readonly<Record<string, string>>, w: TimeWindow): string {
  const builtins: Record<string, string> = {
    __interval: seconds(w.step),
    __rate_interval: seconds(Math.max(4 * 15_000, w.step + 15_000)),
    __range: seconds(w.end - w.start),
    __range_s: String(Math.round((w.end - w.start) / 1000)),
  };
  const value = (name: string): string | undefined => builtins[name] ?? vars[name];
  return expr.replace(
    /\$\{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-z]+)?\}|\[\[([a-zA-Z_][a-zA-Z0-9_]*)\]\]|\$([a-zA-Z_][a-zA-Z0-9_]*)/g,
    (m, a?: string, b?: string, c?: string) => value((a ?? b ?? c)!) ?? m,
  );
}

/** The color of `v` under Grafana-style thresholds (the last step whose value ≤ v). */
export function thresholdColor(v: number, thresholds: readonly Threshold[] | undefined): string | undefined {
  if (!thresholds?.length || Number.isNaN(v)) return undefined;
  let c: string | undefined;
  for (const t of [...thresholds].sort((a, b) => a.value - b.value)) if (v >= t.value) c = t.color;
  return c ?? thresholds[0]!.color;
}

function toSeries(data: QueryData, legend: string | undefined): SeriesData[] {
  switch (data.resultType) {
    case 'matrix':
      return data.result.map((s) => ({
        name: legendFor(legend, s.metric),
        t: s.values.map((p) => p[0] * 1000),
        v: s.values.map((p) => Number(p[1])),
      }));
    case 'vector':
      return data.result.map((s) => ({
        name: legendFor(legend, s.metric),
        t: [s.value[0] * 1000],
        v: [Number(s.value[1])],
      }));
    case 'scalar':
      return [{ name: legend ?? 'scalar', t: [data.result[0] * 1000], v: [Number(data.result[1])] }];
    case 'string':
      return [];
  }
}

/** Appends each instant value to the range series of the same name (or adds it alone). */
function withCurrent(range: SeriesData[], now: SeriesData[]): SeriesData[] {
  const byName = new Map(range.map((s) => [s.name, s]));
  const out = [...range];
  for (const n of now) {
    const r = byName.get(n.name);
    if (!r) out.push(n);
    else if (!r.t.length || n.t[0]! > r.t[r.t.length - 1]!) {
      r.t.push(n.t[0]!);
      r.v.push(n.v[0]!);
    }
  }
  return out;
}

/**
 * Range results of the current window, kept between refreshes: a range query whose (step-aligned)
 * window has not moved is sent again only once, SETTLE_MS after the window's end, when late scrapes
 * have landed and its last point is final. `force` sends everything (the user asked to refresh).
 */
export interface RangeCache {
  window: string;
  results: Map<string, { at: number; data: QueryData }>;
  force?: boolean;
}

export const SETTLE_MS = 10_000;

/** The cache for window `w` (a new one when the window moved). */
export function rangeCacheFor(prev: RangeCache | undefined, w: TimeWindow, vars: string): RangeCache {
  const window = `${w.start}/${w.end}/${w.step}/${vars}`;
  return prev?.window === window ? prev : { window, results: new Map() };
}

async function rangeQuery(
  client: DashboardClient,
  expr: string,
  w: TimeWindow,
  signal: AbortSignal | undefined,
  cache: RangeCache | undefined,
): Promise<QueryData> {
  const at = w.at ?? w.end;
  const hit = cache?.results.get(expr);
  if (hit && !cache!.force && (hit.at >= w.end + SETTLE_MS || at < w.end + SETTLE_MS)) return hit.data;
  const { data } = await client.queryRange(expr, w.start / 1000, w.end / 1000, w.step / 1000, { signal });
  cache?.results.set(expr, { at, data });
  return data;
}

/** Runs a panel's queries for the window; a failure becomes the panel's error, not an exception. */
export async function fetchPanel(
  client: DashboardClient,
  panel: Panel,
  vars: Readonly<Record<string, string>>,
  w: TimeWindow,
  signal?: AbortSignal,
  cache?: RangeCache,
): Promise<PanelData> {
  try {
    const parts = await Promise.all(
      panel.queries.map(async (q) => {
        const expr = interpolate(q.expr, vars, w);
        const instant = q.instant || panel.type === 'table' || panel.type === 'gauge' || panel.type === 'bar';
        if (instant) return toSeries((await client.query(expr, (w.at ?? w.end) / 1000, { signal })).data, q.legend);
        if (panel.type !== 'stat' || w.at === undefined || w.at === w.end)
          return toSeries(await rangeQuery(client, expr, w, signal, cache), q.legend);
        // A stat shows the value now, after its sparkline of the (step-aligned, so up to a step old) range.
        const [range, now] = await Promise.all([
          rangeQuery(client, expr, w, signal, cache),
          client.query(expr, w.at / 1000, { signal }),
        ]);
        return withCurrent(toSeries(range, q.legend), toSeries(now.data, q.legend));
      }),
    );
    return { series: parts.flat(), updated: Date.now() };
  } catch (e) {
    return { series: [], error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Values of a `label_values(...)` variable; the values chosen so far for the variables before it
 * are filled into its query (as in Grafana: `label_values(node_uname_info{job="$job"}, instance)`).
 */
export async function fetchVariableValues(
  client: DashboardClient,
  v: Variable,
  chosen: Readonly<Record<string, string>> = {},
): Promise<string[]> {
  const query = interpolate(v.query, chosen, { start: 0, end: 3600_000, step: 15_000 });
  const m = /^\s*label_values\(\s*(?:(.*),\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$/.exec(query);
  if (!m) throw new Error(`variable ${v.name}: unsupported query ${v.query}`);
  const res = await client.labelValues(m[2]!, m[1] ? [m[1].trim()] : []);
  return res.data;
}

/** The step for a window of `rangeMs` drawn over `width` cells (2 braille dots per cell). */
export function stepFor(rangeMs: number, width: number): number {
  const points = Math.max(10, Math.min(11_000, width * 2));
  return Math.max(1000, Math.ceil(rangeMs / points / 1000) * 1000);
}

/**
 * The window ending at `end` (ms) for a chart `cols` wide: start and end aligned to the step, so
 * that refreshes within one step ask for the same points.
 */
export function alignedWindow(end: number, rangeMs: number, cols: number): TimeWindow {
  const step = stepFor(rangeMs, cols);
  const e = Math.floor(end / step) * step;
  // Start on the step grid too, so that the last point lands on the end.
  return { start: Math.floor((e - rangeMs) / step) * step, end: e, step, at: end };
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

/** Whether two results show the same thing (so the panel need not be drawn again). */
export function samePanelData(a: PanelData, b: PanelData): boolean {
  if (a.error !== b.error || a.series.length !== b.series.length) return false;
  for (let i = 0; i < a.series.length; i++) {
    const x = a.series[i]!;
    const y = b.series[i]!;
    if (x.name !== y.name || !sameNumbers(x.t, y.t) || !sameNumbers(x.v, y.v)) return false;
  }
  return true;
}
