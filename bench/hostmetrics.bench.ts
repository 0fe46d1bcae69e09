/**
 * One scrape of the built-in node exporter (`promctl exporter node`, its own process) against the
 * real prometheus-node-exporter with the same collectors: latency (sequential HTTP scrapes from
 * this process) and CPU time of the exporter process per scrape (utime+stime from /proc/PID/stat).
 * Also the in-process cost of collectNode() alone.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COLLECTOR_NAMES, createNodeCollector } from '../src/lib/hostmetrics/index.js';
import { writeTextFormat } from '../src/lib/textparse/writer.js';
import { freePort, startProc, which, type Proc } from '../test/support/procs.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const N = 300;
const WARMUP = 30;

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, USER_HZ
}

async function measure(name: string, proc: Proc, url: string) {
  for (let i = 0; i < WARMUP; i++) await (await fetch(url)).text();
  const pid = proc.child.pid!;
  const cpu0 = cpuSeconds(pid);
  const lat: number[] = [];
  let bytes = 0;
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    const body = await (await fetch(url)).text();
    lat.push(performance.now() - t0);
    bytes = body.length;
  }
  const cpu = (cpuSeconds(pid) - cpu0) / N;
  lat.sort((a, b) => a - b);
  const p50 = lat[Math.floor(N / 2)]!;
  const p99 = lat[Math.floor(N * 0.99)]!;
  console.log(
    `${name.padEnd(28)} p50 ${p50.toFixed(2)} ms  p99 ${p99.toFixed(2)} ms  cpu ${(cpu * 1000).toFixed(2)} ms/scrape  ${bytes} bytes`,
  );
  return { p50, p99, cpu };
}

const nodeExporter = which('prometheus-node-exporter');
const portOurs = await freePort();
const ours = await startProc(
  process.execPath,
  ['--import', 'tsx', join(root, 'bin/dev.js'), 'exporter', 'node', `--web.listen-address=127.0.0.1:${portOurs}`],
  {
    readyUrl: `http://127.0.0.1:${portOurs}/metrics`,
    timeoutMs: 60_000,
    env: { ...process.env, NODE_ENV: 'development' },
  },
);
try {
  console.log(
    `${N} sequential scrapes each after ${WARMUP} warm-up scrapes; collectors: ${COLLECTOR_NAMES.join(', ')}`,
  );
  const a = await measure('promctl exporter node', ours, `http://127.0.0.1:${portOurs}/metrics`);
  if (nodeExporter) {
    const port = await freePort();
    const real = await startProc(
      nodeExporter,
      [
        `--web.listen-address=127.0.0.1:${port}`,
        '--collector.disable-defaults',
        ...COLLECTOR_NAMES.map((c) => `--collector.${c}`),
      ],
      { readyUrl: `http://127.0.0.1:${port}/metrics` },
    );
    try {
      const b = await measure('prometheus-node-exporter 1.5', real, `http://127.0.0.1:${port}/metrics`);
      console.log(
        `ratio promctl/node_exporter: latency p50 ${(a.p50 / b.p50).toFixed(2)}x, p99 ${(a.p99 / b.p99).toFixed(2)}x, cpu ${(a.cpu / b.cpu).toFixed(2)}x (lower is better for promctl)`,
      );
    } finally {
      await real.stop();
    }
  } else {
    console.log('prometheus-node-exporter not installed: no side-by-side figure');
  }
} finally {
  await ours.stop();
}

// In-process: collect + render only (what `promctl serve`'s built-in job pays per scrape).
const c = createNodeCollector();
for (let i = 0; i < WARMUP; i++) writeTextFormat((await c.scrape()).families);
const u0 = process.cpuUsage();
const t0 = performance.now();
let samples = 0;
for (let i = 0; i < N; i++) {
  const fams = (await c.scrape()).families;
  samples = fams.reduce((n, f) => n + f.samples.length, 0);
  writeTextFormat(fams);
}
const wall = (performance.now() - t0) / N;
const u = process.cpuUsage(u0);
console.log(
  `in-process collectNode+write  ${wall.toFixed(2)} ms wall, ${((u.user + u.system) / 1000 / N).toFixed(2)} ms cpu per scrape (${samples} samples)`,
);
