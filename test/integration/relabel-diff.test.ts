/**
 * Target relabeling against the real Prometheus 2.42: one job per rule set, each with a static
 * target carrying the input labels. Prometheus and promctl load the same file; the targets view
 * of each (active targets' labels, which targets were dropped) must agree job by job. This checks
 * relabel_configs for every action together with how target labels are built around them
 * (__address__, __scheme__, __metrics_path__, __param_*, job, instance, __scrape_*__).
 *
 * Prometheus 2.42 validates label names the legacy way; the rule sets stay within what 2.42 and
 * Prometheus 3 agree on, and promctl is run with metric_name_validation_scheme: legacy.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/lib/config/load.js';
import { DiscoveryManager } from '../../src/lib/discovery/manager.js';
import { ScrapeManager } from '../../src/lib/scrape/manager.js';
import { RecordingAppendable } from '../support/appendable.js';
import { freePort, type Proc, startProc, which } from '../support/procs.js';

const prometheus = which('prometheus');
if (!prometheus) console.warn('relabel diff: prometheus not installed; skipped');

type Rule = Record<string, unknown>;
const sets: { name: string; labels: Record<string, string>; rules: Rule[]; params?: Record<string, string[]> }[] = [
  { name: 'defaults', labels: { a: 'foo', b: 'bar' }, rules: [{ source_labels: ['a', 'b'], target_label: 'x' }] },
  { name: 'default_empty', labels: { a: 'foo', x: 'old' }, rules: [{ target_label: 'x' }] },
  {
    name: 'replace_template',
    labels: { a: 'foo', b: 'bar' },
    rules: [{ source_labels: ['a'], regex: 'f(.*)', target_label: 'd', replacement: 'ch${1}-ch${1}' }],
  },
  {
    name: 'replace_chain',
    labels: { a: 'foo', b: 'bar', c: 'baz' },
    rules: [
      { source_labels: ['a', 'b'], regex: 'f(.*);(.*)r', target_label: 'a', replacement: 'b${1}${2}m' },
      { source_labels: ['c', 'a'], regex: '(b).*b(.*)ba(.*)', target_label: 'd', replacement: '$1$2$2$3' },
    ],
  },
  {
    name: 'replace_partial',
    labels: { a: 'foobar' },
    rules: [{ source_labels: ['a'], regex: 'bar', target_label: 'x', replacement: 'y' }],
  },
  {
    name: 'replace_named',
    labels: { a: 'some-name-value' },
    rules: [{ source_labels: ['a'], regex: 'some-(?P<n>[^-]+)-value', target_label: '${n}', replacement: '$n' }],
  },
  {
    name: 'replace_invalid_name',
    labels: { a: '1abc', b: 'x-y' },
    rules: [
      { source_labels: ['a'], target_label: '${1}', replacement: 'v' },
      { source_labels: ['b'], target_label: 'n_${1}', replacement: 'v' },
    ],
  },
  {
    name: 'replace_address',
    labels: { __meta_port: '9100' },
    rules: [
      {
        source_labels: ['__address__', '__meta_port'],
        regex: '([^:]+)(?::\\d+)?;(\\d+)',
        target_label: '__address__',
        replacement: '$1:$2',
      },
    ],
  },
  {
    name: 'replace_path_scheme_param',
    labels: { p: 'custom' },
    rules: [
      { source_labels: ['p'], target_label: '__metrics_path__', replacement: '/${1}/metrics' },
      { target_label: '__scheme__', replacement: 'https' },
      { source_labels: ['p'], target_label: '__param_module', replacement: 'm_$1' },
    ],
    params: { module: ['x'], other: ['y'] },
  },
  { name: 'keep_match', labels: { a: 'foo' }, rules: [{ source_labels: ['a'], regex: 'f.*', action: 'keep' }] },
  { name: 'keep_anchored', labels: { a: 'foo' }, rules: [{ source_labels: ['a'], regex: 'f', action: 'keep' }] },
  {
    name: 'keep_alternation',
    labels: { a: 'foox' },
    rules: [{ source_labels: ['a'], regex: 'foo|x', action: 'keep' }],
  },
  { name: 'keep_absent', labels: { a: 'foo' }, rules: [{ source_labels: ['missing'], regex: '', action: 'keep' }] },
  { name: 'drop_match', labels: { a: 'foo' }, rules: [{ source_labels: ['a'], regex: '.*o.*', action: 'drop' }] },
  { name: 'drop_anchored', labels: { a: 'foo' }, rules: [{ source_labels: ['a'], regex: 'o+', action: 'drop' }] },
  {
    name: 'drop_joined',
    labels: { a: 'x', b: 'y' },
    rules: [{ source_labels: ['a', 'b'], separator: '/', regex: 'x/y', action: 'drop' }],
  },
  {
    name: 'keepequal_same',
    labels: { a: 'x', t: 'x' },
    rules: [{ source_labels: ['a'], target_label: 't', action: 'keepequal' }],
  },
  {
    name: 'keepequal_diff',
    labels: { a: 'x', t: 'y' },
    rules: [{ source_labels: ['a'], target_label: 't', action: 'keepequal' }],
  },
  {
    name: 'dropequal_same',
    labels: { a: 'x', t: 'x' },
    rules: [{ source_labels: ['a'], target_label: 't', action: 'dropequal' }],
  },
  {
    name: 'dropequal_diff',
    labels: { a: 'x', t: 'y' },
    rules: [{ source_labels: ['a'], target_label: 't', action: 'dropequal' }],
  },
  {
    name: 'hashmod',
    labels: { a: 'foo', b: 'bar', c: 'baz' },
    rules: [
      { source_labels: ['c'], target_label: 'h1', modulus: 1000, action: 'hashmod' },
      { source_labels: ['a', 'b'], target_label: 'h2', modulus: 7, action: 'hashmod' },
      { source_labels: ['__address__'], target_label: 'h3', modulus: 1000000, action: 'hashmod' },
    ],
  },
  {
    name: 'hashmod_shard',
    labels: { a: 'foo' },
    rules: [
      { source_labels: ['__address__'], target_label: '__tmp_hash', modulus: 2, action: 'hashmod' },
      { source_labels: ['__tmp_hash'], regex: '1', action: 'keep' },
    ],
  },
  {
    name: 'labelmap',
    labels: { __meta_x_a: '1', __meta_x_b: '2', c: '3' },
    rules: [{ regex: '__meta_x_(.+)', action: 'labelmap' }],
  },
  {
    name: 'labelmap_replacement',
    labels: { foo: '1', bar: '2', baz: '3' },
    rules: [{ regex: '(b.*)', replacement: 'bar_${1}', action: 'labelmap' }],
  },
  { name: 'labeldrop', labels: { b: '1', bb: '2', ab: '3' }, rules: [{ regex: 'b', action: 'labeldrop' }] },
  { name: 'labelkeep', labels: { a: '1', ab: '2', ba: '3' }, rules: [{ regex: 'a.*|__.*', action: 'labelkeep' }] },
  {
    name: 'labelkeep_drops_address',
    labels: { a: '1' },
    rules: [{ regex: 'a', action: 'labelkeep' }],
  },
  {
    name: 'case',
    labels: { a: 'MiXeD', b: 'Case', lo: 'old' },
    rules: [
      { source_labels: ['a', 'b'], target_label: 'lo', action: 'lowercase' },
      { source_labels: ['a', 'b'], separator: '-', target_label: 'up', action: 'uppercase' },
      { source_labels: ['missing'], target_label: 'a', action: 'lowercase' },
    ],
  },
  {
    name: 'case_unicode',
    labels: { a: 'ΟΔΟΣ İ', b: 'straße ǆ' },
    rules: [
      { source_labels: ['a'], target_label: 'lo', action: 'lowercase' },
      { source_labels: ['b'], target_label: 'up', action: 'uppercase' },
    ],
  },
  {
    name: 'instance_and_job',
    labels: { a: 'x' },
    rules: [
      { target_label: 'instance', replacement: 'my-instance' },
      { source_labels: ['job'], target_label: 'job_copy' },
      { source_labels: ['__scrape_interval__', '__scrape_timeout__'], target_label: 'intervals' },
    ],
  },
  {
    name: 'drop_address',
    labels: { a: 'x' },
    rules: [{ regex: '__address__', action: 'labeldrop' }],
  },
];

/** Rule sets that remove __address__: Prometheus reports an error for the target ("no address"). */
const NO_ADDRESS = ['labelkeep_drops_address', 'drop_address'];

function configText(): string {
  return JSON.stringify({
    global: { scrape_interval: '1h', scrape_timeout: '10s' },
    scrape_configs: sets.map((s) => ({
      job_name: s.name,
      ...(s.params ? { params: s.params } : {}),
      static_configs: [{ targets: ['127.0.0.1:1'], labels: s.labels }],
      relabel_configs: s.rules,
    })),
  });
}

interface View {
  active: string[];
  dropped: number;
}

describe.runIf(prometheus)('target relabeling agrees with Prometheus 2.42', () => {
  let proc: Proc;
  let dir: string;
  const prom = new Map<string, View>();
  const ours = new Map<string, View>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'promctl-relabel-'));
    const file = join(dir, 'prometheus.yml');
    writeFileSync(file, configText());
    const port = await freePort();
    proc = await startProc(
      prometheus!,
      [`--config.file=${file}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      { readyUrl: `http://127.0.0.1:${port}/-/ready` },
    );
    // Static targets are applied within the scrape manager's 5s update delay.
    let data: {
      activeTargets: { scrapePool: string; labels: Record<string, string> }[];
      droppedTargets: { discoveredLabels: Record<string, string> }[];
    } = { activeTargets: [], droppedTargets: [] };
    const end = Date.now() + 30_000;
    while (Date.now() < end) {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/targets`);
      data = ((await res.json()) as { data: typeof data }).data;
      if (data.activeTargets.length + data.droppedTargets.length >= sets.length - NO_ADDRESS.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    for (const s of sets) prom.set(s.name, { active: [], dropped: 0 });
    for (const t of data.activeTargets) prom.get(t.scrapePool)!.active.push(JSON.stringify(sorted(t.labels)));
    for (const t of data.droppedTargets) prom.get(t.discoveredLabels.job!)!.dropped++;

    const cfg = parseConfig(configText().replace('"global":{', '"global":{"metric_name_validation_scheme":"legacy",'));
    const jobs = cfg.scrape_configs ?? [];
    const scrape = new ScrapeManager(new RecordingAppendable());
    await scrape.applyConfig(jobs);
    const sd = new DiscoveryManager({ onUpdate: (x) => scrape.updateTargets(x), updateDelayMs: 0 });
    expect(sd.applyConfig(jobs)).toEqual([]);
    const end2 = Date.now() + 10_000;
    const want = sets.length - NO_ADDRESS.length;
    while (scrape.activeTargets().length + scrape.droppedTargets().length < want && Date.now() < end2) {
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const s of sets) ours.set(s.name, { active: [], dropped: 0 });
    for (const t of scrape.activeTargets()) ours.get(t.scrapePool)!.active.push(JSON.stringify(sorted(t.labels)));
    for (const t of scrape.droppedTargets()) ours.get(t.scrapePool)!.dropped++;
    sd.stop();
    await scrape.stop();
  }, 90_000);

  afterAll(async () => {
    await proc?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('Prometheus saw every job; a target left without __address__ is neither active nor dropped', () => {
    const empty = [...prom].filter(([, v]) => v.active.length + v.dropped === 0).map(([k]) => k);
    expect(empty.sort()).toEqual(NO_ADDRESS.slice().sort());
  });

  it.each(sets.map((s) => s.name))('%s', (name) => {
    expect(ours.get(name)).toEqual(prom.get(name));
  });
});

function sorted(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
