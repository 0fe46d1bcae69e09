import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Labels } from '../../src/lib/model/labels.js';
import { Matcher } from '../../src/lib/model/matcher.js';
import { ValueType } from '../../src/lib/storage/interface.js';
import { Block, writeBlock } from '../../src/lib/tsdb/block/block.js';
import { ChunkReader, ChunkWriter } from '../../src/lib/tsdb/block/chunks.js';
import { isUlid, newUlid, readMeta, ulidTime } from '../../src/lib/tsdb/block/meta.js';
import { decodeTombstones, encodeTombstones } from '../../src/lib/tsdb/block/tombstones.js';
import { Encoding, encodeXor } from '../../src/lib/tsdb/chunkenc/xor.js';
import { crc32c } from '../../src/lib/tsdb/encoding.js';
import { IndexReader } from '../../src/lib/tsdb/index/reader.js';
import { IndexWriter } from '../../src/lib/tsdb/index/writer.js';
import { postingsForMatchers } from '../../src/lib/tsdb/index/postings.js';
import { hex, tmp } from './helpers.js';

const L = (o: Record<string, string>): Labels => Labels.fromObject(o);

describe('index file (index.md)', () => {
  it('lays out header, symbol table, 16-byte aligned series, postings and TOC', () => {
    const dir = tmp();
    const p = join(dir, 'index');
    const w = new IndexWriter(p, ['a', 'b', 'c', '__name__', 'up'].sort());
    w.addSeries(L({ __name__: 'up', a: 'b' }), [{ mint: 100, maxt: 200, ref: 8 }]);
    w.addSeries(L({ __name__: 'up', a: 'c' }), [
      { mint: 100, maxt: 200, ref: 50 },
      { mint: 300, maxt: 400, ref: 90 },
    ]);
    w.close();
    const b = fs.readFileSync(p);
    expect(hex(b.subarray(0, 5))).toBe('baaad70002');
    // Symbol table: len, #symbols=5, then "__name__","a","b","c","up".
    const symLen = b.readUInt32BE(5);
    expect(b.readUInt32BE(9)).toBe(5);
    expect(hex(b.subarray(13, 13 + 9))).toBe('085f5f6e616d655f5f');
    expect(b.readUInt32BE(9 + symLen)).toBe(crc32c(b, 9, 9 + symLen));
    // TOC: 6 offsets + CRC at the end.
    const toc = b.subarray(b.length - 52);
    expect(toc.readUInt32BE(48)).toBe(crc32c(toc, 0, 48));
    // The TOC records where the series section starts (before padding, like Prometheus); the first
    // entry sits at the next multiple of 16 and its id is offset/16.
    const tocSeries = Number(toc.readBigUInt64BE(8));
    expect(tocSeries).toBe(9 + symLen + 4);
    const seriesOff = Math.ceil(tocSeries / 16) * 16;
    // First series: len, #labels=2, (0,4) (1,2), #chunks=1, mint varint(100), maxt-mint 100, ref 8.
    expect(hex(b.subarray(seriesOff, seriesOff + 11))).toBe(
      '0a' + '02' + '0004' + '0102' + '01' + 'c801' + '64' + '08',
    );
    const r = new IndexReader(p);
    expect(r.labelValues('a')).toEqual(['b', 'c']);
    const all = r.allPostings();
    expect(all.length).toBe(2);
    expect(all[0]).toBe(seriesOff / 16);
    expect(r.series(all[1]!)).toEqual({
      labels: L({ __name__: 'up', a: 'c' }),
      chunks: [
        { mint: 100, maxt: 200, ref: 50 },
        { mint: 300, maxt: 400, ref: 90 },
      ],
    });
    r.close();
  });

  it('rejects series out of order and detects a damaged TOC', () => {
    const dir = tmp();
    const w = new IndexWriter(join(dir, 'index'), ['a', 'b', 'c']);
    w.addSeries(L({ a: 'c' }), []);
    expect(() => w.addSeries(L({ a: 'b' }), [])).toThrow(/out of order/);
    w.close();
    const b = fs.readFileSync(join(dir, 'index'));
    b[b.length - 10]! ^= 1;
    fs.writeFileSync(join(dir, 'index'), b);
    expect(() => new IndexReader(join(dir, 'index'))).toThrow(/TOC checksum mismatch/);
  });
});

describe('chunks files (chunks.md)', () => {
  it('writes the segment header and len|encoding|data|crc entries with (segment<<32|offset) refs', () => {
    const dir = tmp();
    const w = new ChunkWriter(join(dir, 'chunks'));
    const c1 = encodeXor([1000], new Float64Array([1]));
    const r1 = w.write(Encoding.XOR, c1);
    const r2 = w.write(Encoding.XOR, c1);
    w.close();
    const b = fs.readFileSync(join(dir, 'chunks', '000001'));
    expect(hex(b.subarray(0, 8))).toBe('85bd40dd01000000');
    expect(r1).toBe(8);
    expect(r2).toBe(8 + 1 + 1 + c1.length + 4);
    expect(b[8]).toBe(c1.length);
    expect(b[9]).toBe(Encoding.XOR);
    expect(b.readUInt32BE(10 + c1.length)).toBe(crc32c(b, 9, 10 + c1.length));
    const r = new ChunkReader(join(dir, 'chunks'));
    expect(r.chunks([r1, r2]).map((c) => hex(c.data))).toEqual([hex(c1), hex(c1)]);
    r.close();
  });

  it('cuts segments at the size limit', () => {
    const dir = tmp();
    const w = new ChunkWriter(join(dir, 'chunks'), 64);
    const c = new Uint8Array(40);
    const refs = [w.write(1, c), w.write(1, c), w.write(1, c)];
    w.close();
    expect(refs).toEqual([8, 2 ** 32 + 8, 2 * 2 ** 32 + 8]);
    expect(fs.readdirSync(join(dir, 'chunks'))).toEqual(['000001', '000002', '000003']);
  });
});

describe('tombstones and meta.json', () => {
  it('encodes an empty tombstones file as magic, version, CRC', () => {
    expect(hex(encodeTombstones(new Map()))).toBe('0130ba30' + '01' + '00000000');
    const t = new Map([[16, [{ mint: 0, maxt: 100 }]]]);
    const b = encodeTombstones(t);
    expect(hex(b.subarray(5, b.length - 4))).toBe('10' + '00' + 'c801');
    expect(decodeTombstones(b)).toEqual(t);
  });

  it('makes ULIDs that sort by time', () => {
    const u = newUlid(1_700_000_000_000);
    expect(isUlid(u)).toBe(true);
    expect(ulidTime(u)).toBe(1_700_000_000_000);
    expect(newUlid(1) < newUlid(2 ** 40)).toBe(true);
  });
});

describe('blocks', () => {
  async function makeBlock(dir: string): Promise<string> {
    const series = [];
    const syms: string[] = [];
    for (let i = 0; i < 30; i++) {
      const labels = L({ __name__: i % 2 ? 'odd' : 'even', i: String(i), job: i < 10 ? 'a' : 'b' });
      syms.push(...labels.toFlat());
      const ts = Array.from({ length: 300 }, (_, k) => k * 1000);
      const vs = Float64Array.from(ts, (t) => t + i);
      series.push({
        labels,
        chunks: [0, 120, 240].map((s) => ({
          encoding: 1,
          data: encodeXor(ts, vs, s, Math.min(300, s + 120)),
          mint: ts[s]!,
          maxt: ts[Math.min(299, s + 119)]!,
        })),
        numSamples: 300,
      });
    }
    series.sort((a, b) => Labels.compare(a.labels, b.labels));
    const meta = await writeBlock(dir, syms, series, { mint: 0, maxt: 300_000 });
    return meta.ulid;
  }

  it('writes meta.json and reads series back through matchers', async () => {
    const dir = tmp();
    const ulid = await makeBlock(dir);
    const m = readMeta(join(dir, ulid));
    expect(m).toMatchObject({
      ulid,
      minTime: 0,
      maxTime: 300_000,
      version: 1,
      stats: { numSeries: 30, numChunks: 90, numSamples: 9000 },
    });
    expect(m.compaction).toEqual({ level: 1, sources: [ulid] });
    const b = Block.open(join(dir, ulid));
    const sel = (ms: Matcher[]): string[] => b.select(0, 300_000, ms).map((s) => s.labels.get('i'));
    expect(sel([new Matcher('=', '__name__', 'odd'), new Matcher('=', 'job', 'a')])).toEqual(['1', '3', '5', '7', '9']);
    // Sorted by labels: __name__=even before odd.
    expect(sel([new Matcher('=~', 'i', '1.')])).toEqual(['10', '12', '14', '16', '18', '11', '13', '15', '17', '19']);
    expect(sel([new Matcher('=~', 'i', '2|3|x')])).toEqual(['2', '3']);
    expect(sel([new Matcher('!~', 'i', '[0-9]{2}'), new Matcher('!=', 'i', '0')]).length).toBe(9);
    expect(sel([new Matcher('=', 'nope', '')]).length).toBe(30);
    expect(sel([new Matcher('!=', 'job', '')]).length).toBe(30);
    expect(sel([new Matcher('=', 'job', '')]).length).toBe(0);
    const s = b.select(100_500, 119_999, [new Matcher('=', 'i', '7')]);
    const chunks = s[0]!.chunks();
    expect(chunks.length).toBe(1);
    b.close();
  });

  it('postings resolution agrees with brute force for random matchers', async () => {
    const dir = tmp();
    const ulid = await makeBlock(dir);
    const b = Block.open(join(dir, ulid));
    const all = b.index.allPostings();
    const series = Array.from(all, (id) => ({ id, labels: b.index.series(id).labels }));
    const ms = [
      [new Matcher('=~', 'i', '.*5')],
      [new Matcher('!~', 'i', '1.*'), new Matcher('=', 'job', 'b')],
      [new Matcher('=~', 'job', 'a|'), new Matcher('!=', '__name__', 'odd')],
      [new Matcher('=~', 'i', '.+'), new Matcher('!~', 'job', '.*')],
    ];
    for (const m of ms) {
      const got = Array.from(postingsForMatchers(b.index, m));
      const want = series.filter((s) => m.every((x) => x.matches(s.labels.get(x.name)))).map((s) => s.id);
      expect(got).toEqual(want);
    }
    b.close();
  });

  it('reads samples and skips chunks outside the range', async () => {
    const dir = tmp();
    const ulid = await makeBlock(dir);
    const b = Block.open(join(dir, ulid));
    const s = b.select(150_000, 150_010, [new Matcher('=', 'i', '3')]);
    const { ChunksIterator } = await import('../../src/lib/tsdb/querier.js');
    const it = new ChunksIterator(s[0]!.chunks(), 150_000, 160_000);
    const got: number[] = [];
    while (it.next() === ValueType.Float) got.push(it.v);
    expect(got.length).toBe(11);
    expect(got[0]).toBe(150_003);
    b.close();
  });
});
