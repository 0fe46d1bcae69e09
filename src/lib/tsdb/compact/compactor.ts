/**
 * Block compaction: planning which blocks to merge (Prometheus' leveled planner, simplified) and
 * merging blocks into one. Non-overlapping chunks are copied as they are; series whose chunks
 * overlap or carry tombstones are re-encoded from their samples.
 */
import * as fs from 'node:fs';
import { Labels } from '../../model/labels.js';
import { ValueType } from '../../storage/interface.js';
import type { Block } from '../block/block.js';
import { writeBlock, type BlockSeries } from '../block/block.js';
import type { BlockMeta } from '../block/meta.js';
import { Encoding, SAMPLES_PER_CHUNK, XorAppender, chunkNumSamples } from '../chunkenc/xor.js';
import { ChunksIterator, type ChunkData } from '../querier.js';

/** Prometheus' ExponentialBlockRanges: min, min*step, min*step^2, … */
export function blockRanges(min: number, steps: number, stepSize: number): number[] {
  const out: number[] = [];
  let r = min;
  for (let i = 0; i < steps; i++) {
    out.push(r);
    r *= stepSize;
  }
  return out;
}

/**
 * Picks one set of blocks to compact, or null. Overlapping blocks first (vertical compaction), then
 * for each larger range the first complete window holding two or more blocks, then a single block
 * with many tombstones. The newest block is left alone (as Prometheus does).
 */
export function plan(metas: readonly BlockMeta[], ranges: readonly number[]): BlockMeta[] | null {
  const sorted = [...metas].sort((a, b) => a.minTime - b.minTime);
  // Overlaps.
  for (let i = 0; i + 1 < sorted.length; i++) {
    const group = [sorted[i]!];
    let maxt = sorted[i]!.maxTime;
    for (let j = i + 1; j < sorted.length && sorted[j]!.minTime < maxt; j++) {
      group.push(sorted[j]!);
      maxt = Math.max(maxt, sorted[j]!.maxTime);
    }
    if (group.length > 1) return group;
  }
  if (sorted.length < 2) return null;
  const candidates = sorted.slice(0, -1);
  const highest = sorted[sorted.length - 1]!.maxTime;
  for (const r of ranges.slice(1)) {
    const windows = new Map<number, BlockMeta[]>();
    for (const m of candidates) {
      const start = Math.floor(m.minTime / r) * r;
      if (m.maxTime > start + r) continue; // does not fit this range
      let w = windows.get(start);
      if (!w) windows.set(start, (w = []));
      w.push(m);
    }
    for (const [start, group] of [...windows].sort((a, b) => a[0] - b[0])) {
      if (group.length < 2) continue;
      if (start + r > highest) continue; // window not complete yet
      // Skip windows already covered by one block of this range.
      const span = group[group.length - 1]!.maxTime - group[0]!.minTime;
      if (span <= 0) continue;
      return group;
    }
  }
  // As Prometheus: a block (not the newest) whose range is at least the middle range and with
  // tombstones for more than 5% of its series is rewritten alone; a smaller one only when every
  // series has a tombstone. Walks from the newest and stops at the first smaller block.
  const mid = ranges[Math.floor(ranges.length / 2)] ?? Infinity;
  for (let i = candidates.length - 1; i >= 0; i--) {
    const m = candidates[i]!;
    const stones = m.stats.numTombstones ?? 0;
    if (m.maxTime - m.minTime < mid) {
      if (stones > 0 && stones >= m.stats.numSeries) return [m];
      break;
    }
    if (stones / (m.stats.numSeries + 1) > 0.05) return [m];
  }
  return null;
}

/** Merges the samples of several chunk lists of one series into fresh XOR chunks. */
export function reencode(
  lists: readonly ChunkData[][],
  deleted: readonly (readonly { mint: number; maxt: number }[] | undefined)[],
): BlockSeries['chunks'] {
  const its = lists.map((l, i) => new ChunksIterator(l, -Infinity, Infinity, deleted[i]));
  const ok = its.map((it) => it.next() === ValueType.Float);
  const out: BlockSeries['chunks'] = [];
  let app: XorAppender | null = null;
  let mint = 0;
  let last = -Infinity;
  for (;;) {
    let best = -1;
    for (let i = 0; i < its.length; i++) if (ok[i] && (best < 0 || its[i]!.t < its[best]!.t)) best = i;
    if (best < 0) break;
    const t = its[best]!.t;
    const v = its[best]!.v;
    for (let i = 0; i < its.length; i++) if (ok[i] && its[i]!.t === t) ok[i] = its[i]!.next() === ValueType.Float;
    if (t <= last) continue;
    if (app === null || app.count >= SAMPLES_PER_CHUNK) {
      if (app) out.push({ encoding: Encoding.XOR, data: app.bytes(), mint, maxt: last });
      app = new XorAppender(256);
      mint = t;
    }
    app.append(t, v);
    last = t;
  }
  if (app) out.push({ encoding: Encoding.XOR, data: app.bytes(), mint, maxt: last });
  for (const it of its) if (it.err()) throw it.err()!;
  return out;
}

/** Merges blocks into one new block in `parent`; returns its meta. Input blocks are not touched. */
export async function compactBlocks(
  parent: string,
  blocks: readonly Block[],
  onSeries?: (n: number) => void,
  opts: { rewrite?: boolean } = {},
): Promise<BlockMeta> {
  const sorted = [...blocks].sort((a, b) => a.minTime - b.minTime);
  const mint = Math.min(...sorted.map((b) => b.minTime));
  const maxt = Math.max(...sorted.map((b) => b.maxTime));
  const symbols = new Set<string>();
  for (const b of sorted) for (const s of b.index.allSymbols()) symbols.add(s);
  const postings = sorted.map((b) => b.index.allPostings());
  function* series(): Generator<BlockSeries> {
    const pos = sorted.map(() => 0);
    const cur = sorted.map((b, i) => (postings[i]!.length ? b.index.series(postings[i]![0]!) : null));
    const ids = sorted.map((_, i) => (postings[i]!.length ? postings[i]![0]! : -1));
    for (;;) {
      let best: Labels | null = null;
      for (const c of cur) if (c && (best === null || Labels.compare(c.labels, best) < 0)) best = c.labels;
      if (best === null) return;
      const lists: ChunkData[][] = [];
      const dels: ({ mint: number; maxt: number }[] | undefined)[] = [];
      for (let i = 0; i < sorted.length; i++) {
        const c = cur[i];
        if (!c || !c.labels.equals(best)) continue;
        const raw = sorted[i]!.chunkReader.chunks(c.chunks.map((m) => m.ref));
        lists.push(
          raw.map((r, k) => ({ encoding: r.encoding, data: r.data, mint: c.chunks[k]!.mint, maxt: c.chunks[k]!.maxt })),
        );
        dels.push(sorted[i]!.tombstones.get(ids[i]!));
        pos[i]!++;
        const p = postings[i]!;
        if (pos[i]! < p.length) {
          ids[i] = p[pos[i]!]!;
          cur[i] = sorted[i]!.index.series(ids[i]!);
        } else {
          cur[i] = null;
        }
      }
      const flat = lists.flat();
      const overlapping = flat.some((c, k) => k > 0 && c.mint <= flat[k - 1]!.maxt);
      let chunks: BlockSeries['chunks'];
      if (overlapping || dels.some((d) => d && d.length) || flat.some((c) => c.encoding !== Encoding.XOR)) {
        chunks = reencode(lists, dels);
      } else {
        chunks = flat.map((c) => ({ encoding: c.encoding, data: c.data.slice(), mint: c.mint, maxt: c.maxt }));
      }
      let numSamples = 0;
      for (const c of chunks) numSamples += chunkNumSamples(c.data);
      if (chunks.length) yield { labels: best, chunks, numSamples };
    }
  }
  // A rewrite (clean_tombstones) is written as Prometheus' LeveledCompactor.Write writes one: a
  // level-1 block that is its own only source, naming the old block as its parent.
  const level = opts.rewrite ? 1 : Math.max(...sorted.map((b) => b.meta.compaction.level)) + 1;
  const sources = opts.rewrite ? undefined : [...new Set(sorted.flatMap((b) => b.meta.compaction.sources))].sort();
  return writeBlock(parent, symbols, series(), {
    mint,
    maxt,
    level,
    sources,
    parents: sorted.map((b) => ({ ulid: b.ulid, minTime: b.minTime, maxTime: b.maxTime })),
    onSeries,
  });
}

/** Deletes a block directory safely: rename to .tmp-for-deletion, then remove. */
export function deleteBlockDir(dir: string): void {
  const tmp = dir + '.tmp-for-deletion';
  try {
    fs.renameSync(dir, tmp);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}
