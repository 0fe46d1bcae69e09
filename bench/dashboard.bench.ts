/**
 * CPU cost of a live dashboard: 12 panels × 10 series each, refreshing every second, rendered by Ink
 * (with the options `promctl dashboard` uses) to a 160×50 virtual terminal. Target: under 10% of one
 * core. The data comes over HTTP through the real API client, from a stand-in Prometheus API in a
 * child process (so serving the data is not counted), answering as Prometheus would: values are a
 * function of the evaluation time, instant values change every second.
 *
 * Scenarios: `1h` (the usual view: range queries move one step every 12 s, instant panels change every
 * second) and `5m` (worst case: a 1 s step, so every chart changes on every refresh). With the real
 * Prometheus installed, a third run points the same dashboard at it (scraping 120 series every
 * second) and prints the dashboard's CPU next to Prometheus' own CPU in the same window.
 *
 * CPU is CPU time (utime+stime) of this process — all its threads — and of its main thread alone
 * (from /proc), over the measured window after a warm-up, so the figure is not wall time and does not
 * include other processes. The machine is shared: the load average is printed with the figures.
 * Bytes written to the terminal per second and the number of full-screen clears show how much of the
 * screen each frame rewrites (incremental rendering: only changed lines; no clears = no flicker).
 *
 * BENCH_SECONDS (default 20) per scenario.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { Chalk } from 'chalk';
import { render } from 'ink';
import React from 'react';
import { PrometheusClient } from '../src/lib/api/client.js';
import type { Dashboard } from '../src/lib/ui/dashboard/model.js';
import { Screen } from '../src/lib/ui/dashboard/screen.js';
import { DashboardApp, INK_OPTIONS } from '../src/lib/ui/dashboard/view.js';
import { freePort, startProc, which } from '../test/support/procs.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 8000);
const COLS = 160;
const ROWS = 50;

// The stand-in Prometheus API (and a /metrics page with the same 120 series for the real one).
const serverSrc = `
import { createServer } from 'node:http';
const f = (panel, i, t) => (50 + 40 * Math.sin(t / 300 + i + panel)).toFixed(4);
const panelOf = (q) => Number(/panel="(\\d+)"/.exec(q)?.[1] ?? 0);
const series = (panel, i) => ({ __name__: 'bench_value', instance: 'host' + i + ':9100', panel: String(panel) });
const srv = createServer((req, res) => {
  const u = new URL(req.url, 'http://x');
  const p = u.searchParams;
  let body;
  if (u.pathname === '/metrics') {
    const t = Math.floor(Date.now() / 1000);
    let out = '# TYPE bench_value gauge\\n';
    for (let panel = 0; panel < 12; panel++)
      for (let i = 0; i < 10; i++) out += 'bench_value{instance="host' + i + ':9100",panel="' + panel + '"} ' + f(panel, i, t) + '\\n';
    res.setHeader('Content-Type', 'text/plain; version=0.0.4');
    return res.end(out);
  }
  if (u.pathname === '/api/v1/query_range') {
    const panel = panelOf(p.get('query'));
    const start = Number(p.get('start')), end = Number(p.get('end')), step = Number(p.get('step'));
    const result = Array.from({ length: 10 }, (_, i) => {
      const values = [];
      for (let t = start; t <= end; t += step) values.push([t, f(panel, i, t)]);
      return { metric: series(panel, i), values };
    });
    body = { status: 'success', data: { resultType: 'matrix', result } };
  } else if (u.pathname === '/api/v1/query') {
    const panel = panelOf(p.get('query'));
    const t = Number(p.get('time') ?? Date.now() / 1000);
    const result = Array.from({ length: 10 }, (_, i) => ({ metric: series(panel, i), value: [t, f(panel, i, Math.floor(t))] }));
    body = { status: 'success', data: { resultType: 'vector', result } };
  } else body = { status: 'success', data: [] };
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(body));
});
srv.listen(0, '127.0.0.1', () => console.log(srv.address().port));
`;

function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', serverSrc], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', (d: Buffer) => resolve({ child, url: `http://127.0.0.1:${String(d).trim()}` }));
  });
}

const types = ['timeseries', 'timeseries', 'stat', 'bar'] as const;
const dash: Dashboard = {
  title: 'bench',
  rows: Array.from({ length: 3 }, (_, r) => ({
    panels: Array.from({ length: 4 }, (_, p) => ({
      title: `panel ${r * 4 + p}`,
      type: types[p]!,
      unit: 'percent',
      queries: [{ expr: `bench_value{panel="${r * 4 + p}"}`, legend: '{{instance}}' }],
    })),
  })),
};

class Sink extends Writable {
  columns = COLS;
  rows = ROWS;
  isTTY = true;
  bytes = 0;
  clears = 0;
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.bytes += chunk.length;
    const s = chunk.toString();
    // Full-screen clears: ESC[2J (erase display) or ESC c (reset).
    for (let i = s.indexOf('\x1b'); i >= 0; i = s.indexOf('\x1b', i + 1))
      if (s.startsWith('\x1b[2J', i) || s.startsWith('\x1bc', i)) this.clears++;
    cb();
  }
}

/** CPU seconds per thread name of this process (main, V8 GC helpers, libuv pool, tsx's loader…). */
function threadSeconds(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${process.pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
      const name = tid === String(process.pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      out.set(name, (out.get(name) ?? 0) + (Number(f[11]) + Number(f[12])) / 100);
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** CPU seconds (utime+stime) of a process, or of one of its threads. */
function cpuSeconds(pid: number, tid?: number): number {
  const path = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
  const f = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Figures {
  cpuPct: number;
  mainPct: number;
  kibPerSec: number;
  framesPerSec: number;
  clears: number;
  threads: string;
  peerPct?: number;
}

async function run(url: string, rangeMs: number, peerPid?: number): Promise<Figures> {
  const out = new Sink();
  // A terminal-like stdin (raw mode is a no-op) so that key handling is set up as in a real terminal.
  const stdin = Object.assign(new PassThrough(), {
    isTTY: true,
    setRawMode: () => stdin,
    ref: () => stdin,
    unref: () => stdin,
  });
  let frames = 0;
  // As `promctl dashboard` does: Ink renders frames into a Screen, which writes changed lines.
  const screen = new Screen(out);
  screen.enter();
  const app = render(
    React.createElement(DashboardApp, {
      dashboard: dash,
      client: new PrometheusClient({ url }),
      refreshMs: 1000,
      rangeMs,
      initialVars: {},
      color: new Chalk({ level: 1 }),
    }),
    {
      ...INK_OPTIONS,
      stdout: screen as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
      onRender: () => frames++,
    },
  );
  await sleep(WARMUP_MS);
  const [b0, f0, c0] = [out.bytes, frames, out.clears];
  const cpu0 = process.cpuUsage();
  const main0 = cpuSeconds(process.pid, process.pid);
  const threads0 = threadSeconds();
  const peer0 = peerPid ? cpuSeconds(peerPid) : 0;
  const t0 = performance.now();
  await sleep(SECONDS * 1000);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const main = cpuSeconds(process.pid, process.pid) - main0;
  const threads = [...threadSeconds()]
    .map(([n, sec]) => [n, ((sec - (threads0.get(n) ?? 0)) / ((performance.now() - t0) / 1000)) * 100] as const)
    .filter(([, pct]) => pct >= 0.1)
    .sort((a, b) => b[1] - a[1])
    .map(([n, pct]) => `${n} ${pct.toFixed(1)}%`)
    .join(', ');
  const peer = peerPid ? cpuSeconds(peerPid) - peer0 : undefined;
  app.unmount();
  screen.leave();
  return {
    cpuPct: ((cpu.user + cpu.system) / 1e6 / wall) * 100,
    mainPct: (main / wall) * 100,
    kibPerSec: (out.bytes - b0) / 1024 / wall,
    framesPerSec: (frames - f0) / wall,
    clears: out.clears - c0,
    threads,
    ...(peer !== undefined ? { peerPct: (peer / wall) * 100 } : {}),
  };
}

function line(name: string, f: Figures): string {
  return (
    `${name.padEnd(34)} CPU ${f.cpuPct.toFixed(1).padStart(5)}% of one core (main thread ${f.mainPct.toFixed(1)}%)` +
    `  ${f.framesPerSec.toFixed(2)} frames/s  ${f.kibPerSec.toFixed(1)} KiB/s  ${f.clears} full clears` +
    (f.peerPct !== undefined ? `  | Prometheus ${f.peerPct.toFixed(1)}%` : '') +
    `\n${''.padEnd(34)} by thread: ${f.threads}`
  );
}

const load0 = loadavg()[0]!;
const server = await startServer();
const results: [string, Figures][] = [];
try {
  results.push(['range 1h (chart step 12s)', await run(server.url, 3600_000)]);
  results.push(['range 5m (worst: every chart moves)', await run(server.url, 300_000)]);

  if (which('prometheus')) {
    const dir = mkdtempSync(join(tmpdir(), 'promctl-dash-bench-'));
    const port = await freePort();
    writeFileSync(
      join(dir, 'p.yml'),
      `global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: bench\n    static_configs: [{targets: ['${new URL(server.url).host}']}]\n`,
    );
    const prom = await startProc(
      'prometheus',
      [
        `--config.file=${join(dir, 'p.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { readyUrl: `http://127.0.0.1:${port}/-/ready` },
    );
    try {
      await sleep(5000); // a few scrapes
      results.push(['real Prometheus 2.x, range 5m', await run(`http://127.0.0.1:${port}`, 300_000, prom.child.pid)]);
    } finally {
      await prom.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  } else console.log('(prometheus not installed: no run against it)');
} finally {
  server.child.kill();
}

console.log(
  `dashboard: 12 panels x 10 series, 1s refresh, ${COLS}x${ROWS} terminal, ${SECONDS}s per run after ${WARMUP_MS / 1000}s warm-up; target < 10% of one core`,
);
for (const [name, f] of results) console.log(line(name, f));
const real = results.find(([n]) => n.startsWith('real'))?.[1];
if (real?.peerPct)
  console.log(
    `ratio dashboard / Prometheus CPU in the same window: ${(real.cpuPct / real.peerPct).toFixed(2)} (Prometheus scrapes 120 series at 1s and answers the 12 queries/s)`,
  );
console.log(
  `machine: load average ${load0.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at end (2 cores shared; figures inflate under load)`,
);
process.exit(0);
