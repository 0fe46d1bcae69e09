/**
 * The server's log, in Prometheus' formats: logfmt (`time=… level=INFO source=… msg="…" key=value`)
 * or JSON, one line per event on stderr, filtered by level.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'logfmt' | 'json';

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `component=name` to every line. */
  with(component: string): Logger;
}

function logfmtValue(v: unknown): string {
  const s = v instanceof Error ? v.message : typeof v === 'string' ? v : JSON.stringify(v);
  return /[\s"=]/.test(s) || s === '' ? JSON.stringify(s) : s;
}

export function createLogger(
  level: LogLevel = 'info',
  format: LogFormat = 'logfmt',
  write: (line: string) => void = (l) => process.stderr.write(l),
  base: Record<string, unknown> = {},
): Logger {
  const emit = (lvl: LogLevel, msg: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[lvl] < ORDER[level]) return;
    const time = new Date().toISOString();
    const all = { ...base, ...fields };
    if (format === 'json') {
      const o: Record<string, unknown> = { time, level: lvl.toUpperCase(), msg };
      for (const [k, v] of Object.entries(all)) o[k] = v instanceof Error ? v.message : v;
      write(JSON.stringify(o) + '\n');
    } else {
      let line = `time=${time} level=${lvl.toUpperCase()}`;
      for (const [k, v] of Object.entries(base)) line += ` ${k}=${logfmtValue(v)}`;
      line += ` msg=${logfmtValue(msg)}`;
      for (const [k, v] of Object.entries(fields)) line += ` ${k}=${logfmtValue(v)}`;
      write(line + '\n');
    }
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    with: (component) => createLogger(level, format, write, { ...base, component }),
  };
}
