import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importOpenMetrics, listBlocks } from '../../src/lib/tsdb/tools.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('tsdb import (backfill)', () => {
  it("cuts chunks as promtool's backfill does: end predictions over twice the block range", async () => {
    // 423 samples every 15 s starting 856 s into a 2h window. A head with a 2h chunk range predicts
    // chunks of ~141 samples (3 chunks); promtool's block writer uses a 4h range: ~129 (4 chunks),
    // the figure promtool create-blocks-from openmetrics writes for this data.
    const t0 = 1_796_572_800 + 856;
    const lines = ['# TYPE x gauge'];
    for (let i = 0; i < 423; i++) lines.push(`x ${i} ${t0 + i * 15}`);
    lines.push('# EOF', '');
    const dir = mkdtempSync(join(tmpdir(), 'promctl-import-'));
    dirs.push(dir);
    await importOpenMetrics(Buffer.from(lines.join('\n')), dir);
    const blocks = listBlocks(dir).blocks;
    expect(blocks.map((b) => [b.stats.numSamples, b.stats.numChunks])).toEqual([[423, 4]]);
  });
});
