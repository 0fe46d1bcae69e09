/**
 * A hash table keyed by the raw bytes of a series (name and label set as written in the
 * exposition), for scrape caches: looking up a series seen in an earlier scrape costs a hash over
 * its bytes and one byte comparison, with no string and no label parsing. About 3–4× faster than a
 * `Map<string, T>` keyed by `seriesKey()`.
 *
 * ```ts
 * const cache = new SeriesCache<Entry>();
 * for (let e = p.next(); e !== null; e = p.next()) {
 *   if (e !== 'series') continue;
 *   let id = cache.find(p);
 *   if (id < 0) id = cache.add(p, makeEntry(p.labels()));
 *   const entry = cache.value(id);
 * }
 * ```
 */
import { Buffer } from 'node:buffer';
import type { Parser, SeriesHint } from './interface.js';

/**
 * Open addressing with linear probing. Each slot holds [id + 1 (0: empty), hash, arena offset,
 * length], so a lookup touches one slot and the stored key bytes: two cache lines, not five.
 */
const STRIDE = 4;

export class SeriesCache<T> implements SeriesHint {
  private slots: Int32Array;
  private mask: number;
  private hashes = new Int32Array(64);
  private offs = new Int32Array(64);
  private lens = new Int32Array(64);
  private vals: (T | undefined)[] = [];
  private live = new Uint8Array(64);
  /** Parser dialect that checked each entry's text (0: unknown, never trusted). */
  private kinds = new Uint8Array(64);
  private arena = new Uint8Array(4096);
  private arenaView = new DataView(this.arena.buffer);
  private arenaUsed = 0;
  private n = 0; // entry ids allocated
  private count = 0; // live entries
  private nextGuess = 0;
  private lastBuf: Uint8Array | null = null;
  private lastView: DataView | null = null;
  /** The entry predict() matched, at which offset of which buffer (-1: none). */
  private predId = -1;
  private predOff = -1;
  private predBuf: Uint8Array | null = null;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.slots = new Int32Array(cap * STRIDE);
    this.mask = cap - 1;
  }

  /** Number of live entries. */
  get size(): number {
    return this.count;
  }

  /**
   * The entry id of the parser's current series, or -1. A hit on an entry added by a parser of the
   * same dialect tells a lazy parser (ParserOptions.lazyLabels) that the series' label pairs were
   * checked before (byte-identical text), so it need not parse them.
   */
  find(p: Parser): number {
    const g = this.predId;
    if (g >= 0) {
      this.predId = -1;
      if (p.seriesOffset() === this.predOff && p.seriesBytes() === this.predBuf && p.seriesLength() === this.lens[g]) {
        // The parser took its series from predict(): same bytes as entry g.
        this.nextGuess = g + 1;
        return g;
      }
    }
    const id = this.findBytes(p.seriesBytes(), p.seriesOffset(), p.seriesLength());
    if (id >= 0 && this.kinds[id] !== 0 && this.kinds[id] === p.dialect) p.trustSeries?.();
    return id;
  }

  findBytes(b: Uint8Array, off: number, len: number): number {
    const dv = this.viewOf(b);
    // Targets expose their series in the same order on every scrape, and entries are stored in the
    // order they were added: try the entry after the last one found before hashing.
    const g = this.nextGuess;
    if (g < this.n && this.lens[g] === len && this.live[g] === 1 && this.equal(this.offs[g]!, dv, off, len)) {
      this.nextGuess = g + 1;
      return g;
    }
    const h = hashView(dv, off, len);
    const slots = this.slots;
    const mask = this.mask;
    let s = h & mask;
    for (;;) {
      const i = s * STRIDE;
      const id1 = slots[i]!;
      if (id1 === 0) return -1;
      if (slots[i + 1] === h && slots[i + 3] === len && this.equal(slots[i + 2]!, dv, off, len)) {
        this.nextGuess = id1;
        return id1 - 1;
      }
      s = (s + 1) & mask;
    }
  }

  /**
   * SeriesHint for lazy parsers (ParserOptions.seriesHint): whether the input at `off` continues
   * with the series expected next (the one after the last found, in exposition order), checked by
   * a parser of `dialect` and ending with `}`; returns its length or -1.
   */
  predict(b: Uint8Array, off: number, end: number, dialect: number): number {
    const g = this.nextGuess;
    if (g >= this.n || this.live[g] === 0 || this.kinds[g] !== dialect) return -1;
    const len = this.lens[g]!;
    const aoff = this.offs[g]!;
    if (off + len > end || this.arena[aoff + len - 1] !== 0x7d || !this.equal(aoff, this.viewOf(b), off, len))
      return -1;
    this.predId = g;
    this.predOff = off;
    this.predBuf = b;
    return len;
  }

  /**
   * Adds the parser's current series (which must not be present) with `value`; returns its id.
   * A lazy parser checks the series' label pairs first (throws ParseError when malformed).
   */
  add(p: Parser, value: T): number {
    p.checkSeries?.();
    const id = this.addBytes(p.seriesBytes(), p.seriesOffset(), p.seriesLength(), value);
    this.kinds[id] = p.dialect ?? 0;
    return id;
  }

  addBytes(b: Uint8Array, off: number, len: number, value: T): number {
    if ((this.count + 1) * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    const h = hashView(this.viewOf(b), off, len);
    const id = this.n++;
    if (id >= this.hashes.length) this.growEntries();
    if (this.arenaUsed + len > this.arena.length) this.growArena(len);
    this.arena.set(b.subarray(off, off + len), this.arenaUsed);
    this.offs[id] = this.arenaUsed;
    this.lens[id] = len;
    this.hashes[id] = h;
    this.arenaUsed += len;
    this.vals[id] = value;
    this.live[id] = 1;
    this.kinds[id] = 0;
    this.place(id);
    this.count++;
    this.nextGuess = id + 1;
    return id;
  }

  value(id: number): T {
    return this.vals[id] as T;
  }

  setValue(id: number, value: T): void {
    this.vals[id] = value;
  }

  /** The series text of an entry (latin1, equal to the parser's seriesKey()). */
  key(id: number): string {
    return Buffer.from(this.arena.buffer, this.offs[id]!, this.lens[id]!).toString('latin1');
  }

  /** Calls fn for every live entry. */
  forEach(fn: (value: T, id: number) => void): void {
    for (let id = 0; id < this.n; id++) if (this.live[id]) fn(this.vals[id] as T, id);
  }

  /** Removes the entries for which `drop` returns true and compacts. Ids of live entries change. */
  sweep(drop: (value: T, id: number) => boolean): number {
    let removed = 0;
    for (let id = 0; id < this.n; id++) {
      if (this.live[id] && drop(this.vals[id] as T, id)) {
        this.live[id] = 0;
        this.vals[id] = undefined;
        removed++;
      }
    }
    if (removed > 0) {
      this.count -= removed;
      this.compact();
    }
    return removed;
  }

  clear(): void {
    this.predId = -1;
    this.slots.fill(0);
    this.n = this.count = this.arenaUsed = this.nextGuess = 0;
    this.vals = [];
  }

  private viewOf(b: Uint8Array): DataView {
    if (b !== this.lastBuf) {
      this.lastBuf = b;
      this.lastView = new DataView(b.buffer, b.byteOffset, b.byteLength);
    }
    return this.lastView!;
  }

  private equal(aoff: number, dv: DataView, off: number, len: number): boolean {
    const a = this.arenaView;
    let i = 0;
    for (; i + 4 <= len; i += 4) if (a.getInt32(aoff + i) !== dv.getInt32(off + i)) return false;
    for (; i < len; i++) if (a.getUint8(aoff + i) !== dv.getUint8(off + i)) return false;
    return true;
  }

  private place(id: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let s = this.hashes[id]! & mask;
    while (slots[s * STRIDE] !== 0) s = (s + 1) & mask;
    const i = s * STRIDE;
    slots[i] = id + 1;
    slots[i + 1] = this.hashes[id]!;
    slots[i + 2] = this.offs[id]!;
    slots[i + 3] = this.lens[id]!;
  }

  /** Rebuilds ids, arena and slots without dead entries. */
  private compact(): void {
    const oldOffs = this.offs;
    const oldLens = this.lens;
    const oldHashes = this.hashes;
    const oldVals = this.vals;
    const oldLive = this.live;
    const oldKinds = this.kinds;
    const oldArena = this.arena;
    const n = this.n;
    const cap = Math.max(64, this.count * 2);
    this.offs = new Int32Array(cap);
    this.lens = new Int32Array(cap);
    this.hashes = new Int32Array(cap);
    this.live = new Uint8Array(cap);
    this.kinds = new Uint8Array(cap);
    this.vals = [];
    let total = 0;
    for (let id = 0; id < n; id++) if (oldLive[id]) total += oldLens[id]!;
    this.arena = new Uint8Array(Math.max(4096, total * 2));
    this.arenaView = new DataView(this.arena.buffer);
    this.arenaUsed = 0;
    let k = 0;
    for (let id = 0; id < n; id++) {
      if (!oldLive[id]) continue;
      const len = oldLens[id]!;
      this.arena.set(oldArena.subarray(oldOffs[id]!, oldOffs[id]! + len), this.arenaUsed);
      this.offs[k] = this.arenaUsed;
      this.lens[k] = len;
      this.hashes[k] = oldHashes[id]!;
      this.vals[k] = oldVals[id];
      this.live[k] = 1;
      this.kinds[k] = oldKinds[id]!;
      this.arenaUsed += len;
      k++;
    }
    this.n = k;
    this.nextGuess = 0;
    this.predId = -1;
    let size = 16;
    while (size < k * 4) size *= 2;
    this.rehash(size);
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size * STRIDE);
    this.mask = size - 1;
    for (let id = 0; id < this.n; id++) if (this.live[id]) this.place(id);
  }

  private growEntries(): void {
    const cap = this.hashes.length * 2;
    const g = (a: Int32Array) => {
      const x = new Int32Array(cap);
      x.set(a);
      return x;
    };
    this.hashes = g(this.hashes);
    this.offs = g(this.offs);
    this.lens = g(this.lens);
    const l = new Uint8Array(cap);
    l.set(this.live);
    this.live = l;
    const k = new Uint8Array(cap);
    k.set(this.kinds);
    this.kinds = k;
  }

  private growArena(need: number): void {
    const a = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + need));
    a.set(this.arena.subarray(0, this.arenaUsed));
    this.arena = a;
    this.arenaView = new DataView(a.buffer);
    // Slots hold arena offsets, which stay valid: the arena only grew.
  }
}

/** A fast 32-bit hash of bytes [off, off+len) of a DataView, reading 4 bytes at a time. */
function hashView(dv: DataView, off: number, len: number): number {
  let h = len | 0;
  let i = off;
  const end = off + len;
  for (; i + 4 <= end; i += 4) h = Math.imul(h ^ dv.getInt32(i, true), 0x9e3779b1) ^ (h >>> 15);
  for (; i < end; i++) h = Math.imul(h ^ dv.getUint8(i), 0x9e3779b1);
  h ^= h >>> 16;
  return h & 0x7fffffff;
}

/** The hash SeriesCache uses for bytes [off, off+len). */
export function hashBytes(b: Uint8Array, off: number, len: number): number {
  return hashView(new DataView(b.buffer, b.byteOffset, b.byteLength), off, len);
}
