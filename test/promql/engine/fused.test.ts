import { describe, expect, it } from 'vitest';
import { Labels } from '../../../src/lib/model/labels.js';
import { Engine } from '../../../src/lib/promql/engine/engine.js';
import { MemoryStorage } from '../../../src/lib/storage/memory.js';

// Aggregations over range functions are fused (points go straight into the accumulators); these
// check that the fused path answers as the unfused one (the same aggregation over a subquery-free
// parenthesised label_replace keeps it unfused) and keeps Prometheus' collision error.
function store(): MemoryStorage {
  const db = new MemoryStorage();
  for (let i = 0; i <= 40; i++) {
    for (const job of ['a', 'b', 'c'])
      for (const inst of ['1', '2']) {
        db.appendDirect(
          Labels.fromObject({ __name__: 'req_total', job, inst }),
          i * 15_000,
          i * (job.charCodeAt(0) - 96),
        );
        db.appendDirect(Labels.fromObject({ __name__: 'err_total', job, inst }), i * 15_000, Math.floor(i / 3));
      }
    db.appendDirect(Labels.fromObject({ __name__: 'gauge', job: 'a', inst: '1' }), i * 15_000, Math.sin(i) * 100);
  }
  return db;
}

const values = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (x instanceof Labels ? x.toString() : x));

describe('fused aggregation of range functions', () => {
  const db = store();
  const engine = new Engine();
  const cases = [
    'sum by (job) (rate(req_total[1m]))',
    'avg without (inst) (increase(req_total[2m]))',
    'max by (job, inst) (max_over_time(gauge[5m]))',
    'count(rate(err_total[1m]))',
    'stddev by (inst) (rate(req_total[1m]))',
    'min(last_over_time(req_total[1m]))',
    'group by (job) (rate(req_total[1m]))',
  ];
  for (const q of cases) {
    it(`answers ${q} as the unfused evaluation`, async () => {
      // label_replace with a no-op replacement breaks the fusion without changing the data.
      const unfused = q.replace(
        /\(((?:rate|increase|max_over_time|last_over_time)\(.*?\]\))\)/,
        '(label_replace($1, "x", "", "x", ""))',
      );
      expect(unfused).not.toBe(q);
      for (const [a, b] of [
        [await engine.instantQuery(db, q, 300_000), await engine.instantQuery(db, unfused, 300_000)],
        [
          await engine.rangeQuery(db, q, 60_000, 600_000, 30_000),
          await engine.rangeQuery(db, unfused, 60_000, 600_000, 30_000),
        ],
      ])
        expect(values(a!.value)).toBe(values(b!.value));
    });
  }

  it('still raises the collision error when dropping the name merges two series', async () => {
    const db2 = new MemoryStorage();
    for (let i = 0; i <= 10; i++) {
      db2.appendDirect(Labels.fromObject({ __name__: 'a_total', job: 'x' }), i * 15_000, i);
      db2.appendDirect(Labels.fromObject({ __name__: 'b_total', job: 'x' }), i * 15_000, i);
    }
    await expect(engine.instantQuery(db2, 'sum(rate({job="x"}[1m]))', 150_000)).rejects.toThrow(
      'vector cannot contain metrics with the same labelset',
    );
  });
});
