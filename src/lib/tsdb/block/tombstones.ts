/**
 * A block's `tombstones` file (see tombstones.md beside this file):
 *   magic 0x0130BA30 <4b> | version 1 <1b> | { series ref <uvarint>, mint <varint>, maxt <varint> }* | CRC32C <4b>
 * The CRC covers the tombstone entries. An empty file is 9 bytes.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { Decbuf, Encbuf, crc32c } from '../encoding.js';
import { CorruptionError } from '../errors.js';

export const TOMBSTONES_MAGIC = 0x0130ba30;

export interface Interval {
  mint: number;
  maxt: number;
}

export type Tombstones = Map<number, Interval[]>;

export function encodeTombstones(t: Tombstones): Uint8Array {
  const e = new Encbuf(64);
  e.putBE32(TOMBSTONES_MAGIC);
  e.putByte(1);
  const refs = [...t.keys()].sort((a, b) => a - b);
  for (const ref of refs) {
    for (const iv of t.get(ref)!) {
      e.putUvarint(ref);
      e.putVarint(iv.mint);
      e.putVarint(iv.maxt);
    }
  }
  e.putCRC32(5);
  return e.get().slice();
}

export function decodeTombstones(b: Uint8Array, file = 'tombstones'): Tombstones {
  if (b.length < 9) throw new CorruptionError(file, 0, 'tombstones file too short');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint32(0) !== TOMBSTONES_MAGIC) throw new CorruptionError(file, 0, 'invalid tombstones magic number');
  if (b[4] !== 1) throw new CorruptionError(file, 4, `unsupported tombstones version ${b[4]}`);
  const end = b.length - 4;
  if (crc32c(b, 5, end) !== v.getUint32(end)) throw new CorruptionError(file, end, 'tombstones checksum mismatch');
  const d = new Decbuf(b, 5, end);
  const out: Tombstones = new Map();
  while (d.remaining() > 0) {
    const ref = d.uvarint();
    const iv = { mint: d.varint(), maxt: d.varint() };
    const l = out.get(ref);
    if (l) l.push(iv);
    else out.set(ref, [iv]);
  }
  return out;
}

export function readTombstones(path: string): Tombstones {
  let b: Uint8Array;
  try {
    b = fs.readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw e;
  }
  return decodeTombstones(b, path);
}

/** Whether t falls in one of the intervals. */
export function isDeleted(ivs: readonly Interval[] | undefined, t: number): boolean {
  if (!ivs) return false;
  for (const iv of ivs) if (t >= iv.mint && t <= iv.maxt) return true;
  return false;
}

/**
 * Adds iv to sorted, non-overlapping intervals, merging it with those it overlaps or touches
 * (timestamps are whole milliseconds: [1, 5] and [6, 9] become [1, 9]), as Prometheus'
 * Intervals.Add. Returns a new array (readers holding the old one are not affected).
 */
export function addInterval(ivs: readonly Interval[] | undefined, iv: Interval): Interval[] {
  if (!ivs || ivs.length === 0) return [{ mint: iv.mint, maxt: iv.maxt }];
  const out: Interval[] = [];
  let mint = iv.mint;
  let maxt = iv.maxt;
  let placed = false;
  for (const x of ivs) {
    if (x.maxt < mint - 1) out.push(x);
    else if (x.mint > maxt + 1) {
      if (!placed) {
        out.push({ mint, maxt });
        placed = true;
      }
      out.push(x);
    } else {
      mint = Math.min(mint, x.mint);
      maxt = Math.max(maxt, x.maxt);
    }
  }
  if (!placed) out.push({ mint, maxt });
  return out;
}

/** Whether [mint, maxt] lies within one of the intervals (Prometheus' Interval.IsSubrange). */
export function coveredBy(ivs: readonly Interval[] | undefined, mint: number, maxt: number): boolean {
  if (!ivs) return false;
  for (const iv of ivs) if (mint >= iv.mint && maxt <= iv.maxt) return true;
  return false;
}

/** Whether [mint, maxt] overlaps one of the intervals. */
export function overlapsAny(ivs: readonly Interval[] | undefined, mint: number, maxt: number): boolean {
  if (!ivs) return false;
  for (const iv of ivs) if (mint <= iv.maxt && maxt >= iv.mint) return true;
  return false;
}

/** Number of intervals (meta.json's stats.numTombstones). */
export function countTombstones(t: Tombstones): number {
  let n = 0;
  for (const ivs of t.values()) n += ivs.length;
  return n;
}

/**
 * Writes `dir/tombstones` atomically (`tombstones.tmp`, fsync, rename, as Prometheus'
 * writeTombstoneFile). Returns the file size.
 */
export function writeTombstonesFile(dir: string, t: Tombstones): number {
  const b = encodeTombstones(t);
  const p = join(dir, 'tombstones');
  const tmp = `${p}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    fs.writeSync(fd, b);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, p);
  return b.length;
}
