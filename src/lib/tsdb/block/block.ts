/**
 * Persisted blocks: a directory named by a ULID holding meta.json, index, chunks/ and tombstones
 * (Prometheus' block layout). Blocks are immutable; they are read with positional reads.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { Labels } from '../../model/labels.js';
import { compareStrings } from '../../model/labels.js';
import type { Matcher } from '../../model/matcher.js';
import { CorruptionError } from '../errors.js';
import { IndexReader } from '../index/reader.js';
import { IndexWriter, type ChunkMeta } from '../index/writer.js';
import { postingsForMatchers } from '../index/postings.js';
import type { SampleBuffer, SampleIterator, Series } from '../../storage/interface.js';
import { decodeXorInto } from '../chunkenc/decode.js';
import { Encoding, encodingName } from '../chunkenc/xor.js';
import { ChunksIterator, type ChunkData, type ChunkSeries } from '../querier.js';
import type { Interval } from './tombstones.js';
import { fsyncDir } from '../wal/wal.js';
import { ChunkReader, ChunkWriter } from './chunks.js';
import { newUlid, readMeta, writeMeta, type BlockDesc, type BlockMeta } from './meta.js';
import {
  addInterval,
  countTombstones,
  coveredBy,
  encodeTombstones,
  readTombstones,
  writeTombstonesFile,
  type Tombstones,
} from './tombstones.js';

export class Block {
  readonly meta: BlockMeta;
  readonly index: IndexReader;
  readonly chunkReader: ChunkReader;
  /** Replaced (never mutated) when series are deleted: queries keep the map they started with. */
  tombstones: Tombstones;

  private constructor(readonly dir: string) {
    this.meta = readMeta(dir);
    this.index = new IndexReader(join(dir, 'index'));
    try {
      this.chunkReader = new ChunkReader(join(dir, 'chunks'));
      this.tombstones = readTombstones(join(dir, 'tombstones'));
    } catch (e) {
      this.index.close();
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new CorruptionError(join(dir, 'chunks'), 0, 'missing chunks directory');
      throw e;
    }
  }

  /** Opens a block directory. Throws CorruptionError when a file is missing or damaged. */
  static open(dir: string): Block {
    try {
      return new Block(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new CorruptionError((e as NodeJS.ErrnoException).path ?? dir, 0, 'missing file');
      }
      throw e;
    }
  }

  get ulid(): string {
    return this.meta.ulid;
  }
  get minTime(): number {
    return this.meta.minTime;
  }
  /** Exclusive. */
  get maxTime(): number {
    return this.meta.maxTime;
  }

  /** Bytes on disk (index + chunks + tombstones + meta). */
  size(): number {
    let n = this.chunkReader.size();
    for (const f of ['index', 'tombstones', 'meta.json']) {
      try {
        n += fs.statSync(join(this.dir, f)).size;
      } catch {
        /* missing */
      }
    }
    return n;
  }

  overlaps(mint: number, maxt: number): boolean {
    return this.meta.minTime <= maxt && this.meta.maxTime > mint;
  }

  /** Series matching matchers with chunks overlapping [mint, maxt], sorted by labels. */
  select(mint: number, maxt: number, matchers: readonly Matcher[]): ChunkSeries[] {
    const p = postingsForMatchers(this.index, matchers);
    const out: ChunkSeries[] = [];
    for (let i = 0; i < p.length; i++) {
      const id = p[i]!;
      const e = this.index.series(id);
      const del = this.tombstones.get(id);
      // As Prometheus' blockBaseSeriesSet: chunks wholly deleted are dropped, and a series left
      // without chunks is not a match (so deleted series vanish from /series and label values).
      const metas = e.chunks.filter((c) => c.maxt >= mint && c.mint <= maxt && !coveredBy(del, c.mint, c.maxt));
      if (metas.length === 0) continue;
      out.push(new BlockSeriesView(e.labels, metas, this.chunkReader, del, mint, maxt));
    }
    return out;
  }

  labelValues(name: string, mint: number, maxt: number, matchers: readonly Matcher[]): string[] {
    if (matchers.length === 0) return [...this.index.labelValues(name)];
    const set = new Set<string>();
    for (const s of this.select(mint, maxt, matchers)) {
      const v = s.labels.get(name);
      if (v) set.add(v);
    }
    return [...set].sort(compareStrings);
  }

  labelNames(mint: number, maxt: number, matchers: readonly Matcher[]): string[] {
    if (matchers.length === 0) return this.index.labelNames();
    const set = new Set<string>();
    for (const s of this.select(mint, maxt, matchers)) s.labels.forEach((n) => set.add(n));
    return [...set].sort(compareStrings);
  }

  /**
   * Marks the samples in [mint, maxt] of the series matching matchers as deleted (Prometheus'
   * Block.Delete): each series with a chunk overlapping the range gets the range, clamped to its
   * data, as a tombstone; the tombstones file and meta.json are rewritten atomically. Returns the
   * number of series affected.
   */
  delete(mint: number, maxt: number, matchers: readonly Matcher[]): number {
    const p = postingsForMatchers(this.index, matchers);
    const next: Tombstones = new Map(this.tombstones);
    let n = 0;
    for (let i = 0; i < p.length; i++) {
      const id = p[i]!;
      const cs = this.index.series(id).chunks;
      if (!cs.some((c) => c.maxt >= mint && c.mint <= maxt)) continue;
      const iv = { mint: Math.max(mint, cs[0]!.mint), maxt: Math.min(maxt, cs[cs.length - 1]!.maxt) };
      next.set(id, addInterval(next.get(id), iv));
      n++;
    }
    if (n === 0) return 0;
    writeTombstonesFile(this.dir, next);
    const numTombstones = countTombstones(next);
    const meta = { ...this.meta, stats: { ...this.meta.stats, numTombstones } };
    writeMeta(this.dir, meta);
    this.meta.stats.numTombstones = numTombstones;
    this.tombstones = next;
    return n;
  }

  /** Number of deleted intervals. */
  numTombstones(): number {
    return countTombstones(this.tombstones);
  }

  close(): void {
    this.index.close();
    this.chunkReader.close();
  }
}

export interface BlockSeries {
  labels: Labels;
  chunks: { encoding: number; data: Uint8Array; mint: number; maxt: number }[];
  numSamples: number;
}

export interface WriteBlockOptions {
  mint: number;
  /** Exclusive. */
  maxt: number;
  level?: number;
  sources?: string[];
  parents?: BlockDesc[];
  ulid?: string;
  /** Called after each series (progress). */
  onSeries?: (n: number) => void;
}

/**
 * Writes a block into `parent/<ulid>` from series sorted by labels, through a temporary
 * directory renamed into place once every file is fsynced. Returns the meta.
 * `symbols` lists every string of every series' labels (any order, duplicates allowed).
 */
export async function writeBlock(
  parent: string,
  symbols: Iterable<string>,
  series: Iterable<BlockSeries>,
  opts: WriteBlockOptions,
): Promise<BlockMeta> {
  const ulid = opts.ulid ?? newUlid();
  const tmp = join(parent, `${ulid}.tmp-for-creation`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  // Prometheus' symbol tables always include the empty string (the all-postings key).
  const syms = [...new Set(['', ...symbols])].sort(compareStrings);
  const cw = new ChunkWriter(join(tmp, 'chunks'));
  const iw = new IndexWriter(join(tmp, 'index'), syms);
  const stats = { numSamples: 0, numSeries: 0, numChunks: 0 };
  try {
    let n = 0;
    for (const s of series) {
      if (s.chunks.length === 0) continue;
      const metas: ChunkMeta[] = s.chunks.map((c) => ({
        mint: c.mint,
        maxt: c.maxt,
        ref: cw.write(c.encoding, c.data),
      }));
      iw.addSeries(s.labels, metas);
      stats.numSeries++;
      stats.numChunks += metas.length;
      stats.numSamples += s.numSamples;
      opts.onSeries?.(++n);
      // Let the event loop breathe (scrapes, queries) during long writes.
      if (n % 256 === 0) await new Promise<void>((r) => setImmediate(r));
    }
    cw.close();
    iw.close();
  } catch (e) {
    cw.abort();
    iw.abort();
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const tf = join(tmp, 'tombstones');
  fs.writeFileSync(tf, encodeTombstones(new Map()));
  const meta: BlockMeta = {
    ulid,
    minTime: opts.mint,
    maxTime: opts.maxt,
    stats,
    compaction: {
      level: opts.level ?? 1,
      sources: opts.sources ?? [ulid],
      ...(opts.parents ? { parents: opts.parents } : {}),
    },
    version: 1,
  };
  writeMeta(tmp, meta);
  fsyncDir(join(tmp, 'chunks'));
  fsyncDir(tmp);
  const final = join(parent, ulid);
  fs.renameSync(tmp, final);
  fsyncDir(parent);
  return meta;
}

/** A block series as a query sees it: labels read, chunks read from the chunk files on demand. */
class BlockSeriesView implements ChunkSeries, Series {
  constructor(
    readonly labels: Labels,
    private readonly metas: readonly ChunkMeta[],
    private readonly cr: ChunkReader,
    readonly deleted: Interval[] | undefined,
    private readonly mint: number,
    private readonly maxt: number,
  ) {}

  iterator(): SampleIterator {
    return new ChunksIterator(this.chunks(), this.mint, this.maxt, this.deleted);
  }

  appendTo(buf: SampleBuffer): void {
    this.appendSamples(buf, this.mint, this.maxt);
  }

  chunks(): ChunkData[] {
    const metas = this.metas;
    const raw = this.cr.chunks(metas.map((m) => m.ref));
    return raw.map((r, k) => ({ encoding: r.encoding, data: r.data, mint: metas[k]!.mint, maxt: metas[k]!.maxt }));
  }

  appendSamples(buf: SampleBuffer, mint: number, maxt: number): void {
    // Only the chunks overlapping [mint, maxt] are read (through the page cache) and decoded.
    for (const m of this.metas) {
      if (m.maxt < mint) continue;
      if (m.mint > maxt) return;
      const r = this.cr.chunk(m.ref);
      if (r.encoding !== Encoding.XOR) throw new Error(`unsupported chunk encoding ${encodingName(r.encoding)}`);
      if (!decodeXorInto(r.data, undefined, mint, maxt, this.deleted, buf)) return;
    }
  }
}
