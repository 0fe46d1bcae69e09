export * from './notifier.js';
export * from './rules.js';
