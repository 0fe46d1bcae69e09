import { describe, expect, it } from 'vitest';
import { Labels } from '../../src/lib/model/labels.js';
import { formatTextValue, writeTextFormat } from '../../src/lib/textparse/writer.js';

describe('text format writer', () => {
  it('writes HELP, TYPE and samples with escaping', () => {
    const text = writeTextFormat([
      {
        name: 'http_requests_total',
        type: 'counter',
        help: 'Requests.\nSecond line \\',
        samples: [
          { name: 'http_requests_total', labels: Labels.fromObject({ code: '200', path: '/a"b' }), value: 3 },
          { name: 'http_requests_total', labels: Labels.EMPTY, value: 1.5, timestamp: 1000 },
        ],
      },
      {
        name: 'my.metric',
        type: 'gauge',
        help: '',
        samples: [{ name: 'my.metric', labels: Labels.fromObject({ 'a.b': 'x' }), value: NaN }],
      },
    ]);
    expect(text).toBe(
      [
        '# HELP http_requests_total Requests.\\nSecond line \\\\',
        '# TYPE http_requests_total counter',
        'http_requests_total{code="200",path="/a\\"b"} 3',
        'http_requests_total 1.5 1000',
        '# TYPE "my.metric" gauge',
        '{"my.metric","a.b"="x"} NaN',
        '',
      ].join('\n'),
    );
  });

  it('formats values like Go', () => {
    expect(formatTextValue(Infinity)).toBe('+Inf');
    expect(formatTextValue(-Infinity)).toBe('-Inf');
    expect(formatTextValue(1e-7)).toBe('1e-07');
    expect(formatTextValue(123456789)).toBe('1.23456789e+08');
    expect(formatTextValue(123456)).toBe('123456');
    expect(formatTextValue(1e6)).toBe('1e+06');
    expect(formatTextValue(0.0001)).toBe('0.0001');
    expect(formatTextValue(2.5197985792e10)).toBe('2.5197985792e+10');
    expect(formatTextValue(0.25)).toBe('0.25');
  });
});
