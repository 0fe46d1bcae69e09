import { describe, expect, it } from 'vitest';
import {
  lineEnd,
  lineHi,
  numError,
  parseFloatBytes,
  parseIntBytes,
  quoteBytes,
  validUtf8,
} from '../../src/lib/textparse/bytes.js';

const f = (s: string) => {
  const b = Buffer.from(s, 'latin1');
  const v = parseFloatBytes(b, 0, b.length);
  return numError === '' ? v : numError;
};

describe('parseFloatBytes (Go strconv.ParseFloat minus hex and _)', () => {
  it('agrees with JS Number on random decimal strings', () => {
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 5000; i++) {
      const digits = Math.floor(rnd() * 25) + 1;
      let s = rnd() < 0.3 ? '-' : '';
      for (let d = 0; d < digits; d++) s += Math.floor(rnd() * 10);
      if (rnd() < 0.6) {
        const at = 1 + Math.floor(rnd() * digits);
        s = s.slice(0, at + (s.startsWith('-') ? 1 : 0)) + '.' + s.slice(at + (s.startsWith('-') ? 1 : 0));
      }
      if (rnd() < 0.4) s += 'e' + (rnd() < 0.5 ? '-' : '') + Math.floor(rnd() * 40);
      expect(f(s), s).toBe(Number(s));
    }
  });
  it('accepts Go special values and forms', () => {
    expect(f('Inf')).toBe(Infinity);
    expect(f('+inf')).toBe(Infinity);
    expect(f('-Infinity')).toBe(-Infinity);
    expect(f('INFINITY')).toBe(Infinity);
    expect(f('nan')).toBeNaN();
    expect(f('NaN')).toBeNaN();
    expect(f('5.')).toBe(5);
    expect(f('.5e1')).toBe(5);
    expect(f('1E+2')).toBe(100);
    expect(Object.is(f('-0'), -0)).toBe(true);
  });
  it('rejects what Go or Prometheus reject', () => {
    for (const s of [
      '',
      '+',
      '-',
      '.',
      'e5',
      '1e',
      '1e+',
      '0x1p3',
      '1_000',
      'infinit',
      'infx',
      '+nan',
      '-NaN',
      '1.2.3',
      ' 1',
      '1 ',
      'true',
      '0b1',
      '0o7',
      '1e400',
      '-1e400',
    ]) {
      expect(typeof f(s), s).toBe('string');
    }
    expect(f('1e400')).toBe('value out of range');
    expect(f('1_0')).toBe('unsupported character in float');
  });
});

describe('parseIntBytes', () => {
  it('parses signed decimal int64', () => {
    const p = (s: string) => {
      const b = Buffer.from(s);
      const v = parseIntBytes(b, 0, b.length);
      return numError === '' ? v : numError;
    };
    expect(p('123')).toBe(123);
    expect(p('-5')).toBe(-5);
    expect(p('1x')).toBe('invalid syntax');
    expect(p('99999999999999999999')).toBe('value out of range');
  });
});

describe('validUtf8', () => {
  it('agrees with Node on edge sequences', () => {
    const seqs = [
      [0x41],
      [0xc3, 0xa9],
      [0xc0, 0x80],
      [0xe0, 0x80, 0x80],
      [0xed, 0xa0, 0x80],
      [0xef, 0xbf, 0xbd],
      [0xf0, 0x9f, 0x98, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
      [0xe2, 0x82],
      [0x80],
    ];
    for (const s of seqs) {
      const b = Buffer.from(s);
      const node = Buffer.from(b.toString('utf8'), 'utf8').equals(b);
      expect(validUtf8(b, 0, b.length), s.join(',')).toBe(node);
    }
  });
  it('quotes bytes like Go %q', () => {
    const b = Buffer.concat([Buffer.from('a"\\\n\té'), Buffer.from([0xff, 0])]);
    expect(quoteBytes(b, 0, b.length)).toBe('"a\\"\\\\\\n\\té\\xff\\x00"');
  });
});

describe('lineEnd (four bytes at a time)', () => {
  it('finds the first line feed and whether a byte >= 0x80 came before it, at every alignment', () => {
    let seed = 5;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    const pool = [0x0a, 0x61, 0x20, 0x09, 0x0b, 0x8a, 0x80, 0xff, 0x7f, 0x00, 0x0a, 0x41];
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.alloc(1 + rnd(40));
      for (let k = 0; k < b.length; k++) b[k] = rnd(3) === 0 ? pool[rnd(pool.length)]! : 0x61 + rnd(26);
      const buf = Buffer.concat([Buffer.alloc(rnd(4)), b]); // unaligned starts
      const off = buf.length - b.length;
      const p = off + rnd(b.length);
      const end = p + rnd(buf.length - p + 1);
      const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      let want = -1;
      let hi = 0;
      for (let k = p; k < end; k++) {
        if (buf[k] === 0x0a) {
          want = k;
          break;
        }
        if (buf[k]! >= 0x80) hi = 0x80;
      }
      expect(lineEnd(buf, dv, p, end)).toBe(want);
      expect(lineHi).toBe(hi);
    }
  });
});
