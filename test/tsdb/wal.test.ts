import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Labels } from '../../src/lib/model/labels.js';
import { STALE_NAN, isStaleNaN } from '../../src/lib/model/value.js';
import { Encbuf, crc32c } from '../../src/lib/tsdb/encoding.js';
import { createCheckpoint } from '../../src/lib/tsdb/wal/checkpoint.js';
import {
  ByteInterner,
  decodeSamples,
  decodeSeries,
  decodeTombstones,
  encodeSamples,
  encodeSeries,
  encodeTombstones,
  filterSeriesRecord,
} from '../../src/lib/tsdb/wal/record.js';
import { snappyDecode } from '../../src/lib/tsdb/wal/snappy.js';
import {
  PAGE_SIZE,
  SegmentCorruption,
  WalWriter,
  listCheckpoints,
  listSegments,
  readSegmentRecords,
} from '../../src/lib/tsdb/wal/wal.js';
import { hex, tmp } from './helpers.js';

const records = (file: string): Uint8Array[] => [...readSegmentRecords(file)].map((r) => r.rec.slice());

describe('WAL records (tsdb/record)', () => {
  it('encodes series records byte by byte', () => {
    const rec = encodeSeries([{ ref: 1, labels: Labels.fromObject({ a: 'b', __name__: 'up' }) }]);
    // type 1 | ref BE64 | #labels uvarint | len "__name__" | len "up" | len "a" | len "b"
    expect(hex(rec)).toBe('01' + '0000000000000001' + '02' + '085f5f6e616d655f5f' + '027570' + '0161' + '0162');
    expect(decodeSeries(rec)[0]!.labels.toString()).toBe('{__name__="up", a="b"}');
  });

  it('encodes samples relative to the first ref and timestamp', () => {
    const rec = encodeSamples({ refs: [5, 7], ts: [1000, 990], vs: new Float64Array([1, STALE_NAN]), length: 2 });
    expect(hex(rec)).toBe(
      '02' +
        '0000000000000005' +
        '00000000000003e8' +
        '00' +
        '00' +
        '3ff0000000000000' +
        '04' +
        '13' +
        '7ff0000000000002',
    );
    const d = decodeSamples(rec);
    expect([...d.refs.subarray(0, 2)]).toEqual([5, 7]);
    expect([...d.ts.subarray(0, 2)]).toEqual([1000, 990]);
    expect(isStaleNaN(d.vs[1]!)).toBe(true);
  });

  it('decodes series with strings interned from their bytes (ASCII and UTF-8)', () => {
    const rec = encodeSeries([
      { ref: 1, labels: Labels.fromObject({ __name__: 'up', city: 'Zürich' }) },
      { ref: 2, labels: Labels.fromObject({ __name__: 'up', city: 'Zürich', job: 'x' }) },
      { ref: 3, labels: Labels.fromObject({ __name__: 'down', job: 'x' }) },
    ]);
    const fresh: string[] = [];
    const bi = new ByteInterner((s) => (fresh.push(s), s));
    const got = decodeSeries(rec, bi);
    expect(got.map((s) => s.labels.toString())).toEqual([
      '{__name__="up", city="Zürich"}',
      '{__name__="up", city="Zürich", job="x"}',
      '{__name__="down", job="x"}',
    ]);
    // ASCII strings are decoded once; non-ASCII ones are decoded each time but stay correct.
    expect(fresh.filter((s) => s === 'up' || s === 'job' || s === 'x' || s === '__name__')).toHaveLength(4);
    expect(fresh.filter((s) => s === 'Zürich')).toHaveLength(2);
    expect(got[1]!.labels.get('job')).toBe(got[2]!.labels.get('job'));
    // Multi-byte uvarints: a 300-byte value and 130 labels.
    const wide = Labels.fromObject(Object.fromEntries(Array.from({ length: 130 }, (_, i) => [`l${i}`, 'v'.repeat(i)])));
    const long = Labels.fromObject({ __name__: 'x'.repeat(300) });
    for (const intern of [bi, (x: string): string => x]) {
      const back = decodeSeries(
        encodeSeries([
          { ref: 7, labels: wide },
          { ref: 2 ** 40, labels: long },
        ]),
        intern,
      );
      expect(back.map((x) => x.ref)).toEqual([7, 2 ** 40]);
      expect(back[0]!.labels.equals(wide)).toBe(true);
      expect(back[0]!.labels.size).toBe(129);
      expect(back[1]!.labels.metricName()).toBe('x'.repeat(300));
    }
    // Many distinct strings (table growth) still resolve to themselves.
    const many = encodeSeries(
      Array.from({ length: 5000 }, (_, i) => ({ ref: i + 1, labels: Labels.fromObject({ id: String(i) }) })),
    );
    expect(decodeSeries(many, bi).every((s, i) => s.labels.get('id') === String(i))).toBe(true);
    expect(decodeSeries(many, bi).every((s, i) => s.labels.get('id') === String(i))).toBe(true);
  });

  it('filters series records byte for byte (checkpoints)', () => {
    const series = Array.from({ length: 50 }, (_, i) => ({
      ref: i * 3 + 1,
      labels: Labels.fromObject({ __name__: 'm', i: String(i), ...(i % 2 ? { odd: 'yes' } : {}) }),
    }));
    const rec = encodeSeries(series).slice();
    const keep = (ref: number): boolean => ref % 2 === 0;
    const out = new Encbuf();
    expect(filterSeriesRecord(rec, keep, out)).toEqual({ kept: 25, total: 50 });
    expect(hex(out.get())).toBe(hex(encodeSeries(series.filter((s) => keep(s.ref)))));
    expect(filterSeriesRecord(rec, () => false, out)).toEqual({ kept: 0, total: 50 });
    expect(() => filterSeriesRecord(rec.subarray(0, rec.length - 1), keep, out)).toThrow(/unexpected end/);
  });

  it('encodes tombstones', () => {
    const rec = encodeTombstones([{ ref: 3, mint: -1, maxt: 100 }]);
    expect(hex(rec)).toBe('03' + '0000000000000003' + '01' + 'c801');
    expect(decodeTombstones(rec)).toEqual([{ ref: 3, mint: -1, maxt: 100 }]);
  });
});

describe('WAL segments (tsdb/wlog)', () => {
  it('writes a full-record fragment with type, length and CRC32C', () => {
    const dir = tmp();
    const w = WalWriter.open(dir);
    const rec = new TextEncoder().encode('hello wal');
    w.log([rec]);
    w.close();
    const b = fs.readFileSync(join(dir, '00000000'));
    const crc = crc32c(rec).toString(16).padStart(8, '0');
    expect(hex(b)).toBe('01' + '0009' + crc + hex(rec));
    expect(records(join(dir, '00000000')).map(hex)).toEqual([hex(rec)]);
  });

  it('splits records across pages as first/middle/last fragments', () => {
    const dir = tmp();
    const w = WalWriter.open(dir);
    const big = Uint8Array.from({ length: 70_000 }, (_, i) => i & 0xff);
    w.log([new Uint8Array([7]), big]);
    w.close();
    const b = fs.readFileSync(join(dir, '00000000'));
    // Page 0: full record (1 byte) at 0, first fragment at 8 filling the page.
    expect(b[0]).toBe(1);
    expect(b[8]).toBe(2);
    const firstLen = (b[9]! << 8) | b[10]!;
    expect(firstLen).toBe(PAGE_SIZE - 8 - 7);
    expect(b[PAGE_SIZE]).toBe(3); // middle fragment fills page 1
    expect((b[PAGE_SIZE + 1]! << 8) | b[PAGE_SIZE + 2]!).toBe(PAGE_SIZE - 7);
    expect(b[2 * PAGE_SIZE]).toBe(4); // last fragment
    const got = records(join(dir, '00000000'));
    expect(got.length).toBe(2);
    expect(Buffer.compare(got[1]!, big)).toBe(0);
  });

  it('pads a page when less than a header fits, and starts a new segment when a record does not fit', () => {
    const dir = tmp();
    const w = WalWriter.open(dir, { segmentSize: 2 * PAGE_SIZE });
    w.log([new Uint8Array(PAGE_SIZE - 7 - 3)]); // leaves 3 bytes: page gets padded
    w.log([new Uint8Array(10)]);
    expect(w.currentSegment).toBe(0);
    w.log([new Uint8Array(PAGE_SIZE)]); // does not fit in the rest of segment 0
    expect(w.currentSegment).toBe(1);
    w.close();
    expect(listSegments(dir)).toEqual([0, 1]);
    const s0 = fs.readFileSync(join(dir, '00000000'));
    expect(s0.length).toBe(2 * PAGE_SIZE); // completed segments are padded to full pages
    expect(s0[PAGE_SIZE]).toBe(1);
    expect(records(join(dir, '00000000')).map((r) => r.length)).toEqual([PAGE_SIZE - 10, 10]);
    expect(records(join(dir, '00000001')).map((r) => r.length)).toEqual([PAGE_SIZE]);
  });

  it('detects a torn tail and a checksum mismatch, reporting the end of the last good record', () => {
    const dir = tmp();
    const w = WalWriter.open(dir);
    w.log([new Uint8Array(100).fill(1)]);
    w.log([new Uint8Array(100).fill(2)]);
    w.close();
    const f = join(dir, '00000000');
    const full = fs.readFileSync(f);
    fs.writeFileSync(f, full.subarray(0, full.length - 30));
    const got: number[] = [];
    let err: unknown;
    try {
      for (const r of readSegmentRecords(f)) got.push(r.rec[0]!);
    } catch (e) {
      err = e;
    }
    expect(got).toEqual([1]);
    expect(err).toBeInstanceOf(SegmentCorruption);
    expect((err as SegmentCorruption).lastGoodEnd).toBe(107);
    const flipped = Buffer.from(full);
    flipped[50]! ^= 0xff;
    fs.writeFileSync(f, flipped);
    expect(() => [...readSegmentRecords(f)]).toThrow(/checksum mismatch/);
  });

  it('reads snappy-compressed fragments (Prometheus default)', () => {
    // Literal "hello" then "abcabcabc" via a copy with offset 3.
    expect(new TextDecoder().decode(snappyDecode(Uint8Array.from([5, 0x10, ...Buffer.from('hello')])))).toBe('hello');
    expect(new TextDecoder().decode(snappyDecode(Uint8Array.from([9, 0x08, 0x61, 0x62, 0x63, 0x09, 0x03])))).toBe(
      'abcabcabc',
    );
    const dir = tmp();
    const data = Uint8Array.from([9, 0x08, 0x61, 0x62, 0x63, 0x09, 0x03]);
    const frag = Buffer.alloc(7 + data.length);
    frag[0] = 1 | 8;
    frag.writeUInt16BE(data.length, 1);
    frag.writeUInt32BE(crc32c(data), 3);
    frag.set(data, 7);
    fs.writeFileSync(join(dir, '00000000'), frag);
    expect(records(join(dir, '00000000')).map((r) => new TextDecoder().decode(r))).toEqual(['abcabcabc']);
    expect(() => snappyDecode(Uint8Array.from([9, 0x08, 0x61, 0x62, 0x63, 0x09, 0x05]))).toThrow(/corrupt/);
  });

  it('writes snappy-compressed records as Prometheus does (flag bit 3, CRC and length of the compressed data)', () => {
    const dir = tmp();
    const w = WalWriter.open(dir, { compress: true });
    const rec = new TextEncoder().encode('a'.repeat(100));
    const small = new TextEncoder().encode('hello'); // compressing would not make it smaller
    w.log([rec, small]);
    w.close();
    const b = fs.readFileSync(join(dir, '00000000'));
    const c = Uint8Array.from([0x64, 0x00, 0x61, 0xfe, 0x01, 0x00, 0x8a, 0x01, 0x00]);
    const crc = (x: Uint8Array): string => crc32c(x).toString(16).padStart(8, '0');
    expect(hex(b)).toBe('09' + '0009' + crc(c) + hex(c) + '01' + '0005' + crc(small) + hex(small));
    expect(records(join(dir, '00000000')).map(hex)).toEqual([hex(rec), hex(small)]);
    expect(w.bytesSaved).toBe(100 - 9);
  });

  it('flags every fragment of a compressed record that spans pages, and reads mixed segments', () => {
    const dir = tmp();
    // A record that still needs three pages after compression: 16 bytes of noise, then them again.
    let x = 1;
    const big = new Uint8Array(150_000);
    for (let i = 0; i < big.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      big[i] = i % 32 < 16 ? x >>> 24 : big[i - 16]!;
    }
    const plain = WalWriter.open(dir);
    plain.log([new Uint8Array([1, 2, 3])]);
    plain.close();
    const w = WalWriter.open(dir, { compress: true });
    w.log([big]);
    w.close();
    const b = fs.readFileSync(join(dir, '00000001'));
    expect(b[0]).toBe(2 | 8);
    expect(b[PAGE_SIZE]).toBe(3 | 8);
    const pages = Math.ceil(b.length / PAGE_SIZE);
    expect(b[(pages - 1) * PAGE_SIZE]).toBe(4 | 8);
    expect(w.bytesSaved).toBeGreaterThan(0);
    expect(hex(records(join(dir, '00000000'))[0]!)).toBe('010203');
    const got = records(join(dir, '00000001'));
    expect(got.length).toBe(1);
    expect(Buffer.compare(got[0]!, big)).toBe(0);
  });

  it('treats a compressed record that does not decompress as corruption ending the segment', () => {
    const dir = tmp();
    const good = Uint8Array.from([0x64, 0x00, 0x61, 0xfe, 0x01, 0x00, 0x8a, 0x01, 0x00]);
    const bad = Uint8Array.from([9, 0x08, 0x61, 0x62, 0x63, 0x09, 0x05]); // copy offset past the output
    const frag = (d: Uint8Array): Buffer => {
      const f = Buffer.alloc(7 + d.length);
      f[0] = 1 | 8;
      f.writeUInt16BE(d.length, 1);
      f.writeUInt32BE(crc32c(d), 3);
      f.set(d, 7);
      return f;
    };
    fs.writeFileSync(join(dir, '00000000'), Buffer.concat([frag(good), frag(bad)]));
    let err: unknown;
    const got: number[] = [];
    try {
      for (const r of readSegmentRecords(join(dir, '00000000'))) got.push(r.rec.length);
    } catch (e) {
      err = e;
    }
    expect(got).toEqual([100]);
    expect(err).toBeInstanceOf(SegmentCorruption);
    expect((err as SegmentCorruption).lastGoodEnd).toBe(7 + good.length);
  });

  it('fails a write visibly and leaves the segment as it was (disk full)', () => {
    const dir = tmp();
    let fail = false;
    const w = WalWriter.open(dir, {
      fileOps: {
        writeSync: (fd, b, o, l, p) => {
          if (fail) {
            // Write part of it, then fail like a full disk.
            fs.writeSync(fd, b, o, Math.min(l, 5), p);
            throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
          }
          return fs.writeSync(fd, b, o, l, p);
        },
        fsyncSync: (fd) => fs.fsyncSync(fd),
        ftruncateSync: (fd, n) => fs.ftruncateSync(fd, n),
      },
    });
    w.log([new Uint8Array(50).fill(1)]);
    fail = true;
    expect(() => w.log([new Uint8Array(50).fill(2)])).toThrow(/no space left/);
    fail = false;
    w.log([new Uint8Array(50).fill(3)]);
    w.close();
    const all = listSegments(dir).flatMap((s) => records(join(dir, String(s).padStart(8, '0'))));
    expect(all.map((r) => r[0])).toEqual([1, 3]);
  });

  it('checkpoints live series and recent samples, then drops covered segments', () => {
    const dir = tmp();
    const w = WalWriter.open(dir);
    const l1 = Labels.fromObject({ __name__: 'a' });
    const l2 = Labels.fromObject({ __name__: 'b' });
    w.log([
      encodeSeries([
        { ref: 1, labels: l1 },
        { ref: 2, labels: l2 },
      ]),
    ]);
    w.log([encodeSamples({ refs: [1, 2, 1], ts: [10, 10, 20], vs: new Float64Array([1, 2, 3]), length: 3 })]);
    w.nextSegment();
    w.log([encodeSamples({ refs: [1], ts: [30], vs: new Float64Array([4]), length: 1 })]);
    w.nextSegment();
    w.close();
    const st = createCheckpoint(dir, 1, (ref) => ref === 1, 15);
    expect(st.droppedSeries).toBe(1);
    expect(st.droppedSamples).toBe(2);
    expect(listCheckpoints(dir).map((c) => c.name)).toEqual(['checkpoint.00000001']);
    expect(listSegments(dir)).toEqual([2]);
    const recs = records(join(dir, 'checkpoint.00000001', '00000000'));
    expect(decodeSeries(recs[0]!).map((s) => s.ref)).toEqual([1]);
    const s = recs.slice(1).map(decodeSamples);
    expect(s.flatMap((x) => [...x.ts.subarray(0, x.length)])).toEqual([20, 30]);
  });
});
