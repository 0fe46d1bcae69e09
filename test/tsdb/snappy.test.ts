import { describe, expect, it } from 'vitest';
import {
  SnappyEncoder,
  snappyDecode,
  snappyDecodedLen,
  snappyEncode,
  snappyMaxEncodedLen,
} from '../../src/lib/tsdb/wal/snappy.js';
import { hex } from './helpers.js';

const te = new TextEncoder();
const ascii = (s: string): string => hex(te.encode(s));

/** Bytes from a fixed LCG: no 4-byte sequence repeats in the sizes used here. */
function noise(n: number, seed = 7): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

// Expected bytes follow google/snappy format_description.txt; they are what Go's
// github.com/golang/snappy (Prometheus' WAL compressor) produces for these inputs.
describe('snappy block format', () => {
  it('stores short inputs as one literal after the uvarint length', () => {
    // len 5 | tag 0b000100_00 (literal, length-1 = 4) | bytes
    expect(hex(snappyEncode(te.encode('hello')))).toBe('05' + '10' + ascii('hello'));
    expect(hex(snappyEncode(new Uint8Array(0)))).toBe('00');
  });

  it('uses 1- and 2-byte literal lengths for literals of 61+ and 257+ bytes', () => {
    const a = noise(100);
    const e = snappyEncode(a);
    // tag 60<<2 = f0, then length-1 = 99 in one byte
    expect(hex(e.subarray(0, 3))).toBe('64' + 'f0' + '63');
    expect(e.length).toBe(3 + 100);
    const b = noise(1000);
    const f = snappyEncode(b);
    // uvarint 1000 = e8 07 | tag 61<<2 = f4 | 999 = e7 03 little-endian
    expect(hex(f.subarray(0, 5))).toBe('e807' + 'f4' + 'e703');
    expect(f.length).toBe(5 + 1000);
    expect(hex(snappyDecode(f))).toBe(hex(b));
  });

  it('encodes runs as a literal then 2-byte-offset copies of at most 64 bytes', () => {
    // "a" then a copy of 99 at offset 1: 64 (fe 01 00) + 35 (tag (35-1)<<2|2 = 8a, 01 00)
    const e = snappyEncode(te.encode('a'.repeat(100)));
    expect(hex(e)).toBe('64' + '0061' + 'fe0100' + '8a0100');
    expect(new TextDecoder().decode(snappyDecode(e))).toBe('a'.repeat(100));
  });

  it('encodes short near copies with a 1-byte offset (copy1)', () => {
    // literal "abcdefgh" | copy1 len 8 off 8: tag (8-4)<<2|1 = 11, offset 08 | literal "0123456789"
    const e = snappyEncode(te.encode('abcdefghabcdefgh0123456789'));
    expect(hex(e)).toBe('1a' + '1c' + ascii('abcdefgh') + '1108' + '24' + ascii('0123456789'));
  });

  it('compresses 64 KiB blocks independently', () => {
    const e = snappyEncode(te.encode('a'.repeat(70_000)));
    // uvarint 70000 = f0 a2 04; block 1: literal "a", 1023 copies of 64, one of 63 (fa 01 00)
    expect(hex(e.subarray(0, 8))).toBe('f0a204' + '0061' + 'fe0100');
    const b2 = 3 + 2 + 1024 * 3;
    expect(hex(e.subarray(b2 - 3, b2 + 2))).toBe('fa0100' + '0061'); // block 2 starts with its own literal
    expect(hex(e.subarray(e.length - 3))).toBe('ba0100'); // 4463 = 69 × 64 + 47
    expect(e.length).toBe(b2 + 2 + 70 * 3);
    expect(snappyDecodedLen(e)).toBe(70_000);
    expect(snappyDecode(e).every((x) => x === 0x61)).toBe(true);
  });

  it('round-trips mixed data of many sizes and never exceeds the bound', () => {
    const enc = new SnappyEncoder();
    for (const n of [1, 16, 17, 18, 100, 4096, 65535, 65536, 65537, 200_000]) {
      const src = noise(n, n);
      for (let i = 20; i < n; i++) if (i % 5 < 3) src[i] = src[i - 1 - (i % 17)]!;
      const e = enc.encode(src);
      expect(e.length).toBeLessThanOrEqual(snappyMaxEncodedLen(n));
      expect(hex(snappyDecode(e))).toBe(hex(src));
    }
  });

  it('decodes the forms Go does not emit: copy4, overlapping copies, 1-byte literal lengths', () => {
    // len 9 | literal "abc" | copy4 len 6 off 3: tag (6-1)<<2|3 = 17, offset 03 00 00 00
    expect(new TextDecoder().decode(snappyDecode(Uint8Array.from([9, 0x08, 0x61, 0x62, 0x63, 0x17, 3, 0, 0, 0])))).toBe(
      'abcabcabc',
    );
    // literal with length-1 (= 2) in a following byte (tag 60<<2)
    expect(new TextDecoder().decode(snappyDecode(Uint8Array.from([3, 0xf0, 2, 0x78, 0x79, 0x7a])))).toBe('xyz');
  });

  it('rejects corrupt input', () => {
    expect(() => snappyDecode(new Uint8Array(0))).toThrow(/corrupt input \(length\)/);
    expect(() => snappyDecode(Uint8Array.from([9, 0x08, 0x61, 0x62, 0x63, 0x09, 0x05]))).toThrow(/offset/);
    expect(() => snappyDecode(Uint8Array.from([4, 0x08, 0x61, 0x62, 0x63]))).toThrow(/short/);
    expect(() => snappyDecode(Uint8Array.from([2, 0x08, 0x61, 0x62, 0x63]))).toThrow(/literal/);
    expect(() => snappyDecode(Uint8Array.from([5, 0x10, 0x61]))).toThrow(/literal/);
    expect(() => snappyDecode(Uint8Array.from([8, 0x00, 0x61, 0x0a]))).toThrow(/copy2/);
  });
});
