/**
 * Exposition parsing throughput, in samples per CPU-second (process.cpuUsage, so other processes on
 * the machine do not skew it): a node_exporter payload (node_exporter's own e2e fixture output,
 * ~3,000 series, and a live capture of prometheus-node-exporter when installed) and a generated
 * 100,000-series payload, in the text format and OpenMetrics.
 *
 * Modes:
 *   cold       every sample's labels parsed into a Labels (first scrape of a target)
 *   warm-map   seriesKey() looked up in a Map<string, ref> (a scrape cache keyed by string)
 *   warm-eager SeriesCache lookup on the raw bytes, every series' label pairs parsed and checked
 *   warm-cache the same with lazyLabels and the cache as seriesHint: a series that continues the
 *              previous scrape's order byte for byte is recognised by one comparison, its label
 *              pairs (checked when the cache learnt them) are neither scanned nor parsed again
 *
 * Reference point: `promtool check metrics` (Go: expfmt parse + lint) on the same payload, in CPU
 * time with its startup subtracted; it does more than parse, so the ratio is indicative only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Parser, ParserOptions } from '../src/lib/textparse/interface.js';
import { OpenMetricsParser } from '../src/lib/textparse/openmetricsparse.js';
import { lintExposition } from '../src/lib/textparse/lint.js';
import { PromParser } from '../src/lib/textparse/promparse.js';
import { SeriesCache } from '../src/lib/textparse/series-cache.js';
import { conformanceDir } from '../test/support/conformance.js';
import { freePort, startProc, which } from '../test/support/procs.js';

type Make = (b: Buffer, o?: ParserOptions) => Parser;
const prom: Make = (b, o) => new PromParser(b, o);
const om: Make = (b, o) => new OpenMetricsParser(b, o);

function cpuSeconds(c0: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

/**
 * Runs `fn` (one full parse) repeatedly and returns samples per CPU-second: the best of 5 windows
 * of budget/5 CPU-seconds (as timeit advises: slower windows measure the other processes of a
 * shared machine, not the code). Runs go in batches of ~10 ms so that reading the CPU clock does
 * not weigh on small payloads.
 */
function measure(samplesPerRun: number, fn: () => void, budget = 1.5): number {
  const w0 = process.cpuUsage();
  let warm = 0;
  do {
    fn(); // warm up the JIT
    warm++;
  } while (warm < 3 || cpuSeconds(w0) < 0.05);
  const batch = Math.max(1, Math.round((0.01 * warm) / cpuSeconds(w0)));
  let best = 0;
  for (let w = 0; w < 5; w++) {
    (globalThis as { gc?: () => void }).gc?.();
    const c0 = process.cpuUsage();
    let runs = 0;
    let t = 0;
    do {
      for (let i = 0; i < batch; i++) fn();
      runs += batch;
      t = cpuSeconds(c0);
    } while (t < budget / 5);
    best = Math.max(best, (runs * samplesPerRun) / t);
  }
  return best;
}

function count(make: Make, body: Buffer): number {
  const p = make(body);
  let n = 0;
  for (let e = p.next(); e !== null; e = p.next()) if (e === 'series') n++;
  return n;
}

function cold(make: Make, body: Buffer): () => void {
  return () => {
    const p = make(body);
    let s = 0;
    for (let e = p.next(); e !== null; e = p.next()) {
      if (e !== 'series') continue;
      s += p.labels().size + p.value();
    }
    if (s === -1) console.log(s);
  };
}

function warmMap(make: Make, body: Buffer): () => void {
  const cache = new Map<string, number>();
  return () => {
    const p = make(body);
    let s = 0;
    for (let e = p.next(); e !== null; e = p.next()) {
      if (e !== 'series') continue;
      const k = p.seriesKey();
      let ref = cache.get(k);
      if (ref === undefined) {
        p.labels();
        ref = cache.size;
        cache.set(k, ref);
      }
      s += ref + p.value();
    }
    if (s === -1) console.log(s);
  };
}

function warmCache(make: Make, body: Buffer, lazy: boolean): () => void {
  const cache = new SeriesCache<number>();
  return () => {
    const p = make(body, lazy ? { lazyLabels: true, seriesHint: cache } : {});
    let s = 0;
    for (let e = p.next(); e !== null; e = p.next()) {
      if (e !== 'series') continue;
      let id = cache.find(p);
      if (id < 0) {
        p.labels();
        id = cache.add(p, cache.size);
      }
      s += cache.value(id) + p.value();
    }
    if (s === -1) console.log(s);
  };
}

/** 100,000 series: 1,000 families of 100 series with typical label sets, HELP and TYPE each. */
function generate(openMetrics: boolean): Buffer {
  const lines: string[] = [];
  const methods = ['GET', 'POST', 'PUT', 'DELETE'];
  for (let f = 0; f < 1000; f++) {
    const name = `app_requests_${f}`;
    lines.push(`# HELP ${name} Requests handled by handler group ${f}.`);
    lines.push(`# TYPE ${name} counter`);
    for (let i = 0; i < 100; i++) {
      lines.push(
        `${name}_total{code="${200 + (i % 5)}",handler="/api/v1/resource/${i % 25}",instance="10.0.${f % 256}.${i}:9090",method="${methods[i % 4]}"} ${(f * 100 + i) * 17.5}`,
      );
    }
  }
  if (openMetrics) lines.push('# EOF');
  return Buffer.from(lines.join('\n') + '\n');
}

/** CPU seconds (user + sys) promtool spends on `check metrics` of `body`, startup subtracted. */
function promtoolSeconds(body: Buffer): number | null {
  const promtool = which('promtool');
  if (!promtool) return null;
  // bash's `times` prints the CPU time of its children: the only portable rusage from Node.
  const cpu = (cmd: string): number => {
    const r = spawnSync('bash', ['-c', `${cmd} >/dev/null 2>&1; times`], { input: body, encoding: 'utf8' });
    const m = r.stdout
      .trim()
      .split('\n')
      .pop()!
      .match(/(\d+)m([\d.]+)s (\d+)m([\d.]+)s/);
    return m ? Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]) : NaN;
  };
  const q = JSON.stringify(promtool);
  const startup = Math.min(
    cpu(`${q} --version </dev/null`),
    cpu(`${q} --version </dev/null`),
    cpu(`${q} --version </dev/null`),
  );
  const run = Math.min(cpu(`${q} check metrics`), cpu(`${q} check metrics`), cpu(`${q} check metrics`));
  return Number.isFinite(run) ? Math.max(1e-3, run - startup) : null;
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(0)}k`;
}

async function livePayload(): Promise<Buffer | null> {
  const bin = which('prometheus-node-exporter');
  if (!bin) return null;
  const port = await freePort();
  const proc = await startProc(bin, [`--web.listen-address=127.0.0.1:${port}`], {
    readyUrl: `http://127.0.0.1:${port}/metrics`,
  });
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { Accept: 'text/plain;version=0.0.4' } });
    return Buffer.from(await res.arrayBuffer());
  } finally {
    await proc.stop();
  }
}

async function main(): Promise<void> {
  const payloads: { name: string; body: Buffer; make: Make; promtool: boolean }[] = [];
  const ne = conformanceDir('node_exporter');
  if (ne && existsSync(join(ne, 'e2e-output.txt'))) {
    payloads.push({
      name: 'node_exporter e2e fixture (text)',
      body: readFileSync(join(ne, 'e2e-output.txt')),
      make: prom,
      promtool: true,
    });
  }
  const live = await livePayload().catch(() => null);
  if (live) payloads.push({ name: 'prometheus-node-exporter live (text)', body: live, make: prom, promtool: true });
  payloads.push({ name: 'generated 100k series (text)', body: generate(false), make: prom, promtool: true });
  payloads.push({ name: 'generated 100k series (OpenMetrics)', body: generate(true), make: om, promtool: false });

  console.log(
    'textparse: samples per CPU-second (one core, best of 5 windows); warm = repeated scrape of the same series\n',
  );
  const rows: string[][] = [
    ['payload', 'series', 'KB', 'cold', 'warm-map', 'warm-eager', 'warm-cache', 'lint', 'promtool', 'lint/promtool'],
  ];
  for (const p of payloads) {
    const n = count(p.make, p.body);
    const c = measure(n, cold(p.make, p.body));
    const wm = measure(n, warmMap(p.make, p.body));
    const we = measure(n, warmCache(p.make, p.body, false));
    const wc = measure(n, warmCache(p.make, p.body, true));
    const lint = p.promtool ? measure(n, () => void lintExposition(p.body, { format: 'prometheus-text' }), 0.6) : null;
    const pt = p.promtool ? promtoolSeconds(p.body) : null;
    const ptRate = pt ? n / pt : null;
    rows.push([
      p.name,
      String(n),
      (p.body.length / 1024).toFixed(0),
      fmt(c),
      fmt(wm),
      fmt(we),
      fmt(wc),
      lint ? fmt(lint) : '-',
      ptRate ? fmt(ptRate) : '-',
      ptRate && lint ? `${(lint / ptRate).toFixed(1)}×` : '-',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    console.log(r.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  '));
  console.log('\ntarget: ≥ 2M samples/s per core on the warm path (warm-cache).');
  console.log("lint = promctl check metrics' lintExposition (parse + promlint rules + duplicate series).");
  console.log(
    'promtool lint = CPU time of `promtool check metrics` (Go expfmt + promlint) minus its startup CPU time.',
  );
}

await main();
