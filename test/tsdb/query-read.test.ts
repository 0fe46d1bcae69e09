import { describe, expect, it } from 'vitest';
import { resultJson } from '../../src/lib/api/encode.js';
import { Labels } from '../../src/lib/model/labels.js';
import { Matcher } from '../../src/lib/model/matcher.js';
import { STALE_NAN } from '../../src/lib/model/value.js';
import { Engine } from '../../src/lib/promql/engine/engine.js';
import { ValueType, type SampleBuffer, type Series } from '../../src/lib/storage/interface.js';
import { MemoryStorage } from '../../src/lib/storage/memory.js';
import { decodeXorInto } from '../../src/lib/tsdb/chunkenc/decode.js';
import { Encoding, XorAppender, XorIterator, encodeXor } from '../../src/lib/tsdb/chunkenc/xor.js';
import { Tsdb } from '../../src/lib/tsdb/db.js';
import { mergeSeriesSets, type ChunkSeries } from '../../src/lib/tsdb/querier.js';
import { rng } from '../promql/engine/gen-data.js';
import { tmp } from './helpers.js';

const bitsOf = (v: number): string => {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, v);
  return dv.getBigUint64(0).toString(16);
};

function randomSeries(r: () => number, n: number): { ts: number[]; vs: Float64Array } {
  const ts: number[] = [];
  const vs = new Float64Array(n);
  let t = Math.floor(r() * 2e12) - 1e12;
  let v = r() * 1000;
  for (let i = 0; i < n; i++) {
    const k = r();
    // Regular intervals, jitter, and every delta-of-delta width (up to the 64-bit case).
    t +=
      k < 0.5
        ? 15_000
        : k < 0.7
          ? 15_000 + Math.floor(r() * 100)
          : k < 0.8
            ? Math.floor(r() * 1e6)
            : k < 0.9
              ? 1
              : 2 ** 33;
    const w = r();
    v =
      w < 0.3
        ? v
        : w < 0.5
          ? v + 1
          : w < 0.6
            ? STALE_NAN
            : w < 0.7
              ? -r() * 1e300
              : w < 0.8
                ? Math.floor(r() * 10)
                : r();
    ts.push(t);
    vs[i] = v;
  }
  return { ts, vs };
}

function viaIterator(data: Uint8Array, mint: number, maxt: number, count?: number): [number, string][] {
  const it = new XorIterator(data, count);
  const out: [number, string][] = [];
  while (it.next() === ValueType.Float) if (it.t >= mint && it.t <= maxt) out.push([it.t, bitsOf(it.v)]);
  expect(it.err()).toBeNull();
  return out;
}

function viaDecoder(
  data: Uint8Array,
  mint: number,
  maxt: number,
  count?: number,
  deleted?: { mint: number; maxt: number }[],
): [number, string][] {
  // A tiny buffer with a series already in it: growth must keep the current series only.
  const buf: SampleBuffer = { ts: new Float64Array(3), vs: new Float64Array(3), n: 2, start: 1 };
  buf.ts[1] = -1;
  decodeXorInto(data, count, mint, maxt, deleted, buf);
  const out: [number, string][] = [];
  for (let i = buf.start; i < buf.n; i++) out.push([buf.ts[i]!, bitsOf(buf.vs[i]!)]);
  expect(out[0]).toEqual([-1, bitsOf(0)]); // the sample of the series before this chunk
  return out.slice(1);
}

describe('bulk XOR decoding for queries', () => {
  it('decodes exactly what XorIterator reads, clipped to [mint, maxt], NaN payloads included', () => {
    const r = rng(11);
    for (let k = 0; k < 100; k++) {
      const n = 1 + Math.floor(r() * 240);
      const { ts, vs } = randomSeries(r, n);
      const data = encodeXor(ts, vs);
      expect(viaDecoder(data, -Infinity, Infinity)).toEqual(viaIterator(data, -Infinity, Infinity));
      const a = ts[Math.floor(r() * n)]!;
      const b = ts[Math.floor(r() * n)]!;
      const [mint, maxt] = a <= b ? [a, b] : [b, a];
      expect(viaDecoder(data, mint, maxt)).toEqual(viaIterator(data, mint, maxt));
      expect(viaDecoder(data, mint + 1, maxt - 1)).toEqual(viaIterator(data, mint + 1, maxt - 1));
    }
  });

  it('reads an open chunk up to the given count and skips deleted intervals', () => {
    const app = new XorAppender();
    for (let i = 0; i < 50; i++) app.append(1000 * i, i * 1.5);
    expect(viaDecoder(app.buf, -Infinity, Infinity, 30)).toEqual(viaIterator(app.buf, -Infinity, Infinity, 30));
    const got = viaDecoder(app.bytes(), 0, Infinity, undefined, [
      { mint: 2000, maxt: 4000 },
      { mint: 40_000, maxt: 1e9 },
    ]);
    expect(got.map(([t]) => t)).toEqual([0, 1000, ...Array.from({ length: 35 }, (_, i) => 5000 + i * 1000)]);
  });

  it('reports a truncated chunk as corrupt', () => {
    const data = encodeXor([1, 2, 3, 4], new Float64Array([1.1, 2.2, 3.3, 4.4]));
    const cut = data.slice(0, data.length - 6);
    const buf: SampleBuffer = { ts: new Float64Array(0), vs: new Float64Array(0), n: 0, start: 0 };
    expect(() => decodeXorInto(cut, undefined, -Infinity, Infinity, undefined, buf)).toThrow(/corrupt XOR chunk/);
  });
});

function chunkSeries(labels: Labels, samples: [number, number][]): ChunkSeries {
  const data = encodeXor(
    samples.map((s) => s[0]),
    new Float64Array(samples.map((s) => s[1])),
  );
  return {
    labels,
    chunks: () => [{ encoding: Encoding.XOR, data, mint: samples[0]![0], maxt: samples.at(-1)![0] }],
  };
}

function bulk(s: Series): [number, number][] {
  const buf: SampleBuffer = { ts: new Float64Array(1), vs: new Float64Array(1), n: 0, start: 0 };
  s.appendTo!(buf);
  return Array.from({ length: buf.n - buf.start }, (_, i) => [buf.ts[buf.start + i]!, buf.vs[buf.start + i]!]);
}

function iterated(s: Series): [number, number][] {
  const it = s.iterator();
  const out: [number, number][] = [];
  while (it.next() === ValueType.Float) out.push([it.t, it.v]);
  return out;
}

describe('bulk reads of series merged from several sources', () => {
  it('concatenates sources in time order and merges overlapping ones as the iterator does', () => {
    const l = Labels.fromObject({ __name__: 'x' });
    const cases: [number, number][][][] = [
      [
        [
          [1, 1],
          [2, 2],
        ],
        [
          [3, 3],
          [4, 4],
        ],
      ],
      [
        [
          [1, 1],
          [3, 3],
          [5, 5],
        ],
        [
          [2, 20],
          [3, 30],
          [6, 60],
        ],
      ],
      [
        [
          [5, 5],
          [6, 6],
        ],
        [
          [1, 10],
          [2, 20],
        ],
      ],
    ];
    for (const parts of cases) {
      const set = mergeSeriesSets(
        parts.map((p) => [chunkSeries(l, p)]),
        0,
        100,
      );
      expect(set.next()).toBe(true);
      const s = set.at();
      expect(bulk(s)).toEqual(iterated(s));
    }
  });
});

describe('queries over the TSDB (head and blocks) agree with the in-memory store', () => {
  it('gives the same results for dashboard queries', async () => {
    const dir = tmp();
    const db = await Tsdb.open(dir, { logger: { info: () => {}, warn: () => {} } });
    const mem = new MemoryStorage();
    const T0 = 1_700_006_400_000;
    const r = rng(5);
    const labels = Array.from({ length: 60 }, (_, i) =>
      Labels.fromObject({
        __name__: i % 10 === 9 ? 'gauge' : i % 3 ? 'req_total' : 'other_total',
        job: `j${i % 4}`,
        instance: `i${i}`,
      }),
    );
    const refs = labels.map(() => 0);
    const vals = labels.map(() => 0);
    const mapp = mem.appender();
    // 3h at 30s: the first 2h go to a block, the rest stays in the head (chunks of 120 samples).
    for (let k = 0; k < 360; k++) {
      const app = db.appender();
      for (let i = 0; i < labels.length; i++) {
        if (i === 7 && k % 50 < 10) continue; // gaps
        // Gauges of random floats make chunks longer than the block reader's first read.
        vals[i] = i % 10 === 9 ? r() * 1000 : k === 200 && i === 3 ? 0 : vals[i]! + Math.floor(r() * 10);
        const v = i === 5 && k === 100 ? STALE_NAN : vals[i]!;
        refs[i] = app.append(refs[i]!, labels[i]!, T0 + k * 30_000, v);
        mapp.append(0, labels[i]!, T0 + k * 30_000, v);
      }
      await app.commit();
    }
    await mapp.commit();
    expect(await db.persistHead(T0, T0 + 2 * 3600_000)).not.toBeNull();
    const engine = new Engine();
    const end = T0 + 359 * 30_000;
    const queries = [
      'sum by (job) (rate(req_total[5m]))',
      'rate({__name__=~".+_total"}[2m])',
      'avg without (instance) (increase(req_total[10m]))',
      'req_total',
      'count(req_total{job!="j1"})',
      'max_over_time(gauge[1h])',
      'gauge',
    ];
    for (const q of queries) {
      for (const t of [end, T0 + 2 * 3600_000 + 60_000, T0 + 2 * 3600_000 - 1]) {
        const a = await engine.instantQuery(db, q, t);
        const b = await engine.instantQuery(mem, q, t);
        expect(resultJson(a.value), `${q} @ ${t}`).toBe(resultJson(b.value));
      }
      const a = await engine.rangeQuery(db, q, T0 + 600_000, end, 60_000);
      const b = await engine.rangeQuery(mem, q, T0 + 600_000, end, 60_000);
      expect(resultJson(a.value), q).toBe(resultJson(b.value));
    }
    // Series created after earlier queries (and sorting between the old ones) are found in order.
    const app = db.appender();
    const mapp2 = mem.appender();
    for (const inst of ['i0a', 'i33b', 'i9z']) {
      const l = Labels.fromObject({ __name__: 'req_total', job: 'j1', instance: inst });
      app.append(0, l, end, 5);
      mapp2.append(0, l, end, 5);
    }
    await app.commit();
    await mapp2.commit();
    for (const q of ['req_total', 'sum by (instance) (req_total)']) {
      const a = await engine.instantQuery(db, q, end);
      const b = await engine.instantQuery(mem, q, end);
      expect(resultJson(a.value), q).toBe(resultJson(b.value));
    }
    // The selector reads through the block and the head.
    const qr = await db.querier(T0, end);
    const set = await qr.select(true, undefined, [new Matcher('=', 'instance', 'i4')]);
    expect(set.next()).toBe(true);
    expect(bulk(set.at())).toEqual(iterated(set.at()));
    expect(bulk(set.at()).length).toBe(360);
    await qr.close();
    await db.close();
  });
});
