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

  it('finds series in any order (hash path) and in scrape order (sequential guess)', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `m{i="${i}"} 1\n`);
    const cache = new SeriesCache<number>();
    let p = new PromParser(Buffer.from(lines.join('')));
    for (let e = p.next(); e !== null; e = p.next()) cache.add(p, Number(p.labels().get('i')));
    // Reversed, then every other line, then the original order: all found with the right value.
    for (const order of [[...lines].reverse(), lines.filter((_, i) => i % 2 === 0), lines]) {
      p = new PromParser(Buffer.from(order.join('')));
      for (let e = p.next(); e !== null; e = p.next()) {
        const id = cache.find(p);
        expect(id).toBeGreaterThanOrEqual(0);
        expect(cache.value(id)).toBe(Number(p.labels().get('i')));
      }
    }
    // A series that was never added is not found, even right after its would-be neighbour.
    p = new PromParser(Buffer.from('m{i="0"} 1\nm{i="0x"} 1\nm{i="1"} 1\n'));
    const found: number[] = [];
    for (let e = p.next(); e !== null; e = p.next()) found.push(cache.find(p));
    expect(found).toEqual([0, -1, 1]);
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
