/**
 * Presentational panels. Each renders into exactly `width` × `height` cells (border included) so the
 * grid never overlaps; chart rows are built as strings with color codes for speed.
 */
import type { ChalkInstance } from 'chalk';
import { Box, Text, Transform } from 'ink';
import React, { useMemo } from 'react';
import { chartAxes, gridRow, plotGrid } from '../chart.js';
import { formatUnit } from '../units.js';
import type { PanelData, SeriesData } from './data.js';
import { thresholdColor } from './data.js';
import type { Panel } from './model.js';
import type { SortOrder } from './state.js';

export const SERIES_COLORS = ['cyan', 'yellow', 'green', 'magenta', 'blue', 'red', 'white'] as const;

export interface PanelProps {
  readonly panel: Panel;
  readonly data: PanelData | undefined;
  readonly width: number;
  readonly height: number;
  readonly focused: boolean;
  /** Row order of a table (default: by name). */
  readonly sort?: SortOrder;
  readonly color: ChalkInstance;
  /** The window's x-range (ms) for time series. */
  readonly xMin: number;
  readonly xMax: number;
}

function paint(c: ChalkInstance, name: string | undefined, s: string): string {
  if (!name) return s;
  const fn = (c as unknown as Record<string, ((x: string) => string) | undefined>)[name];
  return typeof fn === 'function' ? fn(s) : s;
}

function fit(s: string, w: number): string {
  if (w <= 0) return '';
  return s.length > w ? s.slice(0, Math.max(0, w - 1)) + '…' : s.padEnd(w);
}

/** Shortens `s` to `w` characters, at a word boundary where one is near, marking the cut with …. */
export function fitTitle(s: string, w: number): string {
  if (s.length <= w) return s;
  if (w <= 1) return s.slice(0, w);
  const cut = s.slice(0, w - 1);
  const space = cut.lastIndexOf(' ');
  return (space >= w / 2 ? cut.slice(0, space) : cut).replace(/[\s([{,:;-]+$/, '') + '…';
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** A time-axis label (local time), as precise as the window's span needs. */
export function axisTime(ms: number, spanMs: number): string {
  const d = new Date(ms);
  const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  if (spanMs <= 15 * 60_000) return `${hm}:${pad2(d.getSeconds())}`;
  if (spanMs < 2 * 86_400_000) return hm;
  return `${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${hm}`;
}

/** The x-axis under a chart `w` cells wide: the window's start, middle and end times. */
function timeAxis(xMin: number, xMax: number, w: number): string {
  const span = xMax - xMin;
  const a = axisTime(xMin, span);
  const b = axisTime(xMax, span);
  if (a.length + b.length + 1 > w) return b.length <= w ? b.padStart(w) : '';
  const mid = axisTime(xMin + span / 2, span);
  const midAt = Math.round(w / 2 - mid.length / 2);
  if (midAt > a.length + 1 && midAt + mid.length < w - b.length - 1)
    return a + mid.padStart(midAt + mid.length - a.length) + b.padStart(w - midAt - mid.length);
  return a + b.padStart(w - a.length);
}

const CANNOT_REACH = /^cannot reach (\S+): /;

/** The server's URL when a panel error is the server being unreachable (not a query error). */
export function unreachableServer(e: string): string | undefined {
  return CANNOT_REACH.exec(e)?.[1];
}

/** A panel's error, without the server's URL (the header names the server once). */
function shortError(e: string): string {
  return e.replace(CANNOT_REACH, 'cannot reach the server: ');
}

/** Word-wraps `text` to lines of at most `w` characters (long words are split). */
export function wrapWords(text: string, w: number): string[] {
  const out: string[] = [];
  let line = '';
  for (let word of text.split(/\s+/)) {
    if (!word) continue;
    while (word.length > w) {
      if (line) {
        out.push(line);
        line = '';
      }
      out.push(word.slice(0, w));
      word = word.slice(w);
    }
    if (!line) line = word;
    else if (line.length + 1 + word.length <= w) line += ' ' + word;
    else {
      out.push(line);
      line = word;
    }
  }
  if (line) out.push(line);
  return out;
}

const SPARK = '▁▂▃▄▅▆▇█';

/** A one-line sparkline of the last `width` values. */
export function sparkline(values: readonly number[], width: number): string {
  const v = values.filter((x) => Number.isFinite(x)).slice(-width);
  if (v.length === 0) return '';
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return v.map((x) => SPARK[hi === lo ? 3 : Math.round(((x - lo) / (hi - lo)) * 7)]).join('');
}

function lastValue(s: SeriesData): number {
  for (let i = s.v.length - 1; i >= 0; i--) if (Number.isFinite(s.v[i])) return s.v[i]!;
  return NaN;
}

/** The lines inside the border for each panel type. */
export function panelLines(p: PanelProps, innerW: number, innerH: number): string[] {
  const { panel, data, color: c } = p;
  if (panel.type === 'text' || panel.type === 'unsupported')
    return (panel.text ?? '')
      .split('\n')
      .flatMap((l) => (l.trim() ? wrapWords(l, innerW) : ['']))
      .slice(0, innerH);
  if (!data) return [c.dim(fit('loading…', innerW))];
  if (data.error && data.series.length === 0)
    return wrapWords(`error: ${shortError(data.error)}`, innerW)
      .slice(0, innerH)
      .map((l) => c.red(l));
  if (data.series.length === 0) return [c.dim(fit('no data', innerW))];
  if (data.error) {
    // A failed refresh over older data: keep the data, say why it is not current on the last line.
    const lines = dataLines(p, innerW, Math.max(1, innerH - 1)).slice(0, Math.max(0, innerH - 1));
    lines.push(c.red(fit(`error: ${shortError(data.error)}`, innerW)));
    return lines;
  }
  return dataLines(p, innerW, innerH);
}

function dataLines(p: PanelProps, innerW: number, innerH: number): string[] {
  const { panel } = p;
  switch (panel.type) {
    case 'timeseries':
      return timeseriesLines(p, innerW, innerH);
    case 'stat':
      return statLines(p, innerW, innerH);
    case 'gauge':
    case 'bar':
      return barLines(p, innerW, innerH);
    case 'table':
      return tableLines(p, innerW, innerH);
    default:
      return [];
  }
}

function timeseriesLines(p: PanelProps, innerW: number, innerH: number): string[] {
  const { data, panel, color: c } = p;
  const series = data!.series;
  const legendRows = Math.min(series.length, Math.max(1, Math.floor(innerH / 4)));
  // A time axis under the chart when the panel is tall enough to spare the line.
  const axis = innerH - legendRows >= 7;
  const chartH = Math.max(1, innerH - legendRows - (axis ? 1 : 0));
  const fmt = (v: number) => formatUnit(v, panel.unit, panel.decimals);
  const opts = {
    width: 1,
    height: chartH,
    xMin: p.xMin,
    xMax: p.xMax,
    yMin: panel.min,
    yMax: panel.max,
    formatY: fmt,
  };
  const labels = chartAxes(series, opts).yLabels;
  const labelW = Math.min(10, Math.max(...labels.map((l) => l.length)));
  const grid = plotGrid(series, { ...opts, width: Math.max(1, innerW - labelW - 1) });
  const seriesPaint = (si: number, run: string) => paint(c, SERIES_COLORS[si % SERIES_COLORS.length], run);
  const lines: string[] = [];
  for (let i = 0; i < grid.height; i++)
    lines.push(c.dim(fit(labels[i]!, labelW).slice(0, labelW).padStart(labelW) + '│') + gridRow(grid, i, seriesPaint));
  if (axis) lines.push(c.dim(' '.repeat(labelW) + '└' + timeAxis(grid.xMin, grid.xMax, grid.width)));
  const shown = series.slice(0, legendRows);
  for (const [i, s] of shown.entries()) {
    const more = i === legendRows - 1 && series.length > legendRows ? ` (+${series.length - legendRows})` : '';
    const val = ` ${fmt(lastValue(s))}`;
    const name = fit(s.name, Math.max(1, innerW - 2 - val.length - more.length)).trimEnd();
    lines.push(`${paint(c, SERIES_COLORS[i % SERIES_COLORS.length], '■')} ${name}${c.bold(val)}${c.dim(more)}`);
  }
  return lines;
}

function statLines(p: PanelProps, innerW: number, innerH: number): string[] {
  const { data, panel, color: c } = p;
  const series = data!.series.slice(0, Math.max(1, Math.floor(innerH / 2)));
  const out: string[] = [];
  for (const s of series) {
    const v = lastValue(s);
    const col = thresholdColor(v, panel.thresholds);
    const text = formatUnit(v, panel.unit, panel.decimals);
    const label = series.length > 1 || data!.series.length > 1 ? `${s.name} ` : '';
    out.push(
      fit(label, Math.max(0, innerW - text.length)).slice(0, Math.max(0, innerW - text.length)) +
        c.bold(paint(c, col, text)),
    );
    if (out.length < innerH) out.push(paint(c, col ?? 'cyan', sparkline(s.v, innerW)));
  }
  return out.slice(0, innerH);
}

function barLines(p: PanelProps, innerW: number, innerH: number): string[] {
  const { data, panel, color: c } = p;
  const series = data!.series.slice(0, innerH);
  const values = series.map(lastValue);
  const max = panel.max ?? Math.max(...values.filter(Number.isFinite), 0);
  const min = panel.min ?? 0;
  const texts = values.map((v) => formatUnit(v, panel.unit, panel.decimals));
  const valW = Math.max(...texts.map((t) => t.length));
  const nameW = series.length > 1 ? Math.min(Math.floor(innerW / 3), Math.max(...series.map((s) => s.name.length))) : 0;
  const barW = Math.max(1, innerW - valW - nameW - (nameW ? 2 : 1));
  return series.map((s, i) => {
    const v = values[i]!;
    const frac = max > min && Number.isFinite(v) ? Math.min(1, Math.max(0, (v - min) / (max - min))) : 0;
    const filled = Math.round(frac * barW);
    const col = thresholdColor(v, panel.thresholds) ?? 'cyan';
    const name = nameW ? fit(s.name, nameW) + ' ' : '';
    return `${name}${paint(c, col, '█'.repeat(filled))}${c.dim('░'.repeat(barW - filled))} ${c.bold(texts[i]!.padStart(valW))}`;
  });
}

function tableLines(p: PanelProps, innerW: number, innerH: number): string[] {
  const { data, panel, color: c } = p;
  const rows = data!.series.map((s) => ({ name: s.name, v: lastValue(s) }));
  const order = p.sort ?? 'name';
  if (order === 'name') rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  else {
    // NaN last in either direction.
    const key = (x: number) => (Number.isNaN(x) ? -Infinity : x);
    rows.sort(
      (a, b) =>
        (order === 'value-desc' ? key(b.v) - key(a.v) : key(a.v) - key(b.v)) ||
        (Number.isNaN(a.v) ? 1 : 0) - (Number.isNaN(b.v) ? 1 : 0),
    );
  }
  const texts = rows.map((r) => formatUnit(r.v, panel.unit, panel.decimals));
  const valW = Math.max(7, ...texts.map((t) => t.length));
  const nameW = Math.max(1, innerW - valW - 1);
  const head =
    (order === 'name' ? 'SERIES ↑' : 'SERIES').padEnd(nameW) +
    ' ' +
    (order === 'value-desc' ? 'VALUE ↓' : order === 'value-asc' ? 'VALUE ↑' : 'VALUE').padStart(valW);
  const out = [c.dim(fit(head, innerW))];
  for (let i = 0; i < rows.length && out.length < innerH; i++)
    out.push(`${fit(rows[i]!.name, nameW)} ${texts[i]!.padStart(valW)}`);
  if (rows.length > innerH - 1 && out.length > 1)
    out[out.length - 1] = c.dim(fit(`… ${rows.length - innerH + 2} more (enter: expand)`, innerW));
  return out;
}

/**
 * The panel's body: Ink measures and lays out a constant block of spaces (cheap: no width
 * computation of braille text, and nothing new enters Ink's text-measure cache, which never
 * forgets), and a transform swaps in the real lines, which are exactly as wide, when writing.
 */
function Body({ lines, width, height }: { lines: readonly string[]; width: number; height: number }) {
  const blank = useMemo(() => Array.from({ length: height }, () => ' '.repeat(width)).join('\n'), [width, height]);
  return (
    <Transform transform={(_line, i) => lines[i] ?? ''}>
      <Text>{blank}</Text>
    </Transform>
  );
}

/** One bordered panel of exactly width × height cells. */
export const PanelView = React.memo(function PanelView(p: PanelProps) {
  const innerW = Math.max(1, p.width - 2);
  const innerH = Math.max(1, p.height - 2);
  const lines = panelLines(p, innerW, innerH).slice(0, innerH);
  const stale = p.data?.error ? ' ⚠' : '';
  return (
    <Box
      flexDirection="column"
      width={p.width}
      height={p.height}
      borderStyle={p.focused ? 'double' : 'round'}
      borderColor={p.focused ? 'cyan' : p.data?.error ? 'red' : 'gray'}
    >
      <Box position="absolute" marginTop={-1} marginLeft={1}>
        <Text bold={p.focused}>{` ${fitTitle(p.panel.title, Math.max(1, innerW - 3 - stale.length))}${stale} `}</Text>
      </Box>
      <Body lines={lines} width={innerW} height={innerH} />
    </Box>
  );
});
