export * from './targetgroup.js';
export * from './http-client.js';
export * from './providers.js';
export * from './manager.js';
