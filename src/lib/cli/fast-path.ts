/**
 * bin/run.js' fast path: the invocations where loading oclif would cost more than the work itself
 * (`promctl --version`, `promctl check config FILE...`) run here without it. Only the plain forms
 * are taken; anything else (help flags, unknown flags, `PROMCTL_CONTENT_TYPE`, debugging) returns
 * undefined and goes through oclif as usual. The output is the same either way (tested in
 * test/config/fast-path.test.ts against the oclif path, which PROMCTL_NO_FAST_PATH=1 forces).
 */
import { arch, platform } from 'node:os';
import type { ReportStyle } from './check-config.js';
import { colorEnabled } from './color-enabled.js';
import { describeError, exitCodeOf } from './errors.js';

const plain = (s: string) => s;
const PLAIN: ReportStyle = { red: plain, green: plain, yellow: plain, dim: plain, bold: plain, cyan: plain };

/** chalk (as BaseCommand uses it) only when the stream gets colors: loading it costs start-up time. */
async function styleFor(stream: { isTTY?: boolean }): Promise<ReportStyle> {
  if (!colorEnabled(stream)) return PLAIN;
  const { colors } = await import('./color.js');
  return colors(stream);
}

export interface FastPathEnv {
  /** package.json's name and version (oclif's user agent). */
  name: string;
  version: string;
  env?: NodeJS.ProcessEnv;
}

/** The check-config flags the fast path understands, as oclif would parse them, or undefined. */
export function parseCheckConfigArgv(
  argv: readonly string[],
): { files: string[]; json: boolean; syntaxOnly: boolean; agent: boolean; lintFatal: boolean } | undefined {
  let rest: readonly string[];
  if (argv[0] === 'check' && argv[1] === 'config') rest = argv.slice(2);
  else if (argv[0] === 'check:config') rest = argv.slice(1);
  else return undefined;
  const out = { files: [] as string[], json: false, syntaxOnly: false, agent: false, lintFatal: false };
  let flagsDone = false;
  for (const a of rest) {
    if (flagsDone || !a.startsWith('-')) out.files.push(a);
    else if (a === '--') flagsDone = true;
    else if (a === '--json') out.json = true;
    else if (a === '--syntax-only') out.syntaxOnly = true;
    else if (a === '--agent') out.agent = true;
    else if (a === '--lint-fatal') out.lintFatal = true;
    else return undefined; // --help, -h, --lint=…, unknown flags, '-': oclif decides
  }
  return out;
}

/** Runs the invocation if it has a fast path; returns its exit code, or undefined to use oclif. */
export async function runFastPath(argv: readonly string[], pkg: FastPathEnv): Promise<number | undefined> {
  const env = pkg.env ?? process.env;
  if (env.PROMCTL_NO_FAST_PATH || env.PROMCTL_DEBUG || env.DEBUG || env.PROMCTL_CONTENT_TYPE) return undefined;
  if (argv.length === 1 && argv[0] === '--version') {
    const a = arch();
    process.stdout.write(
      `${pkg.name}/${pkg.version} ${platform()}-${a === 'ia32' ? 'x86' : a} node-${process.version}\n`,
    );
    return 0;
  }
  const check = parseCheckConfigArgv(argv);
  if (!check) return undefined;
  try {
    const { compileCacheFile, installCompileCache } = await import('./compile-cache.js');
    installCompileCache(
      compileCacheFile(pkg.version, env),
      /node_modules[\\/]yaml[\\/]|validators\.generated\.cjs$/,
      env,
    );
  } catch {
    // no cache: compile as usual
  }
  const { runCheckConfig } = await import('./check-config.js');
  const outColor = await styleFor(process.stdout);
  const errColor = await styleFor(process.stderr);
  try {
    const { result, exitCode } = await runCheckConfig(check, {
      stdout: process.stdout,
      stderr: process.stderr,
      color: outColor,
      errColor,
    });
    if (check.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return exitCode;
  } catch (err) {
    // As BaseCommand.catch prints it.
    const code = exitCodeOf(err);
    if (check.json)
      process.stdout.write(
        JSON.stringify({ status: 'error', error: describeError(err), exitCode: code }, null, 2) + '\n',
      );
    else process.stderr.write(`${errColor.red('error:')} ${describeError(err)}\n`);
    return code;
  }
}
