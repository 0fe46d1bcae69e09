/**
 * The PromQL side of rules: expression validation for rule files (rulefmt's parser.ParseExpr).
 */
import { parseExpr } from '../promql/parser/index.js';
import type { ExprValidator } from './rulefmt.js';

/** Validates expressions with our PromQL parser; errors read `1:17: parse error: …`. */
export function promqlValidator(): ExprValidator {
  return (expr: string) => {
    parseExpr(expr);
  };
}
