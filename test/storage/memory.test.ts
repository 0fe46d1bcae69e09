import { describe, expect, it } from 'vitest';
import { Labels } from '../../src/lib/model/labels.js';
import { Matcher } from '../../src/lib/model/matcher.js';
import { STALE_NAN, isStaleNaN } from '../../src/lib/model/value.js';
import { DuplicateSampleForTimestampError, OutOfOrderSampleError } from '../../src/lib/storage/errors.js';
import { ValueType } from '../../src/lib/storage/interface.js';
import { MemoryStorage } from '../../src/lib/storage/memory.js';

const L = (o: Record<string, string>): Labels => Labels.fromObject(o);

async function read(db: MemoryStorage, mint: number, maxt: number, ...ms: Matcher[]) {
  const q = await db.querier(mint, maxt);
  const set = await q.select(true, undefined, ms);
  const out: { labels: string; samples: [number, number][] }[] = [];
  while (set.next()) {
    const s = set.at();
    const it = s.iterator();
    const samples: [number, number][] = [];
    while (it.next() === ValueType.Float) samples.push([it.t, it.v]);
    out.push({ labels: s.labels.toString(), samples });
  }
  await q.close();
  return out;
}

describe('MemoryStorage', () => {
  it('makes appends visible only after commit, and drops them on rollback', async () => {
    const db = new MemoryStorage();
    const app = db.appender();
    app.append(0, L({ __name__: 'up', job: 'a' }), 1000, 1);
    expect(await read(db, 0, 5000, new Matcher('=', '__name__', 'up'))).toEqual([]);
    await app.commit();
    expect(await read(db, 0, 5000, new Matcher('=', '__name__', 'up'))).toEqual([
      { labels: '{__name__="up", job="a"}', samples: [[1000, 1]] },
    ]);
    const app2 = db.appender();
    app2.append(0, L({ __name__: 'up', job: 'b' }), 1000, 1);
    await app2.rollback();
    expect(db.numSeries).toBe(1);
  });

  it('rejects out-of-order samples and conflicting duplicates, accepts identical duplicates', async () => {
    const db = new MemoryStorage();
    const l = L({ __name__: 'x' });
    const app = db.appender();
    const ref = app.append(0, l, 2000, 1);
    expect(() => app.append(ref, l, 1000, 1)).toThrow(OutOfOrderSampleError);
    expect(() => app.append(ref, l, 2000, 2)).toThrow(DuplicateSampleForTimestampError);
    expect(() => app.append(ref, l, 2000, 1)).not.toThrow();
    app.append(ref, l, 3000, 3);
    await app.commit();
    expect(() => db.appender().append(0, l, 2500, 1)).toThrow(OutOfOrderSampleError);
    expect((await read(db, 0, 9999))[0]!.samples).toEqual([
      [2000, 1],
      [3000, 3],
    ]);
  });

  it('keeps the staleness marker bits', async () => {
    const db = new MemoryStorage();
    db.appendDirect(L({ __name__: 's' }), 0, STALE_NAN);
    const q = await db.querier(0, 10);
    const set = await q.select(false, undefined, [new Matcher('=', '__name__', 's')]);
    set.next();
    const it = set.at().iterator();
    it.next();
    expect(isStaleNaN(it.v)).toBe(true);
  });

  it('selects by postings with every matcher type, and limits samples to [mint, maxt]', async () => {
    const db = new MemoryStorage();
    for (let i = 0; i < 5; i++)
      for (let t = 0; t < 10; t++)
        db.appendDirect(L({ __name__: 'm', i: String(i), even: i % 2 ? '' : 'y' }), t * 1000, t);
    const names = async (...ms: Matcher[]) => (await read(db, 0, 100_000, ...ms)).map((s) => s.labels);
    expect(await names(new Matcher('=', 'i', '3'))).toEqual(['{__name__="m", i="3"}']);
    expect((await names(new Matcher('=~', 'i', '1|3'))).length).toBe(2);
    expect((await names(new Matcher('!=', 'i', '3'))).length).toBe(4);
    expect((await names(new Matcher('!~', 'i', '[0-2]'))).length).toBe(2);
    // A matcher matching the empty string selects series without the label.
    expect((await names(new Matcher('=', 'even', ''))).length).toBe(2);
    expect((await names(new Matcher('=~', 'even', 'y|'), new Matcher('=', '__name__', 'm'))).length).toBe(5);
    expect(await names(new Matcher('=', 'i', 'nope'))).toEqual([]);
    const win = await read(db, 3000, 5000, new Matcher('=', 'i', '0'));
    expect(win[0]!.samples.map((s) => s[0])).toEqual([3000, 4000, 5000]);
    // Series with no samples in range are not returned.
    expect(await read(db, 20_000, 30_000, new Matcher('=', 'i', '0'))).toEqual([]);
  });

  it('answers label names and values', async () => {
    const db = new MemoryStorage();
    db.appendDirect(L({ __name__: 'a', job: 'x' }), 0, 1);
    db.appendDirect(L({ __name__: 'b', job: 'y', env: 'p' }), 0, 1);
    const q = await db.querier(0, 10);
    expect((await q.labelNames(undefined, [])).values).toEqual(['__name__', 'env', 'job']);
    expect((await q.labelValues('job', undefined, [new Matcher('=', '__name__', 'b')])).values).toEqual(['y']);
    expect((await q.labelValues('job', { limit: 1 }, [])).values).toEqual(['x']);
  });

  it('iterator seek never moves backwards', async () => {
    const db = new MemoryStorage();
    for (let t = 0; t < 10; t++) db.appendDirect(L({ __name__: 'x' }), t * 10, t);
    const q = await db.querier(0, 1000);
    const set = await q.select(false, undefined, [new Matcher('=', '__name__', 'x')]);
    set.next();
    const it = set.at().iterator();
    expect(it.seek(35)).toBe(ValueType.Float);
    expect(it.t).toBe(40);
    expect(it.seek(10)).toBe(ValueType.Float);
    expect(it.t).toBe(40);
    expect(it.next()).toBe(ValueType.Float);
    expect(it.t).toBe(50);
    expect(it.seek(1000)).toBe(ValueType.None);
  });
});
