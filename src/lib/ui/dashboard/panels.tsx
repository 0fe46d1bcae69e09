/**
 * Presentational panels. Each renders into exactly `width` × `height` cells (border included) so the
 * grid never overlaps; chart rows are built as strings with color codes for speed.
 */
import type { ChalkInstance } from 'chalk';
import { Box, Text } from 'ink';
import React from 'react';
import { plot } from '../chart.js';
import { formatUnit } from '../units.js';
import type { PanelData, SeriesData } from './data.js';
import { thresholdColor } from './data.js';
import type { Panel } from './model.js';

export const SERIES_COLORS = ['cyan', 'yellow', 'green', 'magenta', 'blue', 'red', 'white'] as const;

export interface PanelProps {
  readonly panel: Panel;
  readonly data: PanelData | undefined;
  readonly width: number;
  readonly height: number;
  readonly focused: boolean;
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
      .slice(0, innerH)
      .map((l) => fit(l, innerW));
  if (!data) return [c.dim(fit('loading…', innerW))];
  if (data.error) {
    const words = `error: ${data.error}`;
    const out: string[] = [];
    for (let i = 0; i < words.length && out.length < innerH; i += innerW) out.push(c.red(words.slice(i, i + innerW)));
    return out;
  }
  if (data.series.length === 0) return [c.dim(fit('no data', innerW))];
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
  }
}

function timeseriesLines(p: PanelProps, innerW: number, innerH: number): string[] {
  const { data, panel, color: c } = p;
  const series = data!.series;
  const legendRows = Math.min(series.length, Math.max(1, Math.floor(innerH / 4)));
  const chartH = Math.max(1, innerH - legendRows);
  const fmt = (v: number) => formatUnit(v, panel.unit, panel.decimals);
  const probe = plot(series, {
    width: 10,
    height: chartH,
    xMin: p.xMin,
    xMax: p.xMax,
    yMin: panel.min,
    yMax: panel.max,
    formatY: fmt,
  });
  const labelW = Math.min(10, Math.max(...probe.yLabels.map((l) => l.length)));
  const chartW = Math.max(1, innerW - labelW - 1);
  const chart = plot(series, {
    width: chartW,
    height: chartH,
    xMin: p.xMin,
    xMax: p.xMax,
    yMin: panel.min,
    yMax: panel.max,
    formatY: fmt,
  });
  const lines = chart.rows.map((row, i) => {
    let s = '';
    let run = '';
    let runSeries = -2;
    for (const cell of row) {
      if (cell.series !== runSeries) {
        s += runSeries >= 0 ? paint(c, SERIES_COLORS[runSeries % SERIES_COLORS.length], run) : run;
        run = '';
        runSeries = cell.series;
      }
      run += cell.ch;
    }
    s += runSeries >= 0 ? paint(c, SERIES_COLORS[runSeries % SERIES_COLORS.length], run) : run;
    return c.dim(fit(chart.yLabels[i]!, labelW).slice(0, labelW).padStart(labelW)) + c.dim('│') + s;
  });
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
  const rows = data!.series.map((s) => [s.name, formatUnit(lastValue(s), panel.unit, panel.decimals)] as const);
  const valW = Math.max(5, ...rows.map((r) => r[1].length));
  const nameW = Math.max(1, innerW - valW - 1);
  const out = [c.dim(fit('SERIES', nameW) + ' ' + 'VALUE'.padStart(valW))];
  for (const [n, v] of rows.slice(0, innerH - 1)) out.push(`${fit(n, nameW)} ${v.padStart(valW)}`);
  if (rows.length > innerH - 1 && out.length)
    out[out.length - 1] = c.dim(fit(`… ${rows.length - innerH + 2} more`, innerW));
  return out;
}

/** One bordered panel of exactly width × height cells. */
export const PanelView = React.memo(function PanelView(p: PanelProps) {
  const innerW = Math.max(1, p.width - 2);
  const innerH = Math.max(1, p.height - 2);
  const lines = panelLines(p, innerW, innerH).slice(0, innerH);
  while (lines.length < innerH) lines.push('');
  const stale = p.data?.error && p.data.series.length === 0 ? ' ⚠' : '';
  return (
    <Box
      flexDirection="column"
      width={p.width}
      height={p.height}
      borderStyle={p.focused ? 'double' : 'round'}
      borderColor={p.focused ? 'cyan' : p.data?.error ? 'red' : 'gray'}
    >
      <Box position="absolute" marginTop={-1} marginLeft={1}>
        <Text bold={p.focused}>{` ${fit(p.panel.title + stale, Math.max(1, innerW - 3)).trimEnd()} `}</Text>
      </Box>
      {lines.map((l, i) => (
        <Text key={i} wrap="truncate">
          {l}
        </Text>
      ))}
    </Box>
  );
});
