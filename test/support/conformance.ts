import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Where the upstream conformance data lives: $PROMCTL_CONFORMANCE_DIR, else ../shared/conformance
 * beside the repository. Returns null (and the suites skip with a message) when it is absent.
 */
export function conformanceDir(sub = ''): string | null {
  const base = process.env.PROMCTL_CONFORMANCE_DIR ?? resolve(repoRoot, '../shared/conformance');
  const dir = join(base, sub);
  if (!existsSync(dir)) {
    console.warn(`conformance data not found at ${dir}: skipping (set PROMCTL_CONFORMANCE_DIR)`);
    return null;
  }
  return dir;
}
