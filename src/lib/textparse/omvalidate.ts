/**
 * Strict OpenMetrics 1.0 validation: the strict parser (grammar) plus the semantic MUSTs of the
 * specification that the reference (Python) parser enforces and Prometheus' scrape parser does not:
 * metric families grouped and not repeated, metadata before samples and at most once, names that do
 * not clash between families, per-type sample names, labels and values (histogram buckets in order
 * with a +Inf bucket matching _count, summary quantiles in [0, 1], counters not negative, info = 1,
 * stateset 0/1), exemplars only where allowed and at most 128 code points of labels, and timestamps
 * that never go backwards within a series.
 *
 * Used by `promctl check metrics` for OpenMetrics input and by the conformance suite.
 */
import type { Labels } from '../model/labels.js';
import { ParseError } from './interface.js';
import type { MetricKind } from './interface.js';
import { OpenMetricsParser } from './openmetricsparse.js';

interface Family {
  name: string;
  type: MetricKind;
  hasType: boolean;
  hasHelp: boolean;
  hasUnit: boolean;
  sawSample: boolean;
  closedGroups: Set<string>;
  group: string | null;
  hist: HistGroup | null;
  /** Last timestamp per series (null: no timestamp). */
  lastTs: Map<string, number | null>;
}

interface HistGroup {
  les: number[];
  counts: number[];
  count?: number;
  sum?: number;
  gcount?: number;
  gsum?: number;
  line: number;
}

/** Sample names a family of this type owns. */
function claimedNames(name: string, type: MetricKind): string[] {
  switch (type) {
    case 'counter':
      return [name + '_total', name + '_created'];
    case 'histogram':
      return [name + '_bucket', name + '_count', name + '_sum', name + '_created'];
    case 'gaugehistogram':
      return [name + '_bucket', name + '_gcount', name + '_gsum'];
    case 'summary':
      return [name, name + '_count', name + '_sum', name + '_created'];
    case 'info':
      return [name + '_info'];
    default:
      return [name];
  }
}

/** A number in the OpenMetrics grammar (realnumber, or ±Inf/NaN words when `words`). */
function omNumber(s: string, words: boolean): number | null {
  if (/^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(s)) return Number(s);
  if (words) {
    if (s === '+Inf' || s === 'Inf') return Infinity;
    if (s === '-Inf') return -Infinity;
  }
  return null;
}

/** Counts code points of an exemplar's label names and values. */
function exemplarRunes(l: Labels): number {
  let n = 0;
  l.forEach((k, v) => {
    for (const _ of k) n++;
    for (const _ of v) n++;
  });
  return n;
}

/**
 * Validates `body` as a strict OpenMetrics 1.0 exposition. Throws ParseError (line, column) at the
 * first violation. Returns the number of samples.
 */
export function validateOpenMetrics(body: Uint8Array): number {
  const p = new OpenMetricsParser(body, { strict: true });
  const families = new Set<string>();
  const claimed = new Map<string, string>();
  let cur: Family | null = null;
  let samples = 0;

  const fail = (msg: string): never => {
    throw new ParseError(msg, p.line(), 1);
  };

  const closeGroup = (f: Family) => {
    const h = f.hist;
    f.hist = null;
    if (!h) return;
    const gauge = f.type === 'gaugehistogram';
    if (h.les.length === 0) fail(`histogram ${f.name} has no buckets`);
    if (h.les[h.les.length - 1] !== Infinity) fail(`histogram ${f.name} has no +Inf bucket`);
    const negative = h.les[0]! < 0;
    const inf = h.counts[h.counts.length - 1]!;
    if (!gauge) {
      if ((h.count === undefined) !== (h.sum === undefined))
        fail(`histogram ${f.name} must have both _count and _sum, or neither`);
      if (h.count !== undefined && h.count !== inf)
        fail(`histogram ${f.name}: _count ${h.count} does not match the +Inf bucket ${inf}`);
      if (negative && h.sum !== undefined) fail(`histogram ${f.name} has negative buckets and must not have _sum`);
    } else {
      if ((h.gcount === undefined) !== (h.gsum === undefined))
        fail(`gauge histogram ${f.name} must have both _gcount and _gsum, or neither`);
      if (h.gcount !== undefined && h.gcount !== inf)
        fail(`gauge histogram ${f.name}: _gcount does not match the +Inf bucket`);
      if (!negative && h.gsum !== undefined && h.gsum < 0)
        fail(`gauge histogram ${f.name}: negative _gsum without negative buckets`);
    }
  };

  const closeFamily = () => {
    if (cur) closeGroup(cur);
    cur = null;
  };

  const openFamily = (name: string, line: 'meta' | 'sample'): Family => {
    closeFamily();
    if (families.has(name))
      fail(`metric family ${name} appears more than once (families must not be split or repeated)`);
    families.add(name);
    const f: Family = {
      name,
      type: 'unknown',
      hasType: false,
      hasHelp: false,
      hasUnit: false,
      sawSample: line === 'sample',
      closedGroups: new Set(),
      group: null,
      hist: null,
      lastTs: new Map(),
    };
    cur = f;
    if (line === 'sample') claim(f);
    return f;
  };

  const claim = (f: Family) => {
    for (const n of claimedNames(f.name, f.type)) {
      const owner = claimed.get(n);
      if (owner !== undefined && owner !== f.name)
        fail(`metric name ${n} of family ${f.name} clashes with family ${owner}`);
      claimed.set(n, f.name);
    }
  };

  for (let e = p.next(); e !== null; e = p.next()) {
    if (e === 'help' || e === 'type' || e === 'unit') {
      const name = p.metricName();
      let f: Family = cur !== null && (cur as Family).name === name ? cur : openFamily(name, 'meta');
      if (f.sawSample) fail(`metadata for ${name} after its samples`);
      if (e === 'type') {
        if (f.hasType) fail(`duplicate TYPE for ${name}`);
        f.hasType = true;
        f.type = p.type();
        claim(f);
        if (f.hasUnit && (f.type === 'info' || f.type === 'stateset'))
          fail(`${f.type} metric ${name} must not have a UNIT`);
      } else if (e === 'help') {
        if (f.hasHelp) fail(`duplicate HELP for ${name}`);
        f.hasHelp = true;
      } else {
        if (f.hasUnit) fail(`duplicate UNIT for ${name}`);
        f.hasUnit = true;
        if (f.type === 'info' || f.type === 'stateset') fail(`${f.type} metric ${name} must not have a UNIT`);
      }
      f = f as Family;
      continue;
    }
    // A sample.
    samples++;
    const name = p.metricName();
    let f = cur as Family | null;
    if (f !== null && !belongs(name, f)) f = null;
    if (f === null) {
      f = openFamily(name, 'sample');
    } else if (!f.sawSample) {
      f.sawSample = true;
      claim(f);
    }
    const labels = p.labels(); // throws on duplicate label names
    const v = p.value();
    const suffix = name.slice(f.name.length);
    const t = f.type;

    // Group of series (histogram/summary label sets without le/quantile).
    let drop = '';
    if (t === 'histogram' || t === 'gaugehistogram') drop = 'le';
    else if (t === 'summary') drop = 'quantile';
    else if (t === 'stateset') drop = f.name;
    const groupKey = (drop ? labels.without('__name__', drop) : labels.without('__name__')).key();
    if (groupKey !== f.group) {
      if (f.closedGroups.has(groupKey)) fail(`series of ${f.name} are interleaved with other label sets`);
      if (f.group !== null) f.closedGroups.add(f.group);
      closeGroup(f);
      f.group = groupKey;
    }

    // Timestamps never go backwards within a series; a series has them always or never.
    const sk = labels.key();
    const ts = p.timestamp();
    if (f.lastTs.has(sk)) {
      const prev = f.lastTs.get(sk)!;
      if (prev === null || ts === undefined)
        fail(`series ${labels.toMetricString()} repeated without increasing timestamps`);
      else if (ts < prev) fail(`timestamps of ${labels.toMetricString()} go backwards`);
    }
    f.lastTs.set(sk, ts === undefined ? null : ts);

    // Exemplars.
    const ex = p.exemplar();
    if (ex) {
      const ok =
        (t === 'counter' && suffix === '_total') ||
        ((t === 'histogram' || t === 'gaugehistogram') && suffix === '_bucket');
      if (!ok) fail(`exemplars are not allowed on ${name} (${t})`);
      if (exemplarRunes(ex.labels) > 128) fail('exemplar labels exceed 128 code points');
    }

    const nonNegative = (what: string) => {
      if (Number.isNaN(v) || v < 0) fail(`${what} ${name} must not be NaN or negative, got ${v}`);
    };
    switch (t) {
      case 'counter':
        if (suffix === '_total') nonNegative('counter');
        break;
      case 'histogram':
      case 'gaugehistogram': {
        const h = (f.hist ??= { les: [], counts: [], line: p.line() });
        if (suffix === '_bucket') {
          const le = labels.get('le');
          const x = le === '' ? null : omNumber(le, true);
          if (x === null || Number.isNaN(x))
            fail(`bucket of ${f.name} has a missing or invalid le label ${JSON.stringify(le)}`);
          nonNegative('bucket');
          if (h.les.length > 0 && x! <= h.les[h.les.length - 1]!)
            fail(`buckets of ${f.name} are not in increasing le order`);
          if (h.counts.length > 0 && v < h.counts[h.counts.length - 1]!) fail(`bucket counts of ${f.name} decrease`);
          h.les.push(x!);
          h.counts.push(v);
        } else if (suffix === '_count' || suffix === '_gcount') {
          nonNegative('count');
          if (suffix === '_count') h.count = v;
          else h.gcount = v;
        } else if (suffix === '_sum') {
          nonNegative('sum');
          h.sum = v;
        } else if (suffix === '_gsum') {
          if (Number.isNaN(v)) fail(`_gsum of ${f.name} must not be NaN`);
          h.gsum = v;
        }
        break;
      }
      case 'summary':
        if (suffix === '') {
          const q = labels.get('quantile');
          const x = q === '' ? null : omNumber(q, false);
          if (x === null || x < 0 || x > 1)
            fail(`summary ${f.name} needs a quantile label in [0, 1], got ${JSON.stringify(q)}`);
          if (v < 0) fail(`quantile value of ${f.name} must not be negative`);
        } else if (suffix === '_sum' || suffix === '_count') nonNegative(suffix.slice(1));
        break;
      case 'info':
        if (v !== 1) fail(`info metric ${name} must have value 1, got ${v}`);
        break;
      case 'stateset':
        if (!labels.has(f.name)) fail(`stateset ${f.name} needs a label named ${f.name}`);
        if (v !== 0 && v !== 1) fail(`stateset ${name} values must be 0 or 1, got ${v}`);
        break;
      default:
        break;
    }
  }
  closeFamily();
  return samples;
}

function belongs(name: string, f: Family): boolean {
  if (!name.startsWith(f.name)) return false;
  const s = name.slice(f.name.length);
  switch (f.type) {
    case 'counter':
      return s === '_total' || s === '_created';
    case 'histogram':
      return s === '_bucket' || s === '_count' || s === '_sum' || s === '_created';
    case 'gaugehistogram':
      return s === '_bucket' || s === '_gcount' || s === '_gsum';
    case 'summary':
      return s === '' || s === '_count' || s === '_sum' || s === '_created';
    case 'info':
      return s === '_info';
    default:
      return s === '';
  }
}
