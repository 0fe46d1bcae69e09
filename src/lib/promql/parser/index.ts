export * from './ast.js';
export * from './functions.js';
export * from './errors.js';
export { parseExpr, parseMetricSelector, evalDuration, documentedType, type ParseOptions } from './parser.js';
export { exprToString, prettify, formatFloatF, formatPromDuration } from './printer.js';
