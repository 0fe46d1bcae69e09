import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRuleFile } from '../../src/lib/rules/check.js';
import { promqlValidator } from '../../src/lib/rules/expr.js';
import { runUnitTestFile } from '../../src/lib/rules/unittest.js';

const dir = join(import.meta.dirname, '../../examples/rules');
const files = readdirSync(dir);

describe('examples/rules', () => {
  it.each(files.filter((f) => f.endsWith('.rules.yml')))('%s is valid', async (f) => {
    const r = await checkRuleFile(join(dir, f), { validateExpr: promqlValidator() });
    expect(r.errors).toEqual([]);
    expect(r.lint).toEqual([]);
    expect(r.rules).toBeGreaterThan(0);
  });
  it.each(files.filter((f) => f.endsWith('.test.yml')))('%s passes', async (f) => {
    const r = await runUnitTestFile(join(dir, f), { validateExpr: promqlValidator() });
    expect(r.errors).toEqual([]);
  });
});
