#!/usr/bin/env node
// React (used by the Ink screens) must load its production build: set before anything imports it.
process.env.NODE_ENV ??= 'production';

// `promctl --version` and `promctl check config FILE...` skip oclif's start-up (most of their cost):
// see src/lib/cli/fast-path.ts. Everything else, and these with other flags, goes through oclif.
const argv = process.argv.slice(2);
if (argv[0] === '--version' || argv[0] === 'check' || argv[0] === 'check:config') {
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  let fast;
  try {
    fast = await import('../dist/lib/cli/fast-path.js');
  } catch {
    // not built yet: oclif reports it
  }
  const code = await fast?.runFastPath(argv, { name: pkg.name, version: pkg.version });
  if (code !== undefined) {
    process.exitCode = code;
  } else {
    await oclif();
  }
} else {
  await oclif();
}

async function oclif() {
  const { execute, settings } = await import('@oclif/core');
  // bin/run.js runs the built dist/ only: with NODE_ENV=development or test in the user's shell,
  // oclif would otherwise look for src/*.ts files (and fail on the help class).
  settings.enableAutoTranspile = false;
  await execute({ dir: import.meta.url });
}
