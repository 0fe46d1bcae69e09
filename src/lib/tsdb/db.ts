/**
 * The TSDB: a data directory in Prometheus' layout —
 *
 *   DIR/lock                   pid of the process holding the directory
 *   DIR/wal/00000000 …         write-ahead log segments (+ checkpoint.NNNNNNNN/)
 *   DIR/<ULID>/                immutable blocks: meta.json, index, chunks/000001, tombstones
 *
 * Appends go to the head (in memory) after being logged in the WAL; when the head spans 1.5 block
 * ranges its oldest range is written out as a block, the head is truncated and the WAL
 * checkpointed. Blocks are compacted into larger ones and deleted by retention (time and size).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Labels } from '../model/labels.js';
import { compareStrings } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import { StorageError } from '../storage/errors.js';
import type {
  Appender,
  LabelHints,
  LabelResult,
  Querier,
  SelectHints,
  SeriesRef,
  SeriesSet,
  Storage,
} from '../storage/interface.js';
import { Block, writeBlock, type BlockSeries } from './block/block.js';
import { isUlid, type BlockMeta } from './block/meta.js';
import { chunkNumSamples } from './chunkenc/xor.js';
import { blockRanges, compactBlocks, deleteBlockDir, plan } from './compact/compactor.js';
import { Encbuf } from './encoding.js';
import { CorruptionError, LockedError, NotATsdbError, TsdbError, mapFsError } from './errors.js';
import { Head, type MemSeries } from './head/head.js';
import { listSeriesSet, mergeSeriesSets, type ChunkSeries } from './querier.js';
import { createCheckpoint } from './wal/checkpoint.js';
import {
  ByteInterner,
  RecordType,
  decodeSamples,
  decodeTombstones,
  encodeSamples,
  encodeSeries,
  encodeTombstones,
  forEachSeries,
  recordType,
} from './wal/record.js';
import {
  SegmentCorruption,
  WalWriter,
  listCheckpoints,
  listSegments,
  readSegmentRecords,
  segmentName,
  truncateSegment,
  fsyncDir,
  type WalFileOps,
} from './wal/wal.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

export interface TsdbLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface TsdbOptions {
  /** Block range of the head and of level-1 blocks (ms). Default 2h. */
  blockRange?: number;
  /** Largest block compaction produces (ms). Default min(31d, retention/10). */
  maxBlockDuration?: number;
  /** Delete blocks older than this (ms) relative to the newest data. Default 15d; 0 disables. */
  retentionTime?: number;
  /** Delete oldest blocks while blocks + WAL exceed this many bytes. 0 (default) disables. */
  retentionSize?: number;
  /** Disable the WAL (appends are not durable). Default false. */
  noWal?: boolean;
  walSegmentSize?: number;
  /** 'segment' (default, like Prometheus) or 'always' (fsync after every commit). */
  walFsync?: 'segment' | 'always';
  /** Snappy-compress WAL records and checkpoints (Prometheus' --storage.tsdb.wal-compression). Default true. */
  walCompression?: boolean;
  /** Run head cuts and compaction automatically after commits. Default true. */
  autoCompact?: boolean;
  /** Open without the lock and without writing anything (CLI readers). */
  readOnly?: boolean;
  logger?: TsdbLogger;
  /** For tests: inject WAL write failures. */
  walFileOps?: WalFileOps;
}

export interface TsdbStats {
  headSeries: number;
  headChunks: number;
  headMinTime: number;
  headMaxTime: number;
  headChunkBytes: number;
  samplesAppended: number;
  seriesCreated: number;
  seriesRemoved: number;
  outOfOrderRejected: number;
  outOfBoundsRejected: number;
  duplicateRejected: number;
  commits: number;
  commitFailures: number;
  blocks: number;
  blockBytes: number;
  walBytesWritten: number;
  walSegment: number;
  compactions: number;
  compactionFailures: number;
  headTruncations: number;
  checkpoints: number;
  retentionDeletions: number;
  corruptedBlocks: string[];
  walReplaySeconds: number;
  walRepairs: number;
  minTime: number;
  maxTime: number;
}

const noopLogger: TsdbLogger = { info: () => {}, warn: () => {} };

const ALLOWED = [
  /^wal$/,
  /^wbl$/,
  /^chunks_head$/,
  /^lock$/,
  /^queries\.active$/,
  /^snapshots$/,
  /^lost\+found$/,
  /^\./,
  /\.tmp(-for-(creation|deletion))?$/,
];

/** Directory entries that do not belong in a TSDB data directory. */
export function unexpectedEntries(entries: readonly string[]): string[] {
  return entries.filter((e) => !isUlid(e) && !ALLOWED.some((re) => re.test(e)));
}

export class Tsdb implements Storage {
  readonly head: Head;
  private blocks: Block[] = [];
  private wal: WalWriter | null = null;
  private readonly opts: Required<Pick<TsdbOptions, 'blockRange' | 'retentionTime' | 'retentionSize' | 'autoCompact'>> &
    TsdbOptions;
  private readonly log: TsdbLogger;
  private readonly ranges: number[];
  private closed = false;
  private compacting: Promise<void> | null = null;
  private compactQueued = false;
  private readonly pins = new Map<Block, number>();
  private readonly pendingClose = new Set<Block>();
  private lockHeld = false;
  readonly corruptedBlocks: string[] = [];
  private readonly counters = {
    outOfOrderRejected: 0,
    outOfBoundsRejected: 0,
    duplicateRejected: 0,
    commits: 0,
    commitFailures: 0,
    compactions: 0,
    compactionFailures: 0,
    headTruncations: 0,
    checkpoints: 0,
    retentionDeletions: 0,
    walReplaySeconds: 0,
    walRepairs: 0,
  };
  /** Reused record buffers. */
  readonly encSeries = new Encbuf(1 << 12);
  readonly encSamples = new Encbuf(1 << 16);

  private constructor(
    readonly dir: string,
    opts: TsdbOptions,
  ) {
    const retentionTime = opts.retentionTime ?? 15 * DAY;
    this.opts = {
      ...opts,
      blockRange: opts.blockRange ?? 2 * HOUR,
      retentionTime,
      retentionSize: opts.retentionSize ?? 0,
      autoCompact: opts.autoCompact ?? true,
    };
    this.log = opts.logger ?? noopLogger;
    const maxBlock = opts.maxBlockDuration ?? Math.min(31 * DAY, retentionTime > 0 ? retentionTime / 10 : 31 * DAY);
    this.ranges = blockRanges(this.opts.blockRange, 10, 3).filter((r, i) => i === 0 || r <= maxBlock);
    this.head = new Head(this.opts.blockRange);
  }

  /** Opens (creating when needed) a TSDB directory; replays the WAL. */
  static async open(dir: string, opts: TsdbOptions = {}): Promise<Tsdb> {
    const db = new Tsdb(dir, opts);
    try {
      db.prepareDir();
      db.openBlocks();
      const t0 = performance.now();
      db.replayWal();
      db.counters.walReplaySeconds = (performance.now() - t0) / 1000;
      if (!opts.readOnly && !opts.noWal)
        db.wal = WalWriter.open(join(dir, 'wal'), {
          segmentSize: opts.walSegmentSize,
          fsync: opts.walFsync,
          fileOps: opts.walFileOps,
          compress: opts.walCompression ?? true,
        });
    } catch (e) {
      db.closeSync();
      throw mapFsError(e, dir);
    }
    return db;
  }

  private prepareDir(): void {
    const dir = this.dir;
    let st: fs.Stats | null = null;
    try {
      st = fs.statSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (st && !st.isDirectory()) throw new NotATsdbError(dir, ['(not a directory)']);
    if (!st) {
      if (this.opts.readOnly) throw new TsdbError(`${dir}: no such directory`);
      fs.mkdirSync(dir, { recursive: true });
    }
    const entries = fs.readdirSync(dir);
    const unexpected = unexpectedEntries(entries);
    if (unexpected.length) throw new NotATsdbError(dir, unexpected);
    if (this.opts.readOnly) return;
    this.acquireLock();
    for (const e of entries) {
      if (/\.tmp(-for-(creation|deletion))?$/.test(e)) fs.rmSync(join(dir, e), { recursive: true, force: true });
    }
  }

  private acquireLock(): void {
    const p = join(this.dir, 'lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = fs.openSync(p, 'wx', 0o644);
        fs.writeSync(fd, `${process.pid}\n`);
        fs.closeSync(fd);
        this.lockHeld = true;
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const pid = Number(fs.readFileSync(p, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid))
        throw new LockedError(this.dir, pid);
      // Stale (dead pid, or Prometheus' empty flock file left behind): take it over.
      fs.rmSync(p, { force: true });
    }
    throw new LockedError(this.dir, 0);
  }

  private openBlocks(): void {
    const dirs = fs
      .readdirSync(this.dir)
      .filter(isUlid)
      .filter((d) => {
        try {
          return fs.statSync(join(this.dir, d)).isDirectory();
        } catch {
          return false;
        }
      });
    const blocks: Block[] = [];
    for (const d of dirs) {
      try {
        blocks.push(Block.open(join(this.dir, d)));
      } catch (e) {
        if (e instanceof CorruptionError || (e as NodeJS.ErrnoException).code === 'ENOENT') {
          this.corruptedBlocks.push(d);
          this.log.warn(`skipping corrupted block ${d}: ${(e as Error).message}`);
          continue;
        }
        for (const b of blocks) b.close();
        throw e;
      }
    }
    // Blocks that were compacted into another block but not yet deleted (crash mid-compaction).
    const parents = new Set(blocks.flatMap((b) => (b.meta.compaction.parents ?? []).map((p) => p.ulid)));
    this.blocks = [];
    for (const b of blocks) {
      if (parents.has(b.ulid)) {
        b.close();
        if (!this.opts.readOnly) deleteBlockDir(b.dir);
      } else {
        this.blocks.push(b);
      }
    }
    this.blocks.sort((a, b) => a.minTime - b.minTime);
    if (this.blocks.length) this.head.minValidTime = Math.max(...this.blocks.map((b) => b.maxTime));
  }

  private replayWal(): void {
    const walDir = join(this.dir, 'wal');
    if (!fs.existsSync(walDir)) return;
    // WAL refs are dense (Prometheus and promctl hand them out from 1 up): an array beats a Map.
    const byWalRef: (MemSeries | undefined)[] = [];
    const head = this.head;
    const interner = new ByteInterner((s) => head.intern(s));
    const replaySeries: MemSeries[] = [];
    const onSeries = (ref: number, labels: Labels): void => {
      // The series with these labels, else a new one with the WAL's ref when it is free
      // (a duplicate record for the same labels becomes an alias).
      const ms = head.getOrCreate(labels, head.series(ref) ? 0 : ref, true).s;
      ms.logged = ms.ref === ref || ms.logged;
      byWalRef[ref] = ms;
      if (ms.ref !== ref) head.aliases.set(ref, ms);
    };
    const apply = (rec: Uint8Array): void => {
      switch (recordType(rec)) {
        case RecordType.Series:
          forEachSeries(rec, interner, onSeries);
          break;
        case RecordType.Samples: {
          const d = decodeSamples(rec);
          const minValid = head.minValidTime;
          if (replaySeries.length < d.length) replaySeries.length = d.length;
          let n = 0;
          for (let i = 0; i < d.length; i++) {
            const ms = byWalRef[d.refs[i]!];
            if (ms === undefined || d.ts[i]! < minValid) continue;
            // Compacted in place (n <= i): the decoded arrays are this record's own.
            replaySeries[n] = ms;
            d.ts[n] = d.ts[i]!;
            d.vs[n] = d.vs[i]!;
            n++;
          }
          head.appendBatch(replaySeries, d.ts, d.vs, n);
          break;
        }
        case RecordType.Tombstones:
          for (const st of decodeTombstones(rec)) {
            const ms = byWalRef[st.ref];
            if (ms !== undefined) head.addTombstone(ms.ref, st.mint, st.maxt);
          }
          break;
        default:
        // Exemplars, metadata, mmap markers: not used by the head.
      }
    };
    const cps = listCheckpoints(walDir);
    let from = 0;
    if (cps.length) {
      const cp = cps[cps.length - 1]!;
      const cpDir = join(walDir, cp.name);
      for (const s of listSegments(cpDir))
        for (const { rec } of readSegmentRecords(join(cpDir, segmentName(s)))) apply(rec);
      from = cp.index + 1;
    }
    const segs = listSegments(walDir).filter((s) => s >= from);
    for (let k = 0; k < segs.length; k++) {
      const file = join(walDir, segmentName(segs[k]!));
      try {
        for (const { rec } of readSegmentRecords(file)) apply(rec);
      } catch (e) {
        if (!(e instanceof SegmentCorruption)) throw e;
        if (this.opts.readOnly) {
          this.log.warn(`WAL ${file}: ${e.message}; ignoring the rest of the WAL (read-only)`);
          break;
        }
        this.log.warn(
          `WAL corruption in ${file} (${e.message}); truncating it to ${e.lastGoodEnd} bytes and dropping later segments`,
        );
        truncateSegment(file, e.lastGoodEnd);
        for (const later of segs.slice(k + 1)) fs.rmSync(join(walDir, segmentName(later)), { force: true });
        this.counters.walRepairs++;
        break;
      }
    }
  }

  // ---- Appendable -------------------------------------------------------------------------------

  appender(): Appender {
    if (this.closed) throw new StorageError('TSDB is closed');
    if (this.opts.readOnly) throw new StorageError('TSDB opened read-only');
    return new TsdbAppender(this);
  }

  /** @internal Called by TsdbAppender. */
  logAndApply(b: AppendBuffers, newSeries: MemSeries[], n: number): void {
    if (this.closed) throw new StorageError('TSDB is closed');
    const { series, ts, vs } = b;
    if (this.wal) {
      const recs: Uint8Array[] = [];
      if (newSeries.length) recs.push(encodeSeries(newSeries, this.encSeries));
      const CH = 100_000;
      for (let off = 0; off < n; off += CH) {
        const m = Math.min(CH, n - off);
        if (b.refs.length < m) b.refs = new Float64Array(Math.max(m, b.refs.length * 2));
        const refs = b.refs;
        for (let i = 0; i < m; i++) refs[i] = series[off + i]!.ref;
        const enc = off === 0 && m === n ? this.encSamples : new Encbuf(m * 12 + 32);
        recs.push(
          encodeSamples({ refs, ts: ts.subarray(off, off + m), vs: vs.subarray(off, off + m), length: m }, enc),
        );
      }
      try {
        this.wal.log(recs);
      } catch (e) {
        this.counters.commitFailures++;
        throw e;
      }
      for (const s of newSeries) s.logged = true;
    }
    const head = this.head;
    head.appendBatch(series, ts, vs, n);
    this.counters.commits++;
    if (this.opts.autoCompact && this.headCompactable()) this.scheduleCompaction();
  }

  /** @internal */
  countRejection(e: unknown): void {
    const name = (e as Error).name;
    if (name === 'OutOfOrderSampleError') this.counters.outOfOrderRejected++;
    else if (name === 'OutOfBoundsError') this.counters.outOfBoundsRejected++;
    else if (name === 'DuplicateSampleForTimestampError') this.counters.duplicateRejected++;
  }

  // ---- Queryable --------------------------------------------------------------------------------

  async querier(mint: number, maxt: number): Promise<Querier> {
    if (this.closed) throw new StorageError('TSDB is closed');
    const blocks = this.blocks.filter((b) => b.overlaps(mint, maxt));
    for (const b of blocks) this.pins.set(b, (this.pins.get(b) ?? 0) + 1);
    const head = this.head;
    let open = true;
    const sources = (matchers: readonly Matcher[]): { lists: ChunkSeries[][]; warnings: string[] } => {
      const lists: ChunkSeries[][] = [];
      const warnings: string[] = [];
      for (const b of blocks) {
        try {
          lists.push(b.select(mint, maxt, matchers));
        } catch (e) {
          warnings.push(`block ${b.ulid}: ${(e as Error).message}`);
        }
      }
      lists.push(head.select(mint, maxt, matchers));
      return { lists, warnings };
    };
    const q: Querier = {
      select: async (
        _sort: boolean,
        _hints: SelectHints | undefined,
        matchers: readonly Matcher[],
      ): Promise<SeriesSet> => {
        if (!open) return listSeriesSet([], [], new StorageError('querier closed'));
        const { lists, warnings } = sources(matchers);
        return mergeSeriesSets(lists, mint, maxt, warnings);
      },
      labelValues: async (
        name: string,
        hints: LabelHints | undefined,
        matchers: readonly Matcher[],
      ): Promise<LabelResult> => {
        const set = new Set<string>();
        const warnings: string[] = [];
        for (const b of blocks) {
          try {
            for (const v of b.labelValues(name, mint, maxt, matchers)) set.add(v);
          } catch (e) {
            warnings.push(`block ${b.ulid}: ${(e as Error).message}`);
          }
        }
        for (const v of head.labelValuesFor(name, mint, maxt, matchers)) set.add(v);
        return { values: limit([...set].sort(compareStrings), hints?.limit), warnings };
      },
      labelNames: async (hints: LabelHints | undefined, matchers: readonly Matcher[]): Promise<LabelResult> => {
        const set = new Set<string>();
        const warnings: string[] = [];
        for (const b of blocks) {
          try {
            for (const v of b.labelNames(mint, maxt, matchers)) set.add(v);
          } catch (e) {
            warnings.push(`block ${b.ulid}: ${(e as Error).message}`);
          }
        }
        for (const v of head.labelNamesFor(mint, maxt, matchers)) set.add(v);
        return { values: limit([...set].sort(compareStrings), hints?.limit), warnings };
      },
      close: async () => {
        if (!open) return;
        open = false;
        for (const b of blocks) this.unpin(b);
      },
    };
    return q;
  }

  private unpin(b: Block): void {
    const n = (this.pins.get(b) ?? 1) - 1;
    if (n > 0) this.pins.set(b, n);
    else {
      this.pins.delete(b);
      if (this.pendingClose.has(b)) {
        this.pendingClose.delete(b);
        b.close();
        deleteBlockDir(b.dir);
      }
    }
  }

  async startTime(): Promise<number> {
    const bt = this.blocks.length ? this.blocks[0]!.minTime : Infinity;
    return Math.min(bt, this.head.minTime);
  }

  /** Metas of the loaded blocks, oldest first. */
  blockMetas(): BlockMeta[] {
    return this.blocks.map((b) => b.meta);
  }

  /** @internal */
  loadedBlocks(): readonly Block[] {
    return this.blocks;
  }

  // ---- compaction -------------------------------------------------------------------------------

  private headCompactable(): boolean {
    const h = this.head;
    return h.seriesCount > 0 && h.maxTime - h.minTime > (this.opts.blockRange / 2) * 3;
  }

  private scheduleCompaction(): void {
    if (this.compacting) {
      this.compactQueued = true;
      return;
    }
    this.compacting = this.runCompaction()
      .catch((e: unknown) => {
        this.counters.compactionFailures++;
        this.log.warn(`compaction failed: ${(e as Error).message}`);
      })
      .finally(() => {
        this.compacting = null;
        if (this.compactQueued && !this.closed) {
          this.compactQueued = false;
          this.scheduleCompaction();
        }
      });
  }

  /** Cuts the head into blocks where due, compacts blocks and applies retention. */
  async compact(): Promise<void> {
    while (this.compacting) await this.compacting;
    this.compacting = this.runCompaction();
    try {
      await this.compacting;
    } finally {
      this.compacting = null;
    }
  }

  private async runCompaction(): Promise<void> {
    // One head range, then one block compaction, until neither is due (so a fast writer cannot
    // starve block compaction).
    for (;;) {
      if (this.closed) return;
      let did = false;
      if (this.headCompactable()) {
        const r = this.opts.blockRange;
        const mint = Math.floor(this.head.minTime / r) * r;
        await this.persistHead(mint, mint + r);
        did = true;
      }
      if (this.closed) return;
      const group = plan(
        this.blocks.map((b) => b.meta),
        this.ranges,
      );
      if (group) {
        const ids = new Set(group.map((m) => m.ulid));
        const inputs = this.blocks.filter((b) => ids.has(b.ulid));
        const meta = await compactBlocks(this.dir, inputs);
        const rest = this.blocks.filter((b) => !ids.has(b.ulid));
        if (meta.stats.numSamples === 0) {
          // Everything was deleted: no block (as Prometheus), the inputs just go.
          deleteBlockDir(join(this.dir, meta.ulid));
          this.blocks = rest;
        } else {
          const nb = Block.open(join(this.dir, meta.ulid));
          this.blocks = [...rest, nb].sort((a, b) => a.minTime - b.minTime);
        }
        for (const b of inputs) this.retire(b);
        this.counters.compactions++;
        this.log.info(`compacted ${inputs.length} blocks into ${meta.ulid} [${meta.minTime}, ${meta.maxTime})`);
        did = true;
      }
      if (!did) break;
    }
    this.applyRetention();
  }

  /** Writes head data in [mint, maxt) as a block, truncates the head and checkpoints the WAL. */
  async persistHead(mint: number, maxt: number): Promise<BlockMeta | null> {
    const head = this.head;
    const meta = await this.writeHeadBlock(this.dir, mint, maxt);
    if (meta) {
      this.blocks = [...this.blocks, Block.open(join(this.dir, meta.ulid))].sort((a, b) => a.minTime - b.minTime);
      this.log.info(`wrote block ${meta.ulid} [${mint}, ${maxt}) with ${meta.stats.numSeries} series`);
    }
    head.truncate(maxt);
    head.truncateTombstones(maxt);
    this.counters.headTruncations++;
    if (this.wal) {
      const cur = this.wal.nextSegment();
      const segs = listSegments(join(this.dir, 'wal'));
      const last = cur - 1;
      if (segs.length && segs[0]! <= last) {
        createCheckpoint(join(this.dir, 'wal'), last, (ref) => head.isLive(ref), maxt, this.wal.compressed);
        this.counters.checkpoints++;
      }
    }
    return meta;
  }

  /** Writes the head's data in [mint, maxt) minus deleted samples as a block in `parent` (none when empty). */
  private async writeHeadBlock(parent: string, mint: number, maxt: number): Promise<BlockMeta | null> {
    const head = this.head;
    const all = head.sortedSeries();
    const symbols = new Set<string>();
    const chosen: { s: MemSeries; chunks: BlockSeries['chunks'] }[] = [];
    for (const s of all) {
      const cs = head.chunksInRange(s, mint, maxt);
      if (!cs.length) continue;
      chosen.push({ s, chunks: cs.map((c) => ({ encoding: 1, data: c.data, mint: c.mint, maxt: c.maxt })) });
      for (const x of s.labels.toFlat()) symbols.add(x);
    }
    if (!chosen.length) return null;
    return writeBlock(
      parent,
      symbols,
      chosen.map(({ s, chunks }) => ({
        labels: s.labels,
        chunks,
        numSamples: chunks.reduce((a, c) => a + chunkNumSamples(c.data), 0),
      })),
      { mint, maxt },
    );
  }

  // ---- admin: deletion, clean-up, snapshots ----------------------------------------------------

  /**
   * Runs fn while no compaction runs (Prometheus holds its compaction mutex for Delete,
   * CleanTombstones and Snapshot): a compaction reading a block while its tombstones change, or
   * writing out the head while series are deleted from it, would lose the deletion.
   */
  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StorageError('TSDB is closed');
    while (this.compacting) await this.compacting.catch(() => {});
    const p = fn();
    this.compacting = p.then(
      () => {},
      () => {},
    );
    try {
      return await p;
    } finally {
      this.compacting = null;
      if (this.compactQueued && !this.closed) {
        this.compactQueued = false;
        this.scheduleCompaction();
      }
    }
  }

  /**
   * Deletes the samples in [mint, maxt] (inclusive) of the series matching matchers, as
   * Prometheus' DB.Delete: blocks overlapping the range get tombstones (their `tombstones` file
   * rewritten), the head gets tombstones logged in the WAL. Data stays on disk until the blocks
   * are compacted or cleanTombstones() rewrites them; queries skip it at once.
   */
  async delete(mint: number, maxt: number, matchers: readonly Matcher[]): Promise<void> {
    if (this.opts.readOnly) throw new StorageError('TSDB opened read-only');
    await this.exclusive(async () => {
      for (const b of this.blocks) if (b.overlaps(mint, maxt)) b.delete(mint, maxt, matchers);
      const head = this.head;
      if (head.seriesCount === 0 || head.minTime > maxt || head.maxTime < mint) return;
      head.delete(mint, maxt, matchers, (stones) => {
        if (!this.wal) return;
        // A series not yet in the WAL (no sample committed since it was created) is logged first,
        // so replay can resolve the tombstones' refs.
        const unlogged: MemSeries[] = [];
        for (const st of stones) {
          const s = head.series(st.ref);
          if (s && !s.logged) unlogged.push(s);
        }
        const recs: Uint8Array[] = [];
        if (unlogged.length) recs.push(encodeSeries(unlogged, new Encbuf(1 << 10)).slice());
        recs.push(encodeTombstones(stones, new Encbuf(stones.length * 24 + 16)).slice());
        this.wal.log(recs);
        for (const s of unlogged) s.logged = true;
      });
    });
  }

  /**
   * Rewrites every block that carries tombstones without the deleted data (Prometheus'
   * CleanTombstones): the new block names the old one as its parent (so an interrupted clean-up
   * is finished at the next start) and, as Prometheus writes it, is a level-1 block that is its
   * own only source; a block left empty is dropped.
   */
  async cleanTombstones(): Promise<void> {
    if (this.opts.readOnly) throw new StorageError('TSDB opened read-only');
    await this.exclusive(async () => {
      for (const b of [...this.blocks]) {
        if (b.numTombstones() === 0) continue;
        const meta = await compactBlocks(this.dir, [b], undefined, { rewrite: true });
        const rest = this.blocks.filter((x) => x !== b);
        if (meta.stats.numSamples === 0) {
          deleteBlockDir(join(this.dir, meta.ulid));
          this.blocks = rest;
          this.log.info(`clean tombstones: block ${b.ulid} had no data left; deleted`);
        } else {
          this.blocks = [...rest, Block.open(join(this.dir, meta.ulid))].sort((x, y) => x.minTime - y.minTime);
          this.log.info(`clean tombstones: rewrote block ${b.ulid} as ${meta.ulid}`);
        }
        this.retire(b);
      }
    });
  }

  /**
   * Writes a snapshot into `dir` (Prometheus' DB.Snapshot): every block hard-linked (copied when
   * links are not possible, e.g. across file systems) and, with `withHead`, the head's data
   * (minus deleted samples) as one more block. `dir` is a valid TSDB directory afterwards.
   */
  async snapshot(dir: string, withHead: boolean): Promise<void> {
    if (resolve(dir) === resolve(this.dir)) throw new TsdbError('cannot snapshot into base directory');
    if (isUlid(basename(dir))) throw new TsdbError('dir must not be a valid ULID');
    await this.exclusive(async () => {
      fs.mkdirSync(dir, { recursive: true });
      for (const b of this.blocks) linkBlock(b.dir, join(dir, b.ulid));
      const head = this.head;
      if (withHead && head.seriesCount > 0 && head.maxTime >= head.minTime) {
        await this.writeHeadBlock(dir, head.minTime, head.maxTime + 1);
      }
      fsyncDir(dir);
    });
  }

  private retire(b: Block): void {
    if (this.pins.has(b)) this.pendingClose.add(b);
    else {
      b.close();
      deleteBlockDir(b.dir);
    }
  }

  private applyRetention(): void {
    if (!this.blocks.length) return;
    const doomed = new Set<Block>();
    if (this.opts.retentionTime > 0) {
      const newest = Math.max(this.blocks[this.blocks.length - 1]!.maxTime, this.head.maxTime);
      for (const b of this.blocks) if (newest - b.maxTime > this.opts.retentionTime) doomed.add(b);
    }
    if (this.opts.retentionSize > 0) {
      let total = this.walSize();
      for (const b of this.blocks) total += b.size();
      for (const b of this.blocks) {
        if (total <= this.opts.retentionSize) break;
        if (doomed.has(b)) continue;
        doomed.add(b);
        total -= b.size();
      }
    }
    if (!doomed.size) return;
    this.blocks = this.blocks.filter((b) => !doomed.has(b));
    for (const b of doomed) {
      this.log.info(`retention: deleting block ${b.ulid} [${b.minTime}, ${b.maxTime})`);
      this.retire(b);
      this.counters.retentionDeletions++;
    }
  }

  private walSize(): number {
    const walDir = join(this.dir, 'wal');
    let n = 0;
    const walk = (d: string): void => {
      let names: string[] = [];
      try {
        names = fs.readdirSync(d);
      } catch {
        return;
      }
      for (const x of names) {
        const p = join(d, x);
        const st = fs.statSync(p);
        if (st.isDirectory()) walk(p);
        else n += st.size;
      }
    };
    walk(walDir);
    return n;
  }

  // ---- stats & lifecycle ------------------------------------------------------------------------

  stats(): TsdbStats {
    const h = this.head.stats;
    const headMin = h.minTime;
    const bmin = this.blocks.length ? this.blocks[0]!.minTime : Infinity;
    const bmax = this.blocks.length ? Math.max(...this.blocks.map((b) => b.maxTime - 1)) : -Infinity;
    const head = this.head;
    return {
      headSeries: h.numSeries,
      headChunks: h.chunksCreated - h.chunksRemoved,
      headMinTime: headMin,
      headMaxTime: h.maxTime,
      // Walks every series: computed only when read (serve's /metrics reads stats() per gauge).
      get headChunkBytes() {
        return head.chunkBytes();
      },
      samplesAppended: h.samplesAppended,
      seriesCreated: h.seriesCreated,
      seriesRemoved: h.seriesRemoved,
      ...this.counters,
      blocks: this.blocks.length,
      blockBytes: this.blocks.reduce((a, b) => a + b.size(), 0),
      walBytesWritten: this.wal?.bytesWritten ?? 0,
      walSegment: this.wal?.currentSegment ?? -1,
      corruptedBlocks: [...this.corruptedBlocks],
      minTime: Math.min(bmin, headMin),
      maxTime: Math.max(bmax, h.maxTime),
    };
  }

  /** Flushes and closes the WAL and blocks and releases the lock. Pending compaction is awaited. */
  async close(): Promise<void> {
    if (this.closed) return;
    while (this.compacting) await this.compacting.catch(() => {});
    this.closeSync();
  }

  private closeSync(): void {
    this.closed = true;
    try {
      this.wal?.close();
    } finally {
      this.wal = null;
      for (const b of this.blocks) b.close();
      for (const b of this.pendingClose) b.close();
      this.blocks = [];
      if (this.lockHeld) {
        fs.rmSync(join(this.dir, 'lock'), { force: true });
        this.lockHeld = false;
      }
    }
  }
}

/** A snapshot's name as Prometheus makes it: UTC time (20060102T150405Z) and 16 random hex digits. */
export function snapshotName(now = new Date()): string {
  const iso = now.toISOString(); // 2006-01-02T15:04:05.000Z
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const r = randomBytes(8);
  r[0]! &= 0x7f; // Go's rand.Int63: 63 bits
  return `${stamp}-${r.toString('hex')}`;
}

/** Hard-links (or copies) a block's files into `dst` (Prometheus' Block.Snapshot). */
function linkBlock(src: string, dst: string): void {
  const tmp = `${dst}.tmp-for-creation`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(join(tmp, 'chunks'), { recursive: true });
  const files = [
    'meta.json',
    'tombstones',
    'index',
    ...fs.readdirSync(join(src, 'chunks')).map((f) => join('chunks', f)),
  ];
  for (const f of files) {
    try {
      fs.linkSync(join(src, f), join(tmp, f));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw e;
      fs.copyFileSync(join(src, f), join(tmp, f));
    }
  }
  fs.renameSync(tmp, dst);
}

function limit(v: string[], n: number | undefined): string[] {
  return n && n > 0 && v.length > n ? v.slice(0, n) : v;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An appender's pending samples. Taken from a small pool at the first append and given back at
 * commit/rollback: a scrape appends and commits in one synchronous stretch, so a handful of these
 * serve every target, instead of each scrape growing (and dropping) its own arrays — garbage that
 * scavenges often caught alive and promoted.
 */
class AppendBuffers {
  /** Entries past the appender's count are undefined (cleared on release). */
  series: (MemSeries | undefined)[] = [];
  ts = new Float64Array(256);
  vs = new Float64Array(256);
  refs = new Float64Array(256);
}

const appendPool: AppendBuffers[] = [];
const EMPTY_BUFFERS = new AppendBuffers();

class TsdbAppender implements Appender {
  private readonly batch: number;
  private b: AppendBuffers = EMPTY_BUFFERS;
  private n = 0;
  private newSeries: MemSeries[] = [];
  private done = false;

  constructor(private readonly db: Tsdb) {
    this.batch = db.head.newBatch();
  }

  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef {
    if (this.done) throw new StorageError('appender already committed or rolled back');
    const head = this.db.head;
    let s = ref ? head.series(ref) : undefined;
    if (s === undefined) s = head.getOrCreate(labels).s;
    let ok: boolean;
    try {
      ok = head.check(s, t, v, this.batch);
    } catch (e) {
      this.db.countRejection(e);
      throw e;
    }
    if (s.batch !== this.batch) {
      s.batch = this.batch;
      s.pendMaxt = -Infinity;
      if (!s.logged) this.newSeries.push(s);
    }
    if (!ok) return s.ref;
    s.pendMaxt = t;
    let b = this.b;
    if (b === EMPTY_BUFFERS) b = this.b = appendPool.pop() ?? new AppendBuffers();
    const n = this.n;
    if (n === b.ts.length) {
      const ts = new Float64Array(n * 2);
      ts.set(b.ts);
      b.ts = ts;
      const vs = new Float64Array(n * 2);
      vs.set(b.vs);
      b.vs = vs;
    }
    b.series[n] = s;
    b.ts[n] = t;
    b.vs[n] = v;
    this.n = n + 1;
    return s.ref;
  }

  async commit(): Promise<void> {
    if (this.done) throw new StorageError('appender already committed or rolled back');
    this.done = true;
    try {
      if (this.n > 0 || this.newSeries.length > 0) this.db.logAndApply(this.b, this.newSeries, this.n);
    } finally {
      this.release();
    }
  }

  async rollback(): Promise<void> {
    this.done = true;
    this.release();
  }

  private release(): void {
    const b = this.b;
    const series = b.series;
    // Entries are cleared, not the array truncated: `length = 0` would free its backing store
    // and the next scrape would grow it again (26 bytes allocated per sample).
    for (let i = 0; i < this.n; i++) {
      series[i]!.pendMaxt = -Infinity;
      series[i] = undefined;
    }
    this.newSeries = [];
    this.n = 0;
    if (b !== EMPTY_BUFFERS) {
      this.b = EMPTY_BUFFERS;
      // Keep moderate sizes only; the series refs are dropped so the pool pins no series.
      if (b.ts.length <= 1 << 16 && appendPool.length < 16) appendPool.push(b);
    }
  }
}
