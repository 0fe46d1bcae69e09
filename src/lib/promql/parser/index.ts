export * from './ast.js';
export * from './functions.js';
export * from './errors.js';
export { parseExpr, parseMetricSelector, evalDuration, documentedType, type ParseOptions } from './parser.js';
export { exprToString, prettify, formatFloatF, formatPromDuration } from './printer.js';

import { parseExpr as parse, type ParseOptions as Options } from './parser.js';
import { exprToString as toString, prettify as pretty } from './printer.js';

/**
 * Formats a query like `promtool promql format`: parses it and prints the canonical form,
 * multi-line for long expressions (`pretty`, the default) or on one line. Throws ParseError.
 */
export function formatQuery(query: string, opts: { pretty?: boolean } & Options = {}): string {
  const ast = parse(query, opts);
  return opts.pretty === false ? toString(ast) : pretty(ast);
}
