import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { rangeFromFlags } from '../../src/lib/cli/query.js';
import { renderCsv, renderResult } from '../../src/lib/cli/render-query.js';
import { parseTimeArg } from '../../src/lib/cli/time.js';

const base = { url: 'http://x', 'http-timeout': '30s' };
const plain = new Chalk({ level: 0 });

describe('time arguments', () => {
  const now = 1_700_000_000_000;
  it('parses now, relative, unix and RFC 3339', () => {
    expect(parseTimeArg('now', now)).toBe(now);
    expect(parseTimeArg('-1h', now)).toBe(now - 3600_000);
    expect(parseTimeArg('now-30m', now)).toBe(now - 1800_000);
    expect(parseTimeArg('1700000000.5', now)).toBe(1_700_000_000_500);
    expect(parseTimeArg('2023-11-14T22:13:20Z', now)).toBe(1_700_000_000_000);
    expect(() => parseTimeArg('yesterday', now)).toThrow(/invalid time/);
  });

  it('derives range parameters', () => {
    expect(rangeFromFlags(base)).toBeNull();
    const r = rangeFromFlags({ ...base, start: '-1h' }, 1_000_000_000)!;
    expect(r).toEqual({ start: 1_000_000_000 - 3600_000, end: 1_000_000_000, step: 14_000 });
    expect(rangeFromFlags({ ...base, start: '-1h', step: '1m' }, 0)!.step).toBe(60_000);
    expect(() => rangeFromFlags({ ...base, start: '-1d', step: '1s' })).toThrow(/11,000 points/);
    expect(() => rangeFromFlags({ ...base, start: 'now', end: '-1h' })).toThrow(/after/);
    expect(() => rangeFromFlags({ ...base, start: '-1h', time: 'now' })).toThrow(/instant/);
  });
});

describe('result rendering', () => {
  it('renders vectors as an aligned table', () => {
    const out = renderResult(
      {
        resultType: 'vector',
        result: [
          { metric: { __name__: 'up', job: 'node' }, value: [1, '1'] },
          { metric: { __name__: 'up', job: 'prometheus' }, value: [1, '0.5'] },
        ],
      },
      { color: plain },
    );
    expect(out.split('\n')).toEqual([
      'SERIES                VALUE',
      'up{job="node"}            1',
      'up{job="prometheus"}    0.5',
    ]);
  });

  it('renders CSV with one column per label', () => {
    const csv = renderCsv({
      resultType: 'matrix',
      result: [{ metric: { __name__: 'x', a: 'v,1' }, values: [[0, '1']] }],
    });
    expect(csv).toBe('__name__,a,timestamp,value\nx,"v,1",1970-01-01T00:00:00.000Z,1\n');
  });

  it('renders range results as a chart with a legend', () => {
    const out = renderResult(
      {
        resultType: 'matrix',
        result: [
          {
            metric: { job: 'a' },
            values: [
              [0, '1'],
              [60, '2'],
            ],
          },
        ],
      },
      { color: plain, width: 60, height: 4 },
    );
    expect(out).toContain('{job="a"}  last 2');
    expect(out).toMatch(/[\u2801-\u28ff]/);
  });
});
