/**
 * TSDB interoperability with the real Prometheus/promtool (Debian 2.42): directories written by
 * promctl are read by `promtool tsdb dump|analyze|list` and by a Prometheus server; directories
 * written by Prometheus (WAL from a live scrape, blocks from promtool create-blocks-from) are read
 * by promctl with the same content. Plus the long crash-safety run.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Labels } from '../../src/lib/model/labels.js';
import { STALE_NAN } from '../../src/lib/model/value.js';
import { Tsdb } from '../../src/lib/tsdb/db.js';
import { dumpSamples, importOpenMetrics, listBlocks } from '../../src/lib/tsdb/tools.js';
import { freePort, startProc, which } from '../support/procs.js';
import { crashRounds } from '../tsdb/fixtures/crash-runner.js';

const PROMTOOL = which('promtool');
const PROMETHEUS = which('prometheus');
const H = 3600_000;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = fs.mkdtempSync(join(tmpdir(), 'promctl-tsdb-it-'));
  dirs.push(d);
  return d;
}

/** Canonical "labels t value" lines; NaN of any kind prints as NaN (promtool prints the staleness marker as NaN). */
function canon(labels: string, t: number, v: number): string {
  return `${labels} ${t} ${Number.isNaN(v) ? 'NaN' : String(v)}`;
}

function parseGoFloat(s: string): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

function promtoolDump(dir: string): string[] {
  const r = spawnSync(PROMTOOL!, ['tsdb', 'dump', dir], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`promtool tsdb dump failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = /^(\{.*\}) (\S+) (-?\d+)$/.exec(line);
      if (!m) throw new Error(`unexpected dump line ${line}`);
      return canon(m[1]!, Number(m[3]), parseGoFloat(m[2]!));
    })
    .sort();
}

/**
 * Fragments in a WAL directory's segments (checkpoints included) by compression: walks the 7-byte
 * fragment headers page by page, as tsdb/docs/format/wal.md lays them out.
 */
function walFragments(walDir: string): { snappy: number; plain: number } {
  const out = { snappy: 0, plain: 0 };
  for (const e of fs.readdirSync(walDir, { withFileTypes: true })) {
    const p = join(walDir, e.name);
    if (e.isDirectory()) {
      const sub = walFragments(p);
      out.snappy += sub.snappy;
      out.plain += sub.plain;
      continue;
    }
    if (!/^\d{8}$/.test(e.name)) continue;
    const b = fs.readFileSync(p);
    let pos = 0;
    while (pos + 7 <= b.length) {
      const pageEnd = (Math.floor(pos / 32768) + 1) * 32768;
      if (pageEnd - pos < 7 || (b[pos]! & 7) === 0) {
        pos = pageEnd;
        continue;
      }
      if (b[pos]! & 8) out.snappy++;
      else out.plain++;
      pos += 7 + b.readUInt16BE(pos + 1);
    }
  }
  return out;
}

async function ourDump(dir: string): Promise<string[]> {
  const out: string[] = [];
  await dumpSamples(dir, (l, t, v) => out.push(canon(l.toString(), t, v)));
  return out.sort();
}

/** Writes ~5h of 15s scrapes for 40 series through promctl (blocks + head), with staleness markers. */
async function writeWithPromctl(dir: string, end: number): Promise<number> {
  const db = await Tsdb.open(dir, { logger: { info: () => {}, warn: () => {} } });
  const start = end - 5 * H;
  const refs: number[] = [];
  let n = 0;
  for (let t = start; t < end; t += 15_000) {
    const app = db.appender();
    for (let i = 0; i < 40; i++) {
      const l = Labels.fromObject({
        __name__: i < 20 ? 'http_requests_total' : 'temperature_celsius',
        instance: `host-${i % 20}`,
        job: 'it',
      });
      // Series 3 goes stale for a while: staleness markers must survive bit-exactly.
      const k = (t - start) / 15_000;
      const v = i === 3 && k % 100 === 50 ? STALE_NAN : i < 20 ? k * (i + 1) : 20 + Math.sin(k / 30) * 5 + i / 7;
      refs[i] = app.append(refs[i] ?? 0, l, t, v);
      n++;
    }
    await app.commit();
  }
  await db.compact();
  await db.close();
  return n;
}

describe.skipIf(!PROMTOOL)('tsdb interop with promtool 2.42', () => {
  it('promtool tsdb dump/list/analyze read a directory written by promctl (blocks + WAL)', async () => {
    const dir = tmp();
    const end = Math.floor(Date.now() / 15_000) * 15_000;
    const n = await writeWithPromctl(dir, end);
    // promctl's default: a snappy-compressed WAL (segments and checkpoint), as Prometheus writes it.
    expect(fs.readdirSync(join(dir, 'wal')).some((f) => f.startsWith('checkpoint.'))).toBe(true);
    expect(walFragments(join(dir, 'wal')).snappy).toBeGreaterThan(0);
    const theirs = promtoolDump(dir);
    const ours = await ourDump(dir);
    expect(ours.length).toBe(n);
    expect(theirs.length).toBe(n);
    expect(theirs).toEqual(ours);
    const list = spawnSync(PROMTOOL!, ['tsdb', 'list', dir], { encoding: 'utf8' });
    expect(list.status).toBe(0);
    const blocks = listBlocks(dir).blocks;
    expect(blocks.length).toBeGreaterThan(0);
    for (const b of blocks)
      expect(list.stdout).toMatch(
        new RegExp(
          `${b.ulid}\\s+${b.minTime}\\s+${b.maxTime}\\s+\\S+\\s+${b.stats.numSamples}\\s+${b.stats.numChunks}\\s+${b.stats.numSeries}`,
        ),
      );
    const an = spawnSync(PROMTOOL!, ['tsdb', 'analyze', dir], { encoding: 'utf8' });
    expect(an.status, an.stderr).toBe(0);
    expect(an.stdout).toContain(`Series: 40`);
    expect(an.stdout).toMatch(/Highest cardinality metric names:\n20 http_requests_total/);
  });

  it('promctl reads blocks written by promtool create-blocks-from openmetrics, and writes the same blocks', async () => {
    const base = Math.floor((Date.now() - 10 * H) / 1000);
    let om = '# HELP jobs_total Jobs.\n# TYPE jobs_total counter\n';
    for (let s = 0; s < 5; s++)
      for (let k = 0; k < 1200; k++) om += `jobs_total{kind="k${s}"} ${k * (s + 1)} ${base + k * 15}\n`;
    om += '# HELP load Load.\n# TYPE load gauge\n';
    for (let s = 0; s < 5; s++)
      for (let k = 0; k < 1200; k++)
        om += `load{cpu="${s}"} ${(Math.sin(k / 40) * 3 + s).toFixed(4)} ${base + k * 15}.5\n`;
    om += '# EOF\n';
    const file = join(tmp(), 'in.om');
    fs.writeFileSync(file, om);
    const theirDir = tmp();
    const r = spawnSync(PROMTOOL!, ['tsdb', 'create-blocks-from', 'openmetrics', file, theirDir], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    fs.mkdirSync(join(theirDir, 'wal')); // promtool tsdb dump needs one; create-blocks-from does not make it
    const ours = await ourDump(theirDir);
    expect(ours.length).toBe(12_000);
    expect(ours).toEqual(promtoolDump(theirDir));
    const ourDir = tmp();
    const res = await importOpenMetrics(fs.readFileSync(file), ourDir);
    expect(res.samples).toBe(12_000);
    fs.mkdirSync(join(ourDir, 'wal'));
    expect(promtoolDump(ourDir)).toEqual(ours);
    // Same blocks: windows, series, samples and chunks.
    const summary = (d: string): string[] =>
      listBlocks(d).blocks.map(
        (b) => `${b.minTime}-${b.maxTime} ${b.stats.numSeries}/${b.stats.numSamples}/${b.stats.numChunks}`,
      );
    expect(summary(ourDir)).toEqual(summary(theirDir));
    // Byte-identical blocks: chunk files (bit-exact XOR, same chunk cutting), index and tombstones
    // are what promtool writes; only the ULID differs.
    for (const f of [join('chunks', '000001'), 'index', 'tombstones']) {
      const files = (d: string): string[] =>
        listBlocks(d).blocks.map((b) => fs.readFileSync(join(b.dir, f)).toString('hex'));
      expect(files(ourDir), f).toEqual(files(theirDir));
    }
    const bytes = (d: string): number => listBlocks(d).blocks.reduce((a, b) => a + b.size, 0);
    console.log(
      `create-blocks-from: promtool ${bytes(theirDir)} bytes, promctl ${bytes(ourDir)} bytes (ratio ${(bytes(ourDir) / bytes(theirDir)).toFixed(3)})`,
    );
  });
});

describe.skipIf(!PROMETHEUS || !PROMTOOL)('tsdb interop with a Prometheus 2.42 server', () => {
  it('a directory written by promctl opens in Prometheus with the same samples', async () => {
    const dir = tmp();
    const end = Math.floor(Date.now() / 15_000) * 15_000;
    await writeWithPromctl(dir, end);
    expect(walFragments(join(dir, 'wal')).snappy).toBeGreaterThan(0);
    const ours = (await ourDump(dir)).filter((l) => !l.endsWith(' NaN')); // range selectors drop staleness markers
    const port = await freePort();
    const cfg = join(tmp(), 'prometheus.yml');
    fs.writeFileSync(cfg, 'global:\n  scrape_interval: 1h\n');
    const prom = await startProc(
      PROMETHEUS!,
      [`--config.file=${cfg}`, `--storage.tsdb.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`],
      { readyUrl: `http://127.0.0.1:${port}/-/ready`, timeoutMs: 60_000 },
    );
    try {
      const q = encodeURIComponent('{__name__=~".+", job="it"}[6h]');
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${q}&time=${end / 1000}`);
      const body = (await res.json()) as {
        status: string;
        data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
      };
      expect(body.status).toBe('success');
      const theirs: string[] = [];
      for (const s of body.data.result) {
        const l = Labels.fromObject(s.metric).toString();
        for (const [t, v] of s.values) theirs.push(canon(l, Math.round(t * 1000), parseGoFloat(v)));
      }
      theirs.sort();
      // The range is (end-6h, end]: our dump covers [start, end); the sample at `end` does not exist.
      expect(theirs.length).toBe(ours.length);
      expect(theirs).toEqual(ours);
    } finally {
      await prom.stop();
    }
    expect(prom.output()).not.toMatch(/level=error/);
  }, 120_000);

  it('a directory written by Prometheus (live scrape: snappy WAL, chunks_head) opens in promctl with the same content', async () => {
    const dir = tmp();
    const port = await freePort();
    const cfg = join(tmp(), 'prometheus.yml');
    fs.writeFileSync(
      cfg,
      `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`,
    );
    const prom = await startProc(
      PROMETHEUS!,
      [`--config.file=${cfg}`, `--storage.tsdb.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`],
      { readyUrl: `http://127.0.0.1:${port}/-/ready`, timeoutMs: 60_000 },
    );
    await new Promise((r) => setTimeout(r, 8000));
    await prom.stop('SIGTERM');
    // Prometheus 2.42 compresses its WAL by default: promctl must replay snappy records.
    expect(walFragments(join(dir, 'wal')).snappy).toBeGreaterThan(0);
    const theirs = promtoolDump(dir);
    expect(theirs.length).toBeGreaterThan(300);
    const ours = await ourDump(dir);
    expect(ours.length).toBe(theirs.length);
    expect(ours).toEqual(theirs);
    // And it opens read-write: promctl takes over the directory and keeps appending.
    const db = await Tsdb.open(dir, { logger: { info: () => {}, warn: () => {} } });
    expect(db.stats().headSeries).toBeGreaterThan(100);
    const app = db.appender();
    app.append(0, Labels.fromObject({ __name__: 'promctl_was_here' }), Date.now(), 1);
    await app.commit();
    await db.close();
    const dump = promtoolDump(dir);
    expect(dump.some((l) => l.startsWith('{__name__="promctl_was_here"}'))).toBe(true);
    expect(dump.length).toBe(theirs.length + 1);
    // With compression off, promctl's plain records sit beside Prometheus' compressed ones.
    const before = walFragments(join(dir, 'wal'));
    const db2 = await Tsdb.open(dir, { logger: { info: () => {}, warn: () => {} }, walCompression: false });
    const app2 = db2.appender();
    app2.append(0, Labels.fromObject({ __name__: 'promctl_plain', instance: 'x'.repeat(64) }), Date.now(), 2);
    await app2.commit();
    await db2.close();
    expect(walFragments(join(dir, 'wal')).plain).toBeGreaterThan(before.plain);
    const dump2 = promtoolDump(dir);
    expect(dump2.length).toBe(theirs.length + 2);
    expect((await ourDump(dir)).length).toBe(theirs.length + 2);
  }, 120_000);
});

describe('tsdb crash safety (long)', () => {
  it('survives 25 SIGKILLs at random points with every acked batch present', async () => {
    const r = await crashRounds(tmp(), 25);
    console.log(`crash safety: ${r.rounds} kills, ${r.acked} acked batches, ${r.stored} stored`);
    expect(r.acked).toBeGreaterThan(0);
  }, 300_000);
});
