import { describe, expect, it } from 'vitest';
import { XorAppender, XorIterator, encodeXor } from '../../src/lib/tsdb/chunkenc/xor.js';
import { ValueType } from '../../src/lib/storage/interface.js';
import { STALE_NAN, isStaleNaN } from '../../src/lib/model/value.js';
import { bin, hex, packBits } from './helpers.js';

const f64bits = (v: number): bigint => {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, v);
  return dv.getBigUint64(0);
};
const STALE = 0x7ff0000000000002n;

describe('XOR chunk encoding (bit-exact with tsdb/chunkenc/xor.go)', () => {
  it('encodes the first sample as varint t + raw 64-bit value', () => {
    const a = new XorAppender();
    a.append(1000, 1.0);
    // count=1 | varint(1000)=zigzag 2000 = d0 0f | 3ff0000000000000 | the empty byte Go's
    // bstream.writeByte leaves after a byte-aligned write.
    expect(hex(a.bytes())).toBe('0001' + 'd00f' + '3ff0000000000000' + '00');
    a.append(1010, 1.0); // uvarint(10) fills the empty byte, then one '0' bit: no extra byte
    expect(hex(a.bytes())).toBe('0002' + 'd00f' + '3ff0000000000000' + '0a' + '00');
  });

  it('follows the documented bit layout for every delta-of-delta and value case', () => {
    const ts = [1000, 1010, 1021, 1032, 1032 + 20011, 1032 + 20011 + 20006, 1032 + 20011 + 20006 + 20006 + 2 ** 40];
    const vs = new Float64Array([1, 1, 2, 3, 3, STALE_NAN, 1]);
    const got = encodeXor(ts, vs);
    const xor = (a: bigint, b: bigint): bigint => a ^ b;
    const expected =
      bin(7, 16) + // sample count
      '1101000000001111' + // varint(1000)
      bin(f64bits(1), 64) +
      bin(10, 8) + // uvarint(t delta 10)
      '0' + // same value
      // s2: dod=1 -> '10' + 14 bits; value 2.0: xor=0x7ff0… leading 1, trailing 52, new window
      '10' +
      bin(1, 14) +
      '11' +
      bin(1, 5) +
      bin(11, 6) +
      bin(xor(f64bits(1), f64bits(2)) >> 52n, 11) +
      // s3: dod=0; value 3.0: xor=0x0008… leading 12, trailing 51 (< 52: new window)
      '0' +
      '11' +
      bin(12, 5) +
      bin(1, 6) +
      '1' +
      // s4: dod=20000 -> '110' + 17 bits; same value
      '110' +
      bin(20000, 17) +
      '0' +
      // s5: dod=-5 -> '10' + 14 bits two's complement; staleness NaN: leading 2, trailing 1
      '10' +
      bin(-5, 14) +
      '11' +
      bin(2, 5) +
      bin(61, 6) +
      bin(xor(STALE, f64bits(3)) >> 1n, 61) +
      // s6: dod=2^40 -> '1111' + 64 bits; value 1.0: leading 1, trailing 1 (< 2: new window)
      '1111' +
      bin(2 ** 40, 64) +
      '11' +
      bin(1, 5) +
      bin(62, 6) +
      bin(xor(STALE, f64bits(1)) >> 1n, 62);
    expect(hex(got)).toBe(hex(packBits(expected)));

    const it = new XorIterator(got);
    const out: [number, bigint][] = [];
    while (it.next() === ValueType.Float) {
      const b = it.valueBits();
      out.push([it.t, (BigInt(b.hi) << 32n) | BigInt(b.lo)]);
    }
    expect(it.err()).toBeNull();
    expect(out).toEqual(ts.map((t, i) => [t, i === 5 ? STALE : f64bits(vs[i]!)]));
  });

  it('reuses the previous leading/trailing window with the 10 control bits', () => {
    // 1.0 -> 1.5 -> 1.25: the second XOR fits in the first window.
    const got = encodeXor([0, 1, 2], new Float64Array([1, 1.5, 1.25]));
    const x1 = f64bits(1) ^ f64bits(1.5); // 0x0008… leading 12, trailing 51
    const x2 = f64bits(1.5) ^ f64bits(1.25); // 0x000c… leading 12, trailing 50 -> new window
    expect(x1 >> 51n).toBe(1n);
    const expected =
      bin(3, 16) +
      bin(0, 8) +
      bin(f64bits(1), 64) +
      bin(1, 8) +
      '11' +
      bin(12, 5) +
      bin(1, 6) +
      '1' +
      '0' +
      '11' +
      bin(12, 5) +
      bin(2, 6) +
      bin(x2 >> 50n, 2);
    expect(hex(got)).toBe(hex(packBits(expected)));
    const again = encodeXor([0, 1, 2, 3], new Float64Array([1, 1.5, 1.25, 1.75]));
    // 1.25 -> 1.75: xor 0x0008… (leading 12, trailing 51 >= 50) reuses the window: '10' + 2 bits.
    const it = new XorIterator(again);
    const vals: number[] = [];
    while (it.next()) vals.push(it.v);
    expect(vals).toEqual([1, 1.5, 1.25, 1.75]);
  });

  it('clamps 32+ leading zeros to 31 like Prometheus', () => {
    const a = 1;
    const b = new DataView(new ArrayBuffer(8));
    b.setBigUint64(0, f64bits(1) ^ 1n); // differs in the lowest bit only: 63 leading zeros
    const v2 = b.getFloat64(0);
    const got = encodeXor([0, 1], new Float64Array([a, v2]));
    const expected =
      bin(2, 16) + bin(0, 8) + bin(f64bits(1), 64) + bin(1, 8) + '11' + bin(31, 5) + bin(33, 6) + bin(1, 33);
    expect(hex(got)).toBe(hex(packBits(expected)));
  });

  it('round-trips random series, including NaN payloads and negative timestamps', () => {
    let seed = 42;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 50; round++) {
      const n = 1 + Math.floor(rnd() * 200);
      const ts: number[] = [];
      const vs = new Float64Array(n);
      let t = Math.floor((rnd() - 0.5) * 2e12);
      for (let i = 0; i < n; i++) {
        const k = rnd();
        t += k < 0.5 ? 15000 : k < 0.8 ? Math.floor(rnd() * 100000) : Math.floor(rnd() * 2 ** 36);
        ts.push(t);
        const r = rnd();
        vs[i] =
          r < 0.1
            ? STALE_NAN
            : r < 0.2
              ? NaN
              : r < 0.3
                ? Infinity
                : r < 0.5
                  ? Math.floor(rnd() * 1000)
                  : (rnd() - 0.5) * 1e300 * rnd() ** 40;
      }
      const c = encodeXor(ts, vs);
      const it = new XorIterator(c);
      let i = 0;
      while (it.next() === ValueType.Float) {
        expect(it.t).toBe(ts[i]);
        if (isStaleNaN(vs[i]!)) expect(isStaleNaN(it.v)).toBe(true);
        else expect(Object.is(it.v, vs[i])).toBe(true);
        i++;
      }
      expect(it.err()).toBeNull();
      expect(i).toBe(n);
    }
  });

  it('seeks and reports truncated chunks as errors', () => {
    const ts = Array.from({ length: 120 }, (_, i) => i * 1000);
    const c = encodeXor(
      ts,
      Float64Array.from(ts, (t) => t / 7),
    );
    const it = new XorIterator(c);
    expect(it.seek(50_500)).toBe(ValueType.Float);
    expect(it.t).toBe(51_000);
    expect(it.seek(10)).toBe(ValueType.Float); // never moves backwards
    expect(it.t).toBe(51_000);
    const cut = new XorIterator(c.subarray(0, c.length - 20));
    let n = 0;
    while (cut.next()) n++;
    expect(n).toBeLessThan(120);
    expect(cut.err()?.message).toMatch(/corrupt XOR chunk/);
  });
});
