// Writes oclif.manifest.json so that start-up does not have to import every command to list them.
// (The same thing `oclif manifest` does, without pulling the whole oclif packaging toolchain.)
// The old manifest is ignored while the commands are read, and replaced atomically: CLIs started
// from this checkout meanwhile (tests, other shells) always find a complete manifest.
import { renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Config, Plugin } from '@oclif/core';

const root = fileURLToPath(new URL('..', import.meta.url));
const target = fileURLToPath(new URL('../oclif.manifest.json', import.meta.url));
const manifest = Plugin.prototype._manifest;
Plugin.prototype._manifest = function () {
  if (this.isRoot) this.options.ignoreManifest = true;
  return manifest.call(this);
};
const config = await Config.load({ root, devPlugins: false, userPlugins: false });
const plugin = config.plugins.get(config.pjson.name);
if (!plugin) throw new Error('promctl plugin not found while writing the manifest');
const tmp = `${target}.${process.pid}.tmp`;
writeFileSync(tmp, JSON.stringify(plugin.manifest, null, 0) + '\n');
renameSync(tmp, target);
console.log(`oclif.manifest.json: ${Object.keys(plugin.manifest.commands).length} commands`);
