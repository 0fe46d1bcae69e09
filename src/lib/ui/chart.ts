/**
 * A line chart drawn with Unicode braille characters (2×4 dots per cell), as plain strings. Pure:
 * used by `promctl query` for range results and by the dashboard's time-series panels.
 */

export interface ChartSeries {
  /** Timestamps (ms) and values of equal length; NaN values leave gaps. */
  t: ArrayLike<number>;
  v: ArrayLike<number>;
}

export interface ChartOptions {
  /** Width and height of the plot area in cells (the y-axis labels come on top of the width). */
  width: number;
  height: number;
  /** X range (ms); defaults to the data's extent. */
  xMin?: number;
  xMax?: number;
  /** Y range; defaults to the data's extent (padded so a flat line sits in the middle). */
  yMin?: number;
  yMax?: number;
  /** Formats y-axis labels. */
  formatY?: (v: number) => string;
}

export interface ChartCell {
  ch: string;
  /** Index of the series that last drew in this cell, or -1 for none. */
  series: number;
}

export interface Chart {
  /** rows × width cells of the plot area. */
  rows: ChartCell[][];
  yMin: number;
  yMax: number;
  xMin: number;
  xMax: number;
  /** Y-axis labels per row (top, middle, bottom are filled; others ''). */
  yLabels: string[];
}

const DOT = [
  [0x01, 0x08],
  [0x02, 0x10],
  [0x04, 0x20],
  [0x40, 0x80],
];

function extent(series: readonly ChartSeries[], pick: (s: ChartSeries) => ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    const a = pick(s);
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!;
      if (Number.isFinite(x)) {
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
    }
  }
  return [lo, hi];
}

/** Short SI formatting for axis labels: 1.5k, 2.3M, 0.25. */
export function formatSI(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, u] of units) if (a >= size) return `${trim(v / size)}${u}`;
  if (a === 0) return '0';
  if (a < 0.001) return v.toExponential(1);
  return trim(v);
}

function trim(v: number): string {
  const s = Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** The raw result of plotting: per row, braille dot bits and the series owning each cell. */
export interface ChartGrid {
  width: number;
  height: number;
  /** height × width dot bits (0 = empty cell). */
  bits: Uint8Array[];
  /** height × width index of the series that last drew in a cell, -1 for none. */
  owner: Int16Array[];
  yMin: number;
  yMax: number;
  xMin: number;
  xMax: number;
  yLabels: string[];
}

/** The axes a plot of `series` would get: ranges and the y-axis labels for `height` rows. */
export function chartAxes(
  series: readonly ChartSeries[],
  opts: ChartOptions,
): { xMin: number; xMax: number; yMin: number; yMax: number; yLabels: string[] } {
  const H = Math.max(1, Math.floor(opts.height));
  let [xMin, xMax] = extent(series, (s) => s.t);
  let [yMin, yMax] = extent(series, (s) => s.v);
  if (opts.xMin !== undefined) xMin = opts.xMin;
  if (opts.xMax !== undefined) xMax = opts.xMax;
  if (opts.yMin !== undefined) yMin = opts.yMin;
  if (opts.yMax !== undefined) yMax = opts.yMax;
  if (!Number.isFinite(xMin)) [xMin, xMax] = [0, 1];
  if (!Number.isFinite(yMin)) [yMin, yMax] = [0, 1];
  if (xMax === xMin) xMax = xMin + 1;
  if (yMax === yMin) {
    // A flat line: keep non-negative data on a non-negative axis (byte and rate panels).
    if (yMin === 0) yMax = 1;
    else if (yMin > 0 && opts.yMin === undefined) yMin = 0;
    else {
      const pad = Math.abs(yMin) * 0.1;
      yMin -= pad;
      yMax += pad;
    }
  }
  const fmt = opts.formatY ?? formatSI;
  const yLabels = Array.from({ length: H }, () => '');
  yLabels[0] = fmt(yMax);
  yLabels[H - 1] = fmt(yMin);
  if (H >= 5) yLabels[Math.floor((H - 1) / 2)] = fmt(yMin + (yMax - yMin) / 2);
  return { xMin, xMax, yMin, yMax, yLabels };
}

/** Plots series into a braille grid of typed arrays (no per-cell objects: cheap for live views). */
export function plotGrid(series: readonly ChartSeries[], opts: ChartOptions): ChartGrid {
  const W = Math.max(1, Math.floor(opts.width));
  const H = Math.max(1, Math.floor(opts.height));
  const { xMin, xMax, yMin, yMax, yLabels } = chartAxes(series, opts);
  const dotsX = W * 2;
  const dotsY = H * 4;
  const bits = Array.from({ length: H }, () => new Uint8Array(W));
  const owner = Array.from({ length: H }, () => new Int16Array(W).fill(-1));
  const set = (dx: number, dy: number, si: number) => {
    if (dx < 0 || dx >= dotsX || dy < 0 || dy >= dotsY) return;
    const row = H - 1 - (dy >> 2);
    const col = dx >> 1;
    bits[row]![col]! |= DOT[3 - (dy & 3)]![dx & 1]!;
    owner[row]![col] = si;
  };
  const sx = (dotsX - 1) / (xMax - xMin);
  const sy = (dotsY - 1) / (yMax - yMin);
  for (let si = 0; si < series.length; si++) {
    const s = series[si]!;
    const n = s.t.length;
    const maxGap = Math.max(2, dotsX / Math.max(1, n)) * 2;
    let px = -1;
    let py = -1;
    for (let i = 0; i < n; i++) {
      const v = s.v[i]!;
      if (!Number.isFinite(v)) {
        px = -1;
        continue;
      }
      const x = Math.round((s.t[i]! - xMin) * sx);
      const y = Math.round((v - yMin) * sy);
      if (px >= 0 && x - px <= maxGap) {
        // Connect consecutive points with a line (Bresenham).
        const dx = Math.abs(x - px);
        const dy = -Math.abs(y - py);
        const stepX = px < x ? 1 : -1;
        const stepY = py < y ? 1 : -1;
        let err = dx + dy;
        let cx = px;
        let cy = py;
        for (;;) {
          set(cx, cy, si);
          if (cx === x && cy === y) break;
          const e2 = 2 * err;
          if (e2 >= dy) {
            err += dy;
            cx += stepX;
          }
          if (e2 <= dx) {
            err += dx;
            cy += stepY;
          }
        }
      } else set(x, y, si);
      px = x;
      py = y;
    }
  }
  return { width: W, height: H, bits, owner, yMin, yMax, xMin, xMax, yLabels };
}

/**
 * One row of a grid as a string, each run of cells drawn by the same series (blanks included) wrapped
 * once by `paint(seriesIndex, run)`, so a row carries as few color codes as possible.
 */
export function gridRow(g: ChartGrid, row: number, paint: (series: number, s: string) => string): string {
  const bits = g.bits[row]!;
  const owner = g.owner[row]!;
  let out = '';
  let run = '';
  let runSeries = -2;
  for (let i = 0; i < g.width; i++) {
    const b = bits[i]!;
    // A blank cell looks the same in any color: it joins the current run (fewer color codes).
    const si = b === 0 ? (runSeries === -2 ? -1 : runSeries) : owner[i]!;
    if (si !== runSeries) {
      if (run) out += runSeries >= 0 ? paint(runSeries, run) : run;
      run = '';
      runSeries = si;
    }
    run += b === 0 ? ' ' : String.fromCharCode(0x2800 + b);
  }
  if (run) out += runSeries >= 0 ? paint(runSeries, run) : run;
  return out;
}

/** Plots series into a braille grid of cells. */
export function plot(series: readonly ChartSeries[], opts: ChartOptions): Chart {
  const g = plotGrid(series, opts);
  const rows = g.bits.map((r, ri) =>
    Array.from(r, (b, ci) => ({ ch: b === 0 ? ' ' : String.fromCharCode(0x2800 + b), series: g.owner[ri]![ci]! })),
  );
  return { rows, yMin: g.yMin, yMax: g.yMax, xMin: g.xMin, xMax: g.xMax, yLabels: g.yLabels };
}
