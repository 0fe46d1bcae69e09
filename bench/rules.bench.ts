/**
 * Rule evaluation benchmark: one group of 500 recording rules over 10,000 counter series, as
 * promctl's rules manager evaluates it (engine over its TSDB, as serve runs; the in-memory storage
 * for reference) and as the real
 * Prometheus (Debian's 2.42) does — Prometheus scrapes the same series from a local exposition every
 * 5s and evaluates the same rule file every 5s; its own prometheus_rule_group_last_duration_seconds
 * is read from /metrics. Prints figures and the ratio; never asserts on time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Labels } from '../src/lib/model/labels.js';
import { Engine } from '../src/lib/promql/engine/engine.js';
import { engineQueryFunc } from '../src/lib/rules/engine-query.js';
import { RulesManager } from '../src/lib/rules/manager.js';
import type { Storage } from '../src/lib/storage/interface.js';
import { MemoryStorage } from '../src/lib/storage/memory.js';
import { Tsdb } from '../src/lib/tsdb/db.js';
import { freePort, startProc, which } from '../test/support/procs.js';

const SERIES = 10_000;
const RULES = 500;
const GROUPS = 50; // label values of `group`: each selects 200 series
const STEP = 5_000;

function ruleFile(): string {
  const aggs = ['sum by (instance)', 'sum by (job)', 'avg by (job)', 'max by (job)', 'count by (job)'];
  let s = 'groups:\n  - name: bench\n    interval: 5s\n    rules:\n';
  for (let i = 0; i < RULES; i++) {
    const agg = aggs[i % aggs.length]!;
    s += `      - record: bench:rule${i}:rate1m\n        expr: ${agg} (rate(bench_requests_total{group="g${i % GROUPS}"}[1m]))\n`;
  }
  return s;
}

const seriesLabels = Array.from({ length: SERIES }, (_, i) => ({
  group: `g${i % GROUPS}`,
  instance: `i${i}`,
  job: `job${i % 10}`,
}));
const valueAt = (i: number, t: number) => Math.floor(t / 1000) * ((i % 7) + 1);

function exposition(t: number): string {
  const out: string[] = ['# TYPE bench_requests_total counter'];
  seriesLabels.forEach((l, i) => {
    out.push(`bench_requests_total{group="${l.group}",instance="${l.instance}",job="${l.job}"} ${valueAt(i, t)}`);
  });
  return out.join('\n') + '\n';
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * promctl's rules manager over `storage`: "memory" (the in-memory test storage) or "tsdb" (the TSDB
 * promctl serve runs on, with its WAL), 24 steps of history, then 12 timed evaluations.
 */
async function ours(file: string, storage: 'memory' | 'tsdb'): Promise<number[]> {
  const labels = seriesLabels.map((l) => Labels.fromObject({ __name__: 'bench_requests_total', ...l }));
  const t0 = Math.floor(Date.now() / STEP) * STEP - 10 * 60_000;
  const dataDir = mkdtempSync(join(tmpdir(), 'promctl-rules-tsdb-'));
  const mem = new MemoryStorage();
  const db = storage === 'tsdb' ? await Tsdb.open(dataDir) : null;
  const st: Storage = db ?? mem;
  const append = async (t: number) => {
    if (!db) return labels.forEach((l, i) => mem.appendDirect(l, t, valueAt(i, t)));
    const app = db.appender();
    labels.forEach((l, i) => app.append(0, l, t, valueAt(i, t)));
    await app.commit();
  };
  for (let k = 0; k < 24; k++) await append(t0 + k * STEP);
  const mgr = new RulesManager({
    queryFn: engineQueryFunc(new Engine(), st),
    notifyFn: () => {},
    appendable: st,
  });
  await mgr.update({ files: [file], evaluationInterval: STEP });
  const g = mgr.ruleGroups()[0]!;
  const times: number[] = [];
  for (let k = 24; k < 36; k++) {
    const t = t0 + k * STEP;
    await append(t);
    const began = performance.now();
    await g.eval(t);
    times.push((performance.now() - began) / 1000);
  }
  const failed = g.rules.filter((r) => r.health !== 'ok');
  if (failed.length) throw new Error(`rules failed: ${failed[0]!.lastError?.message}`);
  const check = await engineQueryFunc(new Engine(), st)('bench:rule0:rate1m{instance="i0"}', t0 + 35 * STEP);
  console.log(
    `promctl (${storage}): ${g.rules.length} rules, last eval wrote ${g.stats.lastSamples} samples; bench:rule0 i0 = ${check[0]?.v}`,
  );
  await db?.close();
  rmSync(dataDir, { recursive: true, force: true });
  return times.slice(2); // warm-up
}

async function prometheus(file: string): Promise<number[] | null> {
  if (!which('prometheus')) {
    console.log('prometheus: not installed, skipping the side-by-side figure');
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'promctl-rules-bench-'));
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(exposition(Date.now()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 5s\n  evaluation_interval: 5s\nrule_files: [${JSON.stringify(file)}]\nscrape_configs:\n  - job_name: bench\n    honor_labels: true\n    static_configs: [{ targets: ['${target}'] }]\n`,
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = await startProc(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { readyUrl: `${url}/-/ready`, timeoutMs: 60_000 },
  );
  const times: number[] = [];
  let last = '';
  try {
    const deadline = Date.now() + 90_000;
    while (times.length < 8 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      const m = await (await fetch(`${url}/metrics`)).text();
      const line = m.split('\n').find((l) => l.startsWith('prometheus_rule_group_last_duration_seconds{'));
      const ts = m.split('\n').find((l) => l.startsWith('prometheus_rule_group_last_evaluation_timestamp_seconds{'));
      if (!line || !ts || ts === last) continue;
      last = ts;
      const samples = m.split('\n').find((l) => l.startsWith('prometheus_rule_group_last_evaluation_samples{'));
      // Wait until the 1m windows hold enough samples for every rule to produce output.
      if (!samples || Number(samples.split(' ')[1]) < 1000) continue;
      times.push(Number(line.split(' ')[1]));
    }
  } finally {
    await proc.stop();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return times.length ? times.slice(1) : null;
}

const dir = mkdtempSync(join(tmpdir(), 'promctl-rules-file-'));
const file = join(dir, 'bench.rules.yml');
writeFileSync(file, ruleFile());
if (which('promtool')) {
  const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
  if (r.status !== 0) console.log(`promtool check rules failed: ${r.stderr}`);
}
const mem = await ours(file, 'memory');
console.log(
  `promctl (memory storage): ${RULES} recording rules over ${SERIES} series: median ${(median(mem) * 1000).toFixed(1)} ms per evaluation (${mem.length} runs)`,
);
// The figure compared with Prometheus: promctl on its TSDB, as promctl serve evaluates rules.
const a = await ours(file, 'tsdb');
console.log(
  `promctl (TSDB):           ${RULES} recording rules over ${SERIES} series: median ${(median(a) * 1000).toFixed(1)} ms per evaluation (${a.length} runs)`,
);
const b = await prometheus(file);
if (b) {
  console.log(
    `prometheus: ${RULES} recording rules over ${SERIES} series: median ${(median(b) * 1000).toFixed(1)} ms per evaluation (${b.length} runs, prometheus_rule_group_last_duration_seconds)`,
  );
  console.log(`ratio promctl (TSDB)/prometheus: ${(median(a) / median(b)).toFixed(2)}x (lower is better for promctl)`);
}
rmSync(dir, { recursive: true, force: true });
