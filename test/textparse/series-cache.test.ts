import { describe, expect, it } from 'vitest';
import { PromParser } from '../../src/lib/textparse/promparse.js';
import { SeriesCache } from '../../src/lib/textparse/series-cache.js';

describe('SeriesCache', () => {
  it('finds series by their raw bytes across scrapes, like a Map keyed by seriesKey()', () => {
    const body = (n: number, v: number) =>
      Buffer.from(Array.from({ length: n }, (_, i) => `m{i="${i}",x="${'y'.repeat(i % 13)}"} ${v}\n`).join(''));
    const cache = new SeriesCache<number>(4);
    const map = new Map<string, number>();
    for (let scrape = 0; scrape < 3; scrape++) {
      const p = new PromParser(body(5000, scrape));
      let hits = 0;
      for (let e = p.next(); e !== null; e = p.next()) {
        let id = cache.find(p);
        const key = p.seriesKey();
        if (id < 0) {
          expect(map.has(key)).toBe(false);
          id = cache.add(p, map.size);
          map.set(key, map.size);
        } else hits++;
        expect(cache.value(id)).toBe(map.get(key));
        expect(cache.key(id)).toBe(key);
      }
      expect(hits).toBe(scrape === 0 ? 0 : 5000);
    }
    expect(cache.size).toBe(5000);
  });

  it('sweeps entries and keeps the rest findable', () => {
    const cache = new SeriesCache<{ seen: number }>();
    const p = new PromParser(Buffer.from(Array.from({ length: 1000 }, (_, i) => `s${i} 1\n`).join('')));
    for (let e = p.next(); e !== null; e = p.next()) cache.add(p, { seen: Number(p.metricName().slice(1)) });
    expect(cache.sweep((v) => v.seen % 2 === 1)).toBe(500);
    expect(cache.size).toBe(500);
    const q = new PromParser(Buffer.from(Array.from({ length: 1000 }, (_, i) => `s${i} 2\n`).join('')));
    let found = 0;
    for (let e = q.next(); e !== null; e = q.next()) {
      const id = cache.find(q);
      if (id >= 0) {
        found++;
        expect(cache.value(id).seen % 2).toBe(0);
        expect(cache.key(id)).toBe(q.seriesKey());
      }
    }
    expect(found).toBe(500);
    let n = 0;
    cache.forEach(() => n++);
    expect(n).toBe(500);
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('tells apart series that differ only in one byte or in length', () => {
    const cache = new SeriesCache<string>();
    const keys = ['a{b="1"}', 'a{b="2"}', 'a{b="12"}', 'a', 'ab', 'a{b="1"} ', 'x'.repeat(300), 'x'.repeat(299) + 'y'];
    const b = Buffer.from(keys.join(''));
    let off = 0;
    for (const k of keys) {
      expect(cache.findBytes(b, off, k.length)).toBe(-1);
      cache.addBytes(b, off, k.length, k);
      off += k.length;
    }
    off = 0;
    for (const k of keys) {
      expect(cache.value(cache.findBytes(b, off, k.length))).toBe(k);
      off += k.length;
    }
  });
});
