// Writes oclif.manifest.json so that start-up does not have to import every command to list them.
// (The same thing `oclif manifest` does, without pulling the whole oclif packaging toolchain.)
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Config } from '@oclif/core';

const root = fileURLToPath(new URL('..', import.meta.url));
const target = new URL('../oclif.manifest.json', import.meta.url);
writeFileSync(target, '{}'); // an empty manifest must not be read while we build the real one
const { rmSync } = await import('node:fs');
rmSync(target);
const config = await Config.load({ root, devPlugins: false, userPlugins: false });
const plugin = config.plugins.get(config.pjson.name);
if (!plugin) throw new Error('promctl plugin not found while writing the manifest');
writeFileSync(target, JSON.stringify(plugin.manifest, null, 0) + '\n');
console.log(`oclif.manifest.json: ${Object.keys(plugin.manifest.commands).length} commands`);
