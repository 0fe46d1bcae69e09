/**
 * Content negotiation for scrapes, as Prometheus does it: the Accept header built from
 * `scrape_protocols`, and the parser chosen from the response's Content-Type with the
 * `fallback_scrape_protocol` rules of model/textparse.New.
 */
import type { Parser, ParserOptions } from './interface.js';
import { OpenMetricsParser } from './openmetricsparse.js';
import { PromParser } from './promparse.js';

/** The protocols of `scrape_protocols` / `fallback_scrape_protocol`. */
export type ScrapeProtocol =
  'PrometheusProto' | 'OpenMetricsText1.0.0' | 'OpenMetricsText0.0.1' | 'PrometheusText1.0.0' | 'PrometheusText0.0.4';

/** Each protocol's media type as sent in the Accept header (config.ScrapeProtocolsHeaders). */
export const SCRAPE_PROTOCOL_HEADERS: Readonly<Record<ScrapeProtocol, string>> = {
  PrometheusProto: 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited',
  'PrometheusText0.0.4': 'text/plain;version=0.0.4',
  'PrometheusText1.0.0': 'text/plain;version=1.0.0',
  'OpenMetricsText0.0.1': 'application/openmetrics-text;version=0.0.1',
  'OpenMetricsText1.0.0': 'application/openmetrics-text;version=1.0.0',
};

/** Prometheus' default `scrape_protocols`. */
export const DEFAULT_SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = [
  'OpenMetricsText1.0.0',
  'OpenMetricsText0.0.1',
  'PrometheusText1.0.0',
  'PrometheusText0.0.4',
];

/** The default when native histograms are scraped (protobuf first). */
export const DEFAULT_NATIVE_HISTOGRAM_SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = [
  'PrometheusProto',
  ...DEFAULT_SCRAPE_PROTOCOLS,
];

export function isScrapeProtocol(s: string): s is ScrapeProtocol {
  return Object.prototype.hasOwnProperty.call(SCRAPE_PROTOCOL_HEADERS, s);
}

/** Metric name escaping schemes (`metric_name_escaping_scheme`). */
export type EscapingScheme = 'allow-utf-8' | 'underscores' | 'dots' | 'values';

/**
 * The Accept header for `protocols` in order of preference: q-weights from 0.(n+1) down, the
 * `escaping` parameter on the formats that understand it (the 1.0.0 text formats), then `*\/*`.
 */
export function acceptHeader(
  protocols: readonly ScrapeProtocol[] = DEFAULT_SCRAPE_PROTOCOLS,
  escaping: EscapingScheme = 'allow-utf-8',
): string {
  const vals: string[] = [];
  let weight = Object.keys(SCRAPE_PROTOCOL_HEADERS).length + 1;
  for (const sp of protocols) {
    let v = SCRAPE_PROTOCOL_HEADERS[sp];
    if (sp === 'PrometheusText1.0.0' || sp === 'OpenMetricsText1.0.0') v += `;escaping=${escaping}`;
    vals.push(`${v};q=0.${weight}`);
    weight--;
  }
  vals.push(`*/*;q=0.${weight}`);
  return vals.join(',');
}

export interface MediaType {
  type: string;
  params: Record<string, string>;
}

const TSPECIALS = '()<>@,;:\\"/[]?=';
function isTokenChar(c: string): boolean {
  const code = c.charCodeAt(0);
  return code > 0x20 && code < 0x7f && !TSPECIALS.includes(c);
}

/** Go's mime.ParseMediaType (type lowercased, duplicate parameters rejected). Throws Error. */
export function parseMediaType(v: string): MediaType {
  let i = 0;
  const n = v.length;
  const skip = () => {
    while (i < n && (v[i] === ' ' || v[i] === '\t')) i++;
  };
  const token = () => {
    const s = i;
    while (i < n && isTokenChar(v[i]!)) i++;
    return v.slice(s, i);
  };
  skip();
  const typ = token();
  if (typ === '') throw new Error('mime: no media type');
  let mediaType = typ;
  if (i < n && v[i] === '/') {
    i++;
    const sub = token();
    if (sub === '') throw new Error('mime: expected token after slash');
    mediaType += '/' + sub;
  }
  skip();
  const params: Record<string, string> = {};
  while (i < n) {
    if (v[i] !== ';') {
      if (mediaType.includes('/')) throw new Error('mime: unexpected content after media subtype');
      throw new Error('mime: expected slash after first token');
    }
    i++;
    skip();
    if (i >= n) break; // trailing semicolon
    const key = token().toLowerCase();
    if (key === '') throw new Error('mime: invalid media parameter');
    skip();
    if (v[i] !== '=') throw new Error('mime: invalid media parameter');
    i++;
    skip();
    let value: string;
    if (v[i] === '"') {
      i++;
      value = '';
      while (i < n && v[i] !== '"') {
        if (v[i] === '\\' && i + 1 < n) i++;
        value += v[i];
        i++;
      }
      if (i >= n) throw new Error('mime: invalid media parameter');
      i++;
    } else {
      value = token();
      if (value === '') throw new Error('mime: invalid media parameter');
    }
    if (Object.prototype.hasOwnProperty.call(params, key)) throw new Error('mime: duplicate parameter name');
    params[key] = value;
    skip();
  }
  return { type: mediaType.toLowerCase(), params };
}

export type ParserKind = 'prometheus-text' | 'openmetrics' | 'protobuf';

const MEDIA_KINDS: Record<string, ParserKind> = {
  'text/plain': 'prometheus-text',
  'application/openmetrics-text': 'openmetrics',
  'application/vnd.google.protobuf': 'protobuf',
};

export interface ParserChoice {
  /** Which format the body is read as; null when no parser fits (the scrape fails with `error`). */
  kind: ParserKind | null;
  /** A problem with the Content-Type: fatal when kind is null, a warning otherwise. */
  error?: string;
}

/** Chooses the format from a response Content-Type, with Prometheus' fallback rules. */
export function chooseParser(contentType: string | undefined | null, fallback?: ScrapeProtocol): ParserChoice {
  const fallbackType = fallback ? parseMediaType(SCRAPE_PROTOCOL_HEADERS[fallback]).type : '';
  const fb = fallbackType ? MEDIA_KINDS[fallbackType]! : null;
  if (!contentType) {
    if (!fallback) {
      return {
        kind: null,
        error:
          'non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target',
      };
    }
    return {
      kind: fb,
      error: `non-compliant scrape target sending blank Content-Type, using fallback_scrape_protocol "${fallbackType}"`,
    };
  }
  let mt: MediaType;
  try {
    mt = parseMediaType(contentType);
  } catch (e) {
    const why = (e as Error).message;
    if (!fallback)
      return {
        kind: null,
        error: `cannot parse Content-Type ${JSON.stringify(contentType)} and no fallback_scrape_protocol for target\n${why}`,
      };
    return {
      kind: fb,
      error: `could not parse received Content-Type ${JSON.stringify(contentType)}, using fallback_scrape_protocol "${fallbackType}"\n${why}`,
    };
  }
  const kind = MEDIA_KINDS[mt.type];
  if (kind) return { kind };
  if (!fallback) {
    return {
      kind: null,
      error: `received unsupported Content-Type ${JSON.stringify(contentType)} and no fallback_scrape_protocol specified for target`,
    };
  }
  return {
    kind: fb,
    error: `received unsupported Content-Type ${JSON.stringify(contentType)}, using fallback_scrape_protocol "${fallbackType}"`,
  };
}

/** Choices by fallback and Content-Type: a target answers with the same header every scrape. */
const choices = new Map<string, Readonly<ParserChoice>>();

function chooseParserCached(contentType: string | undefined | null, fallback?: ScrapeProtocol): ParserChoice {
  const key = `${fallback ?? ''}\n${contentType ?? ''}`;
  let c = choices.get(key);
  if (c === undefined) {
    if (choices.size >= 256) choices.clear();
    c = Object.freeze(chooseParser(contentType, fallback));
    choices.set(key, c);
  }
  return c;
}

export interface CreatedParser {
  /** Null when no parser fits; `error` says why. */
  parser: Parser | null;
  kind: ParserKind | null;
  /** A fatal error (parser null) or a warning to keep with the target (parser set). */
  error?: string;
}

/**
 * textparse.New: a parser for `body` according to its Content-Type. The protobuf format is not
 * implemented: choosing it fails with an error that says so (scrape_protocols should then not list
 * PrometheusProto first).
 */
export function createParser(
  body: Uint8Array,
  contentType: string | undefined | null,
  opts: ParserOptions & { fallback?: ScrapeProtocol } = {},
): CreatedParser {
  const choice = chooseParserCached(contentType, opts.fallback);
  switch (choice.kind) {
    case 'prometheus-text':
      return { parser: new PromParser(body, opts), kind: choice.kind, error: choice.error };
    case 'openmetrics':
      return { parser: new OpenMetricsParser(body, opts), kind: choice.kind, error: choice.error };
    case 'protobuf':
      return {
        parser: null,
        kind: choice.kind,
        error:
          'the protobuf exposition format is not supported by promctl; list a text protocol first in scrape_protocols',
      };
    default:
      return { parser: null, kind: null, error: choice.error };
  }
}
