import { Chalk, type ChalkInstance } from 'chalk';
import { colorEnabled } from './color-enabled.js';

export { colorEnabled };

/** A chalk instance for `stream`, or one that leaves strings untouched when color is off. */
export function colors(
  stream: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): ChalkInstance {
  return new Chalk({ level: colorEnabled(stream, env) ? 1 : 0 });
}
