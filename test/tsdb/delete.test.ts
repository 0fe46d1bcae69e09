import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Labels } from '../../src/lib/model/labels.js';
import { Matcher } from '../../src/lib/model/matcher.js';
import { ValueType, type SampleBuffer } from '../../src/lib/storage/interface.js';
import { readMeta, type BlockMeta } from '../../src/lib/tsdb/block/meta.js';
import { plan } from '../../src/lib/tsdb/compact/compactor.js';
import { addInterval, readTombstones } from '../../src/lib/tsdb/block/tombstones.js';
import { Tsdb, snapshotName, type TsdbOptions } from '../../src/lib/tsdb/db.js';
import { tmp } from './helpers.js';

const H = 3600_000;
const MIN = 60_000;
const T0 = 1_700_006_400_000; // aligned to 2h
const STEP = 15_000;
const quiet: TsdbOptions = { logger: { info: () => {}, warn: () => {} }, autoCompact: false };
const eq = (n: string, v: string): Matcher => new Matcher('=', n, v);

/** n series m{i, job} sampled every 15s over [from, from + steps*15s); value = k * 1000 + i. */
async function fill(db: Tsdb, n: number, steps: number, from = T0): Promise<void> {
  const refs: number[] = [];
  for (let k = 0; k < steps; k++) {
    const app = db.appender();
    for (let i = 0; i < n; i++) {
      const l = Labels.fromObject({ __name__: 'm', i: String(i), job: i % 2 ? 'odd' : 'even' });
      refs[i] = app.append(refs[i] ?? 0, l, from + k * STEP, k * 1000 + i);
    }
    await app.commit();
  }
}

/** Every series' timestamps, read both through iterators and through the bulk path (must agree). */
async function read(db: Tsdb, mint = -Infinity, maxt = Infinity): Promise<Map<string, number[]>> {
  const q = await db.querier(mint === -Infinity ? 0 : mint, maxt === Infinity ? Number.MAX_SAFE_INTEGER : maxt);
  try {
    const out = new Map<string, number[]>();
    const ss = await q.select(true, undefined, [eq('__name__', 'm')]);
    while (ss.next()) {
      const s = ss.at();
      const it = s.iterator();
      const ts: number[] = [];
      while (it.next() === ValueType.Float) ts.push(it.t);
      expect(it.err()).toBeNull();
      const buf: SampleBuffer = { ts: new Float64Array(16), vs: new Float64Array(16), n: 0, start: 0 };
      s.appendTo?.(buf);
      if (s.appendTo) expect([...buf.ts.subarray(0, buf.n)]).toEqual(ts);
      out.set(s.labels.get('i'), ts);
    }
    expect(ss.err()).toBeNull();
    return out;
  } finally {
    await q.close();
  }
}

/** The timestamps fill() wrote in [from, to), minus [dmin, dmax]. */
function expected(from: number, steps: number, dmin = Infinity, dmax = -Infinity): number[] {
  const out: number[] = [];
  for (let k = 0; k < steps; k++) {
    const t = from + k * STEP;
    if (t < dmin || t > dmax) out.push(t);
  }
  return out;
}

describe('tombstone intervals', () => {
  it('merges overlapping and adjacent intervals, keeps others sorted', () => {
    let ivs = addInterval(undefined, { mint: 10, maxt: 20 });
    ivs = addInterval(ivs, { mint: 40, maxt: 50 });
    ivs = addInterval(ivs, { mint: 0, maxt: 5 });
    expect(ivs).toEqual([
      { mint: 0, maxt: 5 },
      { mint: 10, maxt: 20 },
      { mint: 40, maxt: 50 },
    ]);
    const before = ivs;
    ivs = addInterval(ivs, { mint: 21, maxt: 39 }); // touches both neighbours
    expect(ivs).toEqual([
      { mint: 0, maxt: 5 },
      { mint: 10, maxt: 50 },
    ]);
    expect(before).toHaveLength(3); // not mutated
    expect(addInterval(ivs, { mint: 3, maxt: 100 })).toEqual([{ mint: 0, maxt: 100 }]);
  });
});

describe('Tsdb.delete', () => {
  it('deletes from the head, survives WAL replay, and stays deleted when the head becomes a block', async () => {
    const dir = tmp();
    let db = await Tsdb.open(dir, quiet);
    const steps = 240; // 1h
    await fill(db, 4, steps);
    const dmin = T0 + 10 * MIN;
    const dmax = T0 + 20 * MIN;
    await db.delete(dmin, dmax, [eq('job', 'odd')]);
    await db.delete(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, [eq('i', '0')]);
    const check = async (): Promise<void> => {
      const got = await read(db);
      expect([...got.keys()].sort()).toEqual(['1', '2', '3']); // i=0 wholly deleted: not a match
      expect(got.get('1')).toEqual(expected(T0, steps, dmin, dmax));
      expect(got.get('3')).toEqual(expected(T0, steps, dmin, dmax));
      expect(got.get('2')).toEqual(expected(T0, steps));
    };
    await check();
    // Label values and series lookups no longer see the deleted series.
    const q = await db.querier(T0, T0 + H);
    expect((await q.labelValues('i', undefined, [eq('__name__', 'm')])).values).toEqual(['1', '2', '3']);
    await q.close();

    await db.close();
    db = await Tsdb.open(dir, quiet);
    await check();

    // Samples appended after the deletion are not covered by it.
    const app = db.appender();
    app.append(0, Labels.fromObject({ __name__: 'm', i: '0', job: 'even' }), T0 + steps * STEP, 1);
    await app.commit();
    expect((await read(db)).get('0')).toEqual([T0 + steps * STEP]);

    // Persist the head: the block must not carry the deleted samples.
    const meta = await db.persistHead(T0, T0 + 2 * H);
    expect(meta).not.toBeNull();
    expect(meta!.stats.numSamples).toBe(2 * (steps - 41) + steps + 1); // [10m, 20m] holds 41 samples
    expect(readTombstones(join(dir, meta!.ulid, 'tombstones')).size).toBe(0);
    await db.close();
    db = await Tsdb.open(dir, quiet);
    const got = await read(db);
    expect(got.get('1')).toEqual(expected(T0, steps, dmin, dmax));
    expect(got.get('0')).toEqual([T0 + steps * STEP]);
    await db.close();
  });

  it('keeps head tombstones through a WAL checkpoint', async () => {
    const dir = tmp();
    let db = await Tsdb.open(dir, { ...quiet, walSegmentSize: 32 * 1024 });
    const steps = (3 * H) / STEP; // 3h: the first 2h become a block, the rest stays in the head
    await fill(db, 2, steps);
    const dmin = T0 + 2 * H + 10 * MIN;
    const dmax = T0 + 2 * H + 30 * MIN;
    await db.delete(dmin, dmax, [eq('i', '1')]);
    await db.persistHead(T0, T0 + 2 * H);
    const cps = fs.readdirSync(join(dir, 'wal')).filter((f) => f.startsWith('checkpoint.'));
    expect(cps.length).toBe(1);
    await db.close();
    db = await Tsdb.open(dir, quiet);
    const got = await read(db);
    expect(got.get('1')).toEqual(expected(T0, steps, dmin, dmax));
    expect(got.get('0')).toEqual(expected(T0, steps));
    await db.close();
  });

  it('writes block tombstones atomically and cleanTombstones rewrites the block without them', async () => {
    const dir = tmp();
    let db = await Tsdb.open(dir, quiet);
    const steps = (2 * H) / STEP;
    await fill(db, 4, steps);
    const block = (await db.persistHead(T0, T0 + 2 * H))!;
    const bdir = join(dir, block.ulid);
    const dmin = T0 + 30 * MIN;
    const dmax = T0 + 40 * MIN;
    await db.delete(dmin, dmax, [new Matcher('=~', 'i', '1|2')]);
    await db.delete(dmin + 10 * MIN + 1, dmax + 10 * MIN, [eq('i', '1')]); // adjacent: merged
    await db.delete(T0 - H, T0 - 1, [eq('i', '3')]); // before the block: nothing
    const stones = readTombstones(join(bdir, 'tombstones'));
    expect(stones.size).toBe(2);
    expect([...stones.values()].map((x) => x.map((iv) => [iv.mint, iv.maxt]))).toEqual(
      expect.arrayContaining([[[dmin, dmax + 10 * MIN]], [[dmin, dmax]]]),
    );
    expect(readMeta(bdir).stats.numTombstones).toBe(2);
    expect(fs.existsSync(join(bdir, 'tombstones.tmp'))).toBe(false);
    const check = async (): Promise<void> => {
      const got = await read(db);
      expect(got.get('1')).toEqual(expected(T0, steps, dmin, dmax + 10 * MIN));
      expect(got.get('2')).toEqual(expected(T0, steps, dmin, dmax));
      expect(got.get('0')).toEqual(expected(T0, steps));
      expect(got.get('3')).toEqual(expected(T0, steps));
    };
    await check();
    await db.close();
    db = await Tsdb.open(dir, quiet);
    await check();

    await db.cleanTombstones();
    const metas = db.blockMetas();
    expect(metas).toHaveLength(1);
    expect(metas[0]!.ulid).not.toBe(block.ulid);
    expect(metas[0]!.compaction.parents?.map((p) => p.ulid)).toEqual([block.ulid]);
    // As Prometheus' LeveledCompactor.Write: level 1, its own only source.
    expect(metas[0]!.compaction.level).toBe(1);
    expect(metas[0]!.compaction.sources).toEqual([metas[0]!.ulid]);
    expect(metas[0]!.stats.numSamples).toBe(4 * steps - 41 - 81);
    expect(fs.existsSync(bdir)).toBe(false);
    expect(readTombstones(join(dir, metas[0]!.ulid, 'tombstones')).size).toBe(0);
    await check();
    await db.close();
    db = await Tsdb.open(dir, quiet);
    await check();
    // Nothing left to clean: no change.
    await db.cleanTombstones();
    expect(db.blockMetas().map((m) => m.ulid)).toEqual([metas[0]!.ulid]);
    // Deleting everything empties the block: cleaning drops it.
    await db.delete(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, [eq('__name__', 'm')]);
    expect((await read(db)).size).toBe(0);
    await db.cleanTombstones();
    expect(db.blockMetas()).toHaveLength(0);
    expect(fs.readdirSync(dir).filter((f) => /^[0-9A-Z]{26}$/.test(f))).toEqual([]);
    await db.close();
  });

  it('keeps a query running during a deletion on the data it selected', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, quiet);
    await fill(db, 2, 100);
    await db.persistHead(T0, T0 + 2 * H);
    await fill(db, 2, 10, T0 + 2 * H);
    const q = await db.querier(T0, T0 + 3 * H);
    const ss = await q.select(true, undefined, [eq('i', '0')]);
    await db.delete(T0, T0 + 3 * H, [eq('i', '0')]);
    expect(ss.next()).toBe(true);
    const it = ss.at().iterator();
    let n = 0;
    while (it.next() === ValueType.Float) n++;
    expect(n).toBe(110);
    await q.close();
    expect((await read(db)).has('0')).toBe(false);
    await db.close();
  });
});

describe('Tsdb.snapshot', () => {
  it('links the blocks and writes the head as a block; the snapshot opens as a TSDB', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, quiet);
    const steps = (3 * H) / STEP;
    await fill(db, 3, steps);
    const block = (await db.persistHead(T0, T0 + 2 * H))!;
    await db.delete(T0 + 2 * H + MIN, T0 + 2 * H + 2 * MIN, [eq('i', '2')]);
    await db.delete(T0, T0 + MIN, [eq('i', '1')]);
    const want = await read(db);

    const name = snapshotName(new Date(Date.UTC(2026, 11, 7, 2, 48, 22)));
    expect(name).toMatch(/^20261207T024822Z-[0-7][0-9a-f]{15}$/);
    const snap = join(dir, 'snapshots', name);
    await db.snapshot(snap, true);
    const entries = fs.readdirSync(snap).sort();
    expect(entries).toHaveLength(2);
    expect(entries).toContain(block.ulid);
    // Hard links of the block's files.
    for (const f of ['index', 'meta.json', 'tombstones', 'chunks/000001'])
      expect(fs.statSync(join(snap, block.ulid, f)).ino).toBe(fs.statSync(join(dir, block.ulid, f)).ino);
    const headBlock = readMeta(
      join(
        snap,
        entries.find((e) => e !== block.ulid)!,
      ),
    );
    expect(headBlock.minTime).toBe(T0 + 2 * H);
    expect(headBlock.maxTime).toBe(T0 + 3 * H - STEP + 1);
    expect(headBlock.stats.numSamples).toBe(3 * (steps / 3) - 5);

    // Deleting in the original afterwards does not change the snapshot (tombstones are renamed in).
    await db.delete(T0, T0 + 3 * H, [eq('i', '0')]);
    const sdb = await Tsdb.open(snap, { ...quiet, readOnly: true });
    expect(await read(sdb)).toEqual(want);
    await sdb.close();

    // The data directory with its snapshots/ still opens; skip_head links the blocks only.
    const snap2 = join(dir, 'snapshots', snapshotName());
    await db.snapshot(snap2, false);
    expect(fs.readdirSync(snap2)).toEqual([block.ulid]);
    await expect(db.snapshot(dir, true)).rejects.toThrow(/base directory/);
    await db.close();
    const again = await Tsdb.open(dir, quiet);
    expect((await read(again)).has('0')).toBe(false);
    await again.close();
  });
});

describe('compaction planning with tombstones', () => {
  const meta = (ulid: string, minTime: number, maxTime: number, numSeries: number, numTombstones = 0): BlockMeta => ({
    ulid,
    minTime,
    maxTime,
    stats: { numSamples: 1, numSeries, numChunks: 1, numTombstones },
    compaction: { level: 1, sources: [ulid] },
    version: 1,
  });
  const ranges = [2 * H, 6 * H, 18 * H];

  it('rewrites a large block with tombstones for more than 5% of its series, as Prometheus', () => {
    const newest = meta('N', 18 * H, 20 * H, 10);
    expect(plan([meta('A', 0, 18 * H, 100, 6), newest], ranges)?.map((m) => m.ulid)).toEqual(['A']);
    expect(plan([meta('A', 0, 18 * H, 100, 5), newest], ranges)).toBeNull(); // 5/101
    // The newest block is never picked.
    expect(plan([meta('A', 0, 18 * H, 100), meta('N', 18 * H, 36 * H, 10, 10)], ranges)).toBeNull();
  });

  it('rewrites a small block only when every series has a tombstone', () => {
    const newest = meta('N', 4 * H, 6 * H, 10);
    expect(plan([meta('A', 2 * H, 4 * H, 10, 10), newest], [2 * H, 6 * H, 18 * H, 54 * H])?.map((m) => m.ulid)).toEqual(
      ['A'],
    );
    expect(plan([meta('A', 2 * H, 4 * H, 10, 9), newest], [2 * H, 6 * H, 18 * H, 54 * H])).toBeNull();
  });

  it('drops a block whose data was all deleted at the next compaction', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, { ...quiet, maxBlockDuration: 2 * H });
    await fill(db, 3, (2 * H) / STEP);
    await db.persistHead(T0, T0 + 2 * H);
    await fill(db, 3, 10, T0 + 2 * H);
    await db.persistHead(T0 + 2 * H, T0 + 4 * H);
    expect(db.blockMetas()).toHaveLength(2);
    await db.delete(T0, T0 + 2 * H - 1, [eq('__name__', 'm')]);
    await db.compact();
    expect(db.blockMetas().map((m) => m.minTime)).toEqual([T0 + 2 * H]);
    expect((await read(db)).get('1')).toEqual(expected(T0 + 2 * H, 10));
    await db.close();
  });
});
