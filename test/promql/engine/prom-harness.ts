/**
 * A real Prometheus over generated data, for the differential test and the benchmark: writes the
 * data as OpenMetrics, imports it with `promtool tsdb create-blocks-from openmetrics`, starts
 * `prometheus` on a free 127.0.0.1 port with a config that scrapes nothing, and queries it over
 * its HTTP API. Results of both engines are normalised to one comparable shape.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Labels } from '../../../src/lib/model/labels.js';
import type { QueryValue } from '../../../src/lib/promql/engine/types.js';
import { freePort, startProc, which, type Proc } from '../../support/procs.js';
import { writeOpenMetrics, type GenSeries } from './gen-data.js';

export interface Norm {
  kind: 'scalar' | 'vector' | 'matrix' | 'string';
  /** labels string → points [tMs, value] */
  series: Map<string, [number, number][]>;
}

export function promAvailable(): string | null {
  if (!which('prometheus')) return 'prometheus binary not found (test/integration/setup.sh installs it)';
  if (!which('promtool')) return 'promtool binary not found (test/integration/setup.sh installs it)';
  return null;
}

export class PromHarness {
  private constructor(
    readonly dir: string,
    readonly url: string,
    private readonly proc: Proc,
  ) {}

  static async start(series: Iterable<GenSeries>): Promise<PromHarness> {
    const dir = mkdtempSync(join(tmpdir(), 'promctl-promql-'));
    const om = join(dir, 'data.om');
    await writeOpenMetrics(om, series);
    const r = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', om, join(dir, 'data')], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    if (r.status !== 0) throw new Error(`promtool failed: ${r.stderr || r.stdout}`);
    rmSync(om);
    writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\nscrape_configs: []\n');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const proc = await startProc(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=100y',
        '--log.level=warn',
      ],
      { readyUrl: `${url}/-/ready`, timeoutMs: 60_000 },
    );
    return new PromHarness(dir, url, proc);
  }

  async query(expr: string, t: number): Promise<{ data?: unknown; error?: string }> {
    return this.get('/api/v1/query', { query: expr, time: String(t / 1000) });
  }

  async queryRange(
    expr: string,
    start: number,
    end: number,
    step: number,
  ): Promise<{ data?: unknown; error?: string }> {
    return this.get('/api/v1/query_range', {
      query: expr,
      start: String(start / 1000),
      end: String(end / 1000),
      step: String(step / 1000),
    });
  }

  private async get(path: string, params: Record<string, string>): Promise<{ data?: unknown; error?: string }> {
    const res = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    const body = (await res.json()) as { status: string; data?: unknown; error?: string };
    if (body.status !== 'success') return { error: body.error ?? `HTTP ${res.status}` };
    return { data: body.data };
  }

  async stop(): Promise<void> {
    await this.proc.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const parseVal = (s: string): number => (s === '+Inf' ? Infinity : s === '-Inf' ? -Infinity : Number(s));

function labelsKey(o: Record<string, string>): string {
  return Object.keys(o)
    .sort()
    .map((k) => `${k}=${JSON.stringify(o[k])}`)
    .join(',');
}

/** Normalises a Prometheus API `data` object. */
export function normProm(data: unknown): Norm {
  const d = data as { resultType: string; result: unknown };
  const series = new Map<string, [number, number][]>();
  switch (d.resultType) {
    case 'scalar':
    case 'string': {
      const [t, v] = d.result as [number, string];
      series.set('', [[Math.round(t * 1000), d.resultType === 'scalar' ? parseVal(v) : NaN]]);
      return { kind: d.resultType, series };
    }
    case 'vector':
      for (const s of d.result as { metric: Record<string, string>; value: [number, string] }[])
        series.set(labelsKey(s.metric), [[Math.round(s.value[0] * 1000), parseVal(s.value[1])]]);
      return { kind: 'vector', series };
    default:
      for (const s of d.result as { metric: Record<string, string>; values: [number, string][] }[])
        series.set(
          labelsKey(s.metric),
          s.values.map(([t, v]) => [Math.round(t * 1000), parseVal(v)]),
        );
      return { kind: 'matrix', series };
  }
}

/** Normalises a promctl engine result. */
export function normOurs(v: QueryValue): Norm {
  const series = new Map<string, [number, number][]>();
  const key = (l: Labels): string => labelsKey(l.toObject());
  switch (v.type) {
    case 'scalar':
      series.set('', [[v.t, v.v]]);
      return { kind: 'scalar', series };
    case 'string':
      series.set('', [[v.t, NaN]]);
      return { kind: 'string', series };
    case 'vector':
      for (const s of v.samples) series.set(key(s.metric), [[s.t, s.v]]);
      return { kind: 'vector', series };
    case 'matrix':
      for (const s of v.series)
        series.set(
          key(s.metric),
          Array.from(s.ts, (t, i) => [t, s.vs[i]!] as [number, number]),
        );
      return { kind: 'matrix', series };
  }
}

function close(a: number, b: number, rel: number): boolean {
  if (a === b) return true;
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  const diff = Math.abs(a - b);
  return diff <= 1e-9 || diff / Math.max(Math.abs(a), Math.abs(b)) <= rel;
}

/** '' when equal (within the relative float tolerance `rel`), else a short description of the first differences. */
export function diffNorm(ours: Norm, theirs: Norm, rel = 1e-6): string {
  if (ours.kind !== theirs.kind) return `result type ${ours.kind} vs Prometheus ${theirs.kind}`;
  const out: string[] = [];
  for (const [k, pts] of theirs.series) {
    const mine = ours.series.get(k);
    if (!mine) {
      out.push(`missing {${k}} (${pts.length} points)`);
      continue;
    }
    if (mine.length !== pts.length) {
      out.push(`{${k}}: ${mine.length} points vs Prometheus ${pts.length}`);
      continue;
    }
    for (let i = 0; i < pts.length; i++) {
      if (mine[i]![0] !== pts[i]![0] || !close(mine[i]![1], pts[i]![1], rel)) {
        out.push(`{${k}} @${pts[i]![0] / 1000}: ${mine[i]![1]} vs Prometheus ${pts[i]![1]} (t ${mine[i]![0] / 1000})`);
        break;
      }
    }
  }
  for (const k of ours.series.keys()) if (!theirs.series.has(k)) out.push(`extra {${k}}`);
  return out.slice(0, 3).join('; ');
}
