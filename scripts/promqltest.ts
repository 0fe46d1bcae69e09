/**
 * `npm run promqltest -- FILE...`: runs promqltest scripts and prints, per file, the evaluations
 * passed and failed (with a readable diff per failure), then `N passed, M failed`.
 * Native-histogram evaluations are counted separately (promctl stores float samples only).
 * Options: --quiet (no per-failure diffs), --no-nh (do not print native-histogram failures).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { runScript } from '../src/lib/promql/promqltest/runner.js';

const args = process.argv.slice(2);
const quiet = args.includes('--quiet');
const hideNh = args.includes('--no-nh');
const files = args.filter((a) => !a.startsWith('--'));
if (files.length === 0) {
  console.error('usage: npm run promqltest -- FILE...');
  process.exit(2);
}
let passed = 0;
let failed = 0;
let nhPassed = 0;
let nhFailed = 0;
for (const f of files) {
  let text: string;
  try {
    text = readFileSync(f, 'utf8');
  } catch (e) {
    console.log(`${f}: cannot read: ${(e as Error).message}`);
    failed++;
    continue;
  }
  const out = await runScript(text, f);
  if (out.error) {
    console.log(`${basename(f)}: script error: ${out.error}`);
    failed++;
    continue;
  }
  const fl = out.evals.filter((e) => !e.nativeHistogram);
  const nh = out.evals.filter((e) => e.nativeHistogram);
  const fp = fl.filter((e) => e.passed).length;
  const np = nh.filter((e) => e.passed).length;
  console.log(
    `${basename(f)}: ${fp}/${fl.length} passed` +
      (nh.length ? `  (native histograms: ${np}/${nh.length}, not supported)` : ''),
  );
  for (const e of out.evals) {
    if (e.passed || quiet || (hideNh && e.nativeHistogram)) continue;
    console.log(
      `  FAIL line ${e.line}${e.nativeHistogram ? ' [native histogram]' : ''}: ${e.header}\n    ${e.message}`,
    );
  }
  passed += fp;
  failed += fl.length - fp;
  nhPassed += np;
  nhFailed += nh.length - np;
}
if (nhPassed + nhFailed > 0)
  console.log(`native-histogram evaluations: ${nhPassed} passed, ${nhFailed} failed (not supported)`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
