export * from './labels.js';
export * from './matcher.js';
export * from './regex.js';
export * from './value.js';
export * from './duration.js';
export * from './metricfamily.js';
