/**
 * The head block: recent samples in memory. Series are identified by numeric refs (an array index),
 * their label strings are interned, and an inverted index (label name → value → sorted refs)
 * resolves matchers. Each series keeps closed XOR chunks (views of shared append-only pages,
 * ClosedArena) and one open chunk: no object per sample. The open chunk's state and the series'
 * numbers are columns of one Float64Array indexed by ref, its bytes a region of a shared 64 KiB
 * page (HeadColumns, ChunkPages): per series the GC sees a MemSeries, its labels and its closed
 * chunks, nothing else.
 * Chunks are cut at SAMPLES_PER_CHUNK samples and at block range boundaries, so a chunk always
 * belongs to exactly one future block.
 */
import { Labels, compareStrings } from '../../model/labels.js';
import type { Matcher } from '../../model/matcher.js';
import {
  DuplicateSampleForTimestampError,
  OutOfBoundsError,
  OutOfOrderSampleError,
  StorageError,
} from '../../storage/errors.js';
import { ValueType, type SampleBuffer, type SampleIterator, type Series } from '../../storage/interface.js';
import { decodeXorInto } from '../chunkenc/decode.js';
import {
  Encoding,
  SAMPLES_PER_CHUNK,
  XOR_STATE,
  XS_COUNT,
  XorAppender,
  xorAppend,
  xorIn,
  xorByteLength,
  xorNeed,
  xorReset,
} from '../chunkenc/xor.js';
import { bits, floatBits } from '../encoding.js';
import { postingsForMatchers, type Postings, type PostingsIndex } from '../index/postings.js';
import { ChunksIterator, type ChunkData, type ChunkSeries } from '../querier.js';
import { addInterval, coveredBy, overlapsAny, type Interval } from '../block/tombstones.js';

export interface HeadChunk {
  data: Uint8Array;
  mint: number;
  maxt: number;
}

/** The closed chunks of a series that has none (shared: never pushed to; see appendSample). */
const NO_CHUNKS: HeadChunk[] = Object.freeze([]) as unknown as HeadChunk[];

/*
 * Per-series numbers live in one Float64Array of the head, STRIDE numbers per series ref: the
 * open chunk's XOR state (XOR_STATE numbers at the start) and the fields below. As fields of an
 * object per series they were boxed doubles (V8 keeps a double field in a heap object of its own):
 * about a dozen objects per series for the GC to trace, and 1 KiB of heap per series.
 */
/** Timestamp of the last committed sample (-Infinity when none). */
const C_MAXT = XOR_STATE;
/** First timestamp of the open chunk. */
const C_APPMINT = XOR_STATE + 1;
/** When the open chunk is cut (Prometheus' memSeries.nextAt); never past its block range. */
const C_NEXTAT = XOR_STATE + 2;
/** In-batch state for out-of-order checks before commit: the batch and its newest timestamp. */
const C_PENDMAXT = XOR_STATE + 3;
const C_BATCH = XOR_STATE + 4;
/** Bits of the last committed value (exact duplicates are dropped silently). */
const C_LASTHI = XOR_STATE + 5;
const C_LASTLO = XOR_STATE + 6;
/** Where the open chunk's bytes are: page (-1: no open chunk), offset in it, capacity. */
const C_PAGE = XOR_STATE + 7;
const C_OFF = XOR_STATE + 8;
const C_CAP = XOR_STATE + 9;
const STRIDE = XOR_STATE + 10;

const PAGE_SIZE = 64 * 1024;

/** Scratch arrays for appendSample (one sample through appendBatch). */
const one = { series: [] as MemSeries[], ts: new Float64Array(1), vs: new Float64Array(1) };

/**
 * The closed chunks' bytes: copied one after another into append-only 64 KiB pages, each chunk a
 * view of its page. A Uint8Array of its own per chunk also cost an ArrayBuffer object and a
 * malloc'd backing store — about 100 bytes on top of a chunk's ~200 — and a head holds a dozen
 * closed chunks per series after a few hours. Nothing tracks the pages: a page is garbage once
 * every chunk in it is (chunks are cut and truncated in time order, so a page's chunks age
 * together).
 */
class ClosedArena {
  private page = new Uint8Array(0);
  private used = 0;

  /** A copy of `src` in the arena. */
  copy(src: Uint8Array): Uint8Array {
    const n = src.length;
    if (n > PAGE_SIZE / 4) return src.slice();
    if (this.used + n > this.page.length) {
      this.page = new Uint8Array(PAGE_SIZE);
      this.used = 0;
    }
    const at = this.used;
    this.page.set(src, at);
    this.used = at + n;
    return this.page.subarray(at, at + n);
  }
}

/**
 * The open chunks' bytes: regions bump-allocated in 64 KiB pages, not a Uint8Array (with its
 * ArrayBuffer and backing store) per series. A region is never reused: a chunk that grows moves
 * to a new region, and a page is dropped once none of its regions is in use. Query views hold
 * subarrays of pages, so a dropped page stays readable for as long as a view needs it.
 */
class ChunkPages {
  readonly pages: (Uint8Array | null)[] = [];
  private readonly live: number[] = [];
  private readonly freeSlots: number[] = [];
  private cur = -1;
  private used = PAGE_SIZE;
  /** Offset of the region alloc() returned last. */
  off = 0;

  /** A zero-filled region of `size` bytes; returns its page (offset in `off`). */
  alloc(size: number): number {
    if (size > PAGE_SIZE / 4) {
      // Large regions get a page of their own (never the bump page).
      const p = this.newPage(size);
      this.live[p] = 1;
      this.off = 0;
      return p;
    }
    if (this.used + size > PAGE_SIZE) {
      const old = this.cur;
      this.cur = this.newPage(PAGE_SIZE);
      this.used = 0;
      if (old >= 0 && this.live[old] === 0) this.drop(old);
    }
    this.off = this.used;
    this.used += size;
    this.live[this.cur]!++;
    return this.cur;
  }

  release(p: number): void {
    if (--this.live[p]! === 0 && p !== this.cur) this.drop(p);
  }

  private newPage(size: number): number {
    const p = this.freeSlots.length ? this.freeSlots.pop()! : this.pages.length;
    this.pages[p] = new Uint8Array(size);
    this.live[p] = 0;
    return p;
  }

  private drop(p: number): void {
    this.pages[p] = null;
    this.freeSlots.push(p);
  }
}

/** The head's per-series columns, indexed by series ref. */
export class HeadColumns {
  f = new Float64Array(STRIDE * 1024);
  readonly chunks = new ChunkPages();

  /** Makes room for `ref` and starts its fields. */
  init(ref: number): void {
    let f = this.f;
    if ((ref + 1) * STRIDE > f.length) {
      let n = f.length * 2;
      while (n < (ref + 1) * STRIDE) n *= 2;
      const nf = new Float64Array(n);
      nf.set(f);
      this.f = f = nf;
    }
    const o = ref * STRIDE;
    f.fill(0, o, o + STRIDE);
    f[o + C_MAXT] = -Infinity;
    f[o + C_PENDMAXT] = -Infinity;
    f[o + C_PAGE] = -1;
  }

  /** The open chunk's region of series `ref` (a view; null when none). */
  region(ref: number): Uint8Array | null {
    const o = ref * STRIDE;
    const p = this.f[o + C_PAGE]!;
    if (p < 0) return null;
    const off = this.f[o + C_OFF]!;
    return this.chunks.pages[p]!.subarray(off, off + this.f[o + C_CAP]!);
  }

  /** Bytes reserved for the open chunk of `ref` (0: none). */
  openCapacity(ref: number): number {
    const o = ref * STRIDE;
    return this.f[o + C_PAGE]! >= 0 ? this.f[o + C_CAP]! : 0;
  }

  hasOpenChunk(ref: number): boolean {
    return this.f[ref * STRIDE + C_PAGE]! >= 0;
  }

  /** Drops the open chunk of `ref`. */
  closeChunk(ref: number): void {
    const o = ref * STRIDE;
    const p = this.f[o + C_PAGE]!;
    if (p < 0) return;
    this.f[o + C_PAGE] = -1;
    this.chunks.release(p);
  }
}

export class MemSeries {
  closed: HeadChunk[] = NO_CHUNKS;
  /** Whether a Series record for this series is in the WAL. */
  logged = false;

  constructor(
    readonly ref: number,
    readonly labels: Labels,
    private readonly cols: HeadColumns,
  ) {}

  /** Timestamp of the last committed sample (-Infinity when none). */
  get maxt(): number {
    return this.cols.f[this.ref * STRIDE + C_MAXT]!;
  }

  /** The batch of the last uncommitted append, and that batch's newest timestamp. */
  get batch(): number {
    return this.cols.f[this.ref * STRIDE + C_BATCH]!;
  }

  set batch(b: number) {
    this.cols.f[this.ref * STRIDE + C_BATCH] = b;
  }

  get pendMaxt(): number {
    return this.cols.f[this.ref * STRIDE + C_PENDMAXT]!;
  }

  set pendMaxt(t: number) {
    this.cols.f[this.ref * STRIDE + C_PENDMAXT] = t;
  }

  /** The open chunk's bytes (a view of its region; null: none), first timestamp and sample count. */
  get buf(): Uint8Array | null {
    return this.cols.region(this.ref);
  }

  get appMint(): number {
    return this.cols.f[this.ref * STRIDE + C_APPMINT]!;
  }

  get count(): number {
    return this.cols.hasOpenChunk(this.ref) ? this.cols.f[this.ref * STRIDE + XS_COUNT]! : 0;
  }

  /** The open chunk's bytes (a copy, exact length). */
  openChunk(): Uint8Array | null {
    const b = this.cols.region(this.ref);
    return b ? b.slice(0, xorByteLength(this.cols.f, this.ref * STRIDE)) : null;
  }

  minTime(): number {
    if (this.closed.length) return this.closed[0]!.mint;
    return this.cols.hasOpenChunk(this.ref) ? this.appMint : Infinity;
  }
}

export interface HeadStats {
  numSeries: number;
  /** Samples appended since start (including replay). */
  samplesAppended: number;
  chunksCreated: number;
  chunksRemoved: number;
  seriesCreated: number;
  seriesRemoved: number;
  minTime: number;
  maxTime: number;
}

function hashLabels(l: Labels): number {
  const f = l.toFlat();
  let h = 0x811c9dc5;
  for (let i = 0; i < f.length; i++) {
    const s = f[i]!;
    for (let j = 0; j < s.length; j++) h = Math.imul(h ^ s.charCodeAt(j), 16777619);
    h = Math.imul(h ^ 0xff, 16777619);
  }
  return h >>> 0;
}

export class Head implements PostingsIndex {
  /** Series by ref (index); holes after garbage collection. */
  private byRef: (MemSeries | undefined)[] = [undefined];
  private readonly byHash = new Map<number, MemSeries | MemSeries[]>();
  private readonly index = new Map<string, Map<string, number[]>>();
  private readonly symbols = new Map<string, string>();
  private readonly cols = new HeadColumns();
  private readonly closedArena = new ClosedArena();
  /** Refs from the WAL that were merged into another series with the same labels. */
  readonly aliases = new Map<number, MemSeries>();
  private numSeries = 0;
  private nextRef = 1;
  private batchSeq = 0;
  readonly stats: HeadStats = {
    numSeries: 0,
    samplesAppended: 0,
    chunksCreated: 0,
    chunksRemoved: 0,
    seriesCreated: 0,
    seriesRemoved: 0,
    minTime: Infinity,
    maxTime: -Infinity,
  };
  /** Samples older than this are out of bounds (already persisted in blocks). */
  minValidTime = -Infinity;

  constructor(readonly chunkRange: number) {}

  intern(s: string): string {
    const x = this.symbols.get(s);
    if (x !== undefined) return x;
    this.symbols.set(s, s);
    return s;
  }

  get seriesCount(): number {
    return this.numSeries;
  }

  get minTime(): number {
    return this.stats.minTime;
  }

  get maxTime(): number {
    return this.stats.maxTime;
  }

  series(ref: number): MemSeries | undefined {
    return this.byRef[ref] ?? this.aliases.get(ref);
  }

  getByLabels(l: Labels): MemSeries | undefined {
    const e = this.byHash.get(hashLabels(l));
    if (e === undefined) return undefined;
    if (e instanceof MemSeries) return e.labels.equals(l) ? e : undefined;
    return e.find((s) => s.labels.equals(l));
  }

  /**
   * Returns the series for `l`, creating it (with `ref` when given, as in WAL replay). `interned`:
   * l's strings are already this head's interned instances (WAL replay), so l is kept as is.
   */
  getOrCreate(l: Labels, ref = 0, interned = false): { s: MemSeries; created: boolean } {
    const h = hashLabels(l);
    const e = this.byHash.get(h);
    if (e !== undefined) {
      const found = e instanceof MemSeries ? (e.labels.equals(l) ? e : undefined) : e.find((s) => s.labels.equals(l));
      if (found) return { s: found, created: false };
    }
    if (l.isEmpty()) throw new StorageError('empty labelset');
    const f = l.toFlat();
    for (let i = 2; i < f.length; i += 2) {
      if (f[i] === f[i - 2]) throw new StorageError(`label name "${f[i]}" is not unique: invalid sample`);
    }
    let flat = f;
    let lab = l;
    if (!interned) {
      if (Object.isFrozen(f)) {
        flat = f.map((x) => this.intern(x));
        lab = Labels.fromSortedFlat(flat);
      } else {
        // Swap the caller's strings for the interned instances in place (equal contents: no
        // observable change) and keep its Labels: the scrape cache and the head then share one
        // label set per series instead of two copies with their own strings.
        const m = f as string[];
        for (let i = 0; i < m.length; i++) m[i] = this.intern(m[i]!);
      }
    }
    if (ref === 0) ref = this.nextRef;
    if (this.byRef[ref] !== undefined) throw new StorageError(`series ref ${ref} already in use`);
    if (ref >= this.nextRef) this.nextRef = ref + 1;
    this.cols.init(ref);
    const s = new MemSeries(ref, lab, this.cols);
    while (this.byRef.length < ref) this.byRef.push(undefined);
    this.byRef[ref] = s;
    if (e === undefined) this.byHash.set(h, s);
    else if (e instanceof MemSeries) this.byHash.set(h, [e, s]);
    else e.push(s);
    for (let i = 0; i < flat.length; i += 2) {
      let byVal = this.index.get(flat[i]!);
      if (!byVal) this.index.set(flat[i]!, (byVal = new Map()));
      const list = byVal.get(flat[i + 1]!);
      // Refs grow, so appending keeps lists sorted — except for replayed refs: insert in order.
      if (!list) byVal.set(flat[i + 1]!, [ref]);
      else if (list[list.length - 1]! < ref) list.push(ref);
      else list.splice(lowerBound(list, ref), 0, ref);
    }
    this.numSeries++;
    this.stats.numSeries = this.numSeries;
    this.stats.seriesCreated++;
    return { s, created: true };
  }

  /** Checks whether (t, v) can be appended to s given the committed and in-batch state. Throws. */
  check(s: MemSeries, t: number, v: number, batch: number): boolean {
    // The common case first, kept small enough for V8 to inline into the appender (so t and v are
    // not boxed for a call): newer than the series' last sample, in bounds.
    const f = this.cols.f;
    const o = s.ref * STRIDE;
    if (
      t > f[o + C_MAXT]! &&
      (f[o + C_BATCH] !== batch || t > f[o + C_PENDMAXT]!) &&
      t >= this.minValidTime &&
      t >= this.stats.maxTime - this.chunkRange / 2
    )
      return true;
    return this.checkSlow(s, t, v, batch);
  }

  private checkSlow(s: MemSeries, t: number, v: number, batch: number): boolean {
    // As Prometheus: nothing older than the persisted range, nor more than half a block range
    // behind the newest sample (that range may be being written out as a block).
    if (t < this.minValidTime || t < this.stats.maxTime - this.chunkRange / 2) throw new OutOfBoundsError();
    const f = this.cols.f;
    const o = s.ref * STRIDE;
    const committed = f[o + C_MAXT]!;
    const pend = f[o + C_PENDMAXT]!;
    const maxt = f[o + C_BATCH] === batch && pend > committed ? pend : committed;
    if (t > maxt) return true;
    if (t < maxt) throw new OutOfOrderSampleError();
    if (t === committed) {
      floatBits(v);
      if (bits.hi === f[o + C_LASTHI] && bits.lo === f[o + C_LASTLO]) return false; // exact duplicate: dropped silently
    }
    throw new DuplicateSampleForTimestampError();
  }

  /** Appends a committed sample. Returns false for an out-of-order/duplicate sample (dropped). */
  appendSample(s: MemSeries, t: number, v: number): boolean {
    one.series[0] = s;
    one.ts[0] = t;
    one.vs[0] = v;
    return this.appendBatch(one.series, one.ts, one.vs, 1) === 1;
  }

  /**
   * Appends committed samples (series[i], ts[i], vs[i]) for i < n, in order; out-of-order and
   * duplicate samples are dropped. Returns how many were appended. Timestamps and values stay in
   * typed arrays on this path (never passed to a function as numbers, which would box them).
   */
  appendBatch(series: readonly (MemSeries | undefined)[], ts: Float64Array, vs: Float64Array, n: number): number {
    const cols = this.cols;
    const f = cols.f;
    const pages = cols.chunks;
    const stats = this.stats;
    let added = 0;
    for (let i = 0; i < n; i++) {
      const s = series[i]!;
      const o = s.ref * STRIDE;
      const t = ts[i]!;
      if (t <= f[o + C_MAXT]!) continue;
      const page = f[o + C_PAGE]!;
      const count = page < 0 ? 0 : f[o + XS_COUNT]!;
      // Chunk cutting as Prometheus' head does it (so blocks match promtool's byte for byte): at a
      // quarter of the target size, predict an end time that spreads the rest of the block range
      // evenly over chunks of ~SAMPLES_PER_CHUNK; cut there, at the block boundary, or at twice the
      // target size when the rate went up.
      if (page >= 0 && count === SAMPLES_PER_CHUNK / 4)
        f[o + C_NEXTAT] = chunkEndTime(f[o + C_APPMINT]!, f[o + C_MAXT]!, f[o + C_NEXTAT]!);
      if (page < 0 || t >= f[o + C_NEXTAT]! || count >= SAMPLES_PER_CHUNK * 2) this.cutChunk(s, ts, i);
      else if (xorNeed(f, o) > f[o + C_CAP]!) this.growChunk(o);
      xorIn[0] = t;
      xorIn[1] = vs[i]!;
      xorAppend(f, o, pages.pages[f[o + C_PAGE]!]!, f[o + C_OFF]!);
      f[o + C_MAXT] = t;
      f[o + C_LASTHI] = bits.hi;
      f[o + C_LASTLO] = bits.lo;
      added++;
      if (t < stats.minTime) stats.minTime = t;
      if (t > stats.maxTime) stats.maxTime = t;
    }
    stats.samplesAppended += added;
    return added;
  }

  /** Closes the open chunk of s (if any) and starts a new one at ts[i]. */
  private cutChunk(s: MemSeries, ts: Float64Array, i: number): void {
    const f = this.cols.f;
    const pages = this.cols.chunks;
    const o = s.ref * STRIDE;
    const page = f[o + C_PAGE]!;
    // A series' first chunk starts at 128 bytes, as Prometheus' (bstream capacity 128); later
    // chunks start at the size the last one needed.
    let cap = 128;
    if (page >= 0) {
      const off = f[o + C_OFF]!;
      const c = {
        data: this.closedArena.copy(pages.pages[page]!.subarray(off, off + xorByteLength(f, o))),
        mint: f[o + C_APPMINT]!,
        maxt: f[o + C_MAXT]!,
      };
      // Series start with the shared empty list (one object less per series until its first cut).
      if (s.closed === NO_CHUNKS) s.closed = [c];
      else s.closed.push(c);
      cap = Math.min(512, f[o + C_CAP]!);
      pages.release(page);
    }
    const np = pages.alloc(cap);
    f[o + C_PAGE] = np;
    f[o + C_OFF] = pages.off;
    f[o + C_CAP] = cap;
    xorReset(f, o);
    f[o + C_APPMINT] = ts[i]!;
    f[o + C_NEXTAT] = Math.floor(ts[i]! / this.chunkRange) * this.chunkRange + this.chunkRange;
    this.stats.chunksCreated++;
  }

  /** Moves the open chunk at column offset o to a region twice the size (the old one is not reused: views may be reading it). */
  private growChunk(o: number): void {
    const f = this.cols.f;
    const pages = this.cols.chunks;
    const need = xorNeed(f, o);
    const page = f[o + C_PAGE]!;
    const off = f[o + C_OFF]!;
    let cap = f[o + C_CAP]! * 2;
    while (cap < need) cap *= 2;
    const np = pages.alloc(cap);
    pages.pages[np]!.set(pages.pages[page]!.subarray(off, off + xorByteLength(f, o)), pages.off);
    pages.release(page);
    f[o + C_PAGE] = np;
    f[o + C_OFF] = pages.off;
    f[o + C_CAP] = cap;
  }

  newBatch(): number {
    return ++this.batchSeq;
  }

  // ---- PostingsIndex --------------------------------------------------------------------------

  labelValues(name: string): Iterable<string> {
    return this.index.get(name)?.keys() ?? [];
  }

  postings(name: string, value: string): Postings {
    return this.index.get(name)?.get(value) ?? [];
  }

  allPostings(): Postings {
    const out = new Float64Array(this.numSeries);
    let n = 0;
    for (let i = 1; i < this.byRef.length; i++) if (this.byRef[i] !== undefined) out[n++] = i;
    return out.subarray(0, n);
  }

  allLabelNames(): string[] {
    return [...this.index.keys()];
  }

  // ---- querying -------------------------------------------------------------------------------

  /** Series matching `matchers` with data in [mint, maxt], sorted by labels. */
  select(mint: number, maxt: number, matchers: readonly Matcher[]): ChunkSeries[] {
    const p = postingsForMatchers(this, matchers);
    const { sorted, rank } = this.sortedOrder();
    // Sort the matches by their rank in the label order (a numeric sort of a typed array).
    const ranks = new Int32Array(p.length);
    let n = 0;
    for (let i = 0; i < p.length; i++) {
      const s = this.byRef[p[i]!];
      if (s === undefined) continue;
      if (s.maxt < mint || s.minTime() > maxt) continue;
      ranks[n++] = rank[s.ref]!;
    }
    const out: ChunkSeries[] = new Array(n);
    const stones = this.tombstones.size > 0 ? this.tombstones : undefined;
    if (n * Math.log2(n + 1) < sorted.length) {
      const r = ranks.subarray(0, n).sort();
      for (let i = 0; i < n; i++) out[i] = seriesView(sorted[r[i]!]!, mint, maxt, stones);
    } else {
      // Most series match: mark their ranks and walk the label order (no sort).
      const mark = new Uint8Array(sorted.length);
      for (let i = 0; i < n; i++) mark[ranks[i]!] = 1;
      let k = 0;
      for (let i = 0; i < mark.length; i++) if (mark[i] === 1) out[k++] = seriesView(sorted[i]!, mint, maxt, stones);
    }
    // As for blocks: a series whose chunks in range are all deleted is not a match.
    return stones ? out.filter((v) => !(v as HeadSeriesView).allDeleted()) : out;
  }

  private order: { sorted: MemSeries[]; rank: Int32Array; created: number; removed: number } = {
    sorted: [],
    rank: new Int32Array(0),
    created: -1,
    removed: -1,
  };

  /**
   * Every live series sorted by labels, and each one's position by ref. Kept between queries and
   * brought up to date when series were created or removed: the new ones are sorted and merged in
   * (O(n + k log k)), so a query need not sort its series by labels.
   */
  private sortedOrder(): { sorted: MemSeries[]; rank: Int32Array } {
    const o = this.order;
    if (o.created === this.stats.seriesCreated && o.removed === this.stats.seriesRemoved) return o;
    const byRef = this.byRef;
    const old = o.sorted;
    const known = (s: MemSeries): boolean => s.ref < o.rank.length && old[o.rank[s.ref]!] === s;
    const fresh: MemSeries[] = [];
    for (let i = 1; i < byRef.length; i++) {
      const s = byRef[i];
      if (s !== undefined && !known(s)) fresh.push(s);
    }
    fresh.sort((a, b) => Labels.compare(a.labels, b.labels));
    const sorted: MemSeries[] = new Array(this.numSeries);
    let n = 0;
    let j = 0;
    for (let i = 0; i < old.length; i++) {
      const s = old[i]!;
      if (byRef[s.ref] !== s) continue; // removed
      while (j < fresh.length && Labels.compare(fresh[j]!.labels, s.labels) < 0) sorted[n++] = fresh[j++]!;
      sorted[n++] = s;
    }
    while (j < fresh.length) sorted[n++] = fresh[j++]!;
    sorted.length = n;
    const rank = new Int32Array(byRef.length);
    for (let i = 0; i < n; i++) rank[sorted[i]!.ref] = i;
    this.order = { sorted, rank, created: this.stats.seriesCreated, removed: this.stats.seriesRemoved };
    return this.order;
  }

  /** Sorted label values of `name` among series matching matchers with data in [mint, maxt]. */
  labelValuesFor(name: string, mint: number, maxt: number, matchers: readonly Matcher[]): string[] {
    const set = new Set<string>();
    if (matchers.length === 0) {
      for (const v of this.labelValues(name)) {
        const refs = this.postings(name, v);
        for (let i = 0; i < refs.length; i++) {
          const s = this.byRef[refs[i]!];
          if (s && s.maxt >= mint && s.minTime() <= maxt) {
            set.add(v);
            break;
          }
        }
      }
    } else {
      for (const s of this.select(mint, maxt, matchers)) {
        const v = s.labels.get(name);
        if (v !== '') set.add(v);
      }
    }
    return [...set].sort(compareStrings);
  }

  labelNamesFor(mint: number, maxt: number, matchers: readonly Matcher[]): string[] {
    if (matchers.length === 0) return this.allLabelNames().sort(compareStrings);
    const set = new Set<string>();
    for (const s of this.select(mint, maxt, matchers)) s.labels.forEach((n) => set.add(n));
    return [...set].sort(compareStrings);
  }

  /** Every series (for block writing), sorted by labels. */
  sortedSeries(): MemSeries[] {
    const out: MemSeries[] = [];
    for (const s of this.byRef) if (s !== undefined) out.push(s);
    out.sort((a, b) => Labels.compare(a.labels, b.labels));
    return out;
  }

  /** Chunks of s entirely within [mint, maxt) (block range), the open one included. */
  chunksInRange(s: MemSeries, mint: number, maxt: number): HeadChunk[] {
    const out: HeadChunk[] = [];
    for (const c of s.closed) if (c.mint >= mint && c.maxt < maxt) out.push(c);
    if (s.count > 0 && s.appMint >= mint && s.maxt < maxt) {
      out.push({ data: s.openChunk()!, mint: s.appMint, maxt: s.maxt });
    }
    const del = this.tombstones.get(s.ref);
    // Deleted samples must not reach the block (Prometheus' compactor writes the head's chunks
    // minus its tombstones): chunks touching a deleted interval are re-encoded without them.
    return del === undefined ? out : withoutDeleted(out, del);
  }

  /**
   * Drops data before `mint` (persisted in blocks) and removes series left without data.
   * Returns the number of series removed.
   */
  truncate(mint: number): number {
    if (mint > this.minValidTime) this.minValidTime = mint;
    const removed: MemSeries[] = [];
    for (let i = 1; i < this.byRef.length; i++) {
      const s = this.byRef[i];
      if (s === undefined) continue;
      let k = 0;
      while (k < s.closed.length && s.closed[k]!.maxt < mint) k++;
      if (k > 0) {
        s.closed = s.closed.slice(k);
        this.stats.chunksRemoved += k;
      }
      if (this.cols.hasOpenChunk(s.ref) && s.maxt < mint) {
        this.cols.closeChunk(s.ref);
        this.stats.chunksRemoved++;
      }
      if (s.closed.length === 0 && !this.cols.hasOpenChunk(s.ref) && s.pendMaxt === -Infinity) removed.push(s);
    }
    for (const s of removed) this.removeSeries(s);
    for (const [ref, s] of this.aliases) if (this.byRef[s.ref] !== s) this.aliases.delete(ref);
    this.stats.minTime = Infinity;
    for (const s of this.byRef) if (s) this.stats.minTime = Math.min(this.stats.minTime, s.minTime());
    if (this.numSeries === 0) this.stats.maxTime = -Infinity;
    return removed.length;
  }

  private removeSeries(s: MemSeries): void {
    this.byRef[s.ref] = undefined;
    const h = hashLabels(s.labels);
    const e = this.byHash.get(h);
    if (e === s) this.byHash.delete(h);
    else if (Array.isArray(e)) {
      const rest = e.filter((x) => x !== s);
      if (rest.length === 1) this.byHash.set(h, rest[0]!);
      else this.byHash.set(h, rest);
    }
    const f = s.labels.toFlat();
    for (let i = 0; i < f.length; i += 2) {
      const byVal = this.index.get(f[i]!);
      const list = byVal?.get(f[i + 1]!);
      if (!byVal || !list) continue;
      const j = lowerBound(list, s.ref);
      if (list[j] === s.ref) list.splice(j, 1);
      if (list.length === 0) {
        byVal.delete(f[i + 1]!);
        if (byVal.size === 0) this.index.delete(f[i]!);
      }
    }
    this.numSeries--;
    this.stats.numSeries = this.numSeries;
    this.stats.seriesRemoved++;
  }

  /** Every live series ref, and WAL aliases (for checkpoints). */
  isLive(ref: number): boolean {
    return this.byRef[ref] !== undefined || this.aliases.has(ref);
  }

  /** Approximate bytes of chunk data held (for stats). */
  chunkBytes(): number {
    let n = 0;
    for (const s of this.byRef) {
      if (!s) continue;
      for (const c of s.closed) n += c.data.length;
      n += this.cols.openCapacity(s.ref);
    }
    return n;
  }

  // ---- deletion (tombstones) ------------------------------------------------------------------

  /** Deleted intervals by series ref (sorted, merged). Arrays are replaced, never mutated. */
  readonly tombstones = new Map<number, Interval[]>();

  /**
   * Marks the samples in [mint, maxt] of the series matching matchers as deleted (Prometheus'
   * Head.Delete): each matching series gets the range clamped to its data. `log` is called with
   * the tombstones before they apply (the WAL record); returns them.
   */
  delete(
    mint: number,
    maxt: number,
    matchers: readonly Matcher[],
    log?: (stones: { ref: number; mint: number; maxt: number }[]) => void,
  ): { ref: number; mint: number; maxt: number }[] {
    const stones: { ref: number; mint: number; maxt: number }[] = [];
    for (const v of this.select(mint, maxt, matchers) as HeadSeriesView[]) {
      const cs = v.chunks();
      if (cs.length === 0) continue;
      const t0 = Math.max(mint, cs[0]!.mint);
      const t1 = Math.min(maxt, cs[cs.length - 1]!.maxt);
      if (t0 <= t1) stones.push({ ref: v.ref, mint: t0, maxt: t1 });
    }
    if (stones.length === 0) return stones;
    log?.(stones);
    for (const st of stones) this.addTombstone(st.ref, st.mint, st.maxt);
    return stones;
  }

  /** Adds one deleted interval (WAL replay, delete). */
  addTombstone(ref: number, mint: number, maxt: number): void {
    this.tombstones.set(ref, addInterval(this.tombstones.get(ref), { mint, maxt }));
  }

  /** Drops tombstones of removed series and intervals wholly before mint (after truncate). */
  truncateTombstones(mint: number): void {
    for (const [ref, ivs] of this.tombstones) {
      const keep = this.isLive(ref) ? ivs.filter((iv) => iv.maxt >= mint) : [];
      if (keep.length === 0) this.tombstones.delete(ref);
      else if (keep.length !== ivs.length) this.tombstones.set(ref, keep);
    }
  }
}

/** The chunks minus the samples in `del`; chunks touching `del` are re-encoded, empty ones dropped. */
function withoutDeleted(chunks: HeadChunk[], del: readonly Interval[]): HeadChunk[] {
  const out: HeadChunk[] = [];
  for (const c of chunks) {
    if (!overlapsAny(del, c.mint, c.maxt)) {
      out.push(c);
      continue;
    }
    const it = new ChunksIterator(
      [{ encoding: Encoding.XOR, data: c.data, mint: c.mint, maxt: c.maxt }],
      c.mint,
      c.maxt,
      del,
    );
    const app = new XorAppender(Math.max(32, c.data.length));
    let mint = 0;
    let maxt = 0;
    while (it.next() === ValueType.Float) {
      if (app.count === 0) mint = it.t;
      app.append(it.t, it.v);
      maxt = it.t;
    }
    if (it.err()) throw it.err()!;
    if (app.count > 0) out.push({ data: app.bytes(), mint, maxt });
  }
  return out;
}

/** Prometheus 2.x computeChunkEndTime (integer arithmetic). */
export function chunkEndTime(start: number, cur: number, max: number): number {
  const n = Math.trunc((max - start) / ((cur - start + 1) * 4));
  if (n <= 1) return max;
  return start + Math.trunc((max - start) / n);
}

/**
 * Splits one series' sorted samples [from, to) into chunk ranges the way the head cuts them
 * (used by backfilling so its blocks equal promtool's). Returns [start, end) index pairs.
 */
export function cutChunkRanges(
  ts: ArrayLike<number>,
  from: number,
  to: number,
  chunkRange: number,
): [number, number][] {
  const out: [number, number][] = [];
  let start = -1;
  let nextAt = 0;
  for (let i = from; i < to; i++) {
    const t = ts[i]!;
    const count = i - start;
    if (start >= 0 && count === SAMPLES_PER_CHUNK / 4) nextAt = chunkEndTime(ts[start]!, ts[i - 1]!, nextAt);
    if (start < 0 || t >= nextAt || count >= SAMPLES_PER_CHUNK * 2) {
      if (start >= 0) out.push([start, i]);
      start = i;
      nextAt = Math.floor(t / chunkRange) * chunkRange + chunkRange;
    }
  }
  if (start >= 0) out.push([start, to]);
  return out;
}

function lowerBound(list: number[], x: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (list[m]! < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

function seriesView(s: MemSeries, mint: number, maxt: number, stones?: Map<number, Interval[]>): ChunkSeries {
  return new HeadSeriesView(s, mint, maxt, stones?.get(s.ref));
}

/**
 * A head series as a query sees it. Snapshot at select(): appends after it must not change what
 * this query sees (closed chunks are immutable; the open one is read up to the count at select).
 */
class HeadSeriesView implements ChunkSeries, Series {
  readonly labels: Labels;
  readonly ref: number;
  private readonly closed: readonly HeadChunk[];
  private readonly closedLen: number;
  private readonly buf: Uint8Array | null;
  private readonly count: number;
  private readonly appMint: number;
  private readonly lastT: number;

  constructor(
    s: MemSeries,
    private readonly mint: number,
    private readonly maxt: number,
    /** Deleted intervals of the series (head tombstones) at select(). */
    readonly deleted?: Interval[],
  ) {
    this.ref = s.ref;
    this.labels = s.labels;
    // The closed chunks' array grows as chunks are cut: read only the ones there now.
    this.closed = s.closed;
    this.closedLen = s.closed.length;
    this.buf = s.buf;
    this.count = s.count;
    this.appMint = s.appMint;
    this.lastT = s.maxt;
  }

  chunks(): ChunkData[] {
    const { mint, maxt } = this;
    const out: ChunkData[] = [];
    for (let i = 0; i < this.closedLen; i++) {
      const c = this.closed[i]!;
      if (c.maxt < mint || c.mint > maxt) continue;
      out.push({ encoding: Encoding.XOR, data: c.data, mint: c.mint, maxt: c.maxt });
    }
    if (this.buf && this.count > 0 && this.lastT >= mint && this.appMint <= maxt) {
      out.push({ encoding: Encoding.XOR, data: this.buf, count: this.count, mint: this.appMint, maxt: this.lastT });
    }
    return out;
  }

  iterator(): SampleIterator {
    return new ChunksIterator(this.chunks(), this.mint, this.maxt, this.deleted);
  }

  /** Whether every chunk in range is wholly deleted (Prometheus skips such series). */
  allDeleted(): boolean {
    if (this.deleted === undefined) return false;
    for (const c of this.chunks()) if (!coveredBy(this.deleted, c.mint, c.maxt)) return false;
    return true;
  }

  appendTo(buf: SampleBuffer): void {
    this.appendSamples(buf, this.mint, this.maxt);
  }

  appendSamples(buf: SampleBuffer, mint: number, maxt: number): void {
    const deleted = this.deleted;
    if (mint < this.mint) mint = this.mint;
    if (maxt > this.maxt) maxt = this.maxt;
    const closed = this.closed;
    // Closed chunks are in time order: skip to the first one that reaches mint.
    let lo = 0;
    let hi = this.closedLen;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (closed[m]!.maxt < mint) lo = m + 1;
      else hi = m;
    }
    for (let i = lo; i < this.closedLen; i++) {
      const c = closed[i]!;
      if (c.mint > maxt) return;
      if (!decodeXorInto(c.data, undefined, mint, maxt, deleted, buf)) return;
    }
    if (this.buf && this.count > 0 && this.lastT >= mint && this.appMint <= maxt)
      decodeXorInto(this.buf, this.count, mint, maxt, deleted, buf);
  }
}
