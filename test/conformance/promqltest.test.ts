/**
 * Runs every promqltest script of ../shared/conformance/promqltest (Prometheus 3.5's testdata) and
 * of test/promql/testdata (promctl's own: @ modifier, subqueries) through the engine. One vitest test
 * per float evaluation; native-histogram evaluations (promctl stores float samples only) are counted
 * and reported per file as not supported, and listed as skipped tests.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScript, type FileOutcome } from '../../src/lib/promql/promqltest/runner.js';
import { conformanceDir, repoRoot } from '../support/conformance.js';

const dirs = [conformanceDir('promqltest'), join(repoRoot, 'test/promql/testdata')].filter((d): d is string => !!d);
const outcomes: FileOutcome[] = [];
for (const dir of dirs) {
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.test'))
    .sort()) {
    outcomes.push(await runScript(readFileSync(join(dir, f), 'utf8'), join(dir, f)));
  }
}

const summary: string[] = [];
for (const o of outcomes) {
  const name = o.file.split('/').slice(-2).join('/');
  const fl = o.evals.filter((e) => !e.nativeHistogram);
  const nh = o.evals.filter((e) => e.nativeHistogram);
  summary.push(
    `${name}: ${fl.filter((e) => e.passed).length}/${fl.length} float evaluations passed` +
      (nh.length
        ? `; native histograms not supported: ${nh.filter((e) => e.passed).length}/${nh.length} pass anyway`
        : ''),
  );
  describe(name, () => {
    if (o.error) {
      it('parses', () => expect.fail(o.error));
      return;
    }
    for (const e of fl) {
      it(`line ${e.line}: ${e.header}`, () => {
        if (!e.passed) expect.fail(e.message);
      });
    }
    for (const e of nh) it.skip(`[native histogram, not supported] line ${e.line}: ${e.header}`, () => {});
  });
}

describe('summary', () => {
  it('prints per-file counts', () => {
    console.log(summary.join('\n'));
    expect(outcomes.length).toBeGreaterThan(0);
  });
});
