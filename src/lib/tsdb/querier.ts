/**
 * Query-side building blocks shared by the head and blocks: a series whose samples live in XOR
 * chunks, a sample iterator over such chunks clipped to [mint, maxt] (minus deleted intervals), a
 * merging iterator for series present in several sources, and the SeriesSet implementations.
 */
import { Labels } from '../model/labels.js';
import { ValueType, growSampleBuffer } from '../storage/interface.js';
import type { SampleBuffer, SampleIterator, Series, SeriesSet } from '../storage/interface.js';
import { decodeXorInto } from './chunkenc/decode.js';
import { Encoding, XorIterator, encodingName } from './chunkenc/xor.js';
import type { Interval } from './block/tombstones.js';

export interface ChunkData {
  encoding: number;
  data: Uint8Array;
  /** Samples to read (for a chunk still being appended to); defaults to the chunk header. */
  count?: number;
  mint: number;
  maxt: number;
}

/** A series from one source: labels now, chunks on demand. */
export interface ChunkSeries {
  readonly labels: Labels;
  chunks(): ChunkData[];
  deleted?: readonly Interval[];
  /**
   * Optional bulk read of the samples in [mint, maxt] (as chunks() would give them) into buf;
   * sources that hold chunks in memory implement it to skip the ChunkData objects.
   */
  appendSamples?(buf: SampleBuffer, mint: number, maxt: number): void;
}

/** Decodes chunks (sorted by time) into buf, clipped to [mint, maxt] and minus deleted. */
export function appendChunks(
  chunks: readonly ChunkData[],
  mint: number,
  maxt: number,
  deleted: readonly Interval[] | undefined,
  buf: SampleBuffer,
): void {
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i]!;
    if (c.maxt < mint) continue;
    if (c.mint > maxt) return;
    if (c.encoding !== Encoding.XOR) throw new Error(`unsupported chunk encoding ${encodingName(c.encoding)}`);
    if (!decodeXorInto(c.data, c.count, mint, maxt, deleted, buf)) return;
  }
}

/** Iterates chunks in order, returning samples in [mint, maxt] not covered by `deleted`. */
export class ChunksIterator implements SampleIterator {
  t = 0;
  v = 0;
  private i = -1;
  private cur: XorIterator | null = null;
  /** Whether `cur` is positioned on chunk i. */
  private active = false;
  /** Whether t/v hold a sample. */
  private positioned = false;
  private error: Error | null = null;
  private done = false;

  constructor(
    private readonly chunks: readonly ChunkData[],
    private readonly mint: number,
    private readonly maxt: number,
    private readonly deleted?: readonly Interval[],
  ) {}

  private nextChunk(): boolean {
    this.active = false;
    for (;;) {
      this.i++;
      if (this.i >= this.chunks.length) return false;
      const c = this.chunks[this.i]!;
      if (c.maxt < this.mint) continue;
      if (c.mint > this.maxt) return false;
      if (c.encoding !== Encoding.XOR) {
        this.error = new Error(`unsupported chunk encoding ${encodingName(c.encoding)}`);
        return false;
      }
      if (this.cur) this.cur.reset(c.data, c.count);
      else this.cur = new XorIterator(c.data, c.count);
      this.active = true;
      return true;
    }
  }

  private end(): ValueType {
    this.done = true;
    this.positioned = false;
    return ValueType.None;
  }

  next(): ValueType {
    if (this.done) return ValueType.None;
    for (;;) {
      if (!this.active || this.cur!.next() !== ValueType.Float) {
        if (this.active && this.cur!.err()) {
          this.error = this.cur!.err();
          return this.end();
        }
        if (!this.nextChunk()) return this.end();
        continue;
      }
      const t = this.cur!.t;
      if (t < this.mint) continue;
      if (t > this.maxt) return this.end();
      if (this.deleted && isIn(this.deleted, t)) continue;
      this.t = t;
      this.v = this.cur!.v;
      this.positioned = true;
      return ValueType.Float;
    }
  }

  seek(t: number): ValueType {
    if (this.done) return ValueType.None;
    if (this.positioned && this.t >= t) return ValueType.Float;
    if (!this.active || this.chunks[this.i]!.maxt < t) {
      let j = this.i + 1;
      while (j < this.chunks.length && this.chunks[j]!.maxt < t) j++;
      this.i = j - 1;
      if (!this.nextChunk()) return this.end();
    }
    for (;;) {
      const r = this.next();
      if (r === ValueType.None || this.t >= t) return r;
    }
  }

  err(): Error | null {
    return this.error;
  }
}

function isIn(ivs: readonly Interval[], t: number): boolean {
  for (const iv of ivs) if (t >= iv.mint && t <= iv.maxt) return true;
  return false;
}

/** Merges iterators of one series from several sources; on equal timestamps the first source wins. */
export class MergeIterator implements SampleIterator {
  t = 0;
  v = 0;
  private readonly its: SampleIterator[];
  private readonly ok: boolean[];
  private started = false;
  private lastT = -Infinity;

  constructor(its: SampleIterator[]) {
    this.its = its;
    this.ok = its.map(() => false);
  }

  private pick(): ValueType {
    let best = -1;
    for (let i = 0; i < this.its.length; i++) {
      if (!this.ok[i]) continue;
      if (best < 0 || this.its[i]!.t < this.its[best]!.t) best = i;
    }
    if (best < 0) return ValueType.None;
    const it = this.its[best]!;
    this.t = it.t;
    this.v = it.v;
    this.lastT = it.t;
    // Advance every iterator positioned at this timestamp (dedupe).
    for (let i = 0; i < this.its.length; i++) {
      if (this.ok[i] && this.its[i]!.t === this.lastT) this.ok[i] = this.its[i]!.next() === ValueType.Float;
    }
    return ValueType.Float;
  }

  next(): ValueType {
    if (!this.started) {
      this.started = true;
      for (let i = 0; i < this.its.length; i++) this.ok[i] = this.its[i]!.next() === ValueType.Float;
    }
    return this.pick();
  }

  seek(t: number): ValueType {
    if (this.started && this.lastT >= t) return ValueType.Float;
    this.started = true;
    for (let i = 0; i < this.its.length; i++) {
      const it = this.its[i]!;
      if (this.ok[i] && it.t >= t) continue;
      this.ok[i] = it.seek(t) === ValueType.Float;
    }
    return this.pick();
  }

  err(): Error | null {
    for (const it of this.its) if (it.err()) return it.err();
    return null;
  }
}

class ChunkSeriesImpl implements Series {
  constructor(
    readonly labels: Labels,
    private readonly parts: readonly ChunkSeries[],
    private readonly mint: number,
    private readonly maxt: number,
  ) {}

  iterator(): SampleIterator {
    if (this.parts.length === 1) {
      const p = this.parts[0]!;
      return new ChunksIterator(p.chunks(), this.mint, this.maxt, p.deleted);
    }
    return new MergeIterator(this.parts.map((p) => new ChunksIterator(p.chunks(), this.mint, this.maxt, p.deleted)));
  }

  appendTo(buf: SampleBuffer): void {
    let lastT = -Infinity;
    for (let k = 0; k < this.parts.length; k++) {
      const p = this.parts[k]!;
      // Offset within the series: growth may move the series to fresh arrays while it is read.
      const before = buf.n - buf.start;
      if (p.appendSamples) p.appendSamples(buf, this.mint, this.maxt);
      else appendChunks(p.chunks(), this.mint, this.maxt, p.deleted, buf);
      if (buf.n - buf.start > before) {
        if (buf.ts[buf.start + before]! <= lastT) {
          // Sources overlap in time (e.g. a block and the head after an out-of-order backfill):
          // merge sample by sample, first source winning on equal timestamps.
          buf.n = buf.start;
          this.mergeInto(buf);
          return;
        }
        lastT = buf.ts[buf.n - 1]!;
      }
    }
  }

  private mergeInto(buf: SampleBuffer): void {
    const it = this.iterator();
    while (it.next() === ValueType.Float) {
      if (buf.n === buf.ts.length) growSampleBuffer(buf, 1);
      buf.ts[buf.n] = it.t;
      buf.vs[buf.n] = it.v;
      buf.n++;
    }
    const err = it.err();
    if (err) throw err;
  }
}

/** Merges sorted series lists from several sources into one sorted SeriesSet. */
export function mergeSeriesSets(
  lists: readonly (readonly ChunkSeries[])[],
  mint: number,
  maxt: number,
  warnings: string[] = [],
): SeriesSet {
  const out: Series[] = [];
  const nonEmpty = lists.filter((l) => l.length > 0);
  // A series from one source is its own Series when the source's view implements it (head and
  // block views do, over the same [mint, maxt]): no wrapper object per series.
  const one = (s: ChunkSeries): Series => (isSeries(s) ? s : new ChunkSeriesImpl(s.labels, [s], mint, maxt));
  if (nonEmpty.length === 1) {
    for (const s of nonEmpty[0]!) out.push(one(s));
  } else if (nonEmpty.length > 1) {
    const pos = nonEmpty.map(() => 0);
    for (;;) {
      let best: Labels | null = null;
      for (let i = 0; i < nonEmpty.length; i++) {
        const l = nonEmpty[i]!;
        if (pos[i]! < l.length) {
          const lab = l[pos[i]!]!.labels;
          if (best === null || Labels.compare(lab, best) < 0) best = lab;
        }
      }
      if (best === null) break;
      const parts: ChunkSeries[] = [];
      for (let i = 0; i < nonEmpty.length; i++) {
        const l = nonEmpty[i]!;
        if (pos[i]! < l.length && l[pos[i]!]!.labels.equals(best)) parts.push(l[pos[i]!++]!);
      }
      out.push(parts.length === 1 ? one(parts[0]!) : new ChunkSeriesImpl(best, parts, mint, maxt));
    }
  }
  return listSeriesSet(out, warnings);
}

function isSeries(s: ChunkSeries): s is ChunkSeries & Series {
  return typeof (s as Partial<Series>).iterator === 'function';
}

export function listSeriesSet(list: readonly Series[], warnings: string[] = [], error: Error | null = null): SeriesSet {
  let i = -1;
  return {
    next: () => ++i < list.length,
    at: () => list[i]!,
    err: () => error,
    warnings: () => warnings,
  };
}
