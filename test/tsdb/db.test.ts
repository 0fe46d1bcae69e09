import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Labels } from '../../src/lib/model/labels.js';
import { Matcher } from '../../src/lib/model/matcher.js';
import { STALE_NAN, isStaleNaN } from '../../src/lib/model/value.js';
import {
  DuplicateSampleForTimestampError,
  OutOfBoundsError,
  OutOfOrderSampleError,
  StorageUnavailableError,
} from '../../src/lib/storage/errors.js';
import { ValueType, type Querier } from '../../src/lib/storage/interface.js';
import { Tsdb, type TsdbOptions } from '../../src/lib/tsdb/db.js';
import { LockedError, NotATsdbError } from '../../src/lib/tsdb/errors.js';
import { tmp } from './helpers.js';

const H = 3600_000;
const T0 = 1_700_006_400_000; // aligned to 2h
const L = (o: Record<string, string>): Labels => Labels.fromObject(o);

async function read(q: Querier, ms: Matcher[]): Promise<Map<string, [number, number][]>> {
  const ss = await q.select(true, undefined, ms);
  const out = new Map<string, [number, number][]>();
  while (ss.next()) {
    const s = ss.at();
    const it = s.iterator();
    const xs: [number, number][] = [];
    while (it.next() === ValueType.Float) xs.push([it.t, it.v]);
    expect(it.err()).toBeNull();
    out.set(s.labels.toString(), xs);
  }
  expect(ss.err()).toBeNull();
  return out;
}

/** Appends `steps` scrapes of `n` series every 15s starting at `from`. */
async function fill(db: Tsdb, n: number, steps: number, from = T0): Promise<void> {
  const refs: number[] = [];
  for (let k = 0; k < steps; k++) {
    const app = db.appender();
    for (let i = 0; i < n; i++)
      refs[i] = app.append(
        refs[i] ?? 0,
        L({ __name__: 'm', i: String(i), job: i % 2 ? 'odd' : 'even' }),
        from + k * 15_000,
        k + i,
      );
    await app.commit();
  }
}

const quiet: TsdbOptions = { logger: { info: () => {}, warn: () => {} } };

describe('Tsdb', () => {
  it('makes committed samples visible and durable; rolled back ones vanish', async () => {
    const dir = tmp();
    let db = await Tsdb.open(dir, quiet);
    const a = db.appender();
    const ref = a.append(0, L({ __name__: 'up', job: 'x' }), T0, 1);
    a.append(ref, L({ __name__: 'up', job: 'x' }), T0 + 1000, STALE_NAN);
    let q = await db.querier(T0, T0 + H);
    expect((await read(q, [new Matcher('=', '__name__', 'up')])).size).toBe(0); // not visible before commit
    await a.commit();
    const b = db.appender();
    b.append(0, L({ __name__: 'up', job: 'y' }), T0, 5);
    await b.rollback();
    q = await db.querier(T0, T0 + H);
    let got = await read(q, [new Matcher('=', '__name__', 'up')]);
    expect([...got.keys()]).toEqual(['{__name__="up", job="x"}']);
    await db.close();
    db = await Tsdb.open(dir, quiet);
    q = await db.querier(T0, T0 + H);
    got = await read(q, [new Matcher('=', '__name__', 'up')]);
    const xs = got.get('{__name__="up", job="x"}')!;
    expect(xs.map((x) => x[0])).toEqual([T0, T0 + 1000]);
    expect(isStaleNaN(xs[1]![1])).toBe(true);
    await db.close();
  });

  it('rejects out-of-order, duplicate and out-of-bounds samples with Prometheus errors', async () => {
    const db = await Tsdb.open(tmp(), quiet);
    const l = L({ __name__: 'a' });
    const app = db.appender();
    app.append(0, l, T0 + 10_000, 1);
    expect(() => app.append(0, l, T0 + 5_000, 1)).toThrow(OutOfOrderSampleError);
    await app.commit();
    const b = db.appender();
    expect(() => b.append(0, l, T0 + 5_000, 1)).toThrow('out of order sample');
    expect(() => b.append(0, l, T0 + 10_000, 2)).toThrow(DuplicateSampleForTimestampError);
    expect(b.append(0, l, T0 + 10_000, 1)).toBeGreaterThan(0); // same value: silently ignored
    // Far behind the newest sample (more than half a block range): out of bounds.
    expect(() => b.append(0, L({ __name__: 'new' }), T0 - 2 * H, 1)).toThrow(OutOfBoundsError);
    await b.commit();
    expect(db.stats()).toMatchObject({
      outOfOrderRejected: 2,
      duplicateRejected: 1,
      outOfBoundsRejected: 1,
      samplesAppended: 1,
    });
    await db.close();
  });

  it('answers label names/values with matcher filters', async () => {
    const db = await Tsdb.open(tmp(), quiet);
    await fill(db, 6, 2);
    const q = await db.querier(T0, T0 + H);
    expect((await q.labelNames(undefined, [])).values).toEqual(['__name__', 'i', 'job']);
    expect((await q.labelValues('i', undefined, [new Matcher('=', 'job', 'odd')])).values).toEqual(['1', '3', '5']);
    expect((await q.labelValues('job', { limit: 1 }, [])).values).toEqual(['even']);
    expect((await read(q, [new Matcher('!~', 'i', '[0-3]'), new Matcher('=~', 'job', 'e.*')])).size).toBe(1);
    await db.close();
  });

  it('cuts the head into 2h blocks, checkpoints the WAL, compacts and reads across head and blocks', async () => {
    const dir = tmp();
    let db = await Tsdb.open(dir, { ...quiet, autoCompact: false });
    await fill(db, 20, 4 * 60 * 8); // 8h of 15s scrapes
    await db.compact();
    let st = db.stats();
    expect(st.blocks).toBeGreaterThanOrEqual(2);
    expect(st.headTruncations).toBeGreaterThanOrEqual(2);
    expect(st.checkpoints).toBeGreaterThanOrEqual(1);
    expect(fs.readdirSync(join(dir, 'wal')).some((n) => n.startsWith('checkpoint.'))).toBe(true);
    const check = async (d: Tsdb): Promise<void> => {
      const q = await d.querier(T0, T0 + 8 * H - 1);
      const got = await read(q, [new Matcher('=', 'i', '7')]);
      const xs = got.get('{__name__="m", i="7", job="odd"}')!;
      expect(xs.length).toBe(4 * 60 * 8);
      expect(xs.every(([t, v], k) => t === T0 + k * 15_000 && v === k + 7)).toBe(true);
      await q.close();
    };
    await check(db);
    await db.close();
    db = await Tsdb.open(dir, { ...quiet, autoCompact: false });
    await check(db);
    // Compaction into a 6h block once the 6h window is complete.
    await fill(db, 20, 4 * 60 * 8, T0 + 8 * H);
    await db.compact();
    st = db.stats();
    expect(db.blockMetas().some((m) => m.compaction.level >= 2 && m.maxTime - m.minTime === 6 * H)).toBe(true);
    await check(db);
    await db.close();
  });

  it('snappy-compresses the WAL and checkpoints by default and replays compressed, plain and mixed WALs', async () => {
    const dir = tmp();
    const flags = (file: string): number => fs.readFileSync(file)[0]! & 0x18;
    let db = await Tsdb.open(dir, { ...quiet, walCompression: false });
    await fill(db, 50, 10);
    await db.close();
    expect(flags(join(dir, 'wal', '00000000'))).toBe(0);
    db = await Tsdb.open(dir, quiet);
    await fill(db, 50, 10, T0 + 10 * 15_000);
    await db.close();
    expect(flags(join(dir, 'wal', '00000001'))).toBe(8);
    // Smaller than the plain samples records alone (10 × (17 header bytes + 50 × 10)).
    expect(fs.statSync(join(dir, 'wal', '00000001')).size).toBeLessThan(10 * (7 + 17 + 50 * 10));
    db = await Tsdb.open(dir, { ...quiet, autoCompact: false });
    let q = await db.querier(T0, T0 + H);
    let got = await read(q, [new Matcher('=', 'i', '3')]);
    expect(got.get('{__name__="m", i="3", job="odd"}')!.map(([t, v]) => [(t - T0) / 15_000, v - 3])).toEqual(
      Array.from({ length: 20 }, (_, k) => [k, k % 10]),
    );
    await q.close();
    // A head cut writes a compressed checkpoint that replays too.
    await fill(db, 50, 4 * 60 * 4, T0 + 20 * 15_000);
    await db.compact();
    const cp = fs.readdirSync(join(dir, 'wal')).find((n) => n.startsWith('checkpoint.'))!;
    expect(flags(join(dir, 'wal', cp, '00000000'))).toBe(8);
    const before = db.stats().headSeries;
    await db.close();
    db = await Tsdb.open(dir, quiet);
    expect(db.stats().headSeries).toBe(before);
    q = await db.querier(T0, T0 + 5 * H);
    got = await read(q, [new Matcher('=', 'i', '3')]);
    expect(got.get('{__name__="m", i="3", job="odd"}')!.length).toBe(20 + 4 * 60 * 4);
    await q.close();
    await db.close();
  });

  it('deletes blocks beyond time retention', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, { ...quiet, autoCompact: false, retentionTime: 3 * H, maxBlockDuration: 2 * H });
    await fill(db, 2, 4 * 60 * 10);
    await db.compact();
    const metas = db.blockMetas();
    const newest = Math.max(...metas.map((m) => m.maxTime));
    expect(metas.every((m) => newest - m.maxTime <= 3 * H)).toBe(true);
    expect(db.stats().retentionDeletions).toBeGreaterThan(0);
    await db.close();
  });

  it('deletes the oldest blocks beyond size retention', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, { ...quiet, autoCompact: false, maxBlockDuration: 2 * H, retentionSize: 1 });
    await fill(db, 2, 4 * 60 * 8);
    await db.compact();
    expect(db.blockMetas().length).toBe(0);
    expect(db.stats().retentionDeletions).toBeGreaterThan(0);
    await db.close();
  });

  it('skips a corrupted block with a warning naming it and serves the rest', async () => {
    const dir = tmp();
    let db = await Tsdb.open(dir, { ...quiet, maxBlockDuration: 2 * H });
    await fill(db, 3, 4 * 60 * 6);
    await db.compact();
    const metas = db.blockMetas();
    expect(metas.length).toBe(2);
    await db.close();
    const bad = metas[0]!.ulid;
    const idx = join(dir, bad, 'index');
    const b = fs.readFileSync(idx);
    b[b.length - 5]! ^= 0xff;
    fs.writeFileSync(idx, b);
    const warnings: string[] = [];
    db = await Tsdb.open(dir, { logger: { info: () => {}, warn: (m) => warnings.push(m) } });
    expect(warnings.join('\n')).toContain(bad);
    expect(db.stats().corruptedBlocks).toEqual([bad]);
    const q = await db.querier(T0, T0 + 10 * H);
    const got = await read(q, [new Matcher('=', 'i', '1')]);
    expect(got.get('{__name__="m", i="1", job="odd"}')!.length).toBeGreaterThan(0);
    await db.close();
  });

  it('refuses a directory that is not a TSDB, and a directory locked by a live process', async () => {
    const dir = tmp();
    fs.writeFileSync(join(dir, 'notes.txt'), 'hello');
    await expect(Tsdb.open(dir, quiet)).rejects.toThrow(NotATsdbError);
    const dir2 = tmp();
    const db = await Tsdb.open(dir2, quiet);
    fs.writeFileSync(join(dir2, 'lock'), '1\n'); // pid 1 is alive
    await expect(Tsdb.open(dir2, quiet)).rejects.toThrow(LockedError);
    fs.writeFileSync(join(dir2, 'lock'), '999999999\n'); // a dead pid: stale lock taken over
    await db.close();
    const db2 = await Tsdb.open(dir2, quiet);
    await db2.close();
  });

  it('fails commits visibly on a full disk and keeps what was written', async () => {
    const dir = tmp();
    let full = false;
    const db = await Tsdb.open(dir, {
      ...quiet,
      walFileOps: {
        writeSync: (fd, b, o, l, p) => {
          if (full) throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
          return fs.writeSync(fd, b, o, l, p);
        },
        fsyncSync: (fd) => fs.fsyncSync(fd),
        ftruncateSync: (fd, n) => fs.ftruncateSync(fd, n),
      },
    });
    const l = L({ __name__: 'x' });
    let a = db.appender();
    a.append(0, l, T0, 1);
    await a.commit();
    full = true;
    a = db.appender();
    a.append(0, L({ __name__: 'y' }), T0 + 1000, 2);
    a.append(0, l, T0 + 1000, 2);
    await expect(a.commit()).rejects.toThrow(StorageUnavailableError);
    await expect(
      (async () => {
        const b = db.appender();
        b.append(0, l, T0 + 1000, 2);
        await b.commit();
      })(),
    ).rejects.toThrow(/no space left on device/);
    full = false;
    a = db.appender();
    a.append(0, L({ __name__: 'y' }), T0 + 2000, 3);
    await a.commit();
    await db.close();
    const db2 = await Tsdb.open(dir, quiet);
    const got = await read(await db2.querier(T0, T0 + H), [new Matcher('=~', '__name__', 'x|y')]);
    expect(Object.fromEntries(got)).toEqual({ '{__name__="x"}': [[T0, 1]], '{__name__="y"}': [[T0 + 2000, 3]] });
    await db2.close();
  });

  it('reports permission denied clearly', async () => {
    if (process.getuid?.() !== 0) return; // the check below needs root to switch users
    const dir = tmp();
    fs.chmodSync(dir, 0o700);
    const script = `import('${new URL('../../src/lib/tsdb/db.ts', import.meta.url).pathname}').then(m => m.Tsdb.open(process.argv[1])).then(() => console.log('opened'), e => console.log(e.name + ': ' + e.message))`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script, join(dir, 'data')], {
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      cwd: new URL('../..', import.meta.url).pathname,
    });
    if (/Cannot find|EACCES.*node_modules/.test(r.stderr)) return; // nobody cannot read the toolchain here
    expect(r.stdout).toMatch(/TsdbPermissionError: .*permission denied/);
  });
});
