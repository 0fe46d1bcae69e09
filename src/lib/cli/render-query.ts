/** Renders Prometheus query results for the terminal: tables, CSV and braille charts. Pure. */
import type { ChalkInstance } from 'chalk';
import type { MatrixSeries, QueryData, VectorSample } from '../api/types.js';
import { Labels } from '../model/labels.js';
import { plot } from '../ui/chart.js';
import { renderTable } from './render.js';

/** `name{a="b"}` for a metric record from the API. */
export function metricString(metric: Record<string, string>): string {
  return Labels.fromObject(metric).toMetricString();
}

function fmtTime(sec: number): string {
  return new Date(sec * 1000).toISOString();
}

const PALETTE = ['cyan', 'yellow', 'green', 'magenta', 'blue', 'red', 'white'] as const;

/** A chalk color function for series i. */
export function seriesColor(c: ChalkInstance, i: number): (s: string) => string {
  return c[PALETTE[i % PALETTE.length]!];
}

export interface RenderOptions {
  color: ChalkInstance;
  /** Terminal width for charts. */
  width?: number;
  /** Chart height in rows. */
  height?: number;
  /** Render range results as a table of samples instead of a chart. */
  table?: boolean;
}

/** Text rendering of any result type. */
export function renderResult(data: QueryData, opts: RenderOptions): string {
  switch (data.resultType) {
    case 'scalar':
      return `${data.result[1]}  ${opts.color.dim(`@ ${fmtTime(data.result[0])}`)}`;
    case 'string':
      return `${JSON.stringify(data.result[1])}  ${opts.color.dim(`@ ${fmtTime(data.result[0])}`)}`;
    case 'vector':
      return renderVector(data.result, opts);
    case 'matrix':
      return opts.table ? renderMatrixTable(data.result, opts) : renderMatrixChart(data.result, opts);
  }
}

function renderVector(result: VectorSample[], opts: RenderOptions): string {
  if (result.length === 0) return opts.color.dim('(empty result: no series matched)');
  const rows = result.map((s) => [opts.color.bold(metricString(s.metric)), s.value[1]]);
  return renderTable(rows, { header: [opts.color.dim('SERIES'), opts.color.dim('VALUE')], alignRight: [1] });
}

function renderMatrixTable(result: MatrixSeries[], opts: RenderOptions): string {
  if (result.length === 0) return opts.color.dim('(empty result: no series matched)');
  const out: string[] = [];
  for (const s of result) {
    out.push(opts.color.bold(metricString(s.metric)));
    out.push(
      renderTable(
        s.values.map(([t, v]) => ['  ' + fmtTime(t), v]),
        { alignRight: [1] },
      ),
    );
  }
  return out.join('\n');
}

function renderMatrixChart(result: MatrixSeries[], opts: RenderOptions): string {
  if (result.length === 0) return opts.color.dim('(empty result: no series matched)');
  const width = Math.max(20, (opts.width ?? 80) - 10);
  const height = opts.height ?? 12;
  const series = result.map((s) => ({
    t: s.values.map((p) => p[0] * 1000),
    v: s.values.map((p) => Number(p[1])),
  }));
  const chart = plot(series, { width, height });
  const labelW = Math.max(...chart.yLabels.map((l) => l.length));
  const lines = chart.rows.map((row, i) => {
    const cells = row
      .map((cell) => (cell.series >= 0 ? seriesColor(opts.color, cell.series)(cell.ch) : cell.ch))
      .join('');
    return `${chart.yLabels[i]!.padStart(labelW)} ┤${cells}`;
  });
  const start = fmtTime(chart.xMin / 1000);
  const end = fmtTime(chart.xMax / 1000);
  lines.push(`${' '.repeat(labelW)} └${'─'.repeat(width)}`);
  lines.push(`${' '.repeat(labelW + 2)}${start}${' '.repeat(Math.max(1, width - start.length - end.length))}${end}`);
  const shown = result.slice(0, 20);
  for (const [i, s] of shown.entries()) {
    const last = s.values.at(-1)?.[1] ?? '';
    lines.push(`${seriesColor(opts.color, i)('■')} ${metricString(s.metric)}  ${opts.color.dim(`last ${last}`)}`);
  }
  if (result.length > shown.length) lines.push(opts.color.dim(`… and ${result.length - shown.length} more series`));
  return lines.join('\n');
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Label names of the metrics, sorted with __name__ first. */
function labelColumns(metrics: readonly Record<string, string>[]): string[] {
  return [...new Set(metrics.flatMap((m) => Object.keys(m)))].sort((a, b) =>
    a === '__name__' ? -1 : b === '__name__' ? 1 : a < b ? -1 : a > b ? 1 : 0,
  );
}

/** Series (from /api/v1/series): one `name{labels}` per line, or aligned label columns with `table`. */
export function renderSeries(series: readonly Record<string, string>[], opts: RenderOptions): string {
  if (!opts.table) return series.map(metricString).join('\n');
  const cols = labelColumns(series);
  return renderTable(
    series.map((m) => cols.map((c, i) => (i === 0 && c === '__name__' ? opts.color.bold(m[c] ?? '') : (m[c] ?? '')))),
    { header: cols.map((c) => opts.color.dim(c === '__name__' ? 'NAME' : c)) },
  );
}

/** Series as CSV: one column per label name (sorted, __name__ first). */
export function renderSeriesCsv(series: readonly Record<string, string>[]): string {
  const cols = labelColumns(series);
  const out = [cols.map(csvField).join(',')];
  for (const m of series) out.push(cols.map((c) => csvField(m[c] ?? '')).join(','));
  return out.join('\n') + '\n';
}

/** CSV: one column per label name (sorted, __name__ first), then timestamp (RFC 3339) and value. */
export function renderCsv(data: QueryData): string {
  let rows: { metric: Record<string, string>; t: number; v: string }[] = [];
  switch (data.resultType) {
    case 'scalar':
    case 'string':
      rows = [{ metric: {}, t: data.result[0], v: data.result[1] }];
      break;
    case 'vector':
      rows = data.result.map((s) => ({ metric: s.metric, t: s.value[0], v: s.value[1] }));
      break;
    case 'matrix':
      rows = data.result.flatMap((s) => s.values.map(([t, v]) => ({ metric: s.metric, t, v })));
      break;
  }
  const names = labelColumns(rows.map((r) => r.metric));
  const out = [[...names, 'timestamp', 'value'].map(csvField).join(',')];
  for (const r of rows) out.push([...names.map((n) => r.metric[n] ?? ''), fmtTime(r.t), r.v].map(csvField).join(','));
  return out.join('\n') + '\n';
}
