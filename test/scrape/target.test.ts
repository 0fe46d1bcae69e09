/** Target labels and identity, following Prometheus' scrape/target.go and target_test.go. */
import { describe, expect, it } from 'vitest';
import { Labels } from '../../src/lib/model/labels.js';
import { parseSize, resolveJob, ScrapeConfigError, type ScrapeJobConfig } from '../../src/lib/scrape/config.js';
import { fnv64a, labelsHash, xxhash64 } from '../../src/lib/scrape/hash.js';
import { offsetSeed, populateLabels, Target, targetsFromGroup } from '../../src/lib/scrape/target.js';

const job = (c: Partial<ScrapeJobConfig> = {}) => resolveJob({ job_name: 'job', scrape_interval: '1m', ...c });

interface Case {
  name: string;
  cfg?: Partial<ScrapeJobConfig>;
  target: Record<string, string>;
  group?: Record<string, string>;
  res?: Record<string, string> | null;
  orig?: Record<string, string> | null;
  err?: string;
}

const cases: Case[] = [
  {
    name: 'defaults are added and instance defaults to the address',
    target: { __address__: '1.2.3.4:1000', custom: 'value' },
    res: {
      __address__: '1.2.3.4:1000',
      instance: '1.2.3.4:1000',
      __scheme__: 'http',
      __metrics_path__: '/metrics',
      job: 'job',
      __scrape_interval__: '1m',
      __scrape_timeout__: '10s',
      custom: 'value',
    },
    orig: {
      __address__: '1.2.3.4:1000',
      __scheme__: 'http',
      __metrics_path__: '/metrics',
      job: 'job',
      __scrape_interval__: '1m',
      __scrape_timeout__: '10s',
      custom: 'value',
    },
  },
  {
    name: 'target labels take precedence over the config and group labels',
    cfg: { scheme: 'https', metrics_path: '/x', scrape_interval: '30s', scrape_timeout: '5s' },
    target: { __address__: 'h:1', __scheme__: 'http', __metrics_path__: '/m', job: 'custom', instance: 'i', env: 't' },
    group: { env: 'g', zone: 'z' },
    res: {
      __address__: 'h:1',
      instance: 'i',
      __scheme__: 'http',
      __metrics_path__: '/m',
      job: 'custom',
      env: 't',
      zone: 'z',
      __scrape_interval__: '30s',
      __scrape_timeout__: '5s',
    },
  },
  {
    name: 'params become __param_* labels unless set',
    cfg: { params: { module: ['http_2xx', 'x'], target: ['a'] } },
    target: { __address__: 'h:1', __param_target: 'b' },
    res: {
      __address__: 'h:1',
      instance: 'h:1',
      __scheme__: 'http',
      __metrics_path__: '/metrics',
      job: 'job',
      __scrape_interval__: '1m',
      __scrape_timeout__: '10s',
      __param_module: 'http_2xx',
      __param_target: 'b',
    },
  },
  {
    name: 'meta labels are available to relabeling and removed afterwards',
    cfg: { relabel_configs: [{ source_labels: ['__meta_x'], target_label: 'x' }] },
    target: { __address__: 'h:1', __meta_x: 'meta' },
    res: {
      __address__: 'h:1',
      instance: 'h:1',
      __scheme__: 'http',
      __metrics_path__: '/metrics',
      job: 'job',
      __scrape_interval__: '1m',
      __scrape_timeout__: '10s',
      x: 'meta',
    },
  },
  {
    name: 'a target dropped by relabeling keeps its discovered labels',
    cfg: { relabel_configs: [{ source_labels: ['__address__'], regex: 'h:.*', action: 'drop' }] },
    target: { __address__: 'h:1' },
    res: null,
    orig: {
      __address__: 'h:1',
      __scheme__: 'http',
      __metrics_path__: '/metrics',
      job: 'job',
      __scrape_interval__: '1m',
      __scrape_timeout__: '10s',
    },
  },
  {
    name: 'no address',
    cfg: { relabel_configs: [{ target_label: '__address__', replacement: '' }] },
    target: { __address__: 'h:1' },
    err: 'no address',
  },
  {
    name: 'an address with a path is invalid',
    target: { __address__: 'h:1/x' },
    err: '"h:1/x" is not a valid hostname',
  },
  {
    name: 'interval from relabeling must parse',
    target: { __address__: 'h:1', __scrape_interval__: '2notseconds' },
    err: 'error parsing scrape interval: not a valid duration string: "2notseconds"',
  },
  {
    name: 'timeout must not exceed the interval',
    target: { __address__: 'h:1', __scrape_interval__: '5s', __scrape_timeout__: '10s' },
    err: 'scrape timeout cannot be greater than scrape interval ("10s" > "5s")',
  },
  { name: 'interval 0', target: { __address__: 'h:1', __scrape_interval__: '0s' }, err: 'scrape interval cannot be 0' },
  {
    name: 'timeout 0',
    target: { __address__: 'h:1', __scrape_timeout__: '0s' },
    err: 'scrape timeout cannot be 0',
  },
];

describe('populateLabels', () => {
  for (const c of cases) {
    it(c.name, () => {
      const r = populateLabels(job(c.cfg), c.target, c.group ?? {});
      if (c.err) {
        expect(r.error).toBe(c.err);
        expect(r.labels).toBeNull();
        return;
      }
      expect(r.error).toBeUndefined();
      expect(r.labels ? r.labels.toObject() : null).toEqual(c.res);
      if (c.orig !== undefined) expect(r.discovered?.toObject() ?? null).toEqual(c.orig);
    });
  }

  it('targetsFromGroup keeps dropped targets and reports failures per instance', () => {
    const j = job({ relabel_configs: [{ source_labels: ['__address__'], regex: 'drop.*', action: 'drop' }] });
    const { targets, failures } = targetsFromGroup(
      { source: '0', targets: [{ __address__: 'a:1' }, { __address__: 'drop:1' }, { __address__: 'x/y' }], labels: {} },
      j,
    );
    expect(targets.map((t) => [t.labels.get('__address__'), t.discoveredLabels.get('__address__')])).toEqual([
      ['a:1', 'a:1'],
      ['', 'drop:1'],
    ]);
    expect(failures).toEqual(['instance 2 in group 0: "x/y" is not a valid hostname']);
  });
});

describe('Target', () => {
  it('builds the URL from scheme, address, path, params and __param_* labels', () => {
    const j = job({ params: { module: ['m1', 'm2'], 'a b': ['c&d'] }, metrics_path: '/probe' });
    const r = populateLabels(j, { __address__: 'h:9115', __param_target: 'http://x/?q=1' }, {});
    const t = new Target(r.labels!, r.discovered!, j.params);
    expect(t.url()).toBe('http://h:9115/probe?a+b=c%26d&module=m1&module=m2&target=http%3A%2F%2Fx%2F%3Fq%3D1');
    expect(t.publicLabels().toObject()).toEqual({ instance: 'h:9115', job: 'job' });
  });

  it('hash and offset are stable and within the interval', () => {
    const j = job();
    const mk = (addr: string) => {
      const r = populateLabels(j, { __address__: addr }, {});
      return new Target(r.labels!, r.discovered!, j.params);
    };
    const a = mk('a:1');
    expect(mk('a:1').hash()).toBe(a.hash());
    expect(mk('a:2').hash()).not.toBe(a.hash());
    const seed = offsetSeed(Labels.EMPTY, 'host');
    const now = 1_700_000_000_123;
    const off = a.offset(15_000, seed, now);
    expect(off).toBeGreaterThanOrEqual(0);
    expect(off).toBeLessThanOrEqual(15_000);
    // Pinned to absolute time: the scrape phase does not depend on when we ask.
    expect((now + off) % 15_000).toBeCloseTo((now + 5_000 + a.offset(15_000, seed, now + 5_000)) % 15_000, 6);
    // Different targets spread over the interval.
    const offs = new Set(
      Array.from({ length: 20 }, (_, i) => Math.floor(mk(`h${i}:1`).offset(15_000, seed, now) / 1000)),
    );
    expect(offs.size).toBeGreaterThan(5);
  });

  it('hash follows Prometheus: fnv64a(%016d of labels.Hash() + URL)', () => {
    const l = Labels.fromObject({ __address__: 'h:1', job: 'j' });
    const t = new Target(l, l, {});
    const expected = fnv64a(labelsHash(l).toString().padStart(16, '0') + t.url());
    expect(t.hash()).toBe(expected);
  });
});

describe('hashes', () => {
  it('xxhash64 matches the reference test vectors', () => {
    const e = new TextEncoder();
    expect(xxhash64(e.encode('')).toString(16)).toBe('ef46db3751d8e999');
    expect(xxhash64(e.encode('a')).toString(16)).toBe('d24ec4f1a98c6e5b');
    expect(xxhash64(e.encode('abc')).toString(16)).toBe('44bc2cf5ad770999');
    expect(xxhash64(e.encode('Nobody inspects the spammish repetition')).toString(16)).toBe('fbcea83c8a378bf1');
  });

  it('fnv64a matches the reference test vectors', () => {
    expect(fnv64a('').toString(16)).toBe('cbf29ce484222325');
    expect(fnv64a('a').toString(16)).toBe('af63dc4c8601ec8c');
    expect(fnv64a('foobar').toString(16)).toBe('85944171f73967e8');
  });
});

describe('resolveJob', () => {
  it('applies Prometheus defaults', () => {
    const j = resolveJob({ job_name: 'x' });
    expect(j).toMatchObject({
      intervalMs: 60_000,
      timeoutMs: 10_000,
      metricsPath: '/metrics',
      scheme: 'http',
      honorLabels: false,
      honorTimestamps: true,
      enableCompression: true,
      sampleLimit: 0,
      bodySizeLimit: 0,
    });
    // Timeout defaults to the global one, capped at the interval.
    expect(resolveJob({ job_name: 'x', scrape_interval: '5s' }).timeout).toBe('5s');
    expect(resolveJob({ job_name: 'x' }, { scrape_interval: '15s', scrape_timeout: '3s' }).timeout).toBe('3s');
  });

  it('rejects bad configs with the job named', () => {
    expect(() => resolveJob({ job_name: 'x', scrape_interval: '5s', scrape_timeout: '10s' })).toThrow(
      ScrapeConfigError,
    );
    expect(() => resolveJob({ job_name: 'x', scrape_interval: 'soon' })).toThrow('scrape job "x": scrape_interval');
    expect(() => resolveJob({ job_name: 'x', relabel_configs: [{ action: 'nope' }] })).toThrow(
      'scrape job "x": relabel_configs[0]: unknown relabel action "nope"',
    );
    expect(() => resolveJob({ job_name: 'x', scrape_protocols: ['Bogus'] })).toThrow('unknown scrape protocol Bogus');
    expect(() => resolveJob({ job_name: 'x', sample_limit: -1 })).toThrow(
      'sample_limit must be a non-negative integer',
    );
  });

  it('parses sizes like Prometheus (base 2)', () => {
    expect(parseSize('10MB')).toBe(10 * 1024 * 1024);
    expect(parseSize('512KiB')).toBe(512 * 1024);
    expect(parseSize('1GB512MB')).toBe(1024 ** 3 + 512 * 1024 ** 2);
    expect(parseSize('0')).toBe(0);
    expect(() => parseSize('10 parsecs')).toThrow('invalid size');
  });
});
