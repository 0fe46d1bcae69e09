/**
 * The config loader's objects go straight into discovery and scraping: a prometheus.yml parsed by
 * src/lib/config is accepted by resolveJob / ScrapeManager / DiscoveryManager unchanged.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/lib/config/load.js';
import type { ScrapeConfig } from '../../src/lib/config/types.js';
import type { DiscoveryJobConfig } from '../../src/lib/discovery/manager.js';
import { resolveJob, type ScrapeJobConfig } from '../../src/lib/scrape/config.js';

const yml = `
global:
  scrape_interval: 15s
  external_labels: {dc: eu1}
scrape_configs:
  - job_name: node
    static_configs: [{targets: ['localhost:9100'], labels: {env: prod}}]
    relabel_configs:
      - source_labels: [__address__]
        target_label: host
        regex: '([^:]+):.*'
      - regex: tmp_.*
        action: labeldrop
      - source_labels: [__address__]
        modulus: 4
        target_label: shard
        action: hashmod
    metric_relabel_configs:
      - source_labels: [__name__]
        regex: go_.*
        action: drop
    body_size_limit: 10MB
    sample_limit: 1000
  - job_name: blackbox
    metrics_path: /probe
    params: {module: [http_2xx]}
    scrape_interval: 30s
    basic_auth: {username: u, password: p}
    static_configs: [{targets: ['example.com']}]
`;

describe('config loader compatibility', () => {
  it('accepts the loaded scrape configs as they are', () => {
    const cfg = parseConfig(yml);
    const jobs: ScrapeConfig[] = cfg.scrape_configs ?? [];
    // Type-level: the loader's ScrapeConfig is a ScrapeJobConfig and a DiscoveryJobConfig.
    const asScrape: ScrapeJobConfig[] = jobs;
    const asSD: DiscoveryJobConfig[] = jobs;
    expect(asSD).toHaveLength(2);
    const node = resolveJob(asScrape[0]!, cfg.global);
    expect(node).toMatchObject({
      intervalMs: 15_000,
      timeoutMs: 10_000,
      bodySizeLimit: 10 * 1024 * 1024,
      sampleLimit: 1000,
    });
    expect(node.relabel.map((r) => r.action)).toEqual(['replace', 'labeldrop', 'hashmod']);
    const bb = resolveJob(asScrape[1]!, cfg.global);
    expect(bb).toMatchObject({ intervalMs: 30_000, metricsPath: '/probe', params: { module: ['http_2xx'] } });
    expect(bb.http.basic_auth).toEqual({ username: 'u', password: 'p' });
  });
});
