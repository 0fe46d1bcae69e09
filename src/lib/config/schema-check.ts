/**
 * Validates a document against the JSON Schema with ajv (compiled once, lazily: only the commands
 * that read a config pay for it), fills in the schema's defaults, and turns ajv's errors into
 * problems worded like Prometheus' strict YAML decoder, positioned through the YAML index.
 */
import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, Options, ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { DurationError, parseDuration } from '../model/duration.js';
import type { ConfigProblem } from './problems.js';
import { parseSize } from './units.js';
import { deref, PRECOMPILED_FILE, schemas, type RootName } from './registry.js';
import { goURLError } from './urls.js';
import { escapePtr, nodePos, scalarSource, type YamlRead } from './yaml.js';

/**
 * Formats as regular expressions (not functions), so that ajv's standalone code can inline them.
 * They decide valid/invalid; the error text comes from parseDuration / parseSize.
 */
export const FORMATS: Record<string, RegExp> = {
  duration: /^(?!$)(?:0|(?:\d+y)?(?:\d+w)?(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?(?:\d+ms)?)$/,
  size: /^[-+]?(?:0|(?:(?:\d+(?:\.\d*)?|\.\d+)(?:B|KiB|MiB|GiB|TiB|PiB|EiB))+|(?:(?:\d+(?:\.\d*)?|\.\d+)(?:B|KB|MB|GB|TB|PB|EB))+)$/,
  // Checked in code (Go's url.Parse); the format only marks the fields.
  'prom-url': /^/,
};

let ajv: Ajv | undefined;
let precompiled: Partial<Record<RootName, ValidateFunction>> | null | undefined;
const compiled = new Map<RootName, ValidateFunction>();

/** An ajv instance with our formats and every shared schema (used at build time and in dev). */
export function newAjv(code?: { source: true }): Ajv {
  const require = createRequire(import.meta.url);
  const { Ajv: AjvClass } = require('ajv') as { Ajv: new (o: Options) => Ajv };
  const a = new AjvClass({
    allErrors: true,
    useDefaults: true,
    strict: false,
    verbose: true,
    validateFormats: true,
    inlineRefs: false,
    ...(code ? { code: { source: true } } : {}),
  });
  for (const [name, re] of Object.entries(FORMATS)) a.addFormat(name, re);
  for (const s of schemas().shared) a.addSchema(s);
  for (const s of Object.values(schemas().roots)) a.addSchema(s);
  return a;
}

function loadPrecompiled(): Partial<Record<RootName, ValidateFunction>> | null {
  if (precompiled === undefined) {
    try {
      precompiled = createRequire(import.meta.url)(`./${PRECOMPILED_FILE}`) as Record<RootName, ValidateFunction>;
    } catch {
      precompiled = null;
    }
  }
  return precompiled;
}

/**
 * The validator of a root schema: the build's precompiled standalone code when present (fast
 * start-up), else compiled now with ajv (development and tests).
 */
export function compile(name: RootName): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    v = loadPrecompiled()?.[name];
    if (!v) {
      ajv ??= newAjv();
      v = ajv.getSchema(schemas().roots[name].$id!)!;
    }
    compiled.set(name, v);
  }
  return v;
}

/** Splits a JSON pointer into keys. */
export function ptrSegments(ptr: string): string[] {
  if (ptr === '') return [];
  return ptr
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** `scrape_configs[0].scrape_timeout` from `/scrape_configs/0/scrape_timeout`. */
export function ptrToPath(ptr: string): string {
  let out = '';
  for (const s of ptrSegments(ptr)) {
    if (/^\d+$/.test(s)) out += `[${s}]`;
    else out += (out ? '.' : '') + (/^[\w-]+$/.test(s) ? s : JSON.stringify(s));
  }
  return out;
}

/** The subschema at a pointer (following properties, records and array items). */
export function schemaAt(root: TSchema, ptr: string): TSchema | undefined {
  let s: TSchema | undefined = deref(root);
  for (const seg of ptrSegments(ptr)) {
    s = deref(s);
    if (!s) return undefined;
    if (s.type === 'array') s = s.items as TSchema;
    else if (s.type === 'object') {
      const props = s.properties as Record<string, TSchema> | undefined;
      if (props && seg in props) s = props[seg];
      else if (s.patternProperties) s = Object.values(s.patternProperties as Record<string, TSchema>)[0];
      else return undefined;
    } else return undefined;
  }
  return deref(s);
}

function getAt(root: unknown, ptr: string): { parent: unknown; key: string | number } | null {
  const segs = ptrSegments(ptr);
  if (segs.length === 0) return null;
  let cur: unknown = root;
  for (const seg of segs.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object') return null;
    cur = (cur as Record<string, unknown>)[seg];
  }
  const last = segs[segs.length - 1]!;
  return { parent: cur, key: Array.isArray(cur) ? Number(last) : last };
}

/** Levenshtein distance, for "did you mean …?". */
export function editDistance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const dist = editDistance(word.toLowerCase(), c.toLowerCase());
    if (dist < bestD) {
      bestD = dist;
      best = c;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return bestD <= limit ? best : undefined;
}

function goKind(s: TSchema | undefined): string {
  if (!s) return 'value';
  switch (s.type) {
    case 'integer':
      return typeof s.minimum === 'number' && s.minimum >= 0 ? 'uint' : 'int';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'string':
      return s.format === 'duration' ? 'model.Duration' : 'string';
    case 'array':
      return `[]${goKind(s.items as TSchema)}`;
    case 'object':
      return (s.goType as string | undefined) ?? (s.patternProperties ? 'map[string]string' : 'struct');
    default:
      return 'value';
  }
}

function kindHint(s: TSchema | undefined): string | undefined {
  if (!s) return undefined;
  switch (s.type) {
    case 'integer':
      return s.minimum === 0
        ? 'expected a whole number ≥ 0, without quotes'
        : 'expected a whole number, without quotes';
    case 'number':
      return 'expected a number, without quotes';
    case 'boolean':
      return 'expected true or false';
    case 'string':
      return s.format === 'duration' ? 'expected a duration such as 15s, 1m or 1h30m' : 'expected a string';
    case 'array':
      return 'expected a list ("- item" lines, or [a, b])';
    case 'object':
      return 'expected a mapping of "key: value" lines';
    default:
      return undefined;
  }
}

export interface SchemaCheckResult {
  problems: ConfigProblem[];
  /** Pointers of values of the wrong type: the caller drops them before the semantic checks. */
  badValues: string[];
}

/**
 * Validates `value` (mutated: defaults filled, scalars given to string fields turned into their
 * source text as go-yaml does) and returns problems positioned in `file`.
 */
export function checkSchema(name: RootName, value: unknown, yaml: YamlRead, file: string): SchemaCheckResult {
  const schema = schemas().roots[name];
  const validate = compile(name);
  const problems: ConfigProblem[] = [];
  let errors: ErrorObject[] = [];
  for (let round = 0; round < 4; round++) {
    validate(value);
    errors = validate.errors ?? [];
    let coerced = false;
    for (const e of errors) {
      if (e.keyword !== 'type' || (e.params as { type: string }).type !== 'string') continue;
      const src = scalarSource(yaml.index.get(e.instancePath));
      const at = getAt(value, e.instancePath);
      if (!src || !at || src.tag === 'map' || src.tag === 'seq') continue;
      // go-yaml v2 gives a string field the scalar's text, whatever it resolved to.
      const cur = (at.parent as Record<string | number, unknown>)[at.key];
      if (typeof cur === 'string') continue;
      (at.parent as Record<string | number, unknown>)[at.key] =
        typeof cur === 'number' && src.text === '' ? String(cur) : src.text;
      coerced = true;
    }
    if (!coerced) break;
  }
  const seen = new Set<string>();
  const badValues: string[] = [];
  for (const e of errors) {
    if (e.keyword === 'type' || e.keyword === 'minimum' || e.keyword === 'enum') badValues.push(e.instancePath);
    const p = toProblem(e, yaml, file, schema);
    if (!p) continue;
    const k = `${p.line}:${p.column}:${p.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    problems.push(p);
  }
  for (const d of yaml.duplicates) {
    const s = schemaAt(schema, d.ptr);
    const loc = yaml.index.get(`${d.ptr}/${escapePtr(d.key)}`);
    problems.push({
      severity: 'error',
      message: `field ${d.key} already set in type ${goKind(s)}`,
      hint: 'each key may appear only once in a mapping; remove or merge the repeated one',
      file,
      path: ptrToPath(`${d.ptr}/${escapePtr(d.key)}`),
      ...nodePos(loc, yaml.lineCounter, true),
    });
  }
  checkURLs(schema, value, '', yaml, file, problems);
  return { problems, badValues };
}

/** Fields with format prom-url: Go's url.Parse must accept them. */
function checkURLs(s0: TSchema, v: unknown, ptr: string, yaml: YamlRead, file: string, out: ConfigProblem[]): void {
  const s = deref(s0);
  if (!s) return;
  if (typeof v === 'string' && s.format === 'prom-url') {
    const msg = goURLError(v);
    if (msg)
      out.push({
        severity: 'error',
        message: msg,
        hint: 'expected a URL such as http://host:port/path',
        file,
        path: ptrToPath(ptr),
        ...nodePos(yaml.index.get(ptr), yaml.lineCounter),
      });
    return;
  }
  if (Array.isArray(v)) {
    if (s.type === 'array') v.forEach((x, i) => checkURLs(s.items as TSchema, x, `${ptr}/${i}`, yaml, file, out));
    return;
  }
  if (v && typeof v === 'object' && s.type === 'object') {
    const props = (s.properties ?? {}) as Record<string, TSchema>;
    for (const [k, x] of Object.entries(v)) {
      const sub =
        props[k] ??
        (s.patternProperties ? Object.values(s.patternProperties as Record<string, TSchema>)[0] : undefined);
      if (sub && x && (typeof x === 'object' || typeof x === 'string'))
        checkURLs(sub, x, `${ptr}/${escapePtr(k)}`, yaml, file, out);
    }
  }
}

function toProblem(e: ErrorObject, yaml: YamlRead, file: string, root: TSchema): ConfigProblem | null {
  const ps = e.parentSchema as TSchema | undefined;
  const base = { severity: 'error' as const, file };
  switch (e.keyword) {
    case 'additionalProperties': {
      const prop = (e.params as { additionalProperty: string }).additionalProperty;
      const ptr = `${e.instancePath}/${escapePtr(prop)}`;
      const allowed = Object.keys((ps?.properties as Record<string, unknown>) ?? {});
      const close = suggest(prop, allowed);
      const hint =
        e.instancePath === '' && prop === 'groups'
          ? 'this looks like a rule file: check it with promctl check rules, and list it under rule_files in prometheus.yml'
          : close
            ? `did you mean ${close}?`
            : allowed.length > 0
              ? `valid keys here: ${allowed.slice(0, 14).join(', ')}${allowed.length > 14 ? ', …' : ''}`
              : undefined;
      return {
        ...base,
        message: `field ${prop} not found in type ${(ps?.goType as string | undefined) ?? 'struct'}`,
        hint,
        path: ptrToPath(ptr),
        ...nodePos(yaml.index.get(ptr), yaml.lineCounter, true),
      };
    }
    case 'type':
    case 'minimum': {
      const loc = yaml.index.get(e.instancePath);
      const src = scalarSource(loc);
      const s = ps ?? schemaAt(root, e.instancePath);
      const into = goKind(s);
      // go-yaml collects these as "yaml: unmarshal errors:\n  line N: cannot unmarshal …"
      const message =
        src && (src.tag === 'map' || src.tag === 'seq')
          ? `yaml: unmarshal errors: cannot unmarshal !!${src.tag} into ${into}`
          : `yaml: unmarshal errors: cannot unmarshal !!${src?.tag ?? 'str'} \`${src?.text ?? String(e.data)}\` into ${into}`;
      return {
        ...base,
        message,
        hint: kindHint(s),
        path: ptrToPath(e.instancePath),
        ...nodePos(loc, yaml.lineCounter),
      };
    }
    case 'format': {
      const v = String(e.data);
      const fmt = (e.params as { format: string }).format;
      let message = `invalid value ${JSON.stringify(v)}`;
      let hint: string | undefined;
      if (fmt === 'duration') {
        try {
          parseDuration(v);
        } catch (err) {
          message = err instanceof DurationError ? err.message : String(err);
        }
        hint = 'a duration is a number and a unit (ms, s, m, h, d, w, y), largest first: 15s, 1m, 1h30m';
      } else if (fmt === 'size') {
        try {
          parseSize(v);
        } catch (err) {
          message = (err as Error).message;
        }
        hint = 'a size is a number and a unit: B, KB, MB, GB, TB (powers of 1024), e.g. 10MB; 0 means no limit';
      }
      return {
        ...base,
        message,
        hint,
        path: ptrToPath(e.instancePath),
        ...nodePos(yaml.index.get(e.instancePath), yaml.lineCounter),
      };
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      const what = (ps?.goEnum as string | undefined) ?? 'value';
      return {
        ...base,
        message: `unknown ${what}: ${String(e.data)}`,
        hint: `valid values: ${allowed.join(', ')}`,
        path: ptrToPath(e.instancePath),
        ...nodePos(yaml.index.get(e.instancePath), yaml.lineCounter),
      };
    }
    default:
      return {
        ...base,
        message: `${ptrToPath(e.instancePath) || 'document'} ${e.message ?? 'is invalid'}`,
        path: ptrToPath(e.instancePath),
        ...nodePos(yaml.index.get(e.instancePath), yaml.lineCounter),
      };
  }
}
