import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Matcher } from '../../src/lib/model/matcher.js';
import { ValueType } from '../../src/lib/storage/interface.js';
import { Tsdb } from '../../src/lib/tsdb/db.js';
import { tmp } from './helpers.js';

const CHILD = fileURLToPath(new URL('./fixtures/crash-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const T0 = 1_700_000_000_000;

/** Runs the child until it has acked a few batches past `minAcks`, then SIGKILLs it after a random delay. */
function runAndKill(
  dir: string,
  series: number,
  killAfterMs: number,
): Promise<{ acks: number[]; start: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(series)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | null = null;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (timer === null && out.includes('start ')) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(guard);
      if (timer) clearTimeout(timer);
      const lines = out.split('\n');
      const start = Number(/start (-?\d+)/.exec(out)?.[1] ?? NaN);
      // The last line may be torn by the kill: only complete lines count.
      const acks = lines.slice(0, -1).flatMap((l) => (/^ack (\d+)$/.exec(l) ? [Number(l.slice(4))] : []));
      resolve({ acks, start, stderr: err });
    });
  });
}

export async function crashRounds(
  rounds: number,
  series = 20,
): Promise<{ acked: number; stored: number; rounds: number }> {
  const dir = tmp();
  const acked = new Set<number>();
  let maxAck = -1;
  for (let r = 0; r < rounds; r++) {
    const res = await runAndKill(dir, series, 100 + Math.floor(Math.random() * 500));
    expect(Number.isNaN(res.start), res.stderr).toBe(false);
    // Every batch acked before the restart is there when the child resumes.
    expect(res.start, `round ${r}: resumed at ${res.start}, but ${maxAck} was acked`).toBeGreaterThanOrEqual(maxAck);
    for (const a of res.acks) {
      acked.add(a);
      maxAck = Math.max(maxAck, a);
    }
    expect(res.stderr).not.toMatch(/Error/);
  }
  const db = await Tsdb.open(dir, { logger: { info: () => {}, warn: () => {} } });
  const q = await db.querier(-Infinity, Infinity);
  const ss = await q.select(true, undefined, [new Matcher('=', '__name__', 'crash')]);
  let nSeries = 0;
  let stored = 0;
  while (ss.next()) {
    nSeries++;
    const it = ss.at().iterator();
    const seen: number[] = [];
    while (it.next() === ValueType.Float) {
      const b = (it.t - T0) / 1000;
      expect(it.v).toBe(b);
      seen.push(b);
    }
    expect(it.err()).toBeNull();
    // No duplicates, strictly increasing, and no gaps (batches are committed in order).
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBe(seen[i - 1]! + 1);
    expect(seen[0]).toBe(0);
    const have = new Set(seen);
    for (const a of acked) expect(have.has(a), `acked batch ${a} missing`).toBe(true);
    stored = Math.max(stored, seen.length);
  }
  expect(nSeries).toBe(series);
  await q.close();
  await db.close();
  return { acked: acked.size, stored, rounds };
}

describe('crash safety', () => {
  it('keeps every acknowledged append across repeated SIGKILLs, without duplicates', async () => {
    const r = await crashRounds(5);
    expect(r.acked).toBeGreaterThan(0);
  }, 90_000);
});
