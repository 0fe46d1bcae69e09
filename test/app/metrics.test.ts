import { describe, expect, it } from 'vitest';
import { QuantileSummary, Registry, goDurationString } from '../../src/lib/app/metrics.js';

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

  it('exposes summaries with quantiles over a sliding window, NaN when it is empty', () => {
    let now = 1_000_000;
    const q = new QuantileSummary('x_seconds', 'X.', [0.01, 0.5, 0.99], 60_000, 1000, () => now);
    q.init({ interval: '5s' });
    const val = (quantile: string) =>
      q.samples().find((s) => s.labels.get('quantile') === quantile && s.labels.get('interval') === '5s')!.value;
    expect(val('0.5')).toBeNaN();
    for (let i = 1; i <= 100; i++) q.observe(i, { interval: '5s' });
    expect([val('0.01'), val('0.5'), val('0.99')]).toEqual([1, 50, 99]);
    const count = q.samples().find((s) => s.name === 'x_seconds_count')!;
    expect(count.value).toBe(100);
    // Observations older than the window no longer count for quantiles (sum and count stay).
    now += 30_000;
    q.observe(1000, { interval: '5s' });
    now += 31_000;
    expect([val('0.01'), val('0.5')]).toEqual([1000, 1000]);
    expect(q.samples().find((s) => s.name === 'x_seconds_sum')!.value).toBe(5050 + 1000);
  });

  it("formats intervals as Go's time.Duration does", () => {
    expect([5000, 15000, 60000, 90000, 3_600_000, 500, 1500, 0].map(goDurationString)).toEqual([
      '5s',
      '15s',
      '1m0s',
      '1m30s',
      '1h0m0s',
      '500ms',
      '1.5s',
      '0s',
    ]);
  });
});
