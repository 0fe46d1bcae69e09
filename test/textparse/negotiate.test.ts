import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BodySizeLimitError, decodeBody, readBody } from '../../src/lib/textparse/body.js';
import {
  acceptHeader,
  chooseParser,
  createParser,
  DEFAULT_NATIVE_HISTOGRAM_SCRAPE_PROTOCOLS,
  parseMediaType,
} from '../../src/lib/textparse/negotiate.js';
import { OpenMetricsParser } from '../../src/lib/textparse/openmetricsparse.js';
import { PromParser } from '../../src/lib/textparse/promparse.js';

describe('Accept header', () => {
  it('matches Prometheus for the default scrape_protocols', () => {
    expect(acceptHeader()).toBe(
      'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,' +
        'application/openmetrics-text;version=0.0.1;q=0.5,' +
        'text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,' +
        'text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
    );
  });
  it('puts protobuf first with native histograms and honours the escaping scheme', () => {
    expect(acceptHeader(DEFAULT_NATIVE_HISTOGRAM_SCRAPE_PROTOCOLS, 'underscores')).toBe(
      'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,' +
        'application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.5,' +
        'application/openmetrics-text;version=0.0.1;q=0.4,' +
        'text/plain;version=1.0.0;escaping=underscores;q=0.3,' +
        'text/plain;version=0.0.4;q=0.2,*/*;q=0.1',
    );
    expect(acceptHeader(['PrometheusText0.0.4'])).toBe('text/plain;version=0.0.4;q=0.6,*/*;q=0.5');
  });
});

describe('Content-Type → parser (interface_test.go cases)', () => {
  const cases: [string, string | null][] = [
    ['text/plain', 'prometheus-text'],
    ['text/plain; version=0.0.4', 'prometheus-text'],
    ['text/plain; version=0.0.4; charset=utf-8', 'prometheus-text'],
    ['application/openmetrics-text', 'openmetrics'],
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', 'openmetrics'],
    ['application/openmetrics-text; version=0.0.1', 'openmetrics'],
    ['Application/OpenMetrics-Text; Version=1.0.0', 'openmetrics'],
    ['application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited', 'protobuf'],
    ['', null],
    ['invalid/', null],
    ['/', null],
    ['a/b/c', null],
    ['text/plain; charset=utf-8; charset=utf-8', null],
    ['text/html', null],
  ];
  for (const [ct, kind] of cases) {
    it(`${JSON.stringify(ct)} → ${kind}`, () => {
      const c = chooseParser(ct);
      expect(c.kind).toBe(kind);
      if (kind === null) expect(c.error).toBeTruthy();
      else expect(c.error).toBeUndefined();
    });
  }
  it('uses the fallback protocol with a warning', () => {
    expect(chooseParser('', 'PrometheusText0.0.4')).toEqual({
      kind: 'prometheus-text',
      error: 'non-compliant scrape target sending blank Content-Type, using fallback_scrape_protocol "text/plain"',
    });
    expect(chooseParser('text/html', 'OpenMetricsText1.0.0')).toEqual({
      kind: 'openmetrics',
      error:
        'received unsupported Content-Type "text/html", using fallback_scrape_protocol "application/openmetrics-text"',
    });
    const bad = chooseParser('a/b/c', 'PrometheusText1.0.0');
    expect(bad.kind).toBe('prometheus-text');
    expect(bad.error).toMatch(
      /^could not parse received Content-Type "a\/b\/c", using fallback_scrape_protocol "text\/plain"/,
    );
    expect(chooseParser('')).toEqual({
      kind: null,
      error:
        'non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target',
    });
  });
  it('creates the matching parser', () => {
    const body = Buffer.from('a 1\n');
    expect(createParser(body, 'text/plain').parser).toBeInstanceOf(PromParser);
    expect(createParser(body, 'application/openmetrics-text').parser).toBeInstanceOf(OpenMetricsParser);
    const pb = createParser(body, 'application/vnd.google.protobuf');
    expect(pb.parser).toBeNull();
    expect(pb.error).toMatch(/protobuf/);
    expect(createParser(body, undefined, { fallback: 'PrometheusText0.0.4' }).parser).toBeInstanceOf(PromParser);
  });
  it('parses media type parameters like Go', () => {
    expect(parseMediaType('Text/Plain ; Version="0.0.4"; charset=utf-8')).toEqual({
      type: 'text/plain',
      params: { version: '0.0.4', charset: 'utf-8' },
    });
    expect(() => parseMediaType('text/plain; =x')).toThrow();
  });
});

describe('body reading', () => {
  it('gunzips and enforces the size limit on decompressed bytes', async () => {
    const text = Buffer.from('a 1\n'.repeat(100_000));
    expect((await decodeBody(gzipSync(text), { encoding: 'gzip' })).equals(text)).toBe(true);
    expect((await decodeBody(gzipSync(text), { encoding: 'GZIP', limit: text.length })).length).toBe(text.length);
    await expect(decodeBody(gzipSync(text), { encoding: 'gzip', limit: 1000 })).rejects.toBeInstanceOf(
      BodySizeLimitError,
    );
    await expect(decodeBody(text, { limit: 10 })).rejects.toThrow('body size limit exceeded (10 bytes)');
  });
  it('rejects a corrupt or truncated gzip stream with a clear error', async () => {
    await expect(decodeBody(Buffer.from('not gzip'), { encoding: 'gzip' })).rejects.toThrow(/^invalid gzip body/);
    const gz = gzipSync(Buffer.from('a 1\n'.repeat(1000)));
    await expect(decodeBody(gz.subarray(0, gz.length - 10), { encoding: 'gzip' })).rejects.toThrow(
      /^invalid gzip body/,
    );
  });
  it('stops reading the source past the limit', async () => {
    let pulled = 0;
    async function* endless() {
      for (;;) {
        pulled++;
        yield Buffer.alloc(64 * 1024, 0x61);
      }
    }
    await expect(readBody(endless(), { limit: 1 << 20 })).rejects.toBeInstanceOf(BodySizeLimitError);
    expect(pulled).toBeLessThan(20);
  });
});
