#!/usr/bin/env node
// Runs the TypeScript sources directly (no build step), for development: tsx transpiles on import,
// and the command tree is read from src/commands instead of dist/commands.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';
import { execute, Plugin, settings } from '@oclif/core';

// tsx is registered here rather than with `node --import tsx`, which resolves tsx from the current
// directory and so fails when bin/dev.js runs from anywhere else.
register();

// The command manifest (oclif.manifest.json) is a build artifact listing dist/ commands; in
// development it would hide commands added since the last build. It is ignored here, for promctl's own
// commands only, and left in place: bin/run.js, the integration tests and benchmarks in the same
// checkout rely on it for a fast start-up.
const manifest = Plugin.prototype._manifest;
Plugin.prototype._manifest = function () {
  if (this.isRoot) this.options.ignoreManifest = true;
  return manifest.call(this);
};
settings.enableAutoTranspile = false; // tsx is already loaded
const root = fileURLToPath(new URL('..', import.meta.url));
const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
pjson.oclif.commands = './src/commands';
await execute({ development: true, dir: import.meta.url, loadOptions: { root, pjson } });
