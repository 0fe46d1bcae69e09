#!/usr/bin/env -S node --import tsx
// Runs the TypeScript sources directly (no build step), for development: tsx transpiles on import,
// and the command tree is read from src/commands instead of dist/commands.
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execute, settings } from '@oclif/core';

// The command manifest is a build artifact listing dist/ commands; in development it would hide
// commands added since the last build, so it is removed (npm run build writes it again).
rmSync(new URL('../oclif.manifest.json', import.meta.url), { force: true });
settings.enableAutoTranspile = false; // tsx is already loaded
const root = fileURLToPath(new URL('..', import.meta.url));
const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
pjson.oclif.commands = './src/commands';
await execute({ development: true, dir: import.meta.url, loadOptions: { root, pjson } });
