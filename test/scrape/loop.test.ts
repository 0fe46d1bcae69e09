/**
 * The scrape loop's append/report path, driven directly with exposition bodies (no HTTP), against
 * the recording fake Appendable. Behaviour follows Prometheus' scrape/scrape_test.go.
 */
import { describe, expect, it } from 'vitest';
import { Labels } from '../../src/lib/model/labels.js';
import { isStaleNaN } from '../../src/lib/model/value.js';
import { resolveJob, type ScrapeJobConfig } from '../../src/lib/scrape/config.js';
import { ScrapeLoop } from '../../src/lib/scrape/loop.js';
import type { Scraper, ScrapeResponse } from '../../src/lib/scrape/scraper.js';
import { populateLabels, Target } from '../../src/lib/scrape/target.js';
import { StorageError } from '../../src/lib/storage/errors.js';
import { createParser } from '../../src/lib/textparse/negotiate.js';
import { RecordingAppendable } from '../support/appendable.js';

const TEXT = 'text/plain; version=0.0.4; charset=utf-8';

class FakeScraper implements Scraper {
  next: ScrapeResponse | Error = { body: new Uint8Array(0), contentType: TEXT };
  calls = 0;
  set(body: string, contentType = TEXT): void {
    this.next = { body: Buffer.from(body), contentType };
  }
  async scrape(): Promise<ScrapeResponse> {
    this.calls++;
    if (this.next instanceof Error) throw this.next;
    return this.next;
  }
}

function setup(cfg: Partial<ScrapeJobConfig> = {}, targetLabels: Record<string, string> = {}) {
  const job = resolveJob({ job_name: 'test', scrape_interval: '15s', ...cfg });
  const r = populateLabels(job, { __address__: 'example:9100', ...targetLabels }, {});
  const target = new Target(r.labels!, r.discovered!, job.params);
  const app = new RecordingAppendable();
  const scraper = new FakeScraper();
  let labelCalls = 0;
  const loop = new ScrapeLoop({
    target,
    job,
    appendable: app,
    scraper,
    parserFactory: (b, ct, o) => {
      const c = createParser(b, ct, o);
      if (c.parser) {
        const p = c.parser;
        const orig = p.labels.bind(p);
        p.labels = () => {
          labelCalls++;
          return orig();
        };
      }
      return c;
    },
  });
  return { job, target, app, scraper, loop, labelCalls: () => labelCalls };
}

const T0 = 1_700_000_000_000;

describe('scrape loop append', () => {
  it('appends samples with target labels and the report series', async () => {
    const { app, scraper, loop, target } = setup();
    scraper.set('# TYPE m counter\nm{a="1"} 1\nm{a="2"} 2\nother 3.5\n');
    const r = await loop.scrapeAndReport(T0);
    expect(r.error).toBeNull();
    expect(r.total).toBe(3);
    expect(r.added).toBe(3);
    expect(r.seriesAdded).toBe(3);
    expect(app.series('m').map((s) => [s.labels.toObject(), s.t, s.v])).toEqual([
      [{ __name__: 'm', a: '1', instance: 'example:9100', job: 'test' }, T0, 1],
      [{ __name__: 'm', a: '2', instance: 'example:9100', job: 'test' }, T0, 2],
    ]);
    expect(app.last('up', { job: 'test', instance: 'example:9100' })).toBe(1);
    expect(app.last('scrape_samples_scraped')).toBe(3);
    expect(app.last('scrape_samples_post_metric_relabeling')).toBe(3);
    expect(app.last('scrape_series_added')).toBe(3);
    expect(app.last('scrape_duration_seconds')).toBeGreaterThanOrEqual(0);
    expect(app.series('up')[0]!.labels.toObject()).toEqual({ __name__: 'up', instance: 'example:9100', job: 'test' });
    expect(target.health).toBe('up');
    expect(target.lastScrape).toBe(T0);
    expect(app.commits).toBe(1);
  });

  it('warm scrapes use the cache: no label parsing, scrape_series_added 0', async () => {
    const { app, scraper, loop, labelCalls } = setup({
      metric_relabel_configs: [{ source_labels: ['a'], target_label: 'b', replacement: 'x$1' }],
    });
    scraper.set('m{a="1"} 1\nm{a="2"} 2\n');
    await loop.scrapeAndReport(T0);
    expect(labelCalls()).toBe(2);
    scraper.set('m{a="1"} 10\nm{a="2"} 20\n');
    const r = await loop.scrapeAndReport(T0 + 15_000);
    expect(labelCalls()).toBe(2);
    expect(r.seriesAdded).toBe(0);
    expect(app.series('m', { b: 'x1' }).map((s) => s.v)).toEqual([1, 10]);
    expect(app.last('scrape_series_added')).toBe(0);
  });

  it('warm scrapes still reject a malformed series next to cached ones, and learn new ones', async () => {
    const { app, scraper, loop, labelCalls } = setup();
    scraper.set('m{a="1"} 1\nm{a="2"} 2\n');
    await loop.scrapeAndReport(T0);
    scraper.set('m{a="1"} 3\nm{a="2",b=x} 4\n');
    const bad = await loop.scrapeAndReport(T0 + 15_000);
    expect(bad.error).toMatch(/expected label value/);
    // The failed scrape appended no sample, only staleness markers.
    expect(app.series('m', { a: '1' }).map((s) => (isStaleNaN(s.v) ? 'stale' : s.v))).toEqual([1, 'stale']);
    // Cached series again, a new one in the middle: cached entries are found by their bytes (no
    // label parsing), the new one is parsed once.
    scraper.set('m{a="1"} 5\nm{a="3"} 6\nm{a="2"} 7\n');
    const r = await loop.scrapeAndReport(T0 + 30_000);
    expect(r.error).toBeNull();
    expect(r.seriesAdded).toBe(1);
    expect(labelCalls()).toBe(4); // 2 first seen, the malformed one, a="3
    expect(app.last('m', { a: '2' })).toBe(7);
    expect(app.last('m', { a: '3' })).toBe(6);
  });

  it('writes staleness markers for series that disappear', async () => {
    const { app, scraper, loop } = setup();
    scraper.set('a 1\nb 1\n');
    await loop.scrapeAndReport(T0);
    scraper.set('a 2\n');
    await loop.scrapeAndReport(T0 + 15_000);
    const stale = app.staleMarkers();
    expect(stale.map((s) => [s.labels.metricName(), s.t])).toEqual([['b', T0 + 15_000]]);
    // Only once: the next scrape does not repeat the marker.
    await loop.scrapeAndReport(T0 + 30_000);
    expect(app.staleMarkers()).toHaveLength(1);
    // A series that comes back is appended again.
    scraper.set('a 3\nb 3\n');
    await loop.scrapeAndReport(T0 + 45_000);
    expect(app.last('b')).toBe(3);
  });

  it('a failed scrape reports up=0 with the error and marks every series stale', async () => {
    const { app, scraper, loop, target } = setup();
    scraper.set('a 1\nb 1\n');
    await loop.scrapeAndReport(T0);
    scraper.next = new Error('server returned HTTP status 500 Internal Server Error');
    const r = await loop.scrapeAndReport(T0 + 15_000);
    expect(r.error).toBe('server returned HTTP status 500 Internal Server Error');
    expect(app.last('up')).toBe(0);
    expect(app.last('scrape_samples_scraped')).toBe(0);
    expect(
      app
        .staleMarkers()
        .map((s) => s.labels.metricName())
        .sort(),
    ).toEqual(['a', 'b']);
    expect(target.health).toBe('down');
    expect(target.lastError).toBe('server returned HTTP status 500 Internal Server Error');
    // Recovery.
    scraper.set('a 5\n');
    await loop.scrapeAndReport(T0 + 30_000);
    expect(app.last('up')).toBe(1);
    expect(target.lastError).toBe('');
    expect(app.staleMarkers()).toHaveLength(2);
  });

  it('a parse error fails the scrape, rolls back its samples and marks the old series stale', async () => {
    const { app, scraper, loop, target } = setup();
    scraper.set('a 1\nb 1\n');
    await loop.scrapeAndReport(T0);
    scraper.set('a 2\nb{ 1\n');
    const r = await loop.scrapeAndReport(T0 + 15_000);
    expect(r.error).toBeTruthy();
    expect(target.lastError).toBe(r.error);
    expect(app.last('up')).toBe(0);
    expect(app.rolledBack.map((s) => [s.labels.metricName(), s.v])).toEqual([['a', 2]]);
    expect(app.series('a').map((s) => isStaleNaN(s.v))).toEqual([false, true]);
    expect(app.series('b').map((s) => isStaleNaN(s.v))).toEqual([false, true]);
  });

  it('sample_limit: the scrape fails, every sample is counted, nothing is kept', async () => {
    const { app, scraper, loop } = setup({ sample_limit: 2 });
    scraper.set('a 1\nb 1\n');
    expect((await loop.scrapeAndReport(T0)).error).toBeNull();
    scraper.set('a 1\nb 1\nc 1\nd 1\n');
    const r = await loop.scrapeAndReport(T0 + 15_000);
    expect(r.error).toBe('sample limit exceeded');
    expect(app.last('up')).toBe(0);
    expect(app.last('scrape_samples_scraped')).toBe(4);
    expect(app.last('scrape_samples_post_metric_relabeling')).toBe(4);
    expect(app.series('c')).toEqual([]);
    expect(
      app
        .staleMarkers()
        .map((s) => s.labels.metricName())
        .sort(),
    ).toEqual(['a', 'b']);
  });

  it('label_limit, label_name_length_limit and label_value_length_limit fail the scrape with Prometheus messages', async () => {
    let s = setup({ label_limit: 3 });
    s.scraper.set('m{a="1",b="2"} 1\n');
    expect((await s.loop.scrapeAndReport(T0)).error).toBe(
      'label_limit exceeded (metric: m, number of labels: 5, limit: 3)',
    );
    // __name__ counts too (8 bytes), as in Prometheus.
    s = setup({ label_name_length_limit: 8 });
    s.scraper.set('m{longname1="1"} 1\n');
    expect((await s.loop.scrapeAndReport(T0)).error).toBe(
      'label_name_length_limit exceeded (metric: m, label name: longname1, length: 9, limit: 8)',
    );
    s = setup({ label_value_length_limit: 3 });
    s.scraper.set('m{a="abcd"} 1\n');
    expect((await s.loop.scrapeAndReport(T0)).error).toBe(
      'label_value_length_limit exceeded (metric: m, label name: a, value: "abcd", length: 4, limit: 3)',
    );
    expect(s.app.last('up')).toBe(0);
  });

  it('honor_labels=false renames conflicting exposed labels to exported_*', async () => {
    const { app, scraper, loop } = setup({}, { env: 'prod' });
    scraper.set('m{job="other",instance="x",exported_job="y",env="dev"} 1\n');
    await loop.scrapeAndReport(T0);
    expect(app.series('m')[0]!.labels.toObject()).toEqual({
      __name__: 'm',
      env: 'prod',
      exported_env: 'dev',
      exported_exported_job: 'other',
      exported_instance: 'x',
      exported_job: 'y',
      instance: 'example:9100',
      job: 'test',
    });
  });

  it('honor_labels=true keeps exposed labels and adds missing target labels', async () => {
    const { app, scraper, loop } = setup({ honor_labels: true });
    scraper.set('m{job="other"} 1\n');
    await loop.scrapeAndReport(T0);
    expect(app.series('m')[0]!.labels.toObject()).toEqual({ __name__: 'm', instance: 'example:9100', job: 'other' });
  });

  it('honor_timestamps: exposed timestamps are used (and such series get no staleness markers)', async () => {
    const { app, scraper, loop } = setup();
    scraper.set('a 1 1000\nb 2\n');
    await loop.scrapeAndReport(T0);
    expect(app.series('a')[0]!.t).toBe(1000);
    scraper.set('');
    await loop.scrapeAndReport(T0 + 15_000);
    expect(app.staleMarkers().map((s) => s.labels.metricName())).toEqual(['b']);

    const off = setup({ honor_timestamps: false });
    off.scraper.set('a 1 1000\n');
    await off.loop.scrapeAndReport(T0);
    expect(off.app.series('a')[0]!.t).toBe(T0);
  });

  it('metric_relabel_configs can drop series; they are cached as dropped', async () => {
    const { app, scraper, loop, labelCalls } = setup({
      metric_relabel_configs: [{ source_labels: ['__name__'], regex: 'go_.*', action: 'drop' }],
    });
    scraper.set('go_x 1\nkeep 1\n');
    const r = await loop.scrapeAndReport(T0);
    expect(r.total).toBe(2);
    expect(r.added).toBe(1);
    expect(app.names()).toContain('keep');
    expect(app.names()).not.toContain('go_x');
    await loop.scrapeAndReport(T0 + 15_000);
    expect(labelCalls()).toBe(2);
    expect(app.last('scrape_samples_post_metric_relabeling')).toBe(1);
  });

  it('duplicate series in one scrape: the first wins, the scrape does not fail', async () => {
    const { app, scraper, loop } = setup();
    scraper.set('a 1\na 2\n');
    const r = await loop.scrapeAndReport(T0);
    expect(r.error).toBeNull();
    expect(app.series('a').map((s) => s.v)).toEqual([1]);
    expect(loop.appendErrors.duplicates).toBe(1);
  });

  it('out-of-order samples are counted and skipped; other storage errors fail the scrape', async () => {
    const { app, scraper, loop } = setup();
    app.opts.rejectOutOfOrder = true;
    scraper.set('a 1 5000\n');
    await loop.scrapeAndReport(T0);
    scraper.set('a 1 4000\nb 1\n');
    const r = await loop.scrapeAndReport(T0 + 15_000);
    expect(r.error).toBeNull();
    expect(loop.appendErrors.outOfOrder).toBe(1);
    expect(app.last('b')).toBe(1);

    app.opts.appendErr = (l) => (l.metricName() === 'b' ? new StorageError('disk on fire') : null);
    const r2 = await loop.scrapeAndReport(T0 + 30_000);
    expect(r2.error).toBe('disk on fire');
    app.opts.appendErr = undefined;
  });

  it('a blank Content-Type without fallback fails clearly; with fallback_scrape_protocol it parses', async () => {
    const s = setup();
    s.scraper.set('a 1\n', '');
    expect((await s.loop.scrapeAndReport(T0)).error).toContain('blank Content-Type');
    const f = setup({ fallback_scrape_protocol: 'PrometheusText0.0.4' });
    f.scraper.set('a 1\n', '');
    expect((await f.loop.scrapeAndReport(T0)).error).toBeNull();
    expect(f.app.last('a')).toBe(1);
  });

  it('OpenMetrics: exemplars are appended, # EOF required', async () => {
    const s = setup();
    const om = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
    s.scraper.set('# TYPE c counter\nc_total 1 # {trace_id="abc"} 0.5 123.0\n# EOF\n', om);
    expect((await s.loop.scrapeAndReport(T0)).error).toBeNull();
    expect(s.app.last('c_total')).toBe(1);
    expect(s.app.exemplars.map((e) => [e.labels.metricName(), e.exemplar.labels.toObject(), e.exemplar.value])).toEqual(
      [['c_total', { trace_id: 'abc' }, 0.5]],
    );
    s.scraper.set('# TYPE c counter\nc_total 1\n', om);
    expect((await s.loop.scrapeAndReport(T0 + 15_000)).error).toBeTruthy();
  });

  it('keeps metric metadata from TYPE/HELP in the cache', async () => {
    const s = setup();
    s.scraper.set('# HELP m Some help.\n# TYPE m gauge\nm 1\n');
    await s.loop.scrapeAndReport(T0);
    const md = s.loop.cache.metadata.get('m');
    expect(md).toMatchObject({ type: 'gauge', help: 'Some help.' });
  });

  it('forced error (target_limit) skips the scrape and reports up=0', async () => {
    const s = setup();
    s.loop.forcedError = 'target_limit exceeded (number of targets: 3, limit: 2)';
    const r = await s.loop.scrapeAndReport(T0);
    expect(r.error).toBe('target_limit exceeded (number of targets: 3, limit: 2)');
    expect(s.scraper.calls).toBe(0);
    expect(s.app.last('up')).toBe(0);
  });

  it('end-of-run staleness writes markers for all series and report series', async () => {
    const s = setup({ scrape_interval: '100ms', scrape_timeout: '100ms' });
    s.scraper.set('a 1\n');
    const now = Date.now();
    await s.loop.scrapeAndReport(now);
    const t0 = performance.now();
    await s.loop.stop({ staleness: true });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(150);
    const names = s.app
      .staleMarkers()
      .map((x) => x.labels.metricName())
      .sort();
    expect(names).toEqual([
      'a',
      'scrape_duration_seconds',
      'scrape_samples_post_metric_relabeling',
      'scrape_samples_scraped',
      'scrape_series_added',
      'up',
    ]);
    expect(s.app.staleMarkers()[0]!.t).toBe(now + 100);
  });

  it('report labels: target labels, never an exported_ clash', () => {
    const s = setup({}, { env: 'x' });
    expect(s.target.publicLabels()).toEqual(Labels.fromObject({ env: 'x', instance: 'example:9100', job: 'test' }));
  });
});

describe('alignScrapeTime', () => {
  it('snaps to the grid within 2ms (1% of the interval at most), as Prometheus', async () => {
    const { alignScrapeTime } = await import('../../src/lib/scrape/loop.js');
    expect(alignScrapeTime(1000, 0, 15_000)).toEqual([1000, 1000]);
    expect(alignScrapeTime(16_001, 1000, 15_000)).toEqual([16_000, 16_000]);
    expect(alignScrapeTime(16_002, 1000, 15_000)).toEqual([16_000, 16_000]);
    expect(alignScrapeTime(16_003, 1000, 15_000)).toEqual([16_003, 16_000]);
    // Skipped ticks advance the grid.
    expect(alignScrapeTime(46_001, 1000, 15_000)).toEqual([46_000, 46_000]);
    // 1% of 100ms = 1ms.
    expect(alignScrapeTime(1_102, 1000, 100)).toEqual([1_102, 1_100]);
  });
});
