/**
 * Offline tools over a TSDB directory, behind `promctl tsdb …` (like promtool tsdb): list blocks,
 * analyze cardinality, dump samples, and backfill blocks from an OpenMetrics file.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { Labels, compareStrings } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import { ValueType } from '../storage/interface.js';
import { OpenMetricsParser } from '../textparse/openmetricsparse.js';
import { ParseError } from '../textparse/interface.js';
import { Block, writeBlock, type BlockSeries } from './block/block.js';
import { isUlid, type BlockMeta } from './block/meta.js';
import { Encoding, encodeXor } from './chunkenc/xor.js';
import { cutChunkRanges } from './head/head.js';
import { NotATsdbError, TsdbError } from './errors.js';
import { Tsdb, unexpectedEntries, type TsdbLogger } from './db.js';

export interface BlockInfo extends BlockMeta {
  size: number;
  dir: string;
}

export interface ListResult {
  blocks: BlockInfo[];
  corrupted: { ulid: string; error: string }[];
}

/** The blocks of a data directory (meta.json of each), oldest first. Corrupted blocks are reported. */
export function listBlocks(dir: string): ListResult {
  assertTsdbDir(dir);
  const out: ListResult = { blocks: [], corrupted: [] };
  for (const name of fs.readdirSync(dir).filter(isUlid).sort()) {
    try {
      const b = Block.open(join(dir, name));
      out.blocks.push({ ...b.meta, size: b.size(), dir: b.dir });
      b.close();
    } catch (e) {
      out.corrupted.push({ ulid: name, error: (e as Error).message });
    }
  }
  out.blocks.sort((a, b) => a.minTime - b.minTime);
  return out;
}

function assertTsdbDir(dir: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new TsdbError(`${dir}: no such directory`);
    throw e;
  }
  if (!st.isDirectory()) throw new NotATsdbError(dir, ['(not a directory)']);
  const unexpected = unexpectedEntries(fs.readdirSync(dir));
  if (unexpected.length) throw new NotATsdbError(dir, unexpected);
}

export interface Cardinality {
  name: string;
  count: number;
}

export interface AnalyzeResult {
  block: { ulid: string; minTime: number; maxTime: number; durationMs: number; numSeries: number };
  labelNames: number;
  postings: number;
  postingsEntries: number;
  /** Label pairs by summed uncovered time of their series, in block durations (churn, as promtool). */
  churnLabelPairs: Cardinality[];
  /** Label names by number of distinct values. */
  labelNamesByValueCount: Cardinality[];
  /** Label pairs by number of series. */
  labelPairsBySeries: Cardinality[];
  /** Metric names by number of series. */
  metricsBySeries: Cardinality[];
  /** Label names by total bytes of their values (memory proxy). */
  labelNamesByValueBytes: Cardinality[];
}

function top(m: Map<string, number>, limit: number): Cardinality[] {
  return [...m]
    .map(([name, count]) => ({ name, count }))
    .sort((a, b) => b.count - a.count || compareStrings(a.name, b.name))
    .slice(0, limit);
}

/** Cardinality analysis of one block (the newest by default), like promtool tsdb analyze. */
export function analyzeBlock(
  dir: string,
  ulid?: string,
  limit = 20,
  onProgress?: (n: number, total: number) => void,
): AnalyzeResult {
  const { blocks } = listBlocks(dir);
  if (!blocks.length) throw new TsdbError(`${dir}: no blocks to analyze`);
  const info = ulid ? blocks.find((b) => b.ulid === ulid) : blocks[blocks.length - 1];
  if (!info) throw new TsdbError(`${dir}: no block ${ulid}`);
  const b = Block.open(info.dir);
  try {
    const ix = b.index;
    const all = ix.allPostings();
    const churn = new Map<string, number>();
    const pairs = new Map<string, number>();
    const metrics = new Map<string, number>();
    let postings = 0;
    let entries = 0;
    const names = ix.labelNames();
    const valueCount = new Map<string, number>();
    const valueBytes = new Map<string, number>();
    for (const n of names) {
      const vals = ix.labelValues(n);
      valueCount.set(n, vals.length);
      valueBytes.set(
        n,
        vals.reduce((a, v) => a + Buffer.byteLength(v), 0),
      );
      postings += vals.length;
    }
    for (let i = 0; i < all.length; i++) {
      const s = ix.series(all[i]!);
      const first = s.chunks[0];
      const last = s.chunks[s.chunks.length - 1];
      // As promtool: the part of the block's time range this series does not cover.
      const uncovered =
        first !== undefined && last !== undefined ? b.maxTime - b.minTime - (last.maxt - first.mint) : 0;
      s.labels.forEach((n, v) => {
        const k = `${n}=${v}`;
        entries++;
        pairs.set(k, (pairs.get(k) ?? 0) + 1);
        churn.set(k, (churn.get(k) ?? 0) + uncovered);
      });
      const m = s.labels.metricName();
      if (m) metrics.set(m, (metrics.get(m) ?? 0) + 1);
      if (onProgress && i % 10000 === 0) onProgress(i, all.length);
    }
    const dur = Math.max(1, b.maxTime - b.minTime);
    for (const [k, v] of churn) churn.set(k, Math.floor(v / dur));
    return {
      block: {
        ulid: b.ulid,
        minTime: b.minTime,
        maxTime: b.maxTime,
        durationMs: b.maxTime - b.minTime,
        numSeries: all.length,
      },
      labelNames: names.length,
      postings,
      postingsEntries: entries,
      churnLabelPairs: top(churn, limit),
      labelNamesByValueCount: top(valueCount, limit),
      labelPairsBySeries: top(pairs, limit),
      metricsBySeries: top(metrics, limit),
      labelNamesByValueBytes: top(valueBytes, limit),
    };
  } finally {
    b.close();
  }
}

export interface DumpOptions {
  matchers?: Matcher[];
  mint?: number;
  maxt?: number;
  logger?: TsdbLogger;
}

/**
 * Every sample of the series matching the matchers (all series by default), blocks and WAL (head)
 * merged, in promtool dump's line format: `{labels} value timestamp`.
 */
export async function dumpSamples(
  dir: string,
  onLine: (labels: Labels, t: number, v: number) => void,
  opts: DumpOptions = {},
): Promise<{ series: number; samples: number; warnings: string[] }> {
  assertTsdbDir(dir);
  const db = await Tsdb.open(dir, { readOnly: true, autoCompact: false, logger: opts.logger });
  try {
    const q = await db.querier(opts.mint ?? -Number.MAX_SAFE_INTEGER, opts.maxt ?? Number.MAX_SAFE_INTEGER);
    const ms = opts.matchers?.length ? opts.matchers : [new Matcher('=~', '__name__', '.+')];
    const ss = await q.select(true, undefined, ms);
    let series = 0;
    let samples = 0;
    while (ss.next()) {
      const s = ss.at();
      series++;
      const it = s.iterator();
      while (it.next() === ValueType.Float) {
        onLine(s.labels, it.t, it.v);
        samples++;
      }
      if (it.err()) throw it.err();
    }
    if (ss.err()) throw ss.err();
    const warnings = [...ss.warnings(), ...db.corruptedBlocks.map((b) => `skipped corrupted block ${b}`)];
    await q.close();
    return { series, samples, warnings };
  } finally {
    await db.close();
  }
}

export interface ImportOptions {
  /** Block duration (ms); default 2h (promtool's --max-block-duration default). */
  blockDuration?: number;
  onProgress?: (phase: 'parse' | 'write', done: number, total: number) => void;
}

export interface ImportResult {
  blocks: BlockMeta[];
  series: number;
  samples: number;
}

/**
 * Backfills blocks from an OpenMetrics exposition with timestamps (like promtool tsdb
 * create-blocks-from openmetrics): one block per aligned block-duration window.
 */
export async function importOpenMetrics(
  input: Uint8Array,
  dir: string,
  opts: ImportOptions = {},
): Promise<ImportResult> {
  const dur = opts.blockDuration ?? 2 * 3600_000;
  interface Acc {
    labels: Labels;
    ts: number[];
    vs: Float64Array;
    n: number;
  }
  const series = new Map<string, Acc>();
  const p = new OpenMetricsParser(input);
  let samples = 0;
  try {
    for (let e = p.next(); e !== null; e = p.next()) {
      if (e !== 'series') continue;
      const t = p.timestamp();
      if (t === undefined)
        throw new TsdbError(`line ${p.line()}: expected timestamp for series ${p.labels().toString()}, got none`);
      const key = p.seriesKey();
      let a = series.get(key);
      if (!a) {
        const labels = p.labels();
        const k2 = labels.key();
        a = series.get(k2);
        if (!a) {
          a = { labels, ts: [], vs: new Float64Array(16), n: 0 };
          series.set(k2, a);
        }
        series.set(key, a);
      }
      if (a.n === a.vs.length) {
        const nv = new Float64Array(a.n * 2);
        nv.set(a.vs);
        a.vs = nv;
      }
      a.ts.push(t);
      a.vs[a.n++] = p.value();
      samples++;
      if (opts.onProgress && samples % 100_000 === 0) opts.onProgress('parse', input.length, input.length);
    }
  } catch (e) {
    if (e instanceof ParseError) throw new TsdbError(`parse error at ${e.toString()}`);
    throw e;
  }
  const uniq = [...new Set(series.values())].sort((x, y) => Labels.compare(x.labels, y.labels));
  let mint = Infinity;
  let maxt = -Infinity;
  for (const a of uniq) {
    // Sort each series by time (stable), dropping duplicate timestamps (the first wins).
    const idx = a.ts.map((_, i) => i).sort((i, j) => a.ts[i]! - a.ts[j]! || i - j);
    const ts: number[] = [];
    const vs = new Float64Array(a.n);
    let n = 0;
    for (const i of idx) {
      if (n > 0 && ts[n - 1] === a.ts[i]) continue;
      ts.push(a.ts[i]!);
      vs[n++] = a.vs[i]!;
    }
    a.ts = ts;
    a.vs = vs.subarray(0, n);
    a.n = n;
    if (n) {
      mint = Math.min(mint, ts[0]!);
      maxt = Math.max(maxt, ts[n - 1]!);
    }
  }
  const blocks: BlockMeta[] = [];
  if (!uniq.length || mint === Infinity) return { blocks, series: 0, samples: 0 };
  if (fs.existsSync(dir)) {
    const unexpected = unexpectedEntries(fs.readdirSync(dir));
    if (unexpected.length) throw new NotATsdbError(dir, unexpected);
  } else fs.mkdirSync(dir, { recursive: true });
  const cursor = new Array<number>(uniq.length).fill(0);
  const start = Math.floor(mint / dur) * dur;
  for (let w = start; w <= maxt; w += dur) {
    const wEnd = w + dur;
    const bs: BlockSeries[] = [];
    const symbols = new Set<string>();
    let bmin = Infinity;
    let bmax = -Infinity;
    uniq.forEach((a, k) => {
      let i = cursor[k]!;
      const from = i;
      while (i < a.n && a.ts[i]! < wEnd) i++;
      cursor[k] = i;
      if (i === from) return;
      // promtool's backfill writes each block through a head whose chunk range is twice the block
      // duration (so that the head accepts the whole window); chunk end predictions follow it.
      const chunks: BlockSeries['chunks'] = cutChunkRanges(a.ts, from, i, 2 * dur).map(([c, e]) => ({
        encoding: Encoding.XOR,
        data: encodeXor(a.ts, a.vs, c, e),
        mint: a.ts[c]!,
        maxt: a.ts[e - 1]!,
      }));
      bmin = Math.min(bmin, a.ts[from]!);
      bmax = Math.max(bmax, a.ts[i - 1]!);
      for (const x of a.labels.toFlat()) symbols.add(x);
      bs.push({ labels: a.labels, chunks, numSamples: i - from });
    });
    if (!bs.length) continue;
    // promtool's blocks cover [first sample, last sample + 1).
    blocks.push(await writeBlock(dir, symbols, bs, { mint: bmin, maxt: bmax + 1 }));
    opts.onProgress?.('write', Math.min(maxt, wEnd) - start, maxt - start);
  }
  return { blocks, series: uniq.length, samples };
}
