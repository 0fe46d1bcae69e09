/**
 * TSDB figures, side by side with Debian's Prometheus 2.42 where the figure exists there:
 *
 * 1. Append throughput with the WAL on (and off): 10k series × 100 scrapes, one commit per scrape.
 * 2. Bytes per sample on disk: node-exporter-like data (counters, gauges, staleness) written through
 *    promctl's head → 2h block, vs the same samples through `promtool tsdb create-blocks-from
 *    openmetrics`.
 * 3. Chunk decode throughput (samples/s through the query iterator).
 * 4. Head memory per active series (heap + typed arrays after GC) vs Prometheus scraping the same
 *    number of series (its own go_memstats_heap_inuse_bytes / prometheus_tsdb_head_series).
 * 5. WAL replay: a promctl-written (snappy-compressed, the default) WAL of N series × 3 samples
 *    is replayed by promctl (CPU seconds of Tsdb.open) and by Prometheus (its "WAL replay
 *    completed" log line). N is 200k by default (BENCH_REPLAY_SERIES=1000000 for the 1M
 *    figure: minutes and ~1.5 GB on both sides); also the WAL's bytes on disk, compressed and not.
 * 6. Event-loop delay during a head cut + compaction (monitorEventLoopDelay).
 *
 * BENCH_TSDB=replay,append,… runs only the named parts (append, bytes, decode, stall, replay, memory).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Labels } from '../src/lib/model/labels.js';
import { Matcher } from '../src/lib/model/matcher.js';
import { STALE_NAN } from '../src/lib/model/value.js';
import { ValueType } from '../src/lib/storage/interface.js';
import { Tsdb } from '../src/lib/tsdb/db.js';
import { listBlocks } from '../src/lib/tsdb/tools.js';
import { freePort, startProc, which } from '../test/support/procs.js';

const PROMTOOL = which('promtool');
const PROMETHEUS = which('prometheus');
const H = 3600_000;
const quiet = { info: () => {}, warn: () => {} };
const dirs: string[] = [];
const tmp = (): string => {
  const d = fs.mkdtempSync(join(tmpdir(), 'promctl-tsdb-bench-'));
  dirs.push(d);
  return d;
};
process.on('exit', () => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const fmt = (n: number, d = 2): string => n.toLocaleString('en-US', { maximumFractionDigits: d });
const line = (k: string, v: string): void => console.log(`${k.padEnd(52)} ${v}`);

function seriesLabels(n: number): Labels[] {
  return Array.from({ length: n }, (_, i) =>
    Labels.fromObject({
      __name__: [
        'node_cpu_seconds_total',
        'node_network_receive_bytes_total',
        'node_memory_Active_bytes',
        'node_load1',
      ][i % 4]!,
      instance: `host-${Math.floor(i / 100)}:9100`,
      job: 'node',
      cpu: String(i % 100),
    }),
  );
}

/** Node-exporter-like values: counters that grow by integer-ish steps, gauges that wander. */
function value(i: number, k: number): number {
  switch (i % 4) {
    case 0:
      return Math.round((k * 15 * 0.97 + (i % 7)) * 100) / 100;
    case 1:
      return k * 1500 + ((k * 7919 + i) % 1000);
    case 2:
      return 4_000_000_000 + (((k * 131 + i) % 50) >> 2) * 4096;
    default:
      return Math.round((1 + Math.sin(k / 20 + i) * 0.5) * 100) / 100;
  }
}

/** CPU seconds (user + system) of this process: robust to other load on the shared box. */
function cpuSecs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function appendThroughput(wal: boolean): Promise<{ wall: number; cpu: number }> {
  const db = await Tsdb.open(tmp(), { logger: quiet, noWal: !wal, autoCompact: false });
  const N = 10_000;
  const K = 100;
  const labels = seriesLabels(N);
  const refs = new Array<number>(N).fill(0);
  const t0 = Date.now() - H;
  // Warm-up scrape creates the series.
  let app = db.appender();
  for (let i = 0; i < N; i++) refs[i] = app.append(0, labels[i]!, t0, 0);
  await app.commit();
  const vals = new Float64Array(N);
  const start = performance.now();
  const c0 = cpuSecs();
  for (let k = 1; k <= K; k++) {
    for (let i = 0; i < N; i++) vals[i] = value(i, k); // the scraper's parsed values
    app = db.appender();
    const t = t0 + k * 15_000;
    for (let i = 0; i < N; i++) app.append(refs[i]!, labels[i]!, t, vals[i]!);
    await app.commit();
  }
  const cpu = cpuSecs() - c0;
  const secs = (performance.now() - start) / 1000;
  await db.close();
  return { wall: (N * K) / secs, cpu: (N * K) / cpu };
}

async function bytesPerSample(): Promise<void> {
  const N = 1000;
  const K = 480; // 2h at 15s
  const labels = seriesLabels(N);
  const t0 = Math.floor((Date.now() - 6 * H) / (2 * H)) * 2 * H;
  const dir = tmp();
  const db = await Tsdb.open(dir, { logger: quiet, autoCompact: false });
  const refs = new Array<number>(N).fill(0);
  let om = '';
  const byFamily = new Map<string, string[]>();
  for (let k = 0; k < K + 300; k++) {
    const app = db.appender();
    for (let i = 0; i < N; i++) {
      const stale = i % 50 === 0 && k === 300;
      const v = stale ? STALE_NAN : value(i, k);
      refs[i] = app.append(refs[i]!, labels[i]!, t0 + k * 15_000, v);
    }
    await app.commit();
  }
  await db.compact(); // cuts the first 2h range into a block
  const blocks = listBlocks(dir).blocks;
  await db.close();
  const b = blocks[0]!;
  const chunkBytes = fs.statSync(join(b.dir, 'chunks', '000001')).size;
  line(
    'promctl block (2h, 1000 series, 480 samples each)',
    `${fmt(b.size / b.stats.numSamples, 3)} bytes/sample on disk, ${fmt(chunkBytes / b.stats.numSamples, 3)} in chunks`,
  );
  if (!PROMTOOL) return line('promtool', 'not installed: no comparison');
  // The same samples (first 2h) as OpenMetrics for promtool.
  for (let i = 0; i < N; i++) {
    const name = labels[i]!.metricName();
    const fam = byFamily.get(name) ?? [];
    byFamily.set(name, fam);
    const ls = `{cpu="${labels[i]!.get('cpu')}",instance="${labels[i]!.get('instance')}",job="node"}`;
    for (let k = 0; k < K; k++) {
      if (i % 50 === 0 && k === 300) continue; // OpenMetrics cannot carry a staleness marker
      fam.push(`${name}${ls} ${value(i, k)} ${(t0 + k * 15_000) / 1000}`);
    }
  }
  for (const [name, lines] of byFamily) om += `# TYPE ${name} unknown\n${lines.join('\n')}\n`;
  om += '# EOF\n';
  const file = join(tmp(), 'data.om');
  fs.writeFileSync(file, om);
  const pdir = tmp();
  const r = spawnSync(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', file, pdir], { encoding: 'utf8' });
  if (r.status !== 0) return line('promtool create-blocks-from', `failed: ${r.stderr.slice(0, 200)}`);
  const pb = listBlocks(pdir).blocks;
  const pSize = pb.reduce((a, x) => a + x.size, 0);
  const pSamples = pb.reduce((a, x) => a + x.stats.numSamples, 0);
  const pChunks = pb.reduce((a, x) => a + fs.statSync(join(x.dir, 'chunks', '000001')).size, 0);
  line(
    'promtool create-blocks-from (same samples)',
    `${fmt(pSize / pSamples, 3)} bytes/sample on disk, ${fmt(pChunks / pSamples, 3)} in chunks`,
  );
  line('ratio promctl/prometheus (bytes per sample)', fmt(b.size / b.stats.numSamples / (pSize / pSamples), 3));
}

async function decodeThroughput(): Promise<void> {
  const db = await Tsdb.open(tmp(), { logger: quiet, noWal: true, autoCompact: false });
  const N = 2000;
  const K = 500;
  const labels = seriesLabels(N);
  const refs = new Array<number>(N).fill(0);
  const t0 = Date.now() - H;
  for (let k = 0; k < K; k++) {
    const app = db.appender();
    for (let i = 0; i < N; i++) refs[i] = app.append(refs[i]!, labels[i]!, t0 + k * 7000, value(i, k));
    await app.commit();
  }
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const q = await db.querier(-Infinity, Infinity);
    const start = cpuSecs();
    const ss = await q.select(true, undefined, [new Matcher('=', 'job', 'node')]);
    let n = 0;
    let sum = 0;
    while (ss.next()) {
      const it = ss.at().iterator();
      while (it.next() === ValueType.Float) {
        n++;
        sum += it.t;
      }
    }
    best = Math.max(best, n / (cpuSecs() - start));
    if (sum === 42) console.log('');
  }
  line('chunk decode (select + iterate, 1M samples)', `${fmt(best / 1e6)} M samples per CPU-second`);
  await db.close();
}

async function headMemory(): Promise<void> {
  const N = 50_000;
  const K = 20;
  const labels = seriesLabels(N).map((l, i) => l.builder().set('id', String(i)).labels());
  gc();
  const before = process.memoryUsage();
  const db = await Tsdb.open(tmp(), { logger: quiet, noWal: true, autoCompact: false });
  const refs = new Array<number>(N).fill(0);
  const t0 = Date.now() - H;
  for (let k = 0; k < K; k++) {
    const app = db.appender();
    for (let i = 0; i < N; i++) refs[i] = app.append(refs[i]!, labels[i]!, t0 + k * 15_000, value(i, k));
    await app.commit();
  }
  gc();
  const after = process.memoryUsage();
  const per = (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / N;
  line(
    `promctl head memory (${N / 1000}k series, ${K} samples each)`,
    `${fmt(per, 0)} bytes/series (heap+buffers, labels excluded as input)`,
  );
  await db.close();
  if (!PROMETHEUS) return line('prometheus', 'not installed: no comparison');
  // Prometheus scraping the same number of series.
  const body =
    labels
      .map(
        (l, i) => `${l.metricName()}{cpu="${l.get('cpu')}",instance="${l.get('instance')}",id="${i}"} ${value(i, 1)}`,
      )
      .join('\n') + '\n';
  const srv = createServer((_q, res) => {
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(body);
  });
  const tport = await freePort();
  await new Promise<void>((r) => srv.listen(tport, '127.0.0.1', r));
  const port = await freePort();
  const dir = tmp();
  const cfg = join(dir, 'p.yml');
  fs.writeFileSync(
    cfg,
    `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: bench\n    honor_labels: true\n    static_configs:\n      - targets: ['127.0.0.1:${tport}']\n`,
  );
  const prom = await startProc(
    PROMETHEUS,
    [`--config.file=${cfg}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    {
      readyUrl: `http://127.0.0.1:${port}/-/ready`,
      timeoutMs: 60_000,
    },
  );
  const metric = async (name: string): Promise<number> => {
    const t = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(t);
    return m ? Number(m[1]) : NaN;
  };
  const base = await metric('go_memstats_heap_inuse_bytes');
  await new Promise((r) => setTimeout(r, (K + 5) * 1000));
  const heap = await metric('go_memstats_heap_inuse_bytes');
  const series = await metric('prometheus_tsdb_head_series');
  await prom.stop();
  srv.close();
  const pper = (heap - base) / series;
  line(
    `prometheus head memory (${fmt(series, 0)} series, ~${K} scrapes)`,
    `${fmt(pper, 0)} bytes/series (heap in use delta)`,
  );
  line('ratio promctl/prometheus (memory per series)', fmt(per / pper, 3));
}

function dirBytes(d: string): number {
  let n = 0;
  for (const e of fs.readdirSync(d, { withFileTypes: true }))
    n += e.isDirectory() ? dirBytes(join(d, e.name)) : fs.statSync(join(d, e.name)).size;
  return n;
}

async function walReplay(): Promise<void> {
  const N = Number(process.env.BENCH_REPLAY_SERIES ?? 200_000);
  const t0 = Date.now() - 10 * 60_000;
  const labels = Array.from({ length: N }, (_, i) =>
    Labels.fromObject({ __name__: 'replay_metric', instance: `h${i % 1000}`, id: String(i) }),
  );
  const write = async (compress: boolean): Promise<string> => {
    const dir = tmp();
    const db = await Tsdb.open(dir, { logger: quiet, autoCompact: false, walCompression: compress });
    const refs = new Array<number>(N).fill(0);
    for (let k = 0; k < 3; k++) {
      const app = db.appender();
      for (let i = 0; i < N; i++) refs[i] = app.append(refs[i]!, labels[i]!, t0 + k * 15_000, i + k);
      await app.commit();
    }
    await db.close();
    return dir;
  };
  const plainDir = await write(false);
  const plainBytes = dirBytes(join(plainDir, 'wal'));
  fs.rmSync(plainDir, { recursive: true, force: true });
  const dir = await write(true);
  labels.length = 0;
  line(
    `WAL on disk (${N / 1000}k series, ${(N * 3) / 1000}k samples)`,
    `${fmt(dirBytes(join(dir, 'wal')) / 1048576)} MiB snappy (${fmt(plainBytes / 1048576)} MiB uncompressed)`,
  );
  gc();
  const c0 = cpuSecs();
  const w0 = performance.now();
  const db = await Tsdb.open(dir, { logger: quiet, autoCompact: false });
  const secs = cpuSecs() - c0;
  const wallSecs = (performance.now() - w0) / 1000;
  const st = db.stats();
  await db.close();
  line(
    `promctl WAL replay (${N / 1000}k series, ${(N * 3) / 1000}k samples)`,
    `${fmt(secs, 3)} CPU-s (${fmt((secs / N) * 1e6, 2)} µs/series; wall ${fmt(wallSecs, 2)} s), head series ${st.headSeries}`,
  );
  if (!PROMETHEUS) return;
  const port = await freePort();
  const cfg = join(tmp(), 'p.yml');
  fs.writeFileSync(cfg, 'global:\n  scrape_interval: 1h\n');
  const t1 = performance.now();
  const prom = await startProc(
    PROMETHEUS,
    [`--config.file=${cfg}`, `--storage.tsdb.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`],
    {
      readyUrl: `http://127.0.0.1:${port}/-/ready`,
      timeoutMs: 120_000,
    },
  );
  const wall = (performance.now() - t1) / 1000;
  // CPU seconds of the whole Prometheus process until ready (start-up included; replay runs on
  // several goroutines, so this is the figure comparable with promctl's CPU seconds).
  const stat = fs.readFileSync(`/proc/${prom.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const pcpu = (Number(stat[11]) + Number(stat[12])) / 100;
  await prom.stop();
  const m = /WAL replay completed.*?total_replay_duration=(\S+)/.exec(prom.output());
  const dur = m ? parseGoDuration(m[1]!) : NaN;
  line(
    'prometheus WAL replay of the same WAL',
    `${fmt(dur, 3)} s (log: total_replay_duration=${m?.[1] ?? '?'}); ${fmt(pcpu, 3)} CPU-s until ready after ${fmt(wall, 1)} s`,
  );
  line(
    'ratio promctl/prometheus (replay time)',
    `${fmt(secs / dur, 3)} (CPU-s vs CPU-s until ready: ${fmt(secs / pcpu, 3)})`,
  );
}

function parseGoDuration(s: string): number {
  let total = 0;
  for (const [, n, u] of s.matchAll(/([\d.]+)(ms|µs|us|ns|s|m|h)/g)) {
    const x = Number(n);
    total +=
      u === 'h' ? x * 3600 : u === 'm' ? x * 60 : u === 's' ? x : u === 'ms' ? x / 1e3 : u === 'ns' ? x / 1e9 : x / 1e6;
  }
  return total;
}

async function compactionStall(): Promise<void> {
  const dir = tmp();
  const db = await Tsdb.open(dir, { logger: quiet, autoCompact: false });
  const N = 20_000;
  const labels = seriesLabels(N).map((l, i) => l.builder().set('id', String(i)).labels());
  const refs = new Array<number>(N).fill(0);
  const t0 = Math.floor((Date.now() - 6 * H) / (2 * H)) * 2 * H;
  for (let k = 0; k < 4 * 60 * 3 + 10; k++) {
    const app = db.appender();
    for (let i = 0; i < N; i++) refs[i] = app.append(refs[i]!, labels[i]!, t0 + (k * 60_000) / 4, value(i, k));
    await app.commit();
  }
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const start = performance.now();
  await db.compact();
  const secs = (performance.now() - start) / 1000;
  h.disable();
  line(
    `head cut + block write (${N / 1000}k series, 2h)`,
    `${fmt(secs, 2)} s; event-loop delay p99 ${fmt(h.percentile(99) / 1e6, 1)} ms, max ${fmt(h.max / 1e6, 1)} ms`,
  );
  await db.close();
}

console.log('promctl TSDB benchmarks' + (PROMETHEUS ? ' (with Prometheus 2.42 for comparison)' : ''));
const only = process.env.BENCH_TSDB?.split(',');
const part = (name: string): boolean => !only || only.includes(name);
if (part('append')) {
  const withWal = await appendThroughput(true);
  const noWal = await appendThroughput(false);
  line(
    'append with WAL (10k series × 100 commits)',
    `${fmt(withWal.cpu / 1e6)} M samples per CPU-second (wall ${fmt(withWal.wall / 1e6)} M/s; target ≥ 1 M/s on one core)`,
  );
  line('append without WAL', `${fmt(noWal.cpu / 1e6)} M samples per CPU-second (wall ${fmt(noWal.wall / 1e6)} M/s)`);
}
if (part('bytes')) await bytesPerSample();
if (part('decode')) await decodeThroughput();
if (part('stall')) await compactionStall();
if (part('replay')) await walReplay();
if (part('memory')) await headMemory();
