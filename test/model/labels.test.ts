import { describe, expect, it } from 'vitest';
import { compareStrings, goQuote, Labels } from '../../src/lib/model/labels.js';

describe('Labels', () => {
  it('sorts by name and drops empty values', () => {
    const l = Labels.fromObject({ job: 'node', __name__: 'up', instance: '', a: '1' });
    expect([...l]).toEqual([
      ['__name__', 'up'],
      ['a', '1'],
      ['job', 'node'],
    ]);
    expect(l.get('instance')).toBe('');
    expect(l.has('instance')).toBe(false);
    expect(l.metricName()).toBe('up');
  });

  it('formats like Prometheus', () => {
    const l = Labels.fromObject({ __name__: 'up', job: 'a"b', 'my.label': 'x' });
    expect(l.toString()).toBe('{__name__="up", job="a\\"b", "my.label"="x"}');
    expect(l.toMetricString()).toBe('up{job="a\\"b", "my.label"="x"}');
    expect(Labels.fromObject({ __name__: 'up' }).toMetricString()).toBe('up');
    expect(Labels.fromObject({ __name__: 'my.metric', a: 'b' }).toMetricString()).toBe('{"my.metric", a="b"}');
    expect(Labels.EMPTY.toMetricString()).toBe('{}');
  });

  it('keys, compares and derives', () => {
    const a = Labels.fromObject({ a: '1', b: '2' });
    const b = Labels.fromPairs([
      ['b', '2'],
      ['a', '1'],
    ]);
    expect(a.key()).toBe(b.key());
    expect(a.equals(b)).toBe(true);
    expect(Labels.compare(a, Labels.fromObject({ a: '1', b: '3' }))).toBeLessThan(0);
    expect(Labels.compare(Labels.fromObject({ a: '1' }), a)).toBeLessThan(0);
    expect(a.without('a').toObject()).toEqual({ b: '2' });
    expect(a.keep('a').toObject()).toEqual({ a: '1' });
    expect(a.builder().set('c', '3').del('a').labels().toObject()).toEqual({ b: '2', c: '3' });
    expect(a.builder().set('a', '1').labels()).toBe(a);
  });

  it('compares strings in UTF-8 byte order like Go', () => {
    expect(compareStrings('a', 'b')).toBeLessThan(0);
    // U+FFFD (BMP, 3 bytes) sorts before U+1F600 (4 bytes) in UTF-8, although not in UTF-16.
    expect(compareStrings('\ufffd', '😀')).toBeLessThan(0);
    expect(compareStrings('😀', '\ufffd')).toBeGreaterThan(0);
  });

  it('quotes like strconv.Quote', () => {
    expect(goQuote('a\nb\t"\\')).toBe('"a\\nb\\t\\"\\\\"');
    expect(goQuote('\x01')).toBe('"\\x01"');
  });
});
