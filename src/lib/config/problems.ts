/**
 * Problems found in a config file, each with file:line:column, and their rendering: the message,
 * the offending line with a caret under the column, and a hint saying what would be valid.
 */

export type Severity = 'error' | 'warning';

export interface ConfigProblem {
  severity: Severity;
  /** Prometheus' wording where Prometheus reports the same problem. */
  message: string;
  /** What would be valid, or a suggestion ("did you mean scrape_interval?"). */
  hint?: string;
  file: string;
  /** 1-based; 0 when the problem has no position (e.g. an unreadable file). */
  line: number;
  column: number;
  /** The path in the document, e.g. `scrape_configs[0].scrape_timeout`. */
  path?: string;
}

/** Thrown by loadConfig / parseConfig when a file has errors; carries all of them. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly problems: ConfigProblem[],
    /** The text of each file involved, for rendering excerpts. */
    readonly sources: ReadonlyMap<string, string> = new Map(),
  ) {
    const errs = problems.filter((p) => p.severity === 'error');
    const first = errs[0] ?? problems[0];
    super(
      first
        ? `${where(first)}${first.message}${errs.length > 1 ? ` (and ${errs.length - 1} more error${errs.length > 2 ? 's' : ''})` : ''}`
        : 'invalid config',
    );
  }
}

export function where(p: ConfigProblem): string {
  return p.line > 0 ? `${p.file}:${p.line}:${p.column}: ` : `${p.file}: `;
}

export interface Styler {
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  cyan(s: string): string;
}
const plain: Styler = { red: (s) => s, yellow: (s) => s, dim: (s) => s, bold: (s) => s, cyan: (s) => s };

/**
 * Renders one problem:
 *
 *   prometheus.yml:7:21: error: scrape timeout greater than scrape interval …
 *      7 |     scrape_timeout: 30s
 *        |                     ^
 *   hint: …
 */
export function renderProblem(p: ConfigProblem, source: string | undefined, style: Styler = plain): string {
  const label = p.severity === 'error' ? style.red('error:') : style.yellow('warning:');
  let out = `${style.bold(where(p))}${label} ${p.message}`;
  if (source !== undefined && p.line > 0) {
    const lines = source.split(/\r?\n/);
    const text = lines[p.line - 1];
    if (text !== undefined) {
      const num = String(p.line);
      const pad = ' '.repeat(num.length);
      const shown = text.replace(/\t/g, ' ');
      out += `\n ${style.dim(`${num} |`)} ${shown.length > 200 ? shown.slice(0, 200) + '…' : shown}`;
      out += `\n ${style.dim(`${pad} |`)} ${' '.repeat(Math.max(0, Math.min(p.column - 1, 200)))}${style.red('^')}`;
    }
  }
  if (p.hint) out += `\n ${style.cyan('hint:')} ${p.hint}`;
  return out;
}
