/** Plain-text renderers shared by commands. Pure: they return strings. */

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/** The printed width of a string, ignoring ANSI color codes. */
export function visibleWidth(s: string): number {
  return s.replace(ANSI, '').length;
}

export interface TableOptions {
  /** Column headers, printed first. */
  header?: readonly string[];
  /** Columns aligned to the right (numbers). */
  alignRight?: readonly number[];
  /** Text between columns. */
  gap?: string;
}

/** Renders rows as aligned columns. */
export function renderTable(rows: readonly (readonly string[])[], opts: TableOptions = {}): string {
  const all = opts.header ? [opts.header, ...rows] : rows;
  const widths: number[] = [];
  for (const row of all) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleWidth(cell))));
  const right = new Set(opts.alignRight ?? []);
  const gap = opts.gap ?? '  ';
  return all
    .map((row) =>
      row
        .map((cell, i) => {
          const pad = ' '.repeat((widths[i] ?? 0) - visibleWidth(cell));
          if (right.has(i)) return pad + cell;
          return i === row.length - 1 ? cell : cell + pad;
        })
        .join(gap),
    )
    .join('\n');
}
