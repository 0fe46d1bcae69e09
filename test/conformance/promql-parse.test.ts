/**
 * Every PromQL expression of the promqltest scripts (Prometheus 3.5's testdata in
 * ../shared/conformance/promqltest, plus promctl's own in test/promql/testdata) must parse, and
 * must survive printing: parse(String(ast)) and parse(Pretty(ast)) give the same AST.
 *
 * Expected failures (`eval_fail`, `expect fail`) must parse too: Prometheus' runner parses every
 * expression of a file before it runs anything (FORMAT.md §1), so those queries fail at
 * evaluation (bad label names, collisions, …), never in the parser. A parse error there would
 * fail the whole upstream file, so this suite holds them to the same standard.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParseError, exprToString, parseExpr, prettify } from '../../src/lib/promql/parser/index.js';
import { normalize } from '../promql/parser/roundtrip.js';
import { conformanceDir, repoRoot } from '../support/conformance.js';

interface Case {
  file: string;
  line: number;
  expr: string;
  expectFail: boolean;
}

const EVAL =
  /^(eval(?:_fail|_ordered|_warn|_info)?)\s+(?:instant\s+at\s+\S+|range\s+from\s+\S+\s+to\s+\S+\s+step\s+\S+)\s+(.*)$/;

function extract(path: string): Case[] {
  const out: Case[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  let current: Case | null = null;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) {
      current = null;
      return;
    }
    const m = EVAL.exec(line);
    if (m) {
      current = { file: path.split('/').slice(-1)[0]!, line: i + 1, expr: m[2]!, expectFail: m[1] === 'eval_fail' };
      out.push(current);
    } else if (current && /^expect\s+fail\b/.test(line)) {
      current.expectFail = true;
    }
  });
  return out;
}

const dirs = [conformanceDir('promqltest'), join(repoRoot, 'test/promql/testdata')].filter(
  (d): d is string => !!d && existsSync(d),
);
const cases: Case[] = [];
for (const dir of dirs) {
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.test'))
    .sort())
    cases.push(...extract(join(dir, f)));
}

describe.skipIf(cases.length === 0)('promqltest expressions parse', () => {
  const byFile = new Map<string, Case[]>();
  for (const c of cases) byFile.set(c.file, [...(byFile.get(c.file) ?? []), c]);

  for (const [file, list] of byFile) {
    it(`${file}: ${list.length} expressions (${list.filter((c) => c.expectFail).length} expected to fail at evaluation)`, () => {
      const failures: string[] = [];
      for (const c of list) {
        try {
          const ast = parseExpr(c.expr);
          const printed = exprToString(ast);
          const again = normalize(parseExpr(printed));
          if (JSON.stringify(again) !== JSON.stringify(normalize(ast))) {
            failures.push(`line ${c.line}: String() does not round-trip: ${c.expr} => ${printed}`);
          }
          const pretty = normalize(parseExpr(prettify(ast)));
          if (JSON.stringify(pretty) !== JSON.stringify(normalize(ast))) {
            failures.push(`line ${c.line}: Pretty() does not round-trip: ${c.expr}`);
          }
        } catch (e) {
          if (!(e instanceof ParseError)) throw e;
          failures.push(`line ${c.line}: ${c.expr}\n    ${e.message}`);
        }
      }
      expect(failures).toEqual([]);
    });
  }

  it('covers the upstream scripts', () => {
    // 15 upstream files with ~1,400 evaluations; guards against the extractor silently matching nothing.
    expect(cases.length).toBeGreaterThan(1000);
    console.log(
      `promql-parse: ${cases.length} expressions from ${byFile.size} files parsed and round-tripped ` +
        `(${cases.filter((c) => c.expectFail).length} eval_fail/expect fail ones included)`,
    );
  });
});
