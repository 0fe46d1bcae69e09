export * from './exec.js';
export * from './gofmt.js';
export * from './value.js';
export * from './prometheus.js';
export { TemplateError, parseTemplate } from './parse.js';
