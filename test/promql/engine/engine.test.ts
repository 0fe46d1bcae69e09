import { describe, expect, it } from 'vitest';
import { Labels } from '../../../src/lib/model/labels.js';
import { Engine } from '../../../src/lib/promql/engine/engine.js';
import {
  EvalError,
  QueryCanceledError,
  QueryTimeoutError,
  TooManySamplesError,
} from '../../../src/lib/promql/engine/errors.js';
import type { Querier, Queryable, Series, SeriesSet } from '../../../src/lib/storage/interface.js';
import { MemoryStorage } from '../../../src/lib/storage/memory.js';

function store(): MemoryStorage {
  const db = new MemoryStorage();
  for (let i = 0; i <= 20; i++) {
    db.appendDirect(Labels.fromObject({ __name__: 'req_total', job: 'a' }), i * 15_000, i * 10);
    db.appendDirect(Labels.fromObject({ __name__: 'req_total', job: 'b' }), i * 15_000, i * 20);
    db.appendDirect(Labels.fromObject({ __name__: 'temp', env: '1' }), i * 15_000, 20 + (i % 3));
    db.appendDirect(Labels.fromObject({ __name__: 'other_total', env: '1' }), i * 15_000, i);
  }
  return db;
}

/** A Queryable whose series are not MemSeriesViews, to exercise the generic iterator path. */
function opaque(db: MemoryStorage): Queryable {
  return {
    async querier(mint, maxt): Promise<Querier> {
      const q = await db.querier(mint, maxt);
      return {
        async select(sort, hints, ms): Promise<SeriesSet> {
          const set = await q.select(sort, hints, ms);
          return {
            next: () => set.next(),
            at: (): Series => {
              const s = set.at();
              return { labels: s.labels, iterator: () => s.iterator() };
            },
            err: () => set.err(),
            warnings: () => ['storage says hi'],
          };
        },
        labelNames: (h, m) => q.labelNames(h, m),
        labelValues: (n, h, m) => q.labelValues(n, h, m),
        close: () => q.close(),
      };
    },
  };
}

describe('Engine', () => {
  const engine = new Engine();
  const db = store();

  it('returns typed instant results', async () => {
    expect((await engine.instantQuery(db, '1 + 2', 1000)).value).toEqual({ type: 'scalar', t: 1000, v: 3 });
    expect((await engine.instantQuery(db, '"hi"', 1000)).value).toEqual({ type: 'string', t: 1000, v: 'hi' });
    const v = (await engine.instantQuery(db, 'sum by (job) (req_total)', 300_000)).value;
    expect(v.type).toBe('vector');
    if (v.type !== 'vector') return;
    expect(v.samples.map((s) => [s.metric.toString(), s.t, s.v])).toEqual([
      ['{job="a"}', 300_000, 200],
      ['{job="b"}', 300_000, 400],
    ]);
    const m = (await engine.instantQuery(db, 'temp[1m]', 300_000)).value;
    expect(m.type).toBe('matrix');
    if (m.type === 'matrix') expect(Array.from(m.series[0]!.ts)).toEqual([255_000, 270_000, 285_000, 300_000]);
  });

  it('returns sorted matrices for range queries, scalars as one {} series', async () => {
    const r = await engine.rangeQuery(db, 'rate(req_total[1m])', 60_000, 300_000, 60_000);
    expect(r.value.type).toBe('matrix');
    if (r.value.type !== 'matrix') return;
    expect(r.value.series.map((s) => s.metric.toString())).toEqual(['{job="a"}', '{job="b"}']);
    expect(Array.from(r.value.series[0]!.vs)).toEqual([10 / 15, 10 / 15, 10 / 15, 10 / 15, 10 / 15]);
    const s = await engine.rangeQuery(db, 'time()', 0, 120_000, 60_000);
    expect(s.value).toEqual({
      type: 'matrix',
      series: [
        { metric: Labels.EMPTY, ts: Float64Array.from([0, 60_000, 120_000]), vs: Float64Array.from([0, 60, 120]) },
      ],
    });
  });

  it('reads any Queryable through its iterators, passing storage warnings on', async () => {
    const q = 'sum(rate(req_total[2m])) + avg_over_time(temp[5m])';
    const a = await engine.rangeQuery(db, q, 0, 300_000, 30_000);
    const b = await engine.rangeQuery(opaque(db), q, 0, 300_000, 30_000);
    expect(b.value).toEqual(a.value);
    expect(b.warnings).toContain('PromQL warning: storage says hi');
  });

  it('rejects range queries over range vectors with Prometheus wording', async () => {
    await expect(engine.rangeQuery(db, 'temp[1m]', 0, 60_000, 15_000)).rejects.toThrow(
      'invalid expression type "range vector" for range query, must be Scalar or instant Vector',
    );
  });

  it('adds the possible-non-counter info for rate over a gauge name', async () => {
    const r = await engine.instantQuery(db, 'rate(temp[5m])', 300_000);
    expect(r.infos).toEqual([
      'PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "temp"',
    ]);
    expect(r.annotations[0]!.pos).toEqual({ start: 5, end: 13 });
    expect((await engine.instantQuery(db, 'rate(req_total[5m])', 300_000)).infos).toEqual([]);
  });

  it('stops at the sample limit, the timeout and cancellation with Prometheus errors', async () => {
    const small = new Engine({ maxSamples: 10 });
    await expect(small.rangeQuery(db, 'req_total', 0, 300_000, 15_000)).rejects.toThrow(TooManySamplesError);
    await expect(small.instantQuery(db, 'req_total', 0)).resolves.toBeTruthy();
    await expect(small.rangeQuery(db, 'req_total', 0, 300_000, 15_000)).rejects.toThrow(
      'query processing would load too many samples into memory in query execution',
    );
    const timed = new Engine({ timeout: -1 });
    await expect(timed.instantQuery(db, 'req_total', 0)).rejects.toThrow(QueryTimeoutError);
    const ac = new AbortController();
    ac.abort();
    await expect(engine.instantQuery(db, 'req_total', 0, { signal: ac.signal })).rejects.toThrow(QueryCanceledError);
    await expect(engine.instantQuery(db, 'req_total', 0, { signal: ac.signal })).rejects.toThrow(
      'query was canceled in expression evaluation',
    );
  });

  it('raises collision and matching errors', async () => {
    await expect(engine.instantQuery(db, 'req_total * on() temp', 300_000)).rejects.toThrow(
      'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
    );
    await expect(engine.instantQuery(db, 'req_total * on() group_left temp', 300_000)).resolves.toBeTruthy();
    await expect(engine.instantQuery(db, 'abs({env="1"})', 300_000)).rejects.toThrow(EvalError);
    await expect(engine.instantQuery(db, 'temp + on() req_total', 300_000)).rejects.toThrow(
      /found duplicate series for the match group \{\} on the right hand-side of the operation: \[.*\];many-to-many matching not allowed: matching labels must be unique on one side/,
    );
    await expect(engine.instantQuery(db, 'abs({env="1"})', 300_000)).rejects.toThrow(
      'vector cannot contain metrics with the same labelset',
    );
  });

  it('drops names immediately by default, and late with delayed name removal', async () => {
    const q = 'label_replace(rate(req_total{job="a"}[5m]), "was", "$1", "__name__", "(.*)")';
    const r = await engine.instantQuery(db, q, 300_000);
    expect(r.value.type === 'vector' && r.value.samples.map((s) => s.metric.toString())).toEqual(['{job="a"}']);
    const delayed = new Engine({ enableDelayedNameRemoval: true });
    const d = await delayed.instantQuery(db, q, 300_000);
    expect(d.value.type === 'vector' && d.value.samples.map((s) => s.metric.toString())).toEqual([
      '{job="a", was="req_total"}',
    ]);
    await expect(delayed.instantQuery(db, 'sum by (__name__) (rate({env="1"}[5m]))', 300_000)).rejects.toThrow(
      'vector cannot contain metrics with the same labelset',
    );
  });

  it('uses the lookback delta, overridable per query', async () => {
    const at = 300_000 + 4 * 60_000;
    const v = await engine.instantQuery(db, 'temp', at);
    expect(v.value.type === 'vector' && v.value.samples.length).toBe(1);
    const w = await engine.instantQuery(db, 'temp', at, { lookbackDelta: 60_000 });
    expect(w.value.type === 'vector' && w.value.samples.length).toBe(0);
  });
});

describe('annotationsAsStrings', () => {
  it('adds positions like Prometheus’ API and caps the lists', async () => {
    const { annotationsAsStrings } = await import('../../../src/lib/promql/engine/annotations.js');
    const list = [
      { kind: 'info' as const, message: 'PromQL info: a', pos: { start: 5, end: 9 } },
      { kind: 'warning' as const, message: 'PromQL warning: b', pos: { start: 12, end: 13 } },
      { kind: 'warning' as const, message: 'PromQL warning: c' },
    ];
    expect(annotationsAsStrings(list, 'rate(\n  foo[5m])')).toEqual({
      warnings: ['PromQL warning: b (2:7)', 'PromQL warning: c'],
      infos: ['PromQL info: a (1:6)'],
    });
    expect(annotationsAsStrings(list, 'x', 1, 0).warnings).toEqual([
      'PromQL warning: b (invalid position)',
      '1 more warning annotations omitted',
    ]);
  });
});

describe('xxhash64', () => {
  it('matches the reference test vectors', async () => {
    const { xxhash64 } = await import('../../../src/lib/promql/engine/hash.js');
    const h = (s: string) => xxhash64(new TextEncoder().encode(s)).toString(16);
    expect(h('')).toBe('ef46db3751d8e999');
    expect(h('abc')).toBe('44bc2cf5ad770999');
    expect(h('Nobody inspects the spammish repetition')).toBe('fbcea83c8a378bf1');
  });
});
