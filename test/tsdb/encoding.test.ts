import { describe, expect, it } from 'vitest';
import { Decbuf, Encbuf, bitsToFloat, crc32c, floatBits, bits } from '../../src/lib/tsdb/encoding.js';
import { STALE_NAN } from '../../src/lib/model/value.js';
import { hex } from './helpers.js';

describe('crc32c', () => {
  it('matches the Castagnoli check value and known vectors', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    const inc = Uint8Array.from({ length: 32 }, (_, i) => i);
    expect(crc32c(inc)).toBe(0x46dd794e);
  });

  it('continues across calls and sub-ranges', () => {
    const b = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31) & 0xff);
    expect(crc32c(b, 300, 1000, crc32c(b, 0, 300))).toBe(crc32c(b));
  });
});

describe('varints (Go encoding/binary)', () => {
  it('writes uvarints and zig-zag varints like binary.PutUvarint/PutVarint', () => {
    const e = new Encbuf(4);
    e.putUvarint(300);
    e.putVarint(-1);
    e.putVarint(1);
    e.putVarint(-64);
    e.putUvarint(2 ** 40);
    expect(hex(e.get())).toBe('ac02' + '01' + '02' + '7f' + '808080808020');
    const d = new Decbuf(e.get());
    expect([d.uvarint(), d.varint(), d.varint(), d.varint(), d.uvarint()]).toEqual([300, -1, 1, -64, 2 ** 40]);
  });

  it('round-trips large timestamps and negative values', () => {
    const e = new Encbuf();
    const xs = [0, 1, -1, 1_700_000_000_000, -1_700_000_000_000, 2 ** 52, -(2 ** 52)];
    for (const x of xs) e.putVarint(x);
    for (const x of xs) e.putBE64(x);
    const d = new Decbuf(e.get());
    expect(xs.map(() => d.varint())).toEqual(xs);
    expect(xs.map(() => d.be64int())).toEqual(xs);
  });

  it("writes big-endian 64-bit two's complement", () => {
    const e = new Encbuf();
    e.putBE64(-2);
    e.putBE64(0x0102030405);
    expect(hex(e.get())).toBe('fffffffffffffffe' + '0000000102030405');
  });
});

describe('float bits', () => {
  it('keeps the staleness marker bit-exact', () => {
    floatBits(STALE_NAN);
    expect([bits.hi, bits.lo]).toEqual([0x7ff00000, 2]);
    // A quieted copy (as V8 makes in plain arrays) is written canonically too.
    const quiet = bitsToFloat(0x7ff80000, 2);
    floatBits(quiet);
    expect([bits.hi, bits.lo]).toEqual([0x7ff00000, 2]);
    const e = new Encbuf();
    e.putFloat(STALE_NAN);
    e.putFloat(1.5);
    expect(hex(e.get())).toBe('7ff0000000000002' + '3ff8000000000000');
  });
});
