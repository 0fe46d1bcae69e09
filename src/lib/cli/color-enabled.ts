// Kept apart from color.ts so that bin/run.js' fast path can decide without loading chalk.

/**
 * Whether to color output written to `stream`: never with NO_COLOR set (https://no-color.org),
 * always with FORCE_COLOR set to a true value, otherwise only on a terminal.
 */
export function colorEnabled(
  stream: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}
