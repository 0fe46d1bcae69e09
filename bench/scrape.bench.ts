/**
 * Scrape path benchmark: CPU time per million scraped samples for the whole
 * HTTP → parse → (target labels + metric relabel) → append path, with a cold scrape cache (every
 * series parsed and relabeled) and a warm one (cache hits), on 10k and 100k series payloads served
 * by a separate process over HTTP; plus the same path without HTTP (body in memory).
 *
 * Side by side: the real Prometheus (when installed) scrapes the same 100k payload; its
 * scrape_duration_seconds (wall time, including appends to its TSDB head) is printed next to
 * ours (wall time, no-op storage). The figures are not the same measurement; the ratio is a
 * rough guide, not a verdict.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpClient } from '../src/lib/discovery/http-client.js';
import { resolveJob } from '../src/lib/scrape/config.js';
import { ScrapeCache } from '../src/lib/scrape/cache.js';
import { ScrapeLoop } from '../src/lib/scrape/loop.js';
import { HttpScraper } from '../src/lib/scrape/scraper.js';
import { populateLabels, Target } from '../src/lib/scrape/target.js';
import type { Appendable, Appender } from '../src/lib/storage/interface.js';
import { acceptHeader } from '../src/lib/textparse/negotiate.js';

function payload(series: number): string {
  const lines: string[] = [];
  const perFamily = 100;
  for (let f = 0; f < series / perFamily; f++) {
    const name = `bench_metric_${f}_total`;
    lines.push(`# HELP ${name} Benchmark counter ${f}.`, `# TYPE ${name} counter`);
    for (let i = 0; i < perFamily; i++) {
      lines.push(
        `${name}{instance_id="i-${(i * 7919) % 1000}",path="/api/v1/resource/${i}",method="GET",code="200"} ${f * 1000 + i}.5`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

class NoopAppendable implements Appendable {
  n = 0;
  appender(): Appender {
    return {
      append: (ref) => {
        this.n++;
        return ref === 0 ? this.n : ref;
      },
      commit: async () => {},
      rollback: async () => {},
    };
  }
}

const SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const body = fs.readFileSync(process.argv[1]);
const s = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': body.length });
  res.end(body);
});
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;

async function startServer(file: string): Promise<{ port: number; stop: () => void }> {
  const child = spawn(process.execPath, ['-e', SERVER, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) =>
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
  );
  return { port, stop: () => child.kill() };
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function mkLoop(port: number, series: number) {
  const job = resolveJob({
    job_name: 'bench',
    scrape_interval: '10s',
    scrape_timeout: '10s',
    metric_relabel_configs: [
      { source_labels: ['__name__'], regex: 'go_.*', action: 'drop' },
      { source_labels: ['code'], target_label: 'status_class', regex: '(\\d)..', replacement: '${1}xx' },
    ],
  });
  const r = populateLabels(job, { __address__: `127.0.0.1:${port}` }, {});
  const target = new Target(r.labels!, r.discovered!, {});
  const client = createHttpClient({});
  const scraper = new HttpScraper({
    url: target.url(),
    client,
    acceptHeader: acceptHeader(job.scrapeProtocols),
    timeoutMs: 10_000,
    bodySizeLimit: 0,
    enableCompression: false,
  });
  const app = new NoopAppendable();
  void series;
  return { job, target, scraper, app, client };
}

interface Fig {
  cpuPerMillion: number;
  samplesPerSec: number;
  wallMs: number;
}

async function measure(label: string, series: number, rounds: number, run: () => Promise<number>): Promise<Fig> {
  // One untimed round for JIT warm-up.
  await run();
  globalThis.gc?.();
  const c0 = cpuMs();
  const w0 = performance.now();
  let samples = 0;
  for (let i = 0; i < rounds; i++) samples += await run();
  const cpu = cpuMs() - c0;
  const wall = performance.now() - w0;
  const fig = {
    cpuPerMillion: (cpu / samples) * 1e6,
    samplesPerSec: samples / (cpu / 1000),
    wallMs: wall / rounds,
  };
  console.log(
    `${label.padEnd(34)} ${String(series).padStart(7)} series  ${fig.cpuPerMillion.toFixed(0).padStart(6)} ms CPU / 1M samples  ${(fig.samplesPerSec / 1e6).toFixed(2).padStart(5)} M samples/s/core  ${fig.wallMs.toFixed(1).padStart(7)} ms/scrape`,
  );
  return fig;
}

async function prometheusScrapeDuration(port: number): Promise<number | null> {
  const prom = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).stdout.trim();
  if (!prom) return null;
  const dir = mkdtempSync(join(tmpdir(), 'promctl-bench-prom-'));
  const promPort = await new Promise<number>((resolve) => {
    const s = createNetServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global: {scrape_interval: 2s, scrape_timeout: 2s}\nscrape_configs:\n  - job_name: bench\n    static_configs: [{targets: ['127.0.0.1:${port}']}]\n    metric_relabel_configs:\n      - {source_labels: [__name__], regex: 'go_.*', action: drop}\n      - {source_labels: [code], target_label: status_class, regex: '(\\d)..', replacement: '\${1}xx'}\n`,
  );
  const child = spawn(
    prom,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ],
    { stdio: 'ignore' },
  );
  try {
    const q = async () => {
      const r = await fetch(
        `http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent('scrape_duration_seconds{job="bench"}')}`,
      );
      const j = (await r.json()) as { data: { result: { value: [number, string] }[] } };
      return j.data.result.length ? Number(j.data.result[0]!.value[1]) : null;
    };
    const vals: number[] = [];
    const end = Date.now() + 30_000;
    let last: number | null = null;
    while (Date.now() < end && vals.length < 6) {
      await new Promise((r) => setTimeout(r, 1000));
      const v = await q().catch(() => null);
      if (v !== null && v !== last) {
        vals.push(v);
        last = v;
      }
    }
    // Skip the first (cold) scrape.
    const warm = vals.slice(1);
    return warm.length ? (warm.reduce((a, b) => a + b, 0) / warm.length) * 1000 : null;
  } finally {
    child.kill();
    await new Promise((r) => setTimeout(r, 300));
    rmSync(dir, { recursive: true, force: true });
  }
}

const dir = mkdtempSync(join(tmpdir(), 'promctl-bench-scrape-'));
try {
  console.log('scrape → parse → relabel → append (no-op storage); CPU of this process only');
  console.log(
    `machine: ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(1)} (figures inflate under load); metric_relabel_configs: 2 rules`,
  );
  let warm100k: Fig | null = null;
  let port100k = 0;
  const servers: { stop: () => void }[] = [];
  for (const series of [10_000, 100_000]) {
    const file = join(dir, `p${series}.txt`);
    const text = payload(series);
    writeFileSync(file, text);
    const srv = await startServer(file);
    servers.push(srv);
    const rounds = series === 10_000 ? 20 : 6;

    await measure('HTTP, cold cache', series, rounds, async () => {
      const { job, target, scraper, app, client } = mkLoop(srv.port, series);
      const loop = new ScrapeLoop({ target, job, appendable: app, scraper, cache: new ScrapeCache() });
      const r = await loop.scrapeAndReport(Date.now());
      await client.close();
      if (r.error) throw new Error(r.error);
      return r.total;
    });
    const w = mkLoop(srv.port, series);
    const warmLoop = new ScrapeLoop({ target: w.target, job: w.job, appendable: w.app, scraper: w.scraper });
    let t = Date.now();
    const warm = await measure('HTTP, warm cache', series, rounds, async () => {
      const r = await warmLoop.scrapeAndReport((t += 10_000));
      if (r.error) throw new Error(r.error);
      return r.total;
    });
    await w.client.close();

    const body = Buffer.from(text);
    const m = mkLoop(srv.port, series);
    const memLoop = new ScrapeLoop({ target: m.target, job: m.job, appendable: m.app, scraper: m.scraper });
    await measure('in-memory body, cold cache', series, rounds, async () => {
      const loop = new ScrapeLoop({ target: m.target, job: m.job, appendable: m.app, scraper: m.scraper });
      const app = m.app.appender();
      const r = loop.append(app, body, 'text/plain; version=0.0.4', (t += 10_000));
      await app.commit();
      return r.total;
    });
    await measure('in-memory body, warm cache', series, rounds, async () => {
      const app = m.app.appender();
      const r = memLoop.append(app, body, 'text/plain; version=0.0.4', (t += 10_000));
      await app.commit();
      return r.total;
    });
    await m.client.close();
    if (series === 100_000) {
      warm100k = warm;
      port100k = srv.port;
    }
  }
  const promMs = await prometheusScrapeDuration(port100k);
  if (promMs === null) console.log('prometheus not installed: no side-by-side figure');
  else if (warm100k) {
    console.log(
      `100k series, warm scrape wall time: promctl ${warm100k.wallMs.toFixed(1)} ms (no-op storage) vs Prometheus ${promMs.toFixed(1)} ms (scrape_duration_seconds, TSDB head appends) → ratio promctl/Prometheus ${(warm100k.wallMs / promMs).toFixed(2)}`,
    );
  }
  for (const s of servers) s.stop();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
