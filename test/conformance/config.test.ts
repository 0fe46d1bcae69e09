/**
 * Upstream prometheus.yml cases (../shared/conformance/config, from Prometheus v3.5.0's
 * config/testdata): each file must be valid or invalid as upstream says, and an invalid file's
 * errors must name the same problem (upstream's message substring).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeConfigFile, analyzeTargetGroup } from '../../src/lib/config/index.js';
import { conformanceDir } from '../support/conformance.js';

interface Case {
  file: string;
  expect: 'valid' | 'invalid';
  error_contains: string;
  also_contains?: string[];
  mode?: 'agent';
  kind?: 'target_group';
  env?: string[];
}

const dir = conformanceDir('config');
const cases: Case[] = dir ? (JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as Case[]) : [];
let agreed = 0;

/** Runs one case: valid or not, and every error message joined. */
export function runCase(base: string, c: Case): { valid: boolean; messages: string } {
  const path = join(base, c.file);
  if (c.kind === 'target_group') {
    const r = analyzeTargetGroup(readFileSync(path, 'utf8'), path);
    const errs = r.problems.filter((p) => p.severity === 'error');
    return { valid: errs.length === 0, messages: errs.map((p) => p.message).join('\n') };
  }
  const r = analyzeConfigFile(path, { agentMode: c.mode === 'agent', env: {} });
  const errs = r.problems.filter((p) => p.severity === 'error');
  return { valid: r.config !== null && errs.length === 0, messages: errs.map((p) => p.message).join('\n') };
}

describe.skipIf(!dir)('conformance: prometheus.yml cases', () => {
  afterAll(() => {
    console.log(`config conformance: ${agreed}/${cases.length} cases agree`);
  });
  for (const c of cases) {
    it(`${c.file} is ${c.expect}`, () => {
      const got = runCase(dir!, c);
      if (c.expect === 'valid') {
        expect(got.messages).toBe('');
        expect(got.valid).toBe(true);
      } else {
        expect(got.valid).toBe(false);
        expect(got.messages).toContain(c.error_contains);
        for (const more of c.also_contains ?? []) expect(got.messages).toContain(more);
      }
      agreed++;
    });
  }
});
