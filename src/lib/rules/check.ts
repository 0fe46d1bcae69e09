/**
 * `check rules`: promtool's checks of rule files — parse and validate every file, count its rules,
 * and lint duplicate rules.
 */
import type { ExprValidator, RuleFile } from './rulefmt.js';
import { countRules, duplicateRulesMessage, findDuplicateRules, parseRuleFile } from './rulefmt.js';

export type RulesLint = 'duplicate-rules' | 'none';

export interface CheckRulesOptions {
  validateExpr?: ExprValidator;
  /** Which lint checks to run (promtool's --lint: all, duplicate-rules, none). */
  lint?: RulesLint;
  ignoreUnknownFields?: boolean;
}

export interface RuleFileCheck {
  file: string;
  /** Number of rules when the file is valid. */
  rules: number;
  errors: string[];
  /** Lint findings, promtool's text (`lint error …`). */
  lint: string[];
  parsed: RuleFile | null;
}

/** Checks one rule file like promtool's checkRules. */
export async function checkRuleFile(file: string, opts: CheckRulesOptions = {}): Promise<RuleFileCheck> {
  const res = await parseRuleFile(file, {
    validateExpr: opts.validateExpr,
    ignoreUnknownFields: opts.ignoreUnknownFields,
  });
  if (!res.file || res.errors.length > 0) {
    return { file, rules: 0, errors: res.errors, lint: [], parsed: null };
  }
  const lint: string[] = [];
  if ((opts.lint ?? 'duplicate-rules') !== 'none') {
    const d = findDuplicateRules(res.file);
    if (d.length > 0) lint.push(duplicateRulesMessage(d));
  }
  return { file, rules: countRules(res.file), errors: [], lint, parsed: res.file };
}

export async function checkRuleFiles(files: readonly string[], opts: CheckRulesOptions = {}): Promise<RuleFileCheck[]> {
  const out: RuleFileCheck[] = [];
  for (const f of files) out.push(await checkRuleFile(f, opts));
  return out;
}
