#!/usr/bin/env node
// React (used by the Ink screens) must load its production build: set before anything imports it.
process.env.NODE_ENV ??= 'production';
const { execute } = await import('@oclif/core');

await execute({ dir: import.meta.url });
