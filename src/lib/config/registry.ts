/**
 * Where the runtime gets the JSON Schemas from. A build (`npm run build`) writes them as plain
 * JSON beside this module (schemas.generated.json, with the precompiled validators), so that
 * reading a config does not load TypeBox and rebuild the schema at every start; in development
 * and tests, load.ts registers the TypeBox definitions of schema.ts instead.
 */
import { createRequire } from 'node:module';
import type { TSchema } from '@sinclair/typebox';

export type RootName = 'config' | 'scrapeConfigsFile' | 'targetGroups' | 'targetGroup';

export interface SchemaSet {
  roots: Record<RootName, TSchema>;
  shared: TSchema[];
}

export const SCHEMAS_FILE = 'schemas.generated.json';
export const PRECOMPILED_FILE = 'validators.generated.cjs';

let current: SchemaSet | null = null;
let byId: Map<string, TSchema> | null = null;

/** Loads the build's generated schemas; false when there are none (development). */
export function loadGeneratedSchemas(): boolean {
  if (current) return true;
  try {
    current = createRequire(import.meta.url)(`./${SCHEMAS_FILE}`) as SchemaSet;
    byId = null;
    return true;
  } catch {
    return false;
  }
}

export function registerSchemas(s: SchemaSet): void {
  current = s;
  byId = null;
}

export function schemas(): SchemaSet {
  if (!current) throw new Error('config schemas are not registered (import src/lib/config/load.js first)');
  return current;
}

/** The shared schema of an `$id`. */
export function sharedSchema(id: string): TSchema | undefined {
  if (!byId) byId = new Map(schemas().shared.map((s) => [s.$id!, s]));
  return byId.get(id);
}

/** Follows `$ref`s to shared schemas. */
export function deref(s: TSchema | undefined): TSchema | undefined {
  while (s && typeof s.$ref === 'string') s = sharedSchema(s.$ref);
  return s;
}
