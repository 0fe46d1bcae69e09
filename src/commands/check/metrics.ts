import { readFile } from 'node:fs/promises';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../lib/cli/base-command.js';
import { ExitCode, UserError } from '../../lib/cli/errors.js';
import { acceptHeader, chooseParser } from '../../lib/textparse/negotiate.js';
import { ParseError } from '../../lib/textparse/interface.js';
import type { ExpositionFormat } from '../../lib/textparse/interface.js';
import { type LintProblem, lintExposition } from '../../lib/textparse/lint.js';
import { readBody } from '../../lib/textparse/body.js';

export interface CheckMetricsResult {
  source: string;
  format: ExpositionFormat;
  families: number;
  samples: number;
  problems: LintProblem[];
  success: boolean;
}

export default class CheckMetrics extends BaseCommand<CheckMetricsResult> {
  static override summary = 'Lint an exposition (/metrics output) like promtool check metrics.';
  static override description = `Reads the Prometheus text format or OpenMetrics from a file, a URL or stdin and lints it with
promtool's rules: HELP present, counters end in _total and nothing else does, base units, no
abbreviated units or type names in names, snake_case, histogram/summary names and labels, duplicate
series. OpenMetrics input is also checked against the OpenMetrics 1.0 specification.
Exit codes: 0 clean, 3 lint findings, 1 unreadable or unparseable input (with line:column).`;
  static override examples = [
    'curl -s localhost:9100/metrics | <%= config.bin %> check metrics',
    '<%= config.bin %> check metrics http://localhost:9100/metrics',
    '<%= config.bin %> check metrics --json metrics.txt',
  ];
  static override args = {
    source: Args.string({ description: 'A file or an http(s) URL; stdin when omitted.', ignoreStdin: true }),
  };
  static override flags = {
    format: Flags.string({
      summary: 'Exposition format (detected from the Content-Type or the body when omitted).',
      options: ['prometheus-text', 'openmetrics'],
    }),
    timeout: Flags.integer({ summary: 'Timeout for a URL, in seconds.', default: 30 }),
    'body-size-limit': Flags.integer({ summary: 'Largest body to read, in bytes (0: no limit).', default: 0 }),
  };

  async run(): Promise<CheckMetricsResult> {
    const { args, flags } = await this.parse(CheckMetrics);
    const src = args.source;
    let body: Uint8Array;
    let format = flags.format as ExpositionFormat | undefined;
    let source: string;
    if (src && /^https?:\/\//i.test(src)) {
      source = src;
      const fetched = await fetchExposition(src, flags.timeout * 1000, flags['body-size-limit']);
      body = fetched.body;
      format ??= fetched.format;
    } else if (src && src !== '-') {
      source = src;
      body = await readFile(src);
    } else {
      source = 'standard input';
      if (process.stdin.isTTY)
        throw new UserError('no input: pass a file or URL, or pipe an exposition to stdin', ExitCode.usage);
      body = await readBody(process.stdin, { limit: flags['body-size-limit'] });
    }
    let res;
    try {
      res = lintExposition(body, { format });
    } catch (err) {
      if (err instanceof ParseError) throw new UserError(`error while linting: ${source}:${err.toString()}`);
      throw err;
    }
    const result: CheckMetricsResult = { source, ...res, success: res.problems.length === 0 };
    if (res.problems.length > 0) {
      if (!this.jsonEnabled()) {
        const lines = res.problems.map((p) => {
          const where = p.series ? ` ${this.errColor.dim(`${p.series}${p.line ? ` (line ${p.line})` : ''}`)}` : '';
          return `${p.metric ? p.metric + ' ' : ''}${p.text}${where}`;
        });
        process.stderr.write(lines.join('\n') + '\n');
        return this.exit(ExitCode.lint);
      }
      process.exitCode = ExitCode.lint;
    }
    return result;
  }
}

async function fetchExposition(
  url: string,
  timeoutMs: number,
  limit: number,
): Promise<{ body: Uint8Array; format?: ExpositionFormat }> {
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { Accept: acceptHeader() },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'follow',
    });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw new UserError(`cannot fetch ${url}: ${cause ?? (err as Error).message}`);
  }
  if (!res.ok) throw new UserError(`cannot fetch ${url}: server returned HTTP status ${res.status} ${res.statusText}`);
  const choice = chooseParser(res.headers.get('content-type'));
  if (choice.kind === 'protobuf')
    throw new UserError(`${url} answered in the protobuf format, which check metrics does not read`);
  const chunks = res.body ? (res.body as unknown as AsyncIterable<Uint8Array>) : (async function* () {})();
  const body = await readBody(chunks, { limit });
  return {
    body,
    format:
      choice.kind === 'openmetrics' ? 'openmetrics' : choice.kind === 'prometheus-text' ? 'prometheus-text' : undefined,
  };
}
