/** A block's meta.json, as Prometheus writes it (tsdb/block.go BlockMeta), and block ids (ULIDs). */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { CorruptionError } from '../errors.js';

export interface BlockDesc {
  ulid: string;
  minTime: number;
  maxTime: number;
}

export interface BlockMeta {
  ulid: string;
  /** Inclusive, ms. */
  minTime: number;
  /** Exclusive, ms. */
  maxTime: number;
  stats: {
    numSamples: number;
    numSeries: number;
    numChunks: number;
    numTombstones?: number;
    numFloatSamples?: number;
  };
  compaction: {
    level: number;
    sources: string[];
    deletable?: boolean;
    parents?: BlockDesc[];
    failed?: boolean;
  };
  version: number;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A new ULID for time `ms`: 48-bit timestamp + 80 random bits, Crockford base32. */
export function newUlid(ms = Date.now()): string {
  let t = '';
  let x = ms;
  for (let i = 0; i < 10; i++) {
    t = CROCKFORD[x % 32]! + t;
    x = Math.floor(x / 32);
  }
  const r = randomBytes(10);
  let bitsBuf = 0;
  let nbits = 0;
  let out = '';
  for (const byte of r) {
    bitsBuf = (bitsBuf << 8) | byte;
    nbits += 8;
    while (nbits >= 5) {
      out += CROCKFORD[(bitsBuf >>> (nbits - 5)) & 31];
      nbits -= 5;
    }
    bitsBuf &= (1 << nbits) - 1;
  }
  return t + out;
}

export function isUlid(s: string): boolean {
  return /^[0-9A-HJKMNP-TV-Z]{26}$/.test(s);
}

/** The time (ms) encoded in a ULID. */
export function ulidTime(s: string): number {
  let t = 0;
  for (let i = 0; i < 10; i++) t = t * 32 + CROCKFORD.indexOf(s[i]!);
  return t;
}

export function readMeta(dir: string): BlockMeta {
  const p = join(dir, 'meta.json');
  let text: string;
  try {
    text = fs.readFileSync(p, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new CorruptionError(p, 0, 'missing meta.json');
    throw e;
  }
  let m: BlockMeta;
  try {
    m = JSON.parse(text) as BlockMeta;
  } catch (e) {
    throw new CorruptionError(p, 0, `invalid JSON: ${(e as Error).message}`);
  }
  if (m.version !== 1) throw new CorruptionError(p, 0, `unsupported meta.json version ${String(m.version)}`);
  if (typeof m.minTime !== 'number' || typeof m.maxTime !== 'number' || typeof m.ulid !== 'string') {
    throw new CorruptionError(p, 0, 'meta.json lacks ulid/minTime/maxTime');
  }
  m.stats ??= { numSamples: 0, numSeries: 0, numChunks: 0 };
  m.compaction ??= { level: 1, sources: [m.ulid] };
  return m;
}

export function writeMeta(dir: string, m: BlockMeta): void {
  // Through meta.json.tmp and a rename (as Prometheus' writeMetaFile): an existing block's meta is
  // rewritten when series are deleted, and a snapshot's hard link must keep the old contents.
  const p = join(dir, 'meta.json');
  const tmp = `${p}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    fs.writeSync(fd, JSON.stringify(m, null, '\t'));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, p);
}
