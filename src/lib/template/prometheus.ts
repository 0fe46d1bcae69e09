/**
 * Prometheus' template functions and expander (template/template.go), on top of our Go template
 * engine: humanize*, query/first/value/label/strvalue/sortByLabel, reReplaceAll, match, title,
 * toUpper/toLower, args, safeHtml, pathPrefix/externalURL, graphLink/tableLink, stripPort,
 * stripDomain, parseDuration, toTime, toDuration, now — with Prometheus' exact output formats.
 *
 * `query` is asynchronous in our world, while execution is synchronous. `expand()` runs the
 * template; a `query` whose result is not known yet stops the run, the query is performed through
 * the injected function, and the template runs again with the result cached. Templates without
 * `query` run exactly once.
 */
import { RE2JS } from 're2js';
import type { Labels } from '../model/labels.js';
import { expandTemplate } from '../model/regex.js';
import { parseDuration as parsePromDuration } from '../model/duration.js';
import { formatFloatG } from '../model/value.js';
import { sprintf } from './gofmt.js';
import type { FuncMap } from './exec.js';
import { ArgTypeError, htmlEscape, queryEscape, Template, TemplateError } from './exec.js';
import { GoDuration, GoStruct, GoTime, isGoMap } from './value.js';

/** A sample as templates see it: `.Labels` (a map) and `.Value`. */
export class TemplateSample extends GoStruct {
  override readonly pointer = true;
  constructor(
    readonly Labels: Record<string, string>,
    readonly Value: number,
  ) {
    super();
  }
}

/** One element of an instant vector returned by the injected query function. */
export interface QueryResultSample {
  labels: Labels;
  value: number;
}

/** Runs an instant query for templates: expression and evaluation time in ms. */
export type TemplateQueryFunc = (expr: string, t: number) => Promise<QueryResultSample[]>;

class NeedQuery {
  constructor(readonly expr: string) {}
}

/** Prints a float with Go's %.4g. */
export function fmt4g(v: number): string {
  return sprintf('%.4g', [v]);
}

/** Go's strconv.ParseFloat for the forms users write. */
function parseGoFloat(s: string): number {
  const t = s.trim() === s ? s : '';
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return NaN;
  if (/^[+-]?(\d[\d_]*\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) || /^[+-]?0[xX][0-9a-fA-F]+$/.test(t)) {
    const n = /^[+-]?0[xX]/.test(t) ? Number(t.replace(/^([+-]?)0x/i, '$10x')) : Number(t.replace(/_/g, ''));
    if (!Number.isNaN(n)) return n;
  }
  throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(s)}: invalid syntax`);
}

function goType(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v)) return v.every((x) => x instanceof TemplateSample) ? 'template.queryResult' : '[]interface {}';
  if (v instanceof TemplateSample) return '*template.sample';
  if (isGoMap(v)) {
    const vals = Object.values(v);
    return vals.length > 0 && vals.every((x) => typeof x === 'string')
      ? 'map[string]string'
      : 'map[string]interface {}';
  }
  if (v instanceof GoTime) return '*time.Time';
  if (v instanceof GoDuration) return '*time.Duration';
  return 'struct';
}

/** Prometheus' convertToFloat: float64, string (ParseFloat) and integers. */
export function convertToFloat(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') return parseGoFloat(v);
  throw new Error(`can't convert ${goType(v)} to float`);
}

export function humanize(v: number): string {
  if (v === 0 || Number.isNaN(v) || !Number.isFinite(v)) return fmt4g(v);
  if (Math.abs(v) >= 1) {
    let prefix = '';
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return fmt4g(v) + prefix;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return fmt4g(v) + prefix;
}

export function humanize1024(v: number): string {
  if (Math.abs(v) <= 1 || Number.isNaN(v) || !Number.isFinite(v)) return fmt4g(v);
  let prefix = '';
  for (const p of ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']) {
    if (Math.abs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return fmt4g(v) + prefix;
}

/** Go's int64(v) conversion (truncation toward zero; saturating for our purposes). */
function int64(v: number): bigint {
  return BigInt(Math.trunc(v));
}

export function humanizeDuration(v: number): string {
  if (Number.isNaN(v) || !Number.isFinite(v)) return fmt4g(v);
  if (v === 0) return fmt4g(v) + 's';
  if (Math.abs(v) >= 1) {
    let sign = '';
    if (v < 0) {
      sign = '-';
      v = -v;
    }
    const iv = int64(v);
    const seconds = iv % 60n;
    const minutes = (iv / 60n) % 60n;
    const hours = (iv / 60n / 60n) % 24n;
    const days = iv / 60n / 60n / 24n;
    if (days !== 0n) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0n) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0n) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${fmt4g(v)}s`;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${fmt4g(v)}${prefix}s`;
}

export function humanizePercentage(v: number): string {
  return sprintf('%.4g%%', [v * 100]);
}

class NaNOrInf extends Error {}

/** Prometheus' floatToTime: seconds to a UTC time truncated to milliseconds. */
export function floatToTime(v: number): GoTime {
  if (Number.isNaN(v) || !Number.isFinite(v)) throw new NaNOrInf('value is NaN or Inf');
  const ns = v * 1e9;
  if (ns > 2 ** 63 || ns < -(2 ** 63)) {
    throw new Error(`${formatFloatG(v)} cannot be represented as a nanoseconds timestamp since it overflows int64`);
  }
  const ms = BigInt(Math.trunc(ns)) / 1_000_000n;
  return new GoTime(ms * 1_000_000n);
}

export function humanizeTimestamp(v: number): string {
  try {
    return floatToTime(v).String();
  } catch (e) {
    if (e instanceof NaNOrInf) return fmt4g(v);
    throw e;
  }
}

/** Go's strings.Title as Prometheus uses it: upper-cases the first letter of each word. */
export function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    const sep = !/[\p{L}\p{N}_']/u.test(prev);
    out += sep ? ch.toUpperCase() : ch;
    prev = ch;
  }
  return out;
}

/** Go's net.SplitHostPort, or null on error. */
function splitHostPort(hp: string): [string, string] | null {
  if (hp.startsWith('[')) {
    const end = hp.indexOf(']');
    if (end < 0 || hp[end + 1] !== ':' || hp.slice(end + 2).includes(':')) return null;
    return [hp.slice(1, end), hp.slice(end + 2)];
  }
  const i = hp.lastIndexOf(':');
  if (i < 0) return null;
  const host = hp.slice(0, i);
  if (host.includes(':')) return null; // too many colons
  return [host, hp.slice(i + 1)];
}

function isIP(s: string): boolean {
  if (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(s)) return s.split('.').every((p) => Number(p) <= 255);
  return s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s);
}

function joinHostPort(host: string, port: string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function stripPort(hostPort: string): string {
  const r = splitHostPort(hostPort);
  return r ? r[0] : hostPort;
}

export function stripDomain(hostPort: string): string {
  const r = splitHostPort(hostPort);
  let host = r ? r[0] : hostPort;
  const port = r ? r[1] : '';
  if (isIP(host)) return hostPort;
  host = host.split('.')[0]!;
  return port !== '' ? joinHostPort(host, port) : host;
}

/** Go's regexp ReplaceAllString (unanchored, `$1`/`${name}` expansion). */
export function reReplaceAll(pattern: string, repl: string, text: string): string {
  const re = compileGoRegexp(pattern);
  const m = re.matcher(text);
  const names = re.namedGroups() as Record<string, number>;
  let out = '';
  let last = 0;
  let prevEnd = -1;
  let searchFrom = 0;
  while (searchFrom <= text.length && m.find(searchFrom)) {
    const s = m.start();
    const e = m.end();
    if (s === e && s === prevEnd) {
      // an empty match abutting the previous match is ignored
      searchFrom = s + 1;
      if (searchFrom > text.length) break;
      continue;
    }
    const groups: string[] = [];
    for (let i = 0; i <= m.groupCount(); i++) groups.push(m.group(i) ?? '');
    const named: Record<string, string> = {};
    for (const [n, idx] of Object.entries(names)) named[n] = groups[idx] ?? '';
    out += text.slice(last, s) + expandTemplate(repl, groups, named);
    last = e;
    prevEnd = e;
    searchFrom = e === s ? e + 1 : e;
  }
  return out + text.slice(last);
}

function compileGoRegexp(pattern: string): RE2JS {
  try {
    return RE2JS.compile(pattern);
  } catch (e) {
    throw new Error(`error parsing regexp: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function match(pattern: string, text: string): boolean {
  return compileGoRegexp(pattern).matcher(text).find();
}

export function graphLinkForExpression(expr: string): string {
  return `/graph?g0.expr=${queryEscape(expr)}&g0.tab=0`;
}
export function tableLinkForExpression(expr: string): string {
  return `/graph?g0.expr=${queryEscape(expr)}&g0.tab=1`;
}

function str(v: unknown, index = 0): string {
  if (typeof v === 'string') return v;
  throw new ArgTypeError(index, `wrong type for value; expected string; got ${goType(v)}`);
}

function sampleArg(v: unknown, index = 0): TemplateSample {
  if (v instanceof TemplateSample) return v;
  if (v == null) throw new Error('runtime error: invalid memory address or nil pointer dereference');
  throw new ArgTypeError(index, `wrong type for value; expected *template.sample; got ${goType(v)}`);
}

function queryResultArg(v: unknown, index = 0): TemplateSample[] {
  if (v == null) return [];
  if (Array.isArray(v) && v.every((x) => x instanceof TemplateSample)) return v as TemplateSample[];
  throw new ArgTypeError(index, `wrong type for value; expected template.queryResult; got ${goType(v)}`);
}

export interface ExpanderOptions {
  /** Evaluation time (ms) for `query` and `now`. */
  timestamp: number;
  /** Runs instant queries for `query`; absent → `query` fails with an error. */
  queryFn?: TemplateQueryFunc;
  /** The external URL (`externalURL`, `pathPrefix`). */
  externalURL?: URL | string;
}

/** The names of Prometheus' template functions (for parse checks without an expander). */
export const PROMETHEUS_FUNCS: readonly string[] = [
  'query',
  'first',
  'label',
  'value',
  'strvalue',
  'args',
  'reReplaceAll',
  'safeHtml',
  'match',
  'title',
  'toUpper',
  'toLower',
  'graphLink',
  'tableLink',
  'sortByLabel',
  'humanize',
  'humanize1024',
  'humanizeDuration',
  'humanizePercentage',
  'humanizeTimestamp',
  'toTime',
  'toDuration',
  'now',
  'pathPrefix',
  'externalURL',
  'parseDuration',
  'stripPort',
  'stripDomain',
];

function externalURLParts(u: URL | string | undefined): { full: string; path: string } {
  if (u === undefined || u === '') return { full: '', path: '' };
  const url = typeof u === 'string' ? new URL(u) : u;
  let full = url.toString();
  // Go's url.String() does not add a trailing slash to an empty path.
  if (url.pathname === '/' && !(typeof u === 'string' ? u : u.href).replace(/[?#].*$/, '').endsWith('/')) {
    full = full.replace(/\/(?=$|[?#])/, '');
  }
  const path = url.pathname === '/' && !full.replace(/[?#].*$/, '').endsWith('/') ? '' : url.pathname;
  return { full, path };
}

function buildFuncs(opts: ExpanderOptions, cache: Map<string, TemplateSample[]>): FuncMap {
  const ext = externalURLParts(opts.externalURL);
  const f1 = (fn: (v: number) => string) => (v: unknown) => fn(convertToFloat(v));
  return {
    query: (q) => {
      const expr = str(q, 0);
      const hit = cache.get(expr);
      if (hit) return hit;
      throw new NeedQuery(expr);
    },
    first: (v) => {
      const r = queryResultArg(v);
      if (r.length > 0) return r[0];
      throw new Error('first() called on vector with no elements');
    },
    label: (l, s) => sampleArg(s, 1).Labels[str(l, 0)] ?? '',
    value: (s) => sampleArg(s).Value,
    strvalue: (s) => sampleArg(s).Labels['__value__'] ?? '',
    args: (...a) => {
      const m: Record<string, unknown> = {};
      a.forEach((x, i) => (m[`arg${i}`] = x));
      return m;
    },
    reReplaceAll: (p, r, t) => reReplaceAll(str(p, 0), str(r, 1), str(t, 2)),
    safeHtml: (t) => str(t),
    match: (p, t) => match(str(p, 0), str(t, 1)),
    title: (s) => title(str(s)),
    toUpper: (s) => str(s).toUpperCase(),
    toLower: (s) => str(s).toLowerCase(),
    graphLink: (e) => graphLinkForExpression(str(e)),
    tableLink: (e) => tableLinkForExpression(str(e)),
    sortByLabel: (l, v) => {
      const label = str(l, 0);
      const r = queryResultArg(v, 1);
      // Go's sort.Stable with byte-wise string comparison, in place like Prometheus.
      const sorted = [...r].sort((a, b) => {
        const x = a.Labels[label] ?? '';
        const y = b.Labels[label] ?? '';
        return Buffer.compare(Buffer.from(x), Buffer.from(y));
      });
      r.splice(0, r.length, ...sorted);
      return r;
    },
    humanize: f1(humanize),
    humanize1024: f1(humanize1024),
    humanizeDuration: f1(humanizeDuration),
    humanizePercentage: f1(humanizePercentage),
    humanizeTimestamp: f1(humanizeTimestamp),
    toTime: (v) => floatToTime(convertToFloat(v)),
    toDuration: (v) => new GoDuration(BigInt(Math.trunc(convertToFloat(v) * 1e9))),
    now: () => opts.timestamp / 1000,
    pathPrefix: () => ext.path,
    externalURL: () => ext.full,
    parseDuration: (d) => parsePromDuration(str(d)) / 1000,
    stripPort: (h) => stripPort(str(h)),
    stripDomain: (h) => stripDomain(str(h)),
  };
}

const PARSE_FUNCS: FuncMap = Object.fromEntries(PROMETHEUS_FUNCS.map((n) => [n, () => null]));

/** Checks template syntax (Prometheus' Expander.ParseTest); throws TemplateError. */
export function parseTest(name: string, text: string): void {
  Template.parse(name, text, PARSE_FUNCS, { missingKey: 'zero' });
}

/** Expands templates in text mode with Prometheus' functions. */
export class Expander {
  private readonly cache = new Map<string, TemplateSample[]>();
  private readonly funcs: FuncMap;

  constructor(
    private readonly name: string,
    private readonly text: string,
    private readonly data: unknown,
    private readonly opts: ExpanderOptions,
  ) {
    this.funcs = buildFuncs(opts, this.cache);
  }

  /** Adds or overrides functions. */
  withFuncs(fm: FuncMap): this {
    Object.assign(this.funcs, fm);
    return this;
  }

  /**
   * Expands the template. Errors read like Prometheus':
   * `error parsing template NAME: …` / `error executing template NAME: …`.
   */
  async expand(): Promise<string> {
    let tmpl: Template;
    try {
      tmpl = Template.parse(this.name, this.text, this.funcs, { missingKey: 'zero' });
    } catch (e) {
      throw new TemplateError(`error parsing template ${this.name}: ${(e as Error).message}`);
    }
    for (let attempt = 0; attempt < 1000; attempt++) {
      try {
        return tmpl.execute(this.data);
      } catch (e) {
        const nq = findNeedQuery(e);
        if (nq) {
          await this.runQuery(nq.expr);
          continue;
        }
        throw new TemplateError(`error executing template ${this.name}: ${(e as Error).message}`);
      }
    }
    throw new TemplateError(`error executing template ${this.name}: too many queries`);
  }

  private async runQuery(expr: string): Promise<void> {
    if (!this.opts.queryFn) {
      this.cache.set(expr, []);
      throw new TemplateError(`error executing template ${this.name}: query is not available here`);
    }
    let res: QueryResultSample[];
    try {
      res = await this.opts.queryFn(expr, this.opts.timestamp);
    } catch (e) {
      throw new TemplateError(
        `error executing template ${this.name}: error calling query: ${(e as Error).message ?? String(e)}`,
      );
    }
    this.cache.set(
      expr,
      res.map((s) => new TemplateSample(s.labels.toObject(), s.value)),
    );
  }
}

/** `NeedQuery` thrown inside a function surfaces wrapped by the executor; find it. */
function findNeedQuery(e: unknown): NeedQuery | null {
  if (e instanceof NeedQuery) return e;
  return null;
}

/** The data alert templates see: `.Labels`, `.ExternalLabels`, `.ExternalURL`, `.Value`. */
export function alertTemplateData(
  labels: Record<string, string>,
  externalLabels: Record<string, string>,
  externalURL: string,
  value: number,
): Record<string, unknown> {
  return { Labels: labels, ExternalLabels: externalLabels, ExternalURL: externalURL, Value: value };
}

/** The variable definitions Prometheus prepends to every alert label/annotation template. */
export const ALERT_TEMPLATE_DEFS =
  '{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}';

/** Expands an alert label/annotation template the way the rules manager does. */
export async function expandAlertTemplate(
  name: string,
  text: string,
  data: { labels: Labels; externalLabels: Labels; externalURL: string; value: number },
  opts: ExpanderOptions,
): Promise<string> {
  if (!text.includes('{{')) return text;
  const e = new Expander(
    name,
    ALERT_TEMPLATE_DEFS + text,
    alertTemplateData(data.labels.toObject(), data.externalLabels.toObject(), data.externalURL, data.value),
    opts,
  );
  return e.expand();
}

export { htmlEscape };
