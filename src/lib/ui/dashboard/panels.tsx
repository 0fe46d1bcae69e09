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
      .slice(0, innerH)
      .map((l) => fit(l, innerW));
  if (!data) return [c.dim(fit('loading…', innerW))];
  if (data.error && data.series.length === 0)
    return wrapWords(`error: ${data.error}`, innerW)
      .slice(0, innerH)
      .map((l) => c.red(l));
  if (data.series.length === 0) return [c.dim(fit('no data', innerW))];
  if (data.error) {
    // A failed refresh over older data: keep the data, say why it is not current on the last line.
    const lines = dataLines(p, innerW, Math.max(1, innerH - 1)).slice(0, Math.max(0, innerH - 1));
    lines.push(c.red(fit(`error: ${data.error}`, innerW)));
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
  const chartH = Math.max(1, innerH - legendRows);
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
        <Text bold={p.focused}>{` ${fit(p.panel.title + stale, Math.max(1, innerW - 3)).trimEnd()} `}</Text>
      </Box>
      <Body lines={lines} width={innerW} height={innerH} />
    </Box>
  );
});
