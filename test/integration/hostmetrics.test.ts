/**
 * The built-in node exporter against the real prometheus-node-exporter (Debian, 1.5) on this
 * machine: same collectors, same filters, scraped back to back.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COLLECTOR_NAMES,
  createNodeCollector,
  DEFAULT_MOUNT_POINTS_EXCLUDE,
  DEFAULT_FS_TYPES_EXCLUDE,
  startNodeExporter,
  type NodeExporterServer,
} from '../../src/lib/hostmetrics/index.js';
import { readExposition, type ExpoFamily } from '../hostmetrics/expo.js';
import { freePort, repoRootBin, startProc, which, type Proc } from '../support/procs.js';
import { repoRoot } from '../support/conformance.js';

const bin = which('prometheus-node-exporter');
if (!bin) console.warn('prometheus-node-exporter not installed: skipping (test/integration/setup.sh installs it)');

/** Filters given to both sides (Debian patches some of node_exporter's defaults). */
const NETDEV_EXCLUDE = '^lo$';

describe.skipIf(!bin)('built-in node exporter vs prometheus-node-exporter', () => {
  let real: Proc;
  let ours: NodeExporterServer;
  let realUrl = '';
  let textDir = '';

  beforeAll(async () => {
    textDir = mkdtempSync(join(tmpdir(), 'promctl-textfile-'));
    writeFileSync(
      join(textDir, 'job.prom'),
      '# HELP backup_last_success_seconds Last backup.\n# TYPE backup_last_success_seconds gauge\nbackup_last_success_seconds{job="db"} 1.7e9\n',
    );
    const port = await freePort();
    realUrl = `http://127.0.0.1:${port}/metrics`;
    real = await startProc(
      bin!,
      [
        `--web.listen-address=127.0.0.1:${port}`,
        '--collector.disable-defaults',
        ...COLLECTOR_NAMES.map((c) => `--collector.${c}`),
        `--collector.filesystem.mount-points-exclude=${DEFAULT_MOUNT_POINTS_EXCLUDE}`,
        `--collector.filesystem.fs-types-exclude=${DEFAULT_FS_TYPES_EXCLUDE}`,
        `--collector.netdev.device-exclude=${NETDEV_EXCLUDE}`,
        `--collector.textfile.directory=${textDir}`,
      ],
      { readyUrl: realUrl },
    );
    ours = await startNodeExporter(
      createNodeCollector({ netdevDeviceExclude: NETDEV_EXCLUDE, textfileDirectory: textDir }),
      '127.0.0.1:0',
    );
  });
  afterAll(async () => {
    await real?.stop();
    await ours?.close();
    if (textDir) rmSync(textDir, { recursive: true, force: true });
  });

  const scrape = async (url: string) => readExposition(await (await fetch(url)).text());

  it('same families, types, help texts and label sets; values within the scrape gap', async () => {
    // Warm both up once (first-scrape costs), then bracket our scrape between two real ones.
    await scrape(realUrl);
    await scrape(`http://${ours.address}/metrics`);
    const before = await scrape(realUrl);
    const mine = await scrape(`http://${ours.address}/metrics`);
    const after = await scrape(realUrl);

    const inScope = (n: string) =>
      (n.startsWith('node_') && n !== 'node_exporter_build_info') || n === 'backup_last_success_seconds';
    const realNames = [...after.keys()].filter((n) => inScope(n) && after.get(n)!.samples.size > 0).sort();
    const ourNames = [...mine.keys()].filter((n) => inScope(n) && mine.get(n)!.samples.size > 0).sort();
    expect(ourNames.filter((n) => !realNames.includes(n))).toEqual([]);
    expect(realNames.filter((n) => !ourNames.includes(n))).toEqual([]);

    const problems: string[] = [];
    let series = 0;
    for (const name of realNames) {
      const r = after.get(name)!;
      const o = mine.get(name)!;
      if (r.type !== o.type) problems.push(`${name}: type ${o.type}, real ${r.type}`);
      if (r.help !== o.help) problems.push(`${name}: help ${JSON.stringify(o.help)}, real ${JSON.stringify(r.help)}`);
      const keys = (f: ExpoFamily) => [...f.samples.keys()].sort();
      if (JSON.stringify(keys(r)) !== JSON.stringify(keys(o)) && name !== 'node_time_zone_offset_seconds') {
        problems.push(`${name}: series differ\n  ours: ${keys(o).join(' ')}\n  real: ${keys(r).join(' ')}`);
        continue;
      }
      for (const [k, v] of o.samples) {
        series++;
        const lo = Math.min(before.get(name)?.samples.get(k) ?? NaN, r.samples.get(k)!);
        const hi = Math.max(before.get(name)?.samples.get(k) ?? NaN, r.samples.get(k)!);
        const why = tolerate(name, v, lo, hi);
        if (why) problems.push(`${k}: ours ${v}, real ${lo}..${hi} (${why})`);
      }
    }
    console.log(
      `compared ${realNames.length} families, ${series} series with prometheus-node-exporter; ${problems.length} problems`,
    );
    expect(problems).toEqual([]);
  });

  it('`promctl exporter node` (the command) serves the same families', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/metrics`;
    const p = await startProc(
      process.execPath,
      [
        '--import',
        'tsx',
        join(repoRoot, 'bin/dev.js'),
        'exporter',
        'node',
        `--web.listen-address=127.0.0.1:${port}`,
        '--no-collector.filesystem',
      ],
      { readyUrl: url, timeoutMs: 60_000, env: { ...process.env, NODE_ENV: 'development' } },
    );
    try {
      const fams = await scrape(url);
      expect(fams.has('node_cpu_seconds_total')).toBe(true);
      expect(fams.has('node_filesystem_size_bytes')).toBe(false);
      expect(fams.get('node_scrape_collector_success')!.samples.size).toBe(COLLECTOR_NAMES.length - 1);
    } finally {
      await p.stop();
    }
  });
});

describe('`promctl serve` with its embedded default (no config file, no exporter installed)', () => {
  it("answers the seed's CPU-usage query for the local host", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'promctl-embedded-'));
    const port = await freePort();
    const api = `http://127.0.0.1:${port}`;
    const p = await startProc(
      process.execPath,
      [repoRootBin, 'serve', `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      { readyUrl: `${api}/-/ready`, timeoutMs: 60_000, cwd: dir },
    );
    const query = async (q: string) => {
      const r = (await (await fetch(`${api}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as {
        status: string;
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      expect(r.status).toBe('success');
      return r.data.result;
    };
    try {
      // The embedded default scrapes every 15s; irate needs two samples.
      const q = '100 - (avg by (instance) (irate(node_cpu_seconds_total{mode="idle"}[5m])) * 100)';
      let result: Awaited<ReturnType<typeof query>> = [];
      for (const end = Date.now() + 90_000; Date.now() < end && result.length === 0;) {
        result = await query(q);
        if (result.length === 0) await new Promise((r) => setTimeout(r, 1000));
      }
      expect(result).toHaveLength(1);
      expect(result[0]!.metric).toEqual({ instance: hostname() });
      const pct = Number(result[0]!.value[1]);
      expect(pct).toBeGreaterThanOrEqual(0);
      expect(pct).toBeLessThanOrEqual(100);
      // Both built-in jobs are up, and the node job carries node_exporter's families.
      const up = await query('up');
      expect(up.map((s) => [s.metric.job, s.value[1]]).sort()).toEqual([
        ['node', '1'],
        ['prometheus', '1'],
      ]);
      const fams = await query(
        'count by (__name__) ({job="node", __name__=~"node_(memory_MemAvailable_bytes|filesystem_avail_bytes|network_receive_bytes_total|load1)"})',
      );
      expect(fams.map((s) => s.metric.__name__).sort()).toEqual([
        'node_filesystem_avail_bytes',
        'node_load1',
        'node_memory_MemAvailable_bytes',
        'node_network_receive_bytes_total',
      ]);
    } finally {
      await p.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Why `v` is not a plausible reading given the real exporter's readings lo..hi around it, or null. */
function tolerate(name: string, v: number, lo: number, hi: number): string | null {
  const within = (abs: number, rel = 0) => v >= lo - abs - rel * Math.abs(lo) && v <= hi + abs + rel * Math.abs(hi);
  if (name === 'node_scrape_collector_duration_seconds') return v >= 0 && v < 5 ? null : 'duration';
  if (name === 'node_time_seconds') return within(5) ? null : 'clock';
  if (name.startsWith('node_cpu_seconds_total') || name.startsWith('node_cpu_guest'))
    return within(0.5) ? null : 'cpu counter outside the gap';
  if (name.endsWith('_total')) return within(0, 0.001) || within(64) ? null : 'counter outside the scrape gap';
  if (name.startsWith('node_memory_')) return within(64 << 20, 0.05) ? null : 'memory';
  if (name.startsWith('node_filesystem_')) return within(64 << 20, 0.01) ? null : 'filesystem';
  if (name.startsWith('node_load')) return within(0.5) ? null : 'load';
  if (name === 'node_procs_running' || name === 'node_procs_blocked' || name === 'node_disk_io_now')
    return within(8) ? null : 'procs';
  return within(0) ? null : 'gauge differs';
}
