import { describe, expect, it } from 'vitest';
import { isStaleNaN } from '../../../src/lib/model/value.js';
import {
  SlotKind,
  parseScript,
  parseValueSeq,
  type EvalCmd,
  type LoadCmd,
} from '../../../src/lib/promql/promqltest/script.js';
import { runScript } from '../../../src/lib/promql/promqltest/runner.js';

const vals = (s: string) => {
  const q = parseValueSeq(s, 1);
  return Array.from(q.kinds, (k, i) => (k === SlotKind.Omitted ? '_' : k === SlotKind.Histogram ? 'H' : q.values[i]!));
};

describe('value sequences', () => {
  it('expands the notation', () => {
    expect(vals('1x3')).toEqual([1, 1, 1, 1]);
    expect(vals('_x3')).toEqual(['_', '_', '_']);
    expect(vals('0+10x3')).toEqual([0, 10, 20, 30]);
    expect(vals('5-2x2')).toEqual([5, 3, 1]);
    expect(vals('-1+1x2 _ 7')).toEqual([-1, 0, 1, '_', 7]);
    expect(vals('1e3 Inf -inf')).toEqual([1000, Infinity, -Infinity]);
    expect(Number.isNaN(vals('NaN')[0])).toBe(true);
    expect(vals('{{schema:0 sum:1 count:1}}x2')).toEqual(['H', 'H', 'H']);
    const q = parseValueSeq('stale', 1);
    expect(isStaleNaN(q.values[0]!)).toBe(true);
  });

  it('accumulates float rounding like a running sum', () => {
    const v = vals('0+0.1x3');
    expect(v[3]).toBe(0.1 + 0.1 + 0.1);
  });

  it('rejects junk', () => {
    expect(() => parseValueSeq('1 two', 7)).toThrow(/line 7/);
  });
});

describe('script parsing', () => {
  it('reads load, eval variants, expectations and blocks', () => {
    const cmds = parseScript(`
load 5m
  http{job="a"} 0+1x2
  {__name__="odd.name", "x.y"="1"} 1

eval instant at 10m http
  http{job="a"} 2

eval_fail instant at 0 foo(
  expected_fail_message some text

eval range from 0 to 10m step 5m http
  expect warn msg: PromQL warning: hello
  http{job="a"} 0 _ 2

eval instant at 0 1
  1
# comment ends nothing pending
clear
`);
    expect(cmds.map((c) => c.kind)).toEqual(['load', 'eval', 'eval', 'eval', 'eval', 'clear']);
    const load = cmds[0] as LoadCmd;
    expect(load.interval).toBe(300_000);
    expect(load.series[1]!.labels.toString()).toBe('{__name__="odd.name", "x.y"="1"}');
    const fail = cmds[2] as EvalCmd;
    expect(fail.fail).toBe(true);
    expect(fail.failMessage).toBe('some text');
    const range = cmds[3] as EvalCmd;
    expect(range.instant).toBe(false);
    expect(range.warn).toEqual([{ msg: 'PromQL warning: hello' }]);
    expect(Array.from(range.expected[0]!.seq.kinds)).toEqual([1, 0, 1]);
    expect((cmds[4] as EvalCmd).scalar).toBe(1);
  });
});

describe('runner', () => {
  const data = `
load 1m
  m{a="1"} 0+1x10
  m{a="2"} 0+2x10
`;
  it('passes correct expectations', async () => {
    const out = await runScript(`${data}\neval instant at 5m m\n  m{a="1"} 5\n  m{a="2"} 10\n`);
    expect(out.evals.map((e) => [e.passed, e.message])).toEqual([[true, '']]);
  });

  it('fails wrong values, missing and unexpected series with a readable diff', async () => {
    const out = await runScript(`${data}\neval instant at 5m m\n  m{a="1"} 6\n  m{a="3"} 1\n`);
    expect(out.evals[0]!.passed).toBe(false);
    expect(out.evals[0]!.message).toContain('m{a="1"} expected 6, got 5');
    expect(out.evals[0]!.message).toContain('m{a="3"} 1   (missing)');
    expect(out.evals[0]!.message).toContain('m{a="2"} 10   (unexpected)');
  });

  it('checks range points, order of expectations and failures', async () => {
    const out = await runScript(`${data}
eval range from 0 to 2m step 1m m{a="1"}
  m{a="1"} 0 1 3

eval_fail instant at 0 m

eval instant at 0 m{a="9"}
  m{a="9"} 1

eval_ordered instant at 5m sort_desc(m)
  m{a="1"} 5
  m{a="2"} 10
`);
    expect(out.evals.map((e) => e.passed)).toEqual([false, false, false, false]);
    expect(out.evals[0]!.message).toContain('expected 0@0 1@60 3@120');
    expect(out.evals[1]!.message).toContain('expected an error');
    expect(out.evals[3]!.message).toContain('expected at position');
  });

  it('reports a script error for a bad expression before running anything', async () => {
    const out = await runScript(`${data}\neval instant at 0 sum(\n  {} 1\n`);
    expect(out.error).toBeTruthy();
    expect(out.evals).toEqual([]);
  });

  it('classifies evaluations over native histograms separately', async () => {
    const out = await runScript(`
load 1m
  h {{schema:0 sum:1 count:1}}x2
  f 1x2

eval instant at 1m h
  h {{schema:0 sum:1 count:1}}

eval instant at 1m f
  f 1
`);
    expect(out.evals.map((e) => [e.nativeHistogram, e.passed])).toEqual([
      [true, false],
      [false, true],
    ]);
  });
});
