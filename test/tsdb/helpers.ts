import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary directory removed after the test. */
export function tmp(prefix = 'promctl-tsdb-'): string {
  const d = fs.mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** Packs a string of '0'/'1' (spaces ignored) into bytes, zero-padded. */
export function packBits(s: string): Uint8Array {
  const bits = s.replace(/\s+/g, '');
  const out = new Uint8Array(Math.ceil(bits.length / 8));
  for (let i = 0; i < bits.length; i++) if (bits[i] === '1') out[i >> 3]! |= 0x80 >> (i & 7);
  return out;
}

export function bin(v: number | bigint, width: number): string {
  const big = BigInt.asUintN(width, BigInt(v));
  return big.toString(2).padStart(width, '0');
}
