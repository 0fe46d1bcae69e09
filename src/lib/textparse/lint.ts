/**
 * Lints an exposition like `promtool check metrics` (client_golang's promlint): HELP present,
 * counters end in `_total` and nothing else does, base units, no type names or abbreviated units
 * in names, no `:`, snake_case names, `_bucket`/`_count`/`_sum`/`le`/`quantile` reserved for
 * histograms and summaries, `_timestamp_seconds` only on gauges, and no duplicate series ("metric
 * not unique"). Families are assembled the way expfmt's text parser assembles them.
 *
 * For OpenMetrics input the strict OpenMetrics validation runs too; a violation is one more
 * finding.
 */
import { METRIC_NAME } from '../model/labels.js';
import type { EntryType, ExpositionFormat, MetricKind, Parser } from './interface.js';
import { ParseError } from './interface.js';
import { OpenMetricsParser } from './openmetricsparse.js';
import { validateOpenMetrics } from './omvalidate.js';
import { PromParser } from './promparse.js';

export interface LintProblem {
  /** The metric family the problem is about. */
  metric: string;
  /** promlint's text for it. */
  text: string;
  /** For duplicates: the repeated series. */
  series?: string;
  /** 1-based line where it was found, when it points at one line. */
  line?: number;
}

export interface LintResult {
  format: ExpositionFormat;
  families: number;
  samples: number;
  /** Sorted by metric name, then text (as promlint sorts them). */
  problems: LintProblem[];
}

export interface LintOptions {
  /** The format; detected when absent (OpenMetrics when the body ends with `# EOF`). */
  format?: ExpositionFormat;
}

interface LintFamily {
  name: string;
  type: MetricKind;
  hasHelp: boolean;
  labelNames: Set<string>;
  series: Map<string, number>;
  duplicates: { series: string; line: number }[];
  samples: number;
}

/** Whether `body` looks like OpenMetrics: its last non-empty line is `# EOF`. */
export function detectFormat(body: Uint8Array): ExpositionFormat {
  let e = body.length;
  while (e > 0 && (body[e - 1] === 0x0a || body[e - 1] === 0x20 || body[e - 1] === 0x0d)) e--;
  const tail = Buffer.from(body.buffer, body.byteOffset + Math.max(0, e - 5), Math.min(5, e)).toString('latin1');
  return tail === '# EOF' ? 'openmetrics' : 'prometheus-text';
}

const UNITS: Record<string, string> = {
  amperes: 'amperes',
  bytes: 'bytes',
  celsius: 'celsius',
  grams: 'grams',
  joules: 'joules',
  kelvin: 'kelvin',
  meters: 'meters',
  metres: 'metres',
  seconds: 'seconds',
  volts: 'volts',
  minutes: 'seconds',
  hours: 'seconds',
  days: 'seconds',
  weeks: 'seconds',
  kelvins: 'kelvin',
  fahrenheit: 'celsius',
  rankine: 'celsius',
  inches: 'meters',
  yards: 'meters',
  miles: 'meters',
  bits: 'bytes',
  calories: 'joules',
  pounds: 'grams',
  ounces: 'grams',
};
const UNIT_PREFIXES = [
  'pico',
  'nano',
  'micro',
  'milli',
  'centi',
  'deci',
  'deca',
  'hecto',
  'kilo',
  'kibi',
  'mega',
  'mibi',
  'giga',
  'gibi',
  'tera',
  'tebi',
  'peta',
  'pebi',
];
const UNIT_ABBREVIATIONS = ['s', 'ms', 'us', 'ns', 'sec', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'm', 'h', 'd'];
const TYPE_NAMES = ['counter', 'gauge', 'summary', 'histogram', 'gaugehistogram'];
const CAMEL = /[a-z][A-Z]/;

/** promlint's metricUnits: the first name segment that is a known unit, with or without prefix. */
function metricUnit(name: string): [unit: string, base: string] | null {
  for (const s of name.split('_')) {
    const base = UNITS[s];
    if (base !== undefined) return [s, base];
    for (const p of UNIT_PREFIXES) {
      if (s.startsWith(p)) {
        const b = UNITS[s.slice(p.length)];
        if (b !== undefined) return [s, b];
      }
    }
  }
  return null;
}

function lintFamily(f: LintFamily): LintProblem[] {
  const out: LintProblem[] = [];
  const add = (text: string) => out.push({ metric: f.name, text });
  const n = f.name;
  const t = f.type;
  if (!f.hasHelp) add('no help text');
  const u = metricUnit(n);
  if (u && u[0] !== u[1]) add(`use base unit "${u[1]}" instead of "${u[0]}"`);
  const total = n.endsWith('_total');
  if (t === 'counter' && !total) add('counter metrics should have "_total" suffix');
  else if (t !== 'unknown' && t !== 'counter' && total) add('non-counter metrics should not have "_total" suffix');
  if (t !== 'unknown') {
    const hist = t === 'histogram' || t === 'gaugehistogram';
    const summ = t === 'summary';
    if (!hist && n.endsWith('_bucket')) add('non-histogram metrics should not have "_bucket" suffix');
    if (!hist && !summ && n.endsWith('_count'))
      add('non-histogram and non-summary metrics should not have "_count" suffix');
    if (!hist && !summ && n.endsWith('_sum'))
      add('non-histogram and non-summary metrics should not have "_sum" suffix');
    if (!hist && f.labelNames.has('le')) add('non-histogram metrics should not have "le" label');
    if (!summ && f.labelNames.has('quantile')) add('non-summary metrics should not have "quantile" label');
    if (t !== 'gauge' && n.endsWith('_timestamp_seconds'))
      add('non-gauge metrics should not have "_timestamp_seconds" suffix');
  }
  const lower = n.toLowerCase();
  for (const tn of TYPE_NAMES) {
    if (lower.includes(`_${tn}_`) || lower.endsWith(`_${tn}`)) add(`metric name should not include type '${tn}'`);
  }
  if (n.includes(':')) add("metric names should not contain ':'");
  if (CAMEL.test(n)) add("metric names should be written in 'snake_case' not 'camelCase'");
  for (const l of f.labelNames) {
    if (CAMEL.test(l)) add("label names should be written in 'snake_case' not 'camelCase'");
  }
  for (const a of UNIT_ABBREVIATIONS) {
    if (lower.includes(`_${a}_`) || lower.endsWith(`_${a}`)) add('metric names should not contain abbreviated units');
  }
  for (const d of f.duplicates) out.push({ metric: f.name, text: 'metric not unique', series: d.series, line: d.line });
  return out;
}

/** The family a sample belongs to, given the family of the last metadata line (expfmt's rules). */
function familyOf(sample: string, meta: LintFamily | null, om: boolean): string {
  if (meta && sample !== meta.name && sample.startsWith(meta.name)) {
    const s = sample.slice(meta.name.length);
    const t = meta.type;
    if ((t === 'histogram' || t === 'gaugehistogram') && (s === '_bucket' || s === '_sum' || s === '_count'))
      return meta.name;
    if (t === 'summary' && (s === '_sum' || s === '_count')) return meta.name;
    // In the text format, expfmt groups only histogram and summary samples under their family.
    if (!om) return sample;
    if (t === 'gaugehistogram' && (s === '_gsum' || s === '_gcount')) return meta.name;
    if ((t === 'histogram' || t === 'summary') && s === '_created') return meta.name;
    if (t === 'counter' && (s === '_total' || s === '_created')) return meta.name;
    if (t === 'info' && s === '_info') return meta.name;
  }
  return sample;
}

/**
 * The format of a body given without a Content-Type: OpenMetrics when it ends with `# EOF`, unless
 * it is not valid OpenMetrics but reads cleanly as the text format (where `# EOF` is a comment).
 */
function chooseFormat(body: Uint8Array): ExpositionFormat {
  if (detectFormat(body) === 'prometheus-text') return 'prometheus-text';
  try {
    validateOpenMetrics(body);
    return 'openmetrics';
  } catch {
    try {
      const p = new PromParser(body);
      while (p.next() !== null) p.labels();
      return 'prometheus-text';
    } catch {
      return 'openmetrics';
    }
  }
}

/**
 * Lints an exposition. Throws ParseError when it cannot be parsed (promtool: "error while
 * linting", exit 1).
 */
export function lintExposition(body: Uint8Array, opts: LintOptions = {}): LintResult {
  const format = opts.format ?? chooseFormat(body);
  const om = format === 'openmetrics';
  const p: Parser = om ? new OpenMetricsParser(body) : new PromParser(body);
  const families = new Map<string, LintFamily>();
  const get = (name: string): LintFamily => {
    let f = families.get(name);
    if (!f) {
      f = {
        name,
        type: 'unknown',
        hasHelp: false,
        labelNames: new Set(),
        series: new Map(),
        duplicates: [],
        samples: 0,
      };
      families.set(name, f);
    }
    return f;
  };
  let meta: LintFamily | null = null;
  let samples = 0;
  for (let e: EntryType | null = p.next(); e !== null; e = p.next()) {
    switch (e) {
      case 'help':
        meta = get(p.metricName());
        meta.hasHelp = true;
        break;
      case 'type':
        meta = get(p.metricName());
        meta.type = p.type();
        break;
      case 'unit':
        meta = get(p.metricName());
        break;
      case 'series': {
        samples++;
        const name = p.metricName();
        // OpenMetrics counters are exposed as `x_total` samples of family `x`: lint the family under
        // the sample name, as promtool sees it after Prometheus' conversion.
        const fam = get(familyOf(name, meta, om));
        fam.samples++;
        const labels = p.labels();
        labels.forEach((ln) => {
          if (ln !== METRIC_NAME) fam.labelNames.add(ln);
        });
        const key = labels.key();
        if (fam.series.has(key)) fam.duplicates.push({ series: labels.toMetricString(), line: p.line() });
        else fam.series.set(key, p.line());
        break;
      }
      default:
        break;
    }
  }
  const problems: LintProblem[] = [];
  for (const f of families.values()) {
    if (om && f.type === 'counter') {
      // OpenMetrics families are named without `_total`; promlint sees them with it.
      problems.push(...lintFamily({ ...f, name: f.name + '_total' }).map((x) => ({ ...x, metric: f.name })));
    } else {
      problems.push(...lintFamily(f));
    }
  }
  if (om) {
    try {
      validateOpenMetrics(body);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      problems.push({ metric: '', text: `not valid OpenMetrics 1.0: ${err.toString()}`, line: err.line });
    }
  }
  problems.sort((a, b) =>
    a.metric === b.metric ? (a.text < b.text ? -1 : a.text > b.text ? 1 : 0) : a.metric < b.metric ? -1 : 1,
  );
  return { format, families: families.size, samples, problems };
}
