import { describe, expect, it } from 'vitest';
import { Registry } from '../../src/lib/app/metrics.js';

describe('self-metrics registry', () => {
  it('exposes counters, gauges and histograms in the text format', () => {
    const r = new Registry();
    const c = r.counter('prometheus_http_requests_total', 'Counter of HTTP requests.');
    c.inc({ handler: '/api/v1/query', code: '200' });
    c.inc({ code: '200', handler: '/api/v1/query' }, 2);
    r.gauge('prometheus_tsdb_head_series', 'Total number of series in the head block.', () => 42);
    const h = r.histogram('prometheus_http_request_duration_seconds', 'Histogram of latencies.', [0.1, 1]);
    h.observe(0.05, { handler: '/metrics' });
    h.observe(0.5, { handler: '/metrics' });
    expect(c.get({ handler: '/api/v1/query', code: '200' })).toBe(3);
    expect(r.text()).toBe(
      [
        '# HELP prometheus_http_request_duration_seconds Histogram of latencies.',
        '# TYPE prometheus_http_request_duration_seconds histogram',
        'prometheus_http_request_duration_seconds_bucket{handler="/metrics",le="0.1"} 1',
        'prometheus_http_request_duration_seconds_bucket{handler="/metrics",le="1.0"} 2',
        'prometheus_http_request_duration_seconds_bucket{handler="/metrics",le="+Inf"} 2',
        'prometheus_http_request_duration_seconds_sum{handler="/metrics"} 0.55',
        'prometheus_http_request_duration_seconds_count{handler="/metrics"} 2',
        '# HELP prometheus_http_requests_total Counter of HTTP requests.',
        '# TYPE prometheus_http_requests_total counter',
        'prometheus_http_requests_total{code="200",handler="/api/v1/query"} 3',
        '# HELP prometheus_tsdb_head_series Total number of series in the head block.',
        '# TYPE prometheus_tsdb_head_series gauge',
        'prometheus_tsdb_head_series 42',
        '',
      ].join('\n'),
    );
    expect(() => r.counter('prometheus_http_requests_total', 'x')).toThrow(/twice/);
  });
});
