import { describe, expect, it } from 'vitest';
import { Labels } from '../../src/lib/model/labels.js';
import { Matcher } from '../../src/lib/model/matcher.js';
import { XorAppender, XorIterator } from '../../src/lib/tsdb/chunkenc/xor.js';
import { Head } from '../../src/lib/tsdb/head/head.js';
import { ValueType, type SampleBuffer } from '../../src/lib/storage/interface.js';

const newBuf = (): SampleBuffer => ({ ts: new Float64Array(0), vs: new Float64Array(0), n: 0, start: 0 });

const H = 2 * 3600 * 1000;
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % H);

function samples(head: Head, name: string, mint = -Infinity, maxt = Infinity): [number, number][] {
  const [view] = head.select(mint, maxt, [new Matcher('=', '__name__', name)]);
  if (!view) return [];
  const buf = newBuf();
  (view as unknown as { appendTo(b: SampleBuffer): void }).appendTo(buf);
  const out: [number, number][] = [];
  for (let i = buf.start; i < buf.n; i++) out.push([buf.ts[i]!, buf.vs[i]!]);
  return out;
}

function value(i: number, k: number): number {
  // Values that need many bits, so chunks outgrow their first region.
  return Math.sin(i * 7.1 + k * 0.37) * 1e6 + k;
}

describe('head columns and chunk pages', () => {
  it('stores what was appended, across chunk growth, region moves and cuts, for many series', () => {
    const head = new Head(H);
    const n = 600;
    const series = Array.from({ length: n }, (_, i) => head.getOrCreate(Labels.fromObject({ __name__: `m${i}` })).s);
    for (let k = 0; k < 300; k++)
      for (let i = 0; i < n; i++) head.appendSample(series[i]!, T0 + k * 15_000, value(i, k));
    for (const i of [0, 1, 299, 599]) {
      const got = samples(head, `m${i}`);
      expect(got.length).toBe(300);
      got.forEach(([t, v], k) => {
        expect(t).toBe(T0 + k * 15_000);
        expect(v).toBe(value(i, k));
      });
    }
    // 300 samples at 15 s cut chunks (120 samples per chunk target): closed chunks exist, and
    // chunks cut one after another share an arena page instead of a buffer each.
    expect(series[0]!.closed.length).toBeGreaterThan(0);
    expect(series[0]!.closed[0]!.data.buffer).toBe(series[1]!.closed[0]!.data.buffer);
    expect(series[0]!.closed[0]!.data.buffer.byteLength).toBe(64 * 1024);
  });

  it('keeps a query view stable while appends move the open chunk to new regions and pages', () => {
    const head = new Head(H);
    const n = 2000;
    const series = Array.from({ length: n }, (_, i) => head.getOrCreate(Labels.fromObject({ __name__: `m${i}` })).s);
    for (let k = 0; k < 5; k++) for (let i = 0; i < n; i++) head.appendSample(series[i]!, T0 + k * 1000, value(i, k));
    const views = head.select(-Infinity, Infinity, [new Matcher('=~', '__name__', 'm1.*')]);
    expect(views.length).toBe(1111);
    // Grow every chunk several times (each growth moves it to a fresh region; old pages drop).
    for (let k = 5; k < 100; k++) for (let i = 0; i < n; i++) head.appendSample(series[i]!, T0 + k * 1000, value(i, k));
    for (const v of views) {
      const name = v.labels.get('__name__');
      const i = Number(name.slice(1));
      const buf = newBuf();
      (v as unknown as { appendTo(b: SampleBuffer): void }).appendTo(buf);
      expect(buf.n).toBe(5);
      for (let k = 0; k < 5; k++) expect(buf.vs[k]).toBe(value(i, k));
    }
    expect(samples(head, 'm1999').length).toBe(100);
  });

  it('writes the open chunk byte for byte as a lone XOR appender would', () => {
    const head = new Head(H);
    const s = head.getOrCreate(Labels.fromObject({ __name__: 'x' })).s;
    const app = new XorAppender();
    for (let k = 0; k < 90; k++) {
      const t = T0 + k * 10_000 + (k % 3) * 7;
      head.appendSample(s, t, value(1, k));
      app.append(t, value(1, k));
    }
    expect(s.openChunk()).toEqual(app.bytes());
    const it = new XorIterator(s.openChunk()!);
    let c = 0;
    while (it.next() === ValueType.Float) c++;
    expect(c).toBe(90);
  });

  it('frees open chunks of series that truncation leaves without data, and the series', () => {
    const head = new Head(H);
    const a = head.getOrCreate(Labels.fromObject({ __name__: 'a' })).s;
    const b = head.getOrCreate(Labels.fromObject({ __name__: 'b' })).s;
    head.appendSample(a, T0 + 1000, 1);
    head.appendSample(b, T0 + H + 1000, 2);
    expect(head.chunkBytes()).toBe(256);
    expect(head.truncate(T0 + H)).toBe(1);
    expect(head.seriesCount).toBe(1);
    expect(head.chunkBytes()).toBe(128);
    expect(samples(head, 'b')).toEqual([[T0 + H + 1000, 2]]);
    expect(samples(head, 'a')).toEqual([]);
  });

  it('rejects out-of-order samples and drops exact duplicates, batch by batch', () => {
    const head = new Head(H);
    const s = head.getOrCreate(Labels.fromObject({ __name__: 'x' })).s;
    head.appendSample(s, T0 + 2000, 5);
    const batch = head.newBatch();
    expect(head.check(s, T0 + 3000, 1, batch)).toBe(true);
    expect(head.check(s, T0 + 2000, 5, batch)).toBe(false);
    expect(() => head.check(s, T0 + 2000, 6, batch)).toThrow(/duplicate/);
    expect(() => head.check(s, T0 + 1000, 6, batch)).toThrow(/out of order/);
    s.batch = batch;
    s.pendMaxt = T0 + 3000;
    expect(() => head.check(s, T0 + 2500, 6, batch)).toThrow(/out of order/);
    expect(head.check(s, T0 + 2500, 6, head.newBatch())).toBe(true);
  });
});
