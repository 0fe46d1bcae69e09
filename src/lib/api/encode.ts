/**
 * JSON encoding of query results exactly as Prometheus writes them (web/api/v1/json_codec.go):
 * sample timestamps as seconds with the millisecond fraction written out (`1.500`), values as
 * strings (`"NaN"`, `"+Inf"`), strings escaped like Go's encoder (HTML characters as \u003c…).
 * Built as strings directly: no intermediate objects per sample.
 */
import type { Labels } from '../model/labels.js';
import { formatValue } from '../model/value.js';

/** A query result as the API encodes it (structurally the engine's QueryValue). */
export type ResultValue =
  | { type: 'scalar'; t: number; v: number }
  | { type: 'string'; t: number; v: string }
  | { type: 'vector'; samples: readonly { metric: Labels; t: number; v: number }[] }
  | {
      type: 'matrix';
      series: readonly { metric: Labels; ts: ArrayLike<number>; vs: ArrayLike<number> }[];
    };

const HTML = /[<>&\u2028\u2029]/g;
const HTML_ESC: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** A JSON string literal as Go's encoder (HTML-safe) writes it. */
export function jsonString(s: string): string {
  const j = JSON.stringify(s);
  return HTML.test(j) ? j.replace(HTML, (c) => HTML_ESC[c]!) : j;
}

/** Seconds with the ms fraction as Prometheus' marshalTimestamp writes it: 1.500, 1.050, 2. */
export function timestampJson(ms: number): string {
  let sign = '';
  let t = ms;
  if (t < 0) {
    sign = '-';
    t = -t;
  }
  const sec = Math.floor(t / 1000);
  const frac = t - sec * 1000;
  if (frac === 0) return `${sign}${sec}`;
  return `${sign}${sec}.${frac < 100 ? (frac < 10 ? '00' : '0') : ''}${frac}`;
}

/**
 * `"name":"value"` per label pair, cached: label strings repeat across the series of a result (and
 * across queries), so most pairs are encoded once. Bounded: cleared when it grows past PAIR_LIMIT.
 */
const pairCache = new Map<string, Map<string, string>>();
let pairCount = 0;
const PAIR_LIMIT = 200_000;

function pairJson(n: string, v: string): string {
  let byValue = pairCache.get(n);
  if (byValue === undefined) {
    if (pairCount >= PAIR_LIMIT) {
      pairCache.clear();
      pairCount = 0;
    }
    pairCache.set(n, (byValue = new Map()));
  }
  let p = byValue.get(v);
  if (p === undefined) {
    if (pairCount >= PAIR_LIMIT) {
      pairCache.clear();
      pairCount = 0;
      pairCache.set(n, byValue);
      byValue.clear();
    }
    p = `${jsonString(n)}:${jsonString(v)}`;
    byValue.set(v, p);
    pairCount++;
  }
  return p;
}

/** `{"name":"value",…}` for a label set. */
export function labelsJson(l: Labels): string {
  const f = l.toFlat();
  if (f.length === 0) return '{}';
  let out = '{' + pairJson(f[0]!, f[1]!);
  for (let i = 2; i < f.length; i += 2) out += ',' + pairJson(f[i]!, f[i + 1]!);
  return out + '}';
}

function pointJson(t: number, v: number): string {
  return `[${timestampJson(t)},"${formatValue(v)}"]`;
}

/** The `data` member of a query or query_range response. */
export function resultJson(r: ResultValue): string {
  switch (r.type) {
    case 'scalar':
      // Scalars go through Go's float encoding of t/1000 (no padded fraction).
      return `{"resultType":"scalar","result":[${JSON.stringify(r.t / 1000)},"${formatValue(r.v)}"]}`;
    case 'string':
      return `{"resultType":"string","result":[${JSON.stringify(r.t / 1000)},${jsonString(r.v)}]}`;
    case 'vector': {
      const parts: string[] = new Array(r.samples.length);
      // An instant vector's samples share one timestamp: encode it once.
      let lastT = NaN;
      let tJson = '';
      for (let i = 0; i < r.samples.length; i++) {
        const s = r.samples[i]!;
        if (s.t !== lastT) {
          lastT = s.t;
          tJson = timestampJson(s.t);
        }
        parts[i] = `{"metric":${labelsJson(s.metric)},"value":[${tJson},"${formatValue(s.v)}"]}`;
      }
      return `{"resultType":"vector","result":[${parts.join(',')}]}`;
    }
    case 'matrix': {
      const parts: string[] = new Array(r.series.length);
      for (let i = 0; i < r.series.length; i++) {
        const s = r.series[i]!;
        const pts: string[] = new Array(s.ts.length);
        for (let j = 0; j < s.ts.length; j++) pts[j] = pointJson(s.ts[j]!, s.vs[j]!);
        parts[i] = `{"metric":${labelsJson(s.metric)},"values":[${pts.join(',')}]}`;
      }
      return `{"resultType":"matrix","result":[${parts.join(',')}]}`;
    }
  }
}

/** The whole success envelope around an already-encoded `data` member. */
export function successJson(dataJson: string, warnings: readonly string[] = [], infos: readonly string[] = []): string {
  let out = `{"status":"success","data":${dataJson}`;
  if (warnings.length) out += `,"warnings":[${warnings.map(jsonString).join(',')}]`;
  if (infos.length) out += `,"infos":[${infos.map(jsonString).join(',')}]`;
  return out + '}';
}

/** Prometheus' error envelope. */
export function errorJson(errorType: string, error: string, data?: unknown): string {
  let out = `{"status":"error","errorType":${jsonString(errorType)},"error":${jsonString(error)}`;
  if (data !== undefined) out += `,"data":${JSON.stringify(data)}`;
  return out + '}';
}
