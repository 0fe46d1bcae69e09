/**
 * Build step (`npm run build` runs it after tsc): writes ajv standalone code for the config
 * schemas beside the compiled schema-check.js, so that `promctl check config` does not compile the
 * schema at start-up (ajv's compile of this schema takes ~0.5 s; loading the generated code, a few ms).
 *
 *   node dist/lib/config/gen-validators.js
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PRECOMPILED_FILE, registerSchemas, SCHEMAS_FILE } from './registry.js';
import { newAjv } from './schema-check.js';
import { ROOT_SCHEMAS, SHARED_SCHEMAS } from './schema.js';

export function generateValidators(): string {
  registerSchemas({ roots: ROOT_SCHEMAS, shared: SHARED_SCHEMAS });
  const ajv = newAjv({ source: true });
  const standalone = createRequire(import.meta.url)('ajv/dist/standalone/index.js') as {
    default: (a: unknown, refs: Record<string, string>) => string;
  };
  const refs = Object.fromEntries(Object.entries(ROOT_SCHEMAS).map(([name, s]) => [name, s.$id!]));
  return standalone.default(ajv, refs);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = dirname(fileURLToPath(import.meta.url));
  const out = join(dir, PRECOMPILED_FILE);
  const code = generateValidators();
  writeFileSync(out, code);
  writeFileSync(join(dir, SCHEMAS_FILE), JSON.stringify({ roots: ROOT_SCHEMAS, shared: SHARED_SCHEMAS }));
  console.log(`${out}: ${Math.round(code.length / 1024)} KiB of precompiled config validators`);
}
