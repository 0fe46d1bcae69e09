import { describe, expect, it } from 'vitest';
import { formatSI, plot } from '../../src/lib/ui/chart.js';

const text = (rows: { ch: string }[][]) => rows.map((r) => r.map((c) => c.ch).join(''));

describe('braille chart', () => {
  it('draws a rising line from bottom-left to top-right', () => {
    const c = plot([{ t: [0, 1, 2, 3], v: [0, 1, 2, 3] }], { width: 4, height: 2 });
    const rows = text(c.rows);
    expect(rows).toHaveLength(2);
    expect(rows[1]![0]).not.toBe(' '); // bottom-left has ink
    expect(rows[0]![3]).not.toBe(' '); // top-right has ink
    expect(rows[0]![0]).toBe(' '); // top-left is empty
    expect(c.yMin).toBe(0);
    expect(c.yMax).toBe(3);
  });

  it('leaves gaps for NaN and marks which series drew a cell', () => {
    const c = plot(
      [
        { t: [0, 10], v: [5, 5] },
        { t: [0, 5, 10], v: [0, NaN, 0] },
      ],
      { width: 10, height: 3, yMin: 0, yMax: 5 },
    );
    expect(c.rows[0]!.some((x) => x.series === 0)).toBe(true);
    expect(c.rows[2]![0]!.series).toBe(1);
    expect(c.rows[2]![5]!.ch).toBe(' ');
  });

  it('formats SI units', () => {
    expect(formatSI(1500)).toBe('1.5k');
    expect(formatSI(2_300_000)).toBe('2.3M');
    expect(formatSI(0.25)).toBe('0.25');
    expect(formatSI(0)).toBe('0');
    expect(formatSI(100)).toBe('100');
  });
});
