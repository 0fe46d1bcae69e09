/**
 * What the schema cannot say: Prometheus' own rules for each section (config/config.go,
 * prometheus/common/config, model/relabel, discovery/*), and the global → job inheritance.
 * Works in place on the schema-validated document and reports every problem it finds (Prometheus
 * stops at the first); messages use Prometheus' wording so that they can be searched for.
 */
import type { TSchema } from '@sinclair/typebox';
import { parseDuration } from '../model/duration.js';
import { isLegacyLabelName, isValidUtf8Name } from '../model/labels.js';
import { Regex } from '../model/regex.js';
import { deref } from './registry.js';
import { SD_CONFIG_KEYS } from './sd-keys.js';
import type {
  AlertmanagerConfig,
  Config,
  GlobalConfig,
  NameValidationScheme,
  RelabelConfig,
  ScrapeConfig,
  ScrapeProtocol,
} from './types.js';
import { parseGoURL } from './urls.js';
import { goQuoteBytes } from './yaml.js';

type Obj = Record<string, unknown>;

export interface Reporter {
  /** Reports an error at the value at `ptr` (or at its key when `onKey`). */
  error(ptr: string, message: string, hint?: string, onKey?: boolean): void;
  warn(ptr: string, message: string, hint?: string, onKey?: boolean): void;
}

export const SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = [
  'OpenMetricsText0.0.1',
  'OpenMetricsText1.0.0',
  'PrometheusProto',
  'PrometheusText0.0.4',
  'PrometheusText1.0.0',
];
export const DEFAULT_SCRAPE_PROTOCOLS: ScrapeProtocol[] = [
  'OpenMetricsText1.0.0',
  'OpenMetricsText0.0.1',
  'PrometheusText1.0.0',
  'PrometheusText0.0.4',
];
export const DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS: ScrapeProtocol[] = ['PrometheusProto', ...DEFAULT_SCRAPE_PROTOCOLS];

const RELABEL_ACTIONS = [
  'replace',
  'keep',
  'drop',
  'keepequal',
  'dropequal',
  'hashmod',
  'labelmap',
  'labeldrop',
  'labelkeep',
  'lowercase',
  'uppercase',
];
const ESCAPING_SCHEMES = ['allow-utf-8', 'underscores', 'dots', 'values'];
const RESERVED_HEADERS = new Set([
  'host',
  'content-encoding',
  'content-length',
  'content-type',
  'user-agent',
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'www-authenticate',
  'accept-encoding',
  'x-prometheus-remote-write-version',
  'x-prometheus-remote-read-version',
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-content-sha256',
]);
const PAT_RULE_PATH = /^[^*]*(\*[^/]*)?$/;
const PAT_FILE_SD_NAME = /^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$/;

const ms = (d: string | undefined): number => {
  if (d === undefined) return 0;
  try {
    return parseDuration(d);
  } catch {
    return 0;
  }
};
const nonEmpty = (s: unknown): boolean => typeof s === 'string' && s.length > 0;

/** Replaces null list items with empty placeholders, reporting the schema's `nullItem` message. */
export function reportNullItems(
  schema0: TSchema,
  data: unknown,
  ptr: string,
  r: Reporter,
  placeholders: WeakSet<object>,
) {
  const schema = deref(schema0);
  if (!schema || data === null || typeof data !== 'object') return;
  if (Array.isArray(data)) {
    if (schema.type !== 'array') return;
    const item = schema.items as TSchema;
    data.forEach((v, i) => {
      if (v === null && typeof schema.nullItem === 'string') {
        r.error(`${ptr}/${i}`, schema.nullItem, 'remove the empty "-" entry, or give it content');
        const ph = {};
        placeholders.add(ph);
        data[i] = ph;
      } else reportNullItems(item, v, `${ptr}/${i}`, r, placeholders);
    });
    return;
  }
  if (schema.type !== 'object') return;
  const props = (schema.properties ?? {}) as Record<string, TSchema>;
  for (const [k, v] of Object.entries(data as Obj)) {
    const sub = props[k] ?? (schema.patternProperties ? Object.values(schema.patternProperties as Obj)[0] : undefined);
    if (sub) reportNullItems(sub as TSchema, v, `${ptr}/${esc(k)}`, r, placeholders);
  }
}

const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

export function isValidLabelName(name: string, scheme: NameValidationScheme): boolean {
  return scheme === 'legacy' ? isLegacyLabelName(name) : isValidUtf8Name(name);
}

/** Go's os.Expand over external label values ($VAR, ${VAR}; $$ is a literal $; unset → ""). */
export function expandEnv(s: string, env: Record<string, string | undefined>): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c !== '$' || i + 1 >= s.length) {
      out += c;
      i++;
      continue;
    }
    const n = s[i + 1]!;
    let name = '';
    let w = 0;
    if (n === '{') {
      if (s.length > i + 2 && '*#$@!?-0123456789'.includes(s[i + 2]!) && s[i + 3] === '}') {
        name = s[i + 2]!;
        w = 3;
      } else {
        const close = s.indexOf('}', i + 2);
        if (close < 0 || close === i + 2) {
          // bad syntax: Go eats "${"
          w = close === i + 2 ? 2 : 1;
          name = '';
        } else {
          name = s.slice(i + 2, close);
          w = close - i;
        }
      }
    } else if ('*#$@!?-0123456789'.includes(n)) {
      name = n;
      w = 1;
    } else {
      let j = i + 1;
      while (j < s.length && /[A-Za-z0-9_]/.test(s[j]!)) j++;
      name = s.slice(i + 1, j);
      w = j - i - 1;
    }
    if (name === '' && w > 0) {
      // invalid syntax: eat the characters
    } else if (name === '') {
      out += '$';
    } else {
      out += name === '$' ? '$' : (env[name] ?? '');
    }
    i += w + 1;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

export interface ValidateOptions {
  agentMode?: boolean;
  env?: Record<string, string | undefined>;
}

/** Validates the whole document and resolves it into a Config (in place). */
export function validateConfig(doc: Obj, r: Reporter, opts: ValidateOptions = {}): Config {
  const global = resolveGlobal((doc.global as Obj | undefined) ?? {}, '/global', r, opts.env ?? process.env);
  doc.global = global;
  doc.runtime ??= {};

  for (const [key, what] of [
    ['rule_files', 'rule file'],
    ['scrape_config_files', 'scrape config file'],
  ] as const) {
    const list = (doc[key] as string[] | undefined) ?? [];
    list.forEach((f, i) => {
      if (!PAT_RULE_PATH.test(f))
        r.error(
          `/${key}/${i}`,
          `invalid ${what} path ${JSON.stringify(f)}`,
          'a "*" is allowed only in the last path element, e.g. rules/*.yml',
        );
    });
    doc[key] = list;
  }

  const scrapeConfigs = (doc.scrape_configs as Obj[] | undefined) ?? [];
  doc.scrape_configs = scrapeConfigs;
  validateScrapeConfigs(scrapeConfigs, '/scrape_configs', global, r, new Map());

  const alerting = ((doc.alerting as Obj | undefined) ?? {}) as Obj;
  doc.alerting = alerting;
  alerting.alert_relabel_configs ??= [];
  (alerting.alert_relabel_configs as Obj[]).forEach((rc, i) =>
    validateRelabel(rc, `/alerting/alert_relabel_configs/${i}`, global.metric_name_validation_scheme, r),
  );
  alerting.alertmanagers ??= [];
  (alerting.alertmanagers as Obj[]).forEach((am, i) =>
    validateAlertmanager(am, `/alerting/alertmanagers/${i}`, global.metric_name_validation_scheme, r),
  );

  for (const [key, kind] of [
    ['remote_write', 'write'],
    ['remote_read', 'read'],
  ] as const) {
    const list = ((doc[key] as Obj[] | undefined) ?? []) as Obj[];
    doc[key] = list;
    const names = new Set<string>();
    list.forEach((c, i) => {
      const ptr = `/${key}/${i}`;
      const name = (c.name as string | undefined) ?? '';
      if (name !== '' && names.has(name))
        r.error(
          `${ptr}/name`,
          `found multiple remote ${kind} configs with job name ${JSON.stringify(name)}`,
          'give each one a unique name',
        );
      names.add(name);
      if (c.url === undefined)
        r.error(ptr, `url for ${key} is empty`, 'add url: http://host:port/api/v1/write (or /read)');
      validateHeaders(c.headers as Obj | undefined, `${ptr}/headers`, r);
      validateHTTPClient(c, ptr, r);
      if (kind === 'write') {
        const pm = c.protobuf_message as string;
        if (pm !== 'prometheus.WriteRequest' && pm !== 'io.prometheus.write.v2.Request')
          r.error(
            `${ptr}/protobuf_message`,
            `invalid protobuf_message value: unknown type for remote write protobuf message ${pm}, supported: prometheus.WriteRequest, io.prometheus.write.v2.Request`,
          );
        const auths = ['basic_auth', 'authorization', 'oauth2', 'sigv4', 'azuread', 'google_iam'].filter(
          (k) => c[k] !== undefined,
        );
        if (auths.length > 1)
          r.error(
            ptr,
            `at most one of basic_auth, authorization, oauth2, sigv4, azuread or google_iam must be configured. Currently configured: [${auths.join(' ')}]`,
          );
        c.write_relabel_configs ??= [];
        (c.write_relabel_configs as Obj[]).forEach((rc, j) =>
          validateRelabel(rc, `${ptr}/write_relabel_configs/${j}`, global.metric_name_validation_scheme, r),
        );
      } else {
        c.required_matchers ??= {};
      }
    });
  }

  if (opts.agentMode) {
    if (alerting.alertmanagers && (alerting.alertmanagers as unknown[]).length > 0)
      r.error('/alerting', 'field alerting is not allowed in agent mode');
    else if ((alerting.alert_relabel_configs as unknown[]).length > 0)
      r.error('/alerting', 'field alerting is not allowed in agent mode');
    if ((doc.rule_files as unknown[]).length > 0)
      r.error('/rule_files', 'field rule_files is not allowed in agent mode');
    if ((doc.remote_read as unknown[]).length > 0)
      r.error('/remote_read', 'field remote_read is not allowed in agent mode');
  }

  if (doc.tracing !== undefined) validateTracing(doc.tracing as Obj, '/tracing', r);
  doc.storage ??= {};
  const storage = doc.storage as Obj;
  storage.exemplars ??= { max_exemplars: 100000 };

  const otlp = (doc.otlp as Obj | undefined) ?? { translation_strategy: 'UnderscoreEscapingWithSuffixes' };
  doc.otlp = otlp;
  validateOTLP(otlp, '/otlp', global, r);
  return doc as unknown as Config;
}

function resolveGlobal(g: Obj, ptr: string, r: Reporter, env: Record<string, string | undefined>): GlobalConfig {
  const scheme = g.metric_name_validation_scheme as string | undefined;
  if (scheme === undefined || scheme === '') g.metric_name_validation_scheme = 'utf8';
  else if (scheme !== 'utf8' && scheme !== 'legacy') {
    r.error(
      `${ptr}/metric_name_validation_scheme`,
      `unrecognized ValidationScheme: ${JSON.stringify(scheme)}`,
      'valid values: utf8, legacy',
    );
    g.metric_name_validation_scheme = 'utf8';
  }
  const vs = g.metric_name_validation_scheme as NameValidationScheme;
  const labels = (g.external_labels as Record<string, string> | undefined) ?? {};
  const expanded: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) {
    if (!isValidLabelName(k, vs))
      r.error(
        `${ptr}/external_labels/${esc(k)}`,
        `${goQuoteBytes(k)} is not a valid label name`,
        labelNameHint(vs),
        true,
      );
    else if (!isValidUtf8Name(v) && v !== '')
      r.error(`${ptr}/external_labels/${esc(k)}`, `${goQuoteBytes(v)} is not a valid label value`);
    expanded[k] = expandEnv(v, env);
  }
  g.external_labels = expanded;

  if (!g.scrape_interval || ms(g.scrape_interval as string) === 0) g.scrape_interval = '1m';
  const interval = ms(g.scrape_interval as string);
  if (g.scrape_timeout !== undefined && ms(g.scrape_timeout as string) > interval)
    r.error(
      `${ptr}/scrape_timeout`,
      'global scrape timeout greater than scrape interval',
      `scrape_timeout must be at most scrape_interval (${g.scrape_interval as string})`,
    );
  if (g.scrape_timeout === undefined || ms(g.scrape_timeout as string) === 0)
    g.scrape_timeout = interval < 10_000 ? (g.scrape_interval as string) : '10s';
  if (!g.evaluation_interval || ms(g.evaluation_interval as string) === 0) g.evaluation_interval = '1m';
  g.rule_query_offset ??= '0s';
  g.scrape_native_histograms ??= false;
  g.convert_classic_histograms_to_nhcb ??= false;
  g.always_scrape_classic_histograms ??= false;
  g.extra_scrape_metrics ??= false;
  if (g.scrape_protocols !== undefined) {
    const err = scrapeProtocolsError(g.scrape_protocols as string[]);
    if (err) r.error(`${ptr}/scrape_protocols`, `${err} for global config`, protocolsHint());
  }
  const esc2 = g.metric_name_escaping_scheme as string | undefined;
  if (esc2 !== undefined && esc2 !== '' && !ESCAPING_SCHEMES.includes(esc2))
    r.error(
      `${ptr}/metric_name_escaping_scheme`,
      `unknown global name escaping method specified, must be one of 'allow-utf-8', 'underscores', 'dots', or 'values', got ${JSON.stringify(esc2)}`,
    );
  return g as unknown as GlobalConfig;
}

function labelNameHint(vs: NameValidationScheme): string {
  return vs === 'legacy'
    ? 'with metric_name_validation_scheme: legacy, label names match [a-zA-Z_][a-zA-Z0-9_]*'
    : 'label names must be non-empty UTF-8 text';
}
function protocolsHint(): string {
  return `supported protocols: ${SCRAPE_PROTOCOLS.join(', ')}`;
}

function scrapeProtocolsError(list: string[]): string | null {
  if (list.length === 0) return 'scrape_protocols cannot be empty';
  const seen = new Set<string>();
  for (const p of list) {
    if (seen.has(p.toLowerCase())) return `duplicated protocol in scrape_protocols, got [${list.join(' ')}]`;
    if (!SCRAPE_PROTOCOLS.includes(p as ScrapeProtocol))
      return `scrape_protocols: unknown scrape protocol ${p}, supported: [${SCRAPE_PROTOCOLS.join(' ')}]`;
    seen.add(p.toLowerCase());
  }
  return null;
}

/**
 * Validates scrape configs against the global config and fills in what they inherit.
 * `jobNames` maps job names already seen to where ("main config file", a file path).
 */
export function validateScrapeConfigs(
  list: Obj[],
  ptr: string,
  global: GlobalConfig,
  r: Reporter,
  jobNames: Map<string, string>,
  fileLabel = 'main config file',
): void {
  list.forEach((sc, i) => {
    const p = `${ptr}/${i}`;
    validateScrapeConfig(sc, p, global, r);
    const name = sc.job_name as string;
    if (name) {
      const first = jobNames.get(name);
      if (first !== undefined) {
        const suffix =
          fileLabel === 'main config file' && first === 'main config file' ? '' : `, first found in ${first}`;
        r.error(
          `${p}/job_name`,
          `found multiple scrape configs with job name ${JSON.stringify(name)}${suffix}`,
          'job names must be unique: rename one, or merge their targets into one job',
        );
      } else jobNames.set(name, fileLabel);
    }
  });
}

function validateScrapeConfig(c: Obj, ptr: string, g: GlobalConfig, r: Reporter): void {
  const job = (c.job_name as string | undefined) ?? '';
  if (job === '') r.error(ptr, 'job_name is empty', 'every scrape config needs a job_name, e.g. job_name: node');
  c.job_name = job;
  validateHTTPClient(c, ptr, r);
  validateSDConfigs(c, ptr, r);
  c.relabel_configs ??= [];
  c.metric_relabel_configs ??= [];
  if ((c.relabel_configs as unknown[]).length === 0) checkStaticTargets(c, ptr, r);

  // inheritance from global (Prometheus' ScrapeConfig.Validate)
  if (!c.scrape_interval || ms(c.scrape_interval as string) === 0) c.scrape_interval = g.scrape_interval;
  const interval = ms(c.scrape_interval as string);
  if (c.scrape_timeout !== undefined && ms(c.scrape_timeout as string) > interval) {
    r.error(
      `${ptr}/scrape_timeout`,
      `scrape timeout greater than scrape interval for scrape config with job name ${JSON.stringify(job)}`,
      `scrape_timeout (${c.scrape_timeout as string}) must be at most scrape_interval (${c.scrape_interval as string}${c.scrape_interval === g.scrape_interval ? ', from global' : ''})`,
    );
  }
  if (c.scrape_timeout === undefined || ms(c.scrape_timeout as string) === 0)
    c.scrape_timeout = ms(g.scrape_timeout) <= interval ? g.scrape_timeout : c.scrape_interval;
  if (c.body_size_limit === undefined || c.body_size_limit === '0') {
    if (g.body_size_limit !== undefined) c.body_size_limit = g.body_size_limit;
  }
  for (const k of [
    'sample_limit',
    'target_limit',
    'label_limit',
    'label_name_length_limit',
    'label_value_length_limit',
    'keep_dropped_targets',
  ] as const) {
    if (!c[k]) c[k] = (g[k] as number | undefined) ?? 0;
  }
  if (!c.scrape_failure_log_file && g.scrape_failure_log_file) c.scrape_failure_log_file = g.scrape_failure_log_file;
  c.scrape_native_histograms ??= g.scrape_native_histograms;
  c.extra_scrape_metrics ??= g.extra_scrape_metrics;
  if (c.scrape_protocols === undefined) {
    c.scrape_protocols =
      g.scrape_protocols !== undefined
        ? [...g.scrape_protocols]
        : c.scrape_native_histograms
          ? [...DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS]
          : [...DEFAULT_SCRAPE_PROTOCOLS];
  } else {
    const err = scrapeProtocolsError(c.scrape_protocols as string[]);
    if (err)
      r.error(
        `${ptr}/scrape_protocols`,
        `${err} for scrape config with job name ${JSON.stringify(job)}`,
        protocolsHint(),
      );
  }
  const fb = c.fallback_scrape_protocol as string | undefined;
  if (fb !== undefined && fb !== '' && !SCRAPE_PROTOCOLS.includes(fb as ScrapeProtocol))
    r.error(
      `${ptr}/fallback_scrape_protocol`,
      `invalid fallback_scrape_protocol for scrape config with job name ${JSON.stringify(job)}: unknown scrape protocol ${fb}, supported: [${SCRAPE_PROTOCOLS.join(' ')}]`,
      protocolsHint(),
    );

  const gScheme = g.metric_name_validation_scheme;
  let localUnset = false;
  const vs = c.metric_name_validation_scheme as string | undefined;
  if (vs === undefined || vs === '') {
    localUnset = true;
    c.metric_name_validation_scheme = gScheme;
  } else if (vs !== 'legacy' && vs !== 'utf8') {
    r.error(
      `${ptr}/metric_name_validation_scheme`,
      `unknown scrape config name validation method specified, must be either '', 'legacy' or 'utf8', got ${vs}`,
    );
    c.metric_name_validation_scheme = gScheme;
  }
  let gEsc = g.metric_name_escaping_scheme ?? '';
  if (gEsc === '') gEsc = gScheme === 'legacy' ? 'underscores' : 'allow-utf-8';
  if (!c.metric_name_escaping_scheme) {
    c.metric_name_escaping_scheme = localUnset
      ? gEsc
      : c.metric_name_validation_scheme === 'legacy'
        ? 'underscores'
        : 'allow-utf-8';
  }
  const es = c.metric_name_escaping_scheme as string;
  if (es === 'allow-utf-8') {
    if (c.metric_name_validation_scheme !== 'utf8')
      r.error(
        `${ptr}/metric_name_escaping_scheme`,
        'utf8 metric names requested but validation scheme is not set to UTF8',
        'use metric_name_escaping_scheme underscores, dots or values with legacy validation',
      );
  } else if (!ESCAPING_SCHEMES.includes(es)) {
    r.error(
      `${ptr}/metric_name_escaping_scheme`,
      `unknown scrape config name escaping method specified, must be one of 'allow-utf-8', 'underscores', 'dots', or 'values', got ${JSON.stringify(es)}`,
    );
  }
  c.convert_classic_histograms_to_nhcb ??= g.convert_classic_histograms_to_nhcb;
  c.always_scrape_classic_histograms ??= g.always_scrape_classic_histograms;
  const scheme = c.metric_name_validation_scheme as NameValidationScheme;
  (c.relabel_configs as Obj[]).forEach((rc, i) => validateRelabel(rc, `${ptr}/relabel_configs/${i}`, scheme, r));
  (c.metric_relabel_configs as Obj[]).forEach((rc, i) =>
    validateRelabel(rc, `${ptr}/metric_relabel_configs/${i}`, scheme, r),
  );

  const sch = c.scheme as string;
  if (sch !== 'http' && sch !== 'https')
    r.warn(
      `${ptr}/scheme`,
      `scheme ${JSON.stringify(sch)} is neither http nor https: scrapes of this job will fail`,
      'use scheme: http or scheme: https',
    );
  const mp = c.metrics_path as string;
  if (mp !== '' && !mp.startsWith('/'))
    r.warn(`${ptr}/metrics_path`, `metrics_path ${JSON.stringify(mp)} does not start with "/"`, `did you mean /${mp}?`);
}

function checkStaticTargets(c: Obj, ptr: string, r: Reporter): void {
  const groups = (c.static_configs as Obj[] | undefined) ?? [];
  groups.forEach((tg, i) => {
    ((tg.targets as string[] | undefined) ?? []).forEach((t, j) => {
      if (t.includes('/'))
        r.error(
          `${ptr}/static_configs/${i}/targets/${j}`,
          `${JSON.stringify(t)} is not a valid hostname`,
          'a target is host:port, without scheme or path: set scheme: and metrics_path: on the job instead',
        );
    });
  });
}

/** Validates one target group (static_configs entry or file_sd element). */
export function validateTargetGroup(tg: Obj, ptr: string, r: Reporter): void {
  const labels = (tg.labels as Record<string, string> | undefined) ?? {};
  for (const [k, v] of Object.entries(labels)) {
    if (!isValidUtf8Name(k))
      r.error(`${ptr}/labels/${esc(k)}`, `${goQuoteBytes(k)} is not a valid label name`, undefined, true);
    else if (v !== '' && !isValidUtf8Name(v))
      r.error(`${ptr}/labels/${esc(k)}`, `${goQuoteBytes(v)} is not a valid label value`);
  }
  ((tg.targets as string[] | undefined) ?? []).forEach((t, j) => {
    if (t === '') r.warn(`${ptr}/targets/${j}`, 'empty target', 'a target is host:port');
  });
}

export function validateRelabel(c: Obj, ptr: string, scheme: NameValidationScheme, r: Reporter): void {
  const rawAction = (c.action as string | undefined) ?? 'replace';
  const action = rawAction.toLowerCase();
  if (rawAction === '') {
    r.error(`${ptr}/action`, 'relabel action cannot be empty', `valid actions: ${RELABEL_ACTIONS.join(', ')}`);
    return;
  }
  if (!RELABEL_ACTIONS.includes(action)) {
    const close = RELABEL_ACTIONS.find((a) => a.startsWith(action.slice(0, 4)));
    r.error(
      `${ptr}/action`,
      `unknown relabel action ${JSON.stringify(rawAction)}`,
      close
        ? `did you mean ${close}? valid actions: ${RELABEL_ACTIONS.join(', ')}`
        : `valid actions: ${RELABEL_ACTIONS.join(', ')}`,
    );
    return;
  }
  c.action = action;
  const regex = c.regex as string;
  const re = Regex.validate(regex);
  if (re)
    r.error(
      `${ptr}/regex`,
      `error parsing regexp: ${re.message.replace(/^error parsing regexp: /, '')}`,
      'regexes use Go RE2 syntax: no look-arounds (?=, ?!) and no back-references (\\1)',
    );
  for (const [j, l] of ((c.source_labels as string[] | undefined) ?? []).entries()) {
    if (!isValidLabelName(l, 'utf8'))
      r.error(`${ptr}/source_labels/${j}`, `${goQuoteBytes(l)} is not a valid label name`);
  }
  const target = (c.target_label as string | undefined) ?? '';
  const modulus = (c.modulus as number | undefined) ?? 0;
  if (modulus === 0 && action === 'hashmod') {
    r.error(
      ptr,
      'relabel configuration for hashmod requires non-zero modulus',
      'add modulus: N (the number of buckets)',
    );
    return;
  }
  if (['replace', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal'].includes(action) && target === '') {
    r.error(
      ptr,
      `relabel configuration for ${action} action requires 'target_label' value`,
      'add target_label: <label name>',
    );
    return;
  }
  const templ = /\$(?:\{\w+\}|\w+)/;
  if (action === 'replace' && !templ.test(target) && !isValidLabelName(target, scheme)) {
    r.error(
      `${ptr}/target_label`,
      `${goQuoteBytes(target)} is invalid 'target_label' for ${action} action`,
      labelNameHint(scheme),
    );
    return;
  }
  if (
    action === 'replace' &&
    templ.test(target) &&
    scheme === 'legacy' &&
    !/^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/.test(target)
  ) {
    r.error(
      `${ptr}/target_label`,
      `${goQuoteBytes(target)} is invalid 'target_label' for ${action} action`,
      labelNameHint(scheme),
    );
    return;
  }
  if (['lowercase', 'uppercase', 'keepequal', 'dropequal'].includes(action) && !isValidLabelName(target, scheme)) {
    r.error(
      `${ptr}/target_label`,
      `${goQuoteBytes(target)} is invalid 'target_label' for ${action} action`,
      labelNameHint(scheme),
    );
    return;
  }
  if (['lowercase', 'uppercase', 'keepequal', 'dropequal'].includes(action) && c.replacement !== '$1') {
    r.error(`${ptr}/replacement`, `'replacement' can not be set for ${action} action`, 'remove replacement:');
    return;
  }
  if (action === 'labelmap') {
    const rep = c.replacement as string;
    const ok = templ.test(rep)
      ? scheme !== 'legacy' || /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/.test(rep)
      : isValidLabelName(rep, scheme);
    if (!ok) {
      r.error(
        `${ptr}/replacement`,
        `${goQuoteBytes(rep)} is invalid 'replacement' for ${action} action`,
        labelNameHint(scheme),
      );
      return;
    }
  }
  if (action === 'hashmod' && !isValidLabelName(target, scheme)) {
    r.error(
      `${ptr}/target_label`,
      `${goQuoteBytes(target)} is invalid 'target_label' for ${action} action`,
      labelNameHint(scheme),
    );
    return;
  }
  if (action === 'dropequal' || action === 'keepequal') {
    if (c.regex !== '(.*)' || modulus !== 0 || c.separator !== ';' || c.replacement !== '$1') {
      r.error(ptr, `${action} action requires only 'source_labels' and \`target_label\`, and no other fields`);
      return;
    }
  }
  if (action === 'labeldrop' || action === 'labelkeep') {
    if (
      c.source_labels !== undefined ||
      target !== '' ||
      modulus !== 0 ||
      c.separator !== ';' ||
      c.replacement !== '$1'
    ) {
      r.error(ptr, `${action} action requires only 'regex', and no other fields`);
      return;
    }
  }
  c.modulus = modulus;
  c.target_label = target;
}

function validateHeaders(h: Obj | undefined, ptr: string, r: Reporter, tracing = false): void {
  for (const name of Object.keys(h ?? {})) {
    const lower = name.toLowerCase();
    if (lower === 'authorization') {
      r.error(
        `${ptr}/${esc(name)}`,
        tracing
          ? 'custom authorization header configuration is not yet supported'
          : 'authorization header must be changed via the basic_auth, authorization, oauth2, sigv4, azuread or google_iam parameter',
        undefined,
        true,
      );
    } else if (RESERVED_HEADERS.has(lower)) {
      r.error(`${ptr}/${esc(name)}`, `${name} is a reserved header. It must not be changed`, undefined, true);
    }
  }
}

/** prometheus/common HTTPClientConfig.Validate (+ TLS and proxy), including bearer_token → authorization. */
export function validateHTTPClient(c: Obj, ptr: string, r: Reporter): void {
  const bt = nonEmpty(c.bearer_token);
  const btf = nonEmpty(c.bearer_token_file);
  if (bt && btf) r.error(ptr, 'at most one of bearer_token & bearer_token_file must be configured');
  else if ((c.basic_auth !== undefined || c.oauth2 !== undefined) && (bt || btf))
    r.error(ptr, 'at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured');
  const ba = c.basic_auth as Obj | undefined;
  if (ba) {
    if ([ba.username, ba.username_file, ba.username_ref].filter(nonEmpty).length > 1)
      r.error(
        `${ptr}/basic_auth`,
        'at most one of basic_auth username, username_file & username_ref must be configured',
      );
    if ([ba.password, ba.password_file, ba.password_ref].filter(nonEmpty).length > 1)
      r.error(
        `${ptr}/basic_auth`,
        'at most one of basic_auth password, password_file & password_ref must be configured',
      );
  }
  const auth = c.authorization as Obj | undefined;
  if (auth) {
    if (bt || btf) r.error(ptr, 'authorization is not compatible with bearer_token & bearer_token_file');
    if ([auth.credentials, auth.credentials_file, auth.credentials_ref].filter(nonEmpty).length > 1)
      r.error(`${ptr}/authorization`, 'at most one of authorization credentials & credentials_file must be configured');
    const t = ((auth.type as string | undefined) ?? '').trim();
    auth.type = t === '' ? 'Bearer' : t;
    if (t.toLowerCase() === 'basic')
      r.error(`${ptr}/authorization/type`, 'authorization type cannot be set to "basic", use "basic_auth" instead');
    if (ba || c.oauth2 !== undefined)
      r.error(ptr, 'at most one of basic_auth, oauth2 & authorization must be configured');
  } else if (!(bt && btf) && !((ba || c.oauth2 !== undefined) && (bt || btf))) {
    if (bt) {
      c.authorization = { type: 'Bearer', credentials: c.bearer_token };
      delete c.bearer_token;
    } else if (btf) {
      c.authorization = { type: 'Bearer', credentials_file: c.bearer_token_file };
      delete c.bearer_token_file;
    }
  }
  const o = c.oauth2 as Obj | undefined;
  if (o) {
    if (ba) r.error(ptr, 'at most one of basic_auth, oauth2 & authorization must be configured');
    if (!nonEmpty(o.client_id)) r.error(`${ptr}/oauth2`, 'oauth2 client_id must be configured');
    const grant = (o.grant_type as string | undefined) ?? '';
    if (grant !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      if (!nonEmpty(o.client_secret) && !nonEmpty(o.client_secret_file) && !nonEmpty(o.client_secret_ref))
        r.error(`${ptr}/oauth2`, 'either oauth2 client_secret or client_secret_file must be configured');
    }
    if (!nonEmpty(o.token_url)) r.error(`${ptr}/oauth2`, 'oauth2 token_url must be configured');
    if ([o.client_secret, o.client_secret_file, o.client_secret_ref].filter(nonEmpty).length > 1)
      r.error(
        `${ptr}/oauth2`,
        'at most one of oauth2 client_secret, client_secret_file & client_secret_ref must be configured',
      );
    validateProxy(o, `${ptr}/oauth2`, r);
    if (o.tls_config) validateTLS(o.tls_config as Obj, `${ptr}/oauth2/tls_config`, r);
  }
  validateProxy(c, ptr, r);
  if (c.tls_config) validateTLS(c.tls_config as Obj, `${ptr}/tls_config`, r);
  const headers = c.http_headers as Record<string, Obj> | undefined;
  for (const name of Object.keys(headers ?? {})) {
    const lower = name.toLowerCase();
    if (
      [
        'authorization',
        'user-agent',
        'content-type',
        'content-length',
        'accept-encoding',
        'host',
        'connection',
      ].includes(lower) ||
      lower.startsWith('x-prometheus-')
    )
      r.error(
        `${ptr}/http_headers/${esc(name)}`,
        `setting header ${JSON.stringify(name)} is not allowed`,
        undefined,
        true,
      );
  }
}

function validateProxy(c: Obj, ptr: string, r: Reporter): void {
  const proxyURL = nonEmpty(c.proxy_url);
  if (
    c.proxy_connect_header &&
    Object.keys(c.proxy_connect_header as Obj).length > 0 &&
    !c.proxy_from_environment &&
    !proxyURL
  )
    r.error(ptr, 'if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured');
  if (c.proxy_from_environment && proxyURL)
    r.error(ptr, 'if proxy_from_environment is configured, proxy_url must not be configured');
  if (c.proxy_from_environment && nonEmpty(c.no_proxy))
    r.error(ptr, 'if proxy_from_environment is configured, no_proxy must not be configured');
  if (!proxyURL && nonEmpty(c.no_proxy)) r.error(ptr, 'if no_proxy is configured, proxy_url must also be configured');
}

function validateTLS(t: Obj, ptr: string, r: Reporter): void {
  const count = (...ks: string[]) => ks.filter((k) => nonEmpty(t[k])).length;
  if (count('ca', 'ca_file', 'ca_ref') > 1) r.error(ptr, 'at most one of ca, ca_file & ca_ref must be configured');
  if (count('cert', 'cert_file', 'cert_ref') > 1)
    r.error(ptr, 'at most one of cert, cert_file & cert_ref must be configured');
  if (count('key', 'key_file', 'key_ref') > 1)
    r.error(ptr, 'at most one of key, key_file & key_ref must be configured');
  const cert = count('cert', 'cert_file', 'cert_ref') > 0;
  const key = count('key', 'key_file', 'key_ref') > 0;
  if (cert && !key)
    r.error(ptr, 'exactly one of key or key_file must be configured when a client certificate is configured');
  if (key && !cert) r.error(ptr, 'exactly one of cert or cert_file must be configured when a client key is configured');
  const order = ['TLS10', 'TLS11', 'TLS12', 'TLS13'];
  if (t.min_version && t.max_version && order.indexOf(t.min_version as string) > order.indexOf(t.max_version as string))
    r.error(
      ptr,
      `tls_config.max_version must be greater than or equal to tls_config.min_version if both are specified`,
    );
}

function validateAlertmanager(c: Obj, ptr: string, scheme: NameValidationScheme, r: Reporter): void {
  const v = c.api_version as string;
  if (v !== 'v2')
    r.error(
      `${ptr}/api_version`,
      `expected Alertmanager api version to be one of [v2] but got ${v}`,
      'remove api_version (v2 is the default)',
    );
  validateHTTPClient(c, ptr, r);
  if ((c.basic_auth || c.authorization || c.oauth2) && c.sigv4)
    r.error(ptr, 'at most one of basic_auth, authorization, oauth2, & sigv4 must be configured');
  validateSDConfigs(c, ptr, r);
  c.relabel_configs ??= [];
  c.alert_relabel_configs ??= [];
  if ((c.relabel_configs as unknown[]).length === 0) checkStaticTargets(c, ptr, r);
  (c.alert_relabel_configs as Obj[]).forEach((rc, i) =>
    validateRelabel(rc, `${ptr}/alert_relabel_configs/${i}`, scheme, r),
  );
  (c.relabel_configs as Obj[]).forEach((rc, i) => validateRelabel(rc, `${ptr}/relabel_configs/${i}`, scheme, r));
  void (c as unknown as AlertmanagerConfig);
}

function validateTracing(t: Obj, ptr: string, r: Reporter): void {
  const ct = t.client_type as string;
  if (ct !== 'http' && ct !== 'grpc')
    r.error(`${ptr}/client_type`, `expected tracing client type to be to be http or grpc, but got ${ct}`);
  validateHeaders(t.headers as Obj | undefined, `${ptr}/headers`, r, true);
  if (!nonEmpty(t.endpoint))
    r.error(ptr, 'tracing endpoint must be set', 'add endpoint: host:port of an OTLP collector');
  const comp = t.compression as string | undefined;
  if (comp !== undefined && comp !== '' && comp !== 'gzip')
    r.error(`${ptr}/compression`, `invalid compression type ${comp} provided, valid options: gzip`);
  if (t.tls_config) validateTLS(t.tls_config as Obj, `${ptr}/tls_config`, r);
}

function validateOTLP(o: Obj, ptr: string, g: GlobalConfig, r: Reporter): void {
  const sanitize = (key: string, adjective: string): string[] => {
    const list = (o[key] as string[] | undefined) ?? [];
    const seen = new Set<string>();
    const errs: string[] = [];
    list.forEach((a, i) => {
      const t = a.trim();
      if (t === '') return void errs.push(`empty ${adjective} OTel resource attribute`);
      if (seen.has(t)) return void errs.push(`duplicated ${adjective} OTel resource attribute ${JSON.stringify(t)}`);
      seen.add(t);
      list[i] = t;
    });
    return errs;
  };
  if (o.promote_all_resource_attributes) {
    if (((o.promote_resource_attributes as unknown[] | undefined) ?? []).length > 0)
      r.error(
        ptr,
        "'promote_all_resource_attributes' and 'promote_resource_attributes' cannot be configured simultaneously",
      );
    const errs = sanitize('ignore_resource_attributes', 'ignored');
    if (errs.length)
      r.error(`${ptr}/ignore_resource_attributes`, `invalid 'ignore_resource_attributes': ${errs.join('\n')}`);
  } else {
    if (((o.ignore_resource_attributes as unknown[] | undefined) ?? []).length > 0)
      r.error(
        `${ptr}/ignore_resource_attributes`,
        "'ignore_resource_attributes' cannot be configured unless 'promote_all_resource_attributes' is true",
      );
    const errs = sanitize('promote_resource_attributes', 'promoted');
    if (errs.length)
      r.error(`${ptr}/promote_resource_attributes`, `invalid 'promote_resource_attributes': ${errs.join('\n')}`);
  }
  const ts = o.translation_strategy as string;
  if (ts === 'NoTranslation' || ts === 'NoUTF8EscapingWithSuffixes') {
    if (g.metric_name_validation_scheme === 'legacy')
      r.error(
        `${ptr}/translation_strategy`,
        `OTLP translation strategy ${JSON.stringify(ts)} is not allowed when UTF8 is disabled`,
      );
  } else if (ts !== 'UnderscoreEscapingWithSuffixes' && ts !== 'UnderscoreEscapingWithoutSuffixes' && ts !== '') {
    r.error(`${ptr}/translation_strategy`, `unsupported OTLP translation strategy ${JSON.stringify(ts)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Service discovery

function checkURL(
  raw: string | undefined,
  ptr: string,
  r: Reporter,
  opts: { missing: string; scheme?: boolean; host?: boolean },
): void {
  if (!raw) return void r.error(ptr, opts.missing);
  try {
    const u = parseGoURL(raw);
    if (opts.scheme && u.scheme !== 'http' && u.scheme !== 'https')
      return void r.error(ptr, "URL scheme must be 'http' or 'https'");
    if (opts.host && u.host === '') return void r.error(ptr, 'host is missing in URL');
  } catch (e) {
    r.error(ptr, (e as Error).message);
  }
}

const K8S_ROLES = ['pod', 'service', 'endpoints', 'endpointslice', 'node', 'ingress'];
const K8S_ALLOWED: Record<string, string[]> = {
  pod: ['pod'],
  service: ['service'],
  endpointslice: ['pod', 'service', 'endpointslice'],
  endpoints: ['pod', 'service', 'endpoints'],
  node: ['node'],
  ingress: ['ingress'],
};
const HTTP_KEYS = [
  'basic_auth',
  'authorization',
  'oauth2',
  'bearer_token',
  'bearer_token_file',
  'tls_config',
  'http_headers',
  'proxy_url',
  'no_proxy',
  'proxy_from_environment',
  'proxy_connect_header',
];
const customHTTP = (c: Obj) =>
  HTTP_KEYS.some((k) => c[k] !== undefined) || c.follow_redirects === false || c.enable_http2 === false;

function validateFieldSelector(sel: string): string | null {
  if (sel === '') return null;
  for (const term of sel.split(',')) {
    const t = term.trim();
    if (!/^[^=!]+(==|=|!=)[^=!]*$/.test(t)) return `invalid selector: '${sel}'; can't understand '${t}'`;
  }
  return null;
}
function validateLabelSelector(sel: string): string | null {
  if (sel === '') return null;
  // terms: key, !key, key=v, key==v, key!=v, key in (a,b), key notin (a,b)
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of sel) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  const key = '[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?';
  const val = '[-A-Za-z0-9_.]*';
  const re = new RegExp(
    `^\\s*(!?${key}|${key}\\s*(==|=|!=)\\s*${val}|${key}\\s+(in|notin)\\s*\\(\\s*${val}(\\s*,\\s*${val})*\\s*\\)|${key}\\s*(<|>)\\s*\\d+)\\s*$`,
  );
  for (const p of parts) if (!re.test(p)) return `unable to parse requirement: ${JSON.stringify(p.trim())}`;
  return null;
}

function validateSDConfigs(c: Obj, ptr: string, r: Reporter): void {
  for (const key of SD_CONFIG_KEYS) {
    const list = c[key] as Obj[] | undefined;
    if (!list) continue;
    list.forEach((sd, i) => validateSD(key, sd, `${ptr}/${key}/${i}`, r));
  }
}

function validateSD(key: string, c: Obj, ptr: string, r: Reporter): void {
  const err = (m: string, sub = '', hint?: string) => r.error(sub ? `${ptr}/${sub}` : ptr, m, hint);
  const http = () => validateHTTPClient(c, ptr, r);
  switch (key) {
    case 'static_configs':
      validateTargetGroup(c, ptr, r);
      return;
    case 'file_sd_configs': {
      const files = (c.files as string[] | undefined) ?? [];
      if (files.length === 0)
        err('file service discovery config must contain at least one path name', '', 'add files: [targets/*.yml]');
      files.forEach((f, i) => {
        if (!PAT_FILE_SD_NAME.test(f))
          err(
            `path name ${JSON.stringify(f)} is not valid for file discovery`,
            `files/${i}`,
            'file_sd files end in .json, .yml or .yaml; "*" only in the last path element',
          );
      });
      return;
    }
    case 'http_sd_configs':
      checkURL(c.url as string | undefined, `${ptr}${c.url ? '/url' : ''}`, r, {
        missing: 'URL is missing',
        scheme: true,
        host: true,
      });
      http();
      return;
    case 'dns_sd_configs': {
      if (((c.names as string[] | undefined) ?? []).length === 0)
        err('DNS-SD config must contain at least one SRV record name');
      const type = ((c.type as string | undefined) ?? 'SRV').toUpperCase();
      c.type = (c.type as string | undefined) ?? 'SRV';
      if (type === 'SRV') return;
      if (['A', 'AAAA', 'MX', 'NS'].includes(type)) {
        if (!c.port) err('a port is required in DNS-SD configs for all record types except SRV');
      } else err(`invalid DNS-SD records type ${c.type as string}`, 'type');
      return;
    }
    case 'kubernetes_sd_configs': {
      const role = (c.role as string | undefined) ?? '';
      if (role === '') err('role missing (one of: pod, service, endpoints, endpointslice, node, ingress)');
      else if (!K8S_ROLES.includes(role)) err(`unknown Kubernetes SD role ${JSON.stringify(role)}`, 'role');
      http();
      const api = c.api_server as string | undefined;
      const kube = c.kubeconfig_file as string | undefined;
      if (api && kube) err("cannot use 'kubeconfig_file' and 'api_server' simultaneously");
      if (kube && customHTTP(c)) err("cannot use a custom HTTP client configuration together with 'kubeconfig_file'");
      if (!api && customHTTP(c))
        err("to use custom HTTP client configuration please provide the 'api_server' URL explicitly");
      const own = (c.namespaces as Obj | undefined)?.own_namespace === true;
      if (api && own) err("cannot use 'api_server' and 'namespaces.own_namespace' simultaneously");
      if (kube && own) err("cannot use 'kubeconfig_file' and 'namespaces.own_namespace' simultaneously");
      const found = new Set<string>();
      ((c.selectors as Obj[] | undefined) ?? []).forEach((s, i) => {
        const sr = (s.role as string | undefined) ?? '';
        const sp = `selectors/${i}`;
        if (sr !== '' && !K8S_ROLES.includes(sr))
          return err(`unknown Kubernetes SD role ${JSON.stringify(sr)}`, `${sp}/role`);
        if (found.has(sr)) return err(`duplicated selector role: ${sr}`, sp);
        found.add(sr);
        const allowed = K8S_ALLOWED[role];
        if (!allowed)
          return err(
            `invalid role: ${JSON.stringify(role)}, expecting one of: pod, service, endpoints, endpointslice, node or ingress`,
            sp,
          );
        if (!allowed.includes(sr)) return err(`${role} role supports only ${allowed.join(', ')} selectors`, sp);
        const fe = validateFieldSelector((s.field as string | undefined) ?? '');
        if (fe) return err(fe, `${sp}/field`);
        const le = validateLabelSelector((s.label as string | undefined) ?? '');
        if (le) return err(le, `${sp}/label`);
      });
      return;
    }
    case 'consul_sd_configs':
      if (((c.server as string | undefined) ?? '').trim() === '')
        err('consul SD configuration requires a server address');
      if ((nonEmpty(c.username) || nonEmpty(c.password)) && c.basic_auth)
        err('at most one of consul SD configuration username and password and basic auth can be configured');
      if (nonEmpty(c.token) && (c.authorization || c.oauth2))
        err('at most one of consul SD token, authorization, or oauth2 can be configured');
      http();
      return;
    case 'ec2_sd_configs':
      if (!nonEmpty(c.region))
        err('EC2 SD configuration requires a region', '', 'add region: us-east-1 (or your region)');
      ((c.filters as Obj[] | undefined) ?? []).forEach((f, i) => {
        if (((f.values as unknown[] | undefined) ?? []).length === 0)
          err('EC2 SD configuration filter values cannot be empty', `filters/${i}`);
      });
      http();
      return;
    case 'lightsail_sd_configs':
      if (!nonEmpty(c.region)) err('Lightsail SD configuration requires a region');
      http();
      return;
    case 'azure_sd_configs': {
      const need = (k: string) => {
        if (!nonEmpty(c[k])) err(`azure SD configuration requires a ${k}`);
      };
      need('subscription_id');
      const m = c.authentication_method as string;
      if (m === 'OAuth') {
        need('tenant_id');
        need('client_id');
        need('client_secret');
      }
      if (m !== 'OAuth' && m !== 'ManagedIdentity' && m !== 'SDK')
        err(
          `unknown authentication_type ${JSON.stringify(m)}. Supported types are "OAuth", "ManagedIdentity" or "SDK"`,
          'authentication_method',
        );
      http();
      return;
    }
    case 'gce_sd_configs':
      if (!nonEmpty(c.project)) err('GCE SD configuration requires a project');
      if (!nonEmpty(c.zone)) err('GCE SD configuration requires a zone');
      return;
    case 'openstack_sd_configs': {
      const role = (c.role as string | undefined) ?? '';
      if (role !== '' && !['hypervisor', 'instance', 'loadbalancer'].includes(role))
        err(`unknown OpenStack SD role ${JSON.stringify(role)}`, 'role');
      const av = c.availability as string;
      if (!['public', 'internal', 'admin'].includes(av))
        err(`unknown availability ${av}, must be one of admin, internal or public`, 'availability');
      if (role === '') err('role missing (one of: instance, hypervisor, loadbalancer)');
      if (!nonEmpty(c.region)) err('openstack SD configuration requires a region');
      if (c.tls_config) validateTLS(c.tls_config as Obj, `${ptr}/tls_config`, r);
      return;
    }
    case 'docker_sd_configs':
      if (!nonEmpty(c.host)) err('host missing');
      else {
        try {
          parseGoURL(c.host as string);
        } catch (e) {
          err((e as Error).message, 'host');
        }
      }
      http();
      return;
    case 'dockerswarm_sd_configs': {
      if (!nonEmpty(c.host)) err('host missing');
      const role = (c.role as string | undefined) ?? '';
      if (role === '') err('role missing (one of: tasks, services, nodes)');
      else if (!['services', 'nodes', 'tasks'].includes(role))
        err(`invalid role ${role}, expected tasks, services, or nodes`, 'role');
      http();
      return;
    }
    case 'eureka_sd_configs': {
      const s = (c.server as string | undefined) ?? '';
      if (s === '') err('eureka_sd: empty or null eureka server');
      else {
        try {
          const u = parseGoURL(s);
          if (u.scheme === '' || u.host === '') err('eureka_sd: invalid eureka server URL', 'server');
        } catch (e) {
          err((e as Error).message, 'server');
        }
      }
      http();
      return;
    }
    case 'hetzner_sd_configs': {
      const role = (c.role as string | undefined) ?? '';
      if (role === '') err('role missing (one of: robot, hcloud)');
      else if (role !== 'robot' && role !== 'hcloud')
        err(`unknown role ${JSON.stringify(role)}`, 'role', 'valid roles: robot, hcloud');
      http();
      return;
    }
    case 'ionos_sd_configs':
      if (!nonEmpty(c.datacenter_id)) err("datacenter id can't be empty");
      http();
      return;
    case 'kuma_sd_configs': {
      const s = (c.server as string | undefined) ?? '';
      try {
        const u = parseGoURL(s);
        if (s === '' || u.scheme === '' || u.host === '')
          err('kuma SD server must not be empty and have a scheme', s ? 'server' : '');
      } catch (e) {
        err((e as Error).message, 'server');
      }
      http();
      return;
    }
    case 'marathon_sd_configs': {
      const at = nonEmpty(c.auth_token) || nonEmpty(c.auth_token_file);
      if (((c.servers as unknown[] | undefined) ?? []).length === 0)
        err('marathon_sd: must contain at least one Marathon server');
      if (nonEmpty(c.auth_token) && nonEmpty(c.auth_token_file))
        err('marathon_sd: at most one of auth_token & auth_token_file must be configured');
      if ((nonEmpty(c.bearer_token) || nonEmpty(c.bearer_token_file)) && at)
        err(
          'marathon_sd: at most one of bearer_token, bearer_token_file, auth_token & auth_token_file must be configured',
        );
      if (c.basic_auth && at)
        err('marathon_sd: at most one of basic_auth, auth_token & auth_token_file must be configured');
      if (at && c.authorization)
        err('marathon_sd: at most one of auth_token, auth_token_file & authorization must be configured');
      http();
      return;
    }
    case 'nerve_sd_configs':
    case 'serverset_sd_configs': {
      const kind = key === 'nerve_sd_configs' ? 'nerve' : 'serverset';
      if (((c.servers as unknown[] | undefined) ?? []).length === 0)
        err(`${kind} SD config must contain at least one Zookeeper server`);
      const paths = (c.paths as string[] | undefined) ?? [];
      if (paths.length === 0) err(`${kind} SD config must contain at least one path`);
      paths.forEach((p, i) => {
        if (!p.startsWith('/')) err(`${kind} SD config paths must begin with '/': ${p}`, `paths/${i}`);
      });
      return;
    }
    case 'nomad_sd_configs':
      if (((c.server as string | undefined) ?? '').trim() === '')
        err('nomad SD configuration requires a server address');
      http();
      return;
    case 'ovhcloud_sd_configs': {
      if (!nonEmpty(c.endpoint)) err('endpoint can not be empty');
      if (!nonEmpty(c.application_key)) err('application key can not be empty');
      if (!nonEmpty(c.application_secret)) err('application secret can not be empty');
      if (!nonEmpty(c.consumer_key)) err('consumer key can not be empty');
      const s = (c.service as string | undefined) ?? '';
      if (s !== 'dedicated_server' && s !== 'vps')
        err(`unknown service: ${s}`, c.service ? 'service' : '', 'valid services: vps, dedicated_server');
      return;
    }
    case 'puppetdb_sd_configs':
      checkURL(c.url as string | undefined, `${ptr}${c.url ? '/url' : ''}`, r, {
        missing: 'URL is missing',
        scheme: true,
        host: true,
      });
      if (!nonEmpty(c.query)) err('query missing');
      http();
      return;
    case 'scaleway_sd_configs': {
      const role = (c.role as string | undefined) ?? '';
      if (role === '') err('role missing (one of: instance, baremetal)');
      else if (role !== 'instance' && role !== 'baremetal')
        err(`unknown role ${JSON.stringify(role)}`, 'role', 'valid roles: instance, baremetal');
      if (!nonEmpty(c.project_id)) err('project_id is mandatory');
      if (!nonEmpty(c.secret_key) && !nonEmpty(c.secret_key_file))
        err('one of secret_key & secret_key_file must be configured');
      if (nonEmpty(c.secret_key) && nonEmpty(c.secret_key_file))
        err('at most one of secret_key & secret_key_file must be configured');
      if (!nonEmpty(c.access_key)) err('access_key is mandatory');
      http();
      return;
    }
    case 'stackit_sd_configs':
      if (nonEmpty(c.endpoint)) {
        try {
          parseGoURL(c.endpoint as string);
        } catch (e) {
          err(`invalid endpoint ${JSON.stringify(c.endpoint)}: ${(e as Error).message}`, 'endpoint');
        }
      }
      if (!nonEmpty(c.project)) err('project parameter must be set');
      http();
      return;
    case 'triton_sd_configs':
      if (c.role !== 'container' && c.role !== 'cn')
        err("triton SD configuration requires role to be 'container' or 'cn'", 'role');
      if (!nonEmpty(c.account)) err('triton SD configuration requires an account');
      if (!nonEmpty(c.dns_suffix)) err('triton SD configuration requires a dns_suffix');
      if (!nonEmpty(c.endpoint)) err('triton SD configuration requires an endpoint');
      if (ms(c.refresh_interval as string) <= 0)
        err('triton SD configuration requires RefreshInterval to be a positive integer');
      if (c.tls_config) validateTLS(c.tls_config as Obj, `${ptr}/tls_config`, r);
      return;
    case 'uyuni_sd_configs':
      if (!nonEmpty(c.server)) err('Uyuni SD configuration requires server host');
      if (!nonEmpty(c.username)) err('Uyuni SD configuration requires a username');
      if (!nonEmpty(c.password)) err('Uyuni SD configuration requires a password');
      http();
      return;
    case 'digitalocean_sd_configs':
    case 'linode_sd_configs':
    case 'vultr_sd_configs':
      http();
      return;
    default:
      return;
  }
}

export type { RelabelConfig, ScrapeConfig };
