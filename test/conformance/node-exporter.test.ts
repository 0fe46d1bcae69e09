/**
 * The built-in node collector on node_exporter's own fixture tree (../shared/conformance/node_exporter,
 * v1.12.1), against the expected output upstream's end-to-end test produced on that tree.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeCollector, type CollectorName } from '../../src/lib/hostmetrics/index.js';
import { conformanceDir } from '../support/conformance.js';
import { fromFamilies, readExposition, type ExpoFamily } from '../hostmetrics/expo.js';
import { unpackTtar } from '../hostmetrics/ttar.js';

const dir = conformanceDir('node_exporter');

/** Which expected families belong to the collectors we implement (e2e disables filesystem and uname). */
function inScope(name: string): boolean {
  return (
    /^node_cpu_(seconds_total|guest_seconds_total|core_throttles_total|package_throttles_total|isolated)$/.test(name) ||
    (/^node_memory_/.test(name) && !/^node_memory_numa_/.test(name)) ||
    /^node_disk_/.test(name) ||
    /^node_load(1|5|15)$/.test(name) ||
    /^node_(boot_time_seconds|context_switches_total|forks_total|intr_total|procs_running|procs_blocked|softirqs_total)$/.test(
      name,
    ) ||
    /^node_os_(info|version)$/.test(name) ||
    /^node_time_clocksource_(available|current)_info$/.test(name) ||
    /^node_textfile_scrape_error$/.test(name) ||
    /^testmetric/.test(name) ||
    name === 'node_scrape_collector_success'
  );
}

/** Series the README says upstream removes before comparing (values differ run to run). */
const UPSTREAM_IGNORED =
  /^(go_|node_exporter_build_info|node_scrape_collector_duration_seconds|process_|node_textfile_mtime_seconds|node_time_(zone|seconds)|node_network_(receive|transmit)_(bytes|packets)_total)/;

/**
 * Families the fixture cannot reproduce: they come from udev's database (--path.udev.data), which
 * the shared fixture does not ship (node_exporter's repository keeps it outside collector/fixtures).
 */
const NEEDS_UDEV = new Set([
  'node_disk_filesystem_info',
  'node_disk_device_mapper_info',
  'node_disk_ata_rotation_rate_rpm',
  'node_disk_ata_write_cache',
  'node_disk_ata_write_cache_enabled',
]);

const OURS: CollectorName[] = ['cpu', 'diskstats', 'loadavg', 'meminfo', 'os', 'stat', 'textfile', 'time'];

/**
 * node_disk_info: node_exporter 1.12 added a `rotational` label and reads path/serial from udev;
 * promctl follows 1.5's label set (device, major, minor, path, wwn, model, serial, revision), so
 * the comparison drops `rotational` and the values read from udev (path, serial, model, revision, wwn).
 */
function normaliseDiskInfo(key: string): string {
  return key.replace(/, (rotational|path|serial|model|revision|wwn)="[^"]*"/g, '');
}

describe.skipIf(!dir)('node_exporter fixture (e2e-output.txt)', () => {
  let tmp = '';
  let expected: Map<string, ExpoFamily>;
  let actual: Map<string, ExpoFamily>;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'promctl-nodefx-'));
    const counts = unpackTtar(join(dir!, 'sys.ttar'), tmp);
    expect(counts.files).toBeGreaterThan(1000);
    const c = createNodeCollector({
      procfs: join(dir!, 'proc'),
      sysfs: join(tmp, 'sys'),
      rootfs: dir!,
      udevData: join(tmp, 'no-udev-data'),
      textfileDirectory: join(dir!, 'textfile/two_metric_files'),
      statSoftirq: true,
      collectors: new Set(OURS),
    });
    const { families, errors } = await c.scrape();
    expect(errors).toEqual([]);
    actual = fromFamilies(families);
    const text = readFileSync(join(dir!, 'e2e-output.txt'), 'utf8')
      .split('\n')
      .filter((l) => !UPSTREAM_IGNORED.test(l))
      .join('\n');
    expected = readExposition(text);
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('every in-scope family: same type, help, label sets and values', () => {
    let families = 0;
    let samples = 0;
    const problems: string[] = [];
    const skipped: string[] = [];
    for (const [name, exp] of expected) {
      if (!inScope(name) || exp.samples.size === 0) continue;
      if (NEEDS_UDEV.has(name)) {
        skipped.push(name);
        continue;
      }
      const act = actual.get(name);
      if (!act) {
        problems.push(`missing family ${name}`);
        continue;
      }
      families++;
      if (act.type !== exp.type) problems.push(`${name}: type ${act.type}, want ${exp.type}`);
      // Textfile help names the file by path; upstream ran from its repository root.
      const help = name.startsWith('testmetric') ? exp.help.replace('collector/fixtures/', dir! + '/') : exp.help;
      if (act.help !== help) problems.push(`${name}: help ${JSON.stringify(act.help)}, want ${JSON.stringify(help)}`);
      const norm = name === 'node_disk_info' ? normaliseDiskInfo : (k: string) => k;
      const actSamples = new Map([...act.samples].map(([k, v]) => [norm(k), v]));
      for (const [k0, v] of exp.samples) {
        const k = norm(k0);
        if (name === 'node_scrape_collector_success' && !OURS.some((c) => k.includes(`collector="${c}"`))) continue;
        const got = actSamples.get(k);
        if (got === undefined) problems.push(`missing ${k}`);
        else if (!(got === v || Math.abs(got - v) <= 1e-9 * Math.abs(v))) problems.push(`${k}: ${got}, want ${v}`);
        else samples++;
      }
      for (const k of actSamples.keys()) {
        if (![...exp.samples.keys()].some((e) => norm(e) === k)) problems.push(`unexpected ${k}`);
      }
    }
    console.log(
      `node_exporter fixture: ${families} families and ${samples} samples match; ` +
        `${skipped.length} families need udev data not shipped with the fixture (${skipped.join(', ')}); ` +
        `${problems.length} problems`,
    );
    expect(problems).toEqual([]);
    expect(families).toBeGreaterThan(60);
  });

  it('the textfile fixtures: each directory against its .out (samples, types, help, scrape error)', async () => {
    const cases = [
      'two_metric_files',
      'different_metric_types',
      'histogram',
      'summary',
      'metrics_merge_same_help',
      'metrics_merge_different_help',
      'metrics_merge_empty_help',
      'metrics_merge_no_help',
      'inconsistent_metrics',
      'client_side_timestamp',
      'histogram_extra_dimension',
      'summary_extra_dimension',
      'nonexistent_path',
    ];
    let ok = 0;
    const problems: string[] = [];
    for (const c of cases) {
      const tf = createNodeCollector({
        textfileDirectory: join(dir!, 'textfile', c),
        collectors: new Set(['textfile']),
      });
      const got = fromFamilies((await tf.scrape()).families);
      const want = readExposition(readFileSync(join(dir!, 'textfile', `${c}.out`), 'utf8'));
      for (const [name, w] of want) {
        if (name === 'node_textfile_mtime_seconds') {
          // Values are the files' mtimes (upstream fakes them); compare the files only.
          const files = (m: Map<string, number>) => [...m.keys()].map((k) => k.replace(/.*textfile\//, '')).sort();
          const g = got.get(name);
          if (!g || JSON.stringify(files(g.samples)) !== JSON.stringify(files(w.samples)))
            problems.push(`${c}: ${name} files differ`);
          continue;
        }
        const g = got.get(name);
        if (!g) {
          if (w.samples.size > 0) problems.push(`${c}: missing ${name}`);
          continue;
        }
        if (g.type !== w.type) problems.push(`${c}: ${name} type ${g.type}, want ${w.type}`);
        const wantHelp = w.help.replace(/fixtures\/textfile\//g, join(dir!, 'textfile') + '/');
        if (g.help !== wantHelp)
          problems.push(`${c}: ${name} help ${JSON.stringify(g.help)}, want ${JSON.stringify(wantHelp)}`);
        for (const [k, v] of w.samples) {
          const gv = g.samples.get(k);
          if (gv === undefined) problems.push(`${c}: missing ${k}`);
          else if (gv !== v && !(Number.isNaN(gv) && Number.isNaN(v))) problems.push(`${c}: ${k} = ${gv}, want ${v}`);
        }
        for (const k of g.samples.keys()) if (!w.samples.has(k)) problems.push(`${c}: unexpected ${k}`);
      }
      for (const name of got.keys()) {
        if (!want.has(name) && !name.startsWith('node_scrape_collector'))
          problems.push(`${c}: unexpected family ${name}`);
      }
      if (!problems.some((p) => p.startsWith(`${c}:`))) ok++;
    }
    console.log(`textfile fixtures: ${ok}/${cases.length} cases match; problems: ${problems.length}`);
    expect(problems).toEqual([]);
  });
});
