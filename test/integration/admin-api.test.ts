/**
 * The TSDB admin API of `promctl serve --web.enable-admin-api`, next to the real Prometheus 2.42
 * with the same flag, each scraping itself every second:
 * - every endpoint answers as Prometheus does (status, content type, body) for errors and success;
 * - deleted samples are gone from query results, before and after a restart of promctl, exactly
 *   where Prometheus drops them too; the tombstones Prometheus logs in its WAL are honoured by
 *   `promctl query --data-dir` on its directory;
 * - a snapshot is a TSDB directory that promtool, the real Prometheus and `promctl query --data-dir`
 *   read, without the deleted samples;
 * - a block's tombstones written by promctl are honoured by promtool (tsdb dump).
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Labels } from '../../src/lib/model/labels.js';
import { Matcher } from '../../src/lib/model/matcher.js';
import { Tsdb } from '../../src/lib/tsdb/db.js';
import { freePort, repoRootBin, startProc, startServe, until, which, type Proc } from '../support/procs.js';

const have = which('prometheus') && which('promtool');
if (!have) console.warn('admin API integration: prometheus or promtool missing; skipped');

let dir = '';
let cPort = 0;
let promctlUrl = '';
let promUrl = '';
let promctl: Proc | undefined;
const procs: Proc[] = [];

function startPromctl(): Promise<Proc> {
  return startServe(dir, cPort, ['--web.enable-admin-api']);
}

function startPrometheus(data: string, port: number, config: string): Promise<Proc> {
  return startProc(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${data}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-admin-api',
    ],
    { readyUrl: `http://127.0.0.1:${port}/-/ready` },
  );
}

/** Sample counts per job of `count_over_time(up[1h])` at time t (s). */
async function counts(url: string, t: number): Promise<Record<string, number>> {
  const r = (await (
    await fetch(`${url}/api/v1/query?query=${encodeURIComponent('count_over_time(up[1h])')}&time=${t}`)
  ).json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  expect(r.status).toBe('success');
  return Object.fromEntries(r.data.result.map((x) => [x.metric.job!, Number(x.value[1])]));
}

async function call(
  url: string,
  method: string,
  path: string,
): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`${url}/api/v1/admin/tsdb/${path}`, { method });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? -1) : 0, stdout, stderr }),
    );
  });
}

describe.skipIf(!have)('TSDB admin API against the real Prometheus', () => {
  /** End of the deleted range (s): samples at or before it are deleted on both servers. */
  let cut = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'promctl-admin-it-'));
    cPort = await freePort();
    promctlUrl = `http://127.0.0.1:${cPort}`;
    const pPort = await freePort();
    promUrl = `http://127.0.0.1:${pPort}`;
    const conf = (port: number): string =>
      `global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: self\n    static_configs: [{targets: ['127.0.0.1:${port}']}]\n`;
    writeFileSync(join(dir, 'promctl.yml'), conf(cPort));
    writeFileSync(join(dir, 'prometheus.yml'), conf(pPort));
    promctl = await startPromctl();
    procs.push(await startPrometheus(join(dir, 'prom-data'), pPort, join(dir, 'prometheus.yml')));
    const now = (): number => Date.now() / 1000;
    for (const url of [promctlUrl, promUrl])
      await until('samples of up', async () => ((await counts(url, now())).self! >= 5 ? true : undefined), 60_000, 500);
  });

  afterAll(async () => {
    await promctl?.stop();
    for (const p of procs.reverse()) await p.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers errors and successes as Prometheus does', async () => {
    const cases: [string, string][] = [
      ['POST', 'delete_series'],
      ['POST', 'delete_series?match[]=up%7B'],
      ['POST', 'delete_series?match[]=up&start=abc'],
      ['POST', 'delete_series?match[]=up&end=abc'],
      ['POST', 'delete_series?match[]=no_such_metric'],
      ['PUT', 'delete_series?match[]=no_such_metric&start=10&end=5'],
      ['POST', 'delete_series?match[]=%7Bjob%3D%22none%22%7D&match[]=no_such_metric&start=2020-01-01T00:00:00Z'],
      ['POST', 'clean_tombstones'],
      ['PUT', 'clean_tombstones'],
      ['POST', 'snapshot?skip_head=xyz'],
    ];
    for (const [method, path] of cases) {
      const want = await call(promUrl, method, path);
      const got = await call(promctlUrl, method, path);
      expect({ method, path, ...got }).toEqual({ method, path, ...want });
    }
    expect((await call(promctlUrl, 'POST', 'clean_tombstones')).status).toBe(204);
    for (const path of ['delete_series?match[]=up', 'clean_tombstones', 'snapshot']) {
      expect((await call(promctlUrl, 'GET', path)).status).toBe((await call(promUrl, 'GET', path)).status);
    }
  });

  it('drops the deleted samples from query results, also after a restart', async () => {
    // A cut 3s back (scrapes in flight stay out of the range) with samples before it on both.
    cut = await until('three samples before the cut on both servers', async () => {
      const t = Math.floor(Date.now() / 1000) - 3;
      const a = (await counts(promctlUrl, t)).self ?? 0;
      const b = (await counts(promUrl, t)).self ?? 0;
      return a >= 3 && b >= 3 ? t : undefined;
    });
    for (const url of [promctlUrl, promUrl]) {
      const r = await call(url, 'POST', `delete_series?match[]=up&start=${cut - 3600}&end=${cut}`);
      expect(r.status).toBe(204);
      expect(r.body).toBe('');
    }
    // Nothing left at or before the cut on either server; later samples are kept.
    expect(await counts(promctlUrl, cut)).toEqual({});
    expect(await counts(promUrl, cut)).toEqual({});
    const later = cut + 2;
    await until('samples after the cut', async () => (Date.now() / 1000 > later + 1 ? true : undefined));
    expect((await counts(promctlUrl, later)).self).toBeGreaterThanOrEqual(1);
    expect((await counts(promctlUrl, later)).self).toBeLessThanOrEqual(3);

    // Restart promctl on the same directory: the tombstones come back from the WAL.
    await promctl!.stop();
    promctl = await startPromctl();
    expect(await counts(promctlUrl, cut)).toEqual({});
    expect((await counts(promctlUrl, later)).self).toBeGreaterThanOrEqual(1);

    // The other way round: the tombstones Prometheus logged in its WAL are honoured by promctl.
    await procs[0]!.stop();
    const fromProm = async (t: number): Promise<unknown[]> => {
      const r = await run(process.execPath, [
        repoRootBin,
        'query',
        'count_over_time(up[1h])',
        '--time',
        String(t),
        '--data-dir',
        join(dir, 'prom-data'),
        '--json',
      ]);
      expect(r.stderr).toBe('');
      return (JSON.parse(r.stdout) as { result: unknown[] }).result;
    };
    expect(await fromProm(cut)).toEqual([]);
    expect(await fromProm(later)).toHaveLength(1);
  });

  it('writes snapshots that promtool, Prometheus and promctl query --data-dir read', async () => {
    const r = await call(promctlUrl, 'POST', 'snapshot');
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/json');
    const m = /^\{"status":"success","data":\{"name":"(\d{8}T\d{6}Z-[0-7][0-9a-f]{15})"\}\}$/.exec(r.body);
    expect(m).not.toBeNull();
    const snap = join(dir, 'promctl-data', 'snapshots', m![1]!);
    const blocks = readdirSync(snap);
    expect(blocks).toHaveLength(1); // no blocks yet: the head, written as one

    const list = execFileSync('promtool', ['tsdb', 'list', snap], { encoding: 'utf8' });
    expect(list).toContain(blocks[0]!);
    const taken = Date.now() / 1000;

    // promctl query --data-dir: the deleted samples stay deleted in the snapshot.
    const q = await run(process.execPath, [
      repoRootBin,
      'query',
      'count_over_time(up[1h])',
      '--time',
      String(taken),
      '--data-dir',
      snap,
      '--json',
    ]);
    expect(q.stderr).toBe('');
    const res = JSON.parse(q.stdout) as { result: { value: [number, string] }[] };
    expect(res.result).toHaveLength(1);
    const inSnapshot = Number(res.result[0]!.value[1]);
    expect(inSnapshot).toBeGreaterThanOrEqual(1);
    const atCut = await run(process.execPath, [
      repoRootBin,
      'query',
      'count_over_time(up[1h])',
      '--time',
      String(cut),
      '--data-dir',
      snap,
      '--json',
    ]);
    expect((JSON.parse(atCut.stdout) as { result: unknown[] }).result).toEqual([]);

    // The real Prometheus opens (a copy of) the snapshot and sees the same.
    const copy = join(dir, 'snap-copy');
    cpSync(snap, copy, { recursive: true });
    writeFileSync(join(dir, 'empty.yml'), 'global: {scrape_interval: 1m}\n');
    const port = await freePort();
    const p = await startPrometheus(copy, port, join(dir, 'empty.yml'));
    try {
      const url = `http://127.0.0.1:${port}`;
      expect(await counts(url, cut)).toEqual({});
      expect(await counts(url, taken)).toEqual({ self: inSnapshot });
    } finally {
      await p.stop();
    }

    // skip_head: blocks only (none yet), still a directory promtool lists.
    const s2 = await call(promctlUrl, 'POST', 'snapshot?skip_head=true');
    expect(s2.status).toBe(200);
    const snap2 = join(dir, 'promctl-data', 'snapshots', (JSON.parse(s2.body) as { data: { name: string } }).data.name);
    expect(readdirSync(snap2)).toEqual([]);
    expect(execFileSync('promtool', ['tsdb', 'list', snap2], { encoding: 'utf8' })).toMatch(/^BLOCK ULID/);
  });

  it("promtool honours the tombstones promctl writes into a block, and clean_tombstones' rewrite", async () => {
    const d = join(dir, 'blocks');
    const T0 = 1_700_006_400_000;
    let db = await Tsdb.open(d, { autoCompact: false });
    for (let k = 0; k < 240; k++) {
      const app = db.appender();
      for (const job of ['a', 'b']) app.append(0, Labels.fromObject({ __name__: 'x', job }), T0 + k * 30_000, k);
      await app.commit();
    }
    await db.persistHead(T0, T0 + 2 * 3600_000);
    await db.delete(T0 + 600_000, T0 + 1_200_000, [new Matcher('=', 'job', 'b')]);
    await db.close();
    const dump = (): string[] =>
      execFileSync('promtool', ['tsdb', 'dump', d], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.startsWith('{'));
    const expected = (job: string, from: number, to: number): string[] => {
      const out: string[] = [];
      for (let k = 0; k < 240; k++) {
        const t = T0 + k * 30_000;
        if (t < from || t > to) out.push(`{__name__="x", job="${job}"} ${k} ${t}`);
      }
      return out;
    };
    const want = [...expected('a', Infinity, -Infinity), ...expected('b', T0 + 600_000, T0 + 1_200_000)];
    expect(dump()).toEqual(want);
    db = await Tsdb.open(d, { autoCompact: false });
    await db.cleanTombstones();
    await db.close();
    expect(dump()).toEqual(want);
    const list = execFileSync('promtool', ['tsdb', 'list', d], { encoding: 'utf8' }).trim().split('\n');
    expect(list).toHaveLength(2);
    expect(list[1]!.split(/\s+/)[4]).toBe(String(want.length));
    expect(existsSync(join(d, 'wal'))).toBe(true);
  });
});
