/**
 * Loading prometheus.yml the way Prometheus 3.x does (config.LoadFile + GetScrapeConfigs):
 * strict YAML, defaults, global → job inheritance, every section's own rules, relative paths
 * joined with the config file's folder, and the files named in scrape_config_files read,
 * validated and appended. Unlike Prometheus, every problem of a file is reported, each with
 * file:line:column.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { ConfigError, type ConfigProblem } from './problems.js';
import { checkSchema, ptrToPath } from './schema-check.js';
import { loadGeneratedSchemas, registerSchemas, schemas, type RootName } from './registry.js';
import type { Config, GlobalConfig, ScrapeConfig, TargetGroup } from './types.js';
import {
  reportNullItems,
  validateConfig,
  validateScrapeConfigs,
  validateTargetGroup,
  type Reporter,
} from './validate.js';
import { nodePos, readYaml, type YamlRead } from './yaml.js';

export interface LoadOptions {
  /** `prometheus --agent`: alerting, rule_files and remote_read are rejected. */
  agentMode?: boolean;
  /** Environment for external label expansion (default: process.env). */
  env?: Record<string, string | undefined>;
  /** Join relative paths with the config file's folder, as Prometheus does (default true). */
  resolvePaths?: boolean;
  /** Read and validate the files named in scrape_config_files (default true). */
  followScrapeConfigFiles?: boolean;
  /** Reads a file (injected in tests). */
  readFile?: (path: string) => string;
}

export interface LoadResult {
  /** The loaded config, or null when there were errors. */
  config: Config | null;
  /** Errors and warnings of every file involved, in file order. */
  problems: ConfigProblem[];
  /** Text of every file read, for excerpts. */
  sources: Map<string, string>;
  /** scrape_config_files that were read. */
  scrapeConfigFiles: string[];
  /** Where a JSON pointer of the main file is (its nearest existing node), or line 0. */
  locate: (ptr: string) => { line: number; column: number };
  /** How many scrape configs come from the main file (the rest from scrape_config_files). */
  mainScrapeConfigs: number;
}

const nowhere = () => ({ line: 0, column: 0 });

function posOf(yaml: YamlRead | null, ptr: string, onKey = false): { line: number; column: number } {
  let p = ptr;
  while (yaml) {
    const loc = yaml.index.get(p);
    if (loc && (loc.node || loc.key)) return nodePos(loc, yaml.lineCounter, onKey || p !== ptr || !loc.node);
    if (p === '') break;
    p = p.slice(0, p.lastIndexOf('/'));
  }
  return { line: 0, column: 0 };
}

// A build ships the schemas as JSON; in development, build them from the TypeBox definitions.
if (!loadGeneratedSchemas()) {
  const m = await import('./schema.js');
  registerSchemas({ roots: m.ROOT_SCHEMAS, shared: m.SHARED_SCHEMAS });
}

/** Scrape configs whose paths were already joined with their own file's folder. */
const joined = new WeakSet<object>();

/** Files larger than this are refused before parsing. */
export const MAX_CONFIG_BYTES = 64 * 1024 * 1024;

interface Parsed {
  value: Record<string, unknown> | null;
  yaml: YamlRead | null;
  problems: ConfigProblem[];
  reporter: Reporter;
  placeholders: WeakSet<object>;
}

/** Checks that text looks like YAML text, not binary data. */
function textProblem(text: string, file: string): ConfigProblem | null {
  const nul = text.indexOf('\u0000');
  // eslint-disable-next-line no-control-regex
  const ctl = /[\u0000-\u0008\u000e-\u001f\u007f\ufffd]/.exec(text);
  if (nul >= 0 || ctl) {
    const at = nul >= 0 ? nul : ctl!.index;
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    const isBadUtf8 = nul < 0 && ctl![0] === '\ufffd';
    return {
      severity: 'error',
      message: isBadUtf8 ? 'yaml: invalid leading UTF-8 octet' : 'yaml: control characters are not allowed',
      hint: 'this does not look like a YAML text file (binary data?)',
      file,
      line,
      column,
    };
  }
  return null;
}

function parseWith(name: RootName, text: string, file: string): Parsed {
  const schema = schemas().roots[name];
  const problems: ConfigProblem[] = [];
  const placeholders = new WeakSet<object>();
  let yaml: YamlRead | null = null;
  const reporter: Reporter = {
    error: (ptr, message, hint, onKey) => push('error', ptr, message, hint, onKey),
    warn: (ptr, message, hint, onKey) => push('warning', ptr, message, hint, onKey),
  };
  function push(severity: 'error' | 'warning', ptr: string, message: string, hint?: string, onKey?: boolean) {
    // Falls back to the nearest enclosing node that exists in the document (defaults have none).
    const pos = posOf(yaml, ptr, onKey);
    problems.push({ severity, message, hint, file, ...pos, path: ptrToPath(ptr) || undefined });
  }
  const tp = textProblem(text, file);
  if (tp) return { value: null, yaml, problems: [tp], reporter, placeholders };
  yaml = readYaml(text, file);
  problems.push(...yaml.problems);
  if (yaml.problems.some((p) => p.severity === 'error')) return { value: null, yaml, problems, reporter, placeholders };
  let value: unknown = yaml.value;
  if (value === null || value === undefined) value = schema.type === 'array' ? [] : {};
  reportNullItems(schema, value, '', reporter, placeholders);
  const sc = checkSchema(name, value, yaml, file);
  problems.push(...sc.problems);
  // Drop values of the wrong type, so that the semantic checks can still run on the rest and
  // every problem of the file is reported in one go.
  for (const ptr of sc.badValues) dropAt(value, ptr);
  if (sc.badValues.includes('')) value = null;
  return { value: value as Record<string, unknown> | null, yaml, problems, reporter, placeholders };
}

function dropAt(root: unknown, ptr: string): void {
  const segs = ptr
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (segs.length === 0) return;
  let cur: unknown = root;
  for (const s of segs.slice(0, -1)) {
    if (!cur || typeof cur !== 'object') return;
    cur = (cur as Record<string, unknown>)[s];
  }
  if (!cur || typeof cur !== 'object') return;
  const last = segs[segs.length - 1]!;
  if (Array.isArray(cur)) cur[Number(last)] = undefined;
  else delete (cur as Record<string, unknown>)[last];
}

const hasErrors = (ps: ConfigProblem[]) => ps.some((p) => p.severity === 'error');

function stripPlaceholders(v: unknown, placeholders: WeakSet<object>): void {
  if (Array.isArray(v)) {
    for (let i = v.length - 1; i >= 0; i--) {
      if (v[i] && typeof v[i] === 'object' && placeholders.has(v[i] as object)) v.splice(i, 1);
      else stripPlaceholders(v[i], placeholders);
    }
  } else if (v && typeof v === 'object') for (const x of Object.values(v)) stripPlaceholders(x, placeholders);
}

/** Parses and validates the text of a prometheus.yml. Never throws for bad input. */
export function analyzeConfigText(text: string, filename = 'prometheus.yml', opts: LoadOptions = {}): LoadResult {
  const sources = new Map([[filename, text]]);
  const parsed = parseWith('config', text, filename);
  const result: LoadResult = {
    config: null,
    problems: parsed.problems,
    sources,
    scrapeConfigFiles: [],
    locate: (ptr) => posOf(parsed.yaml, ptr),
    mainScrapeConfigs: 0,
  };
  if (!parsed.value || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) return result;
  const schemaErrors = hasErrors(parsed.problems);
  let config: Config;
  try {
    config = validateConfig(parsed.value, parsed.reporter, { agentMode: opts.agentMode, env: opts.env });
  } catch (e) {
    // Only possible on a document that already has schema errors: report those.
    if (!schemaErrors) throw e;
    result.problems = dedupe(parsed.problems);
    return result;
  }
  stripPlaceholders(config, parsed.placeholders);
  result.problems = dedupe(parsed.problems);
  if (schemaErrors) return result;
  result.mainScrapeConfigs = config.scrape_configs.length;
  const dir = dirname(filename);
  if (opts.followScrapeConfigFiles !== false && !hasErrors(result.problems) && config.scrape_config_files.length > 0) {
    const jobNames = new Map<string, string>(config.scrape_configs.map((s) => [s.job_name, 'main config file']));
    for (const pattern of config.scrape_config_files) {
      const abs = isAbsolute(pattern) ? pattern : join(dir, pattern);
      let files: string[];
      try {
        files = glob(abs);
      } catch (e) {
        result.problems.push({
          severity: 'error',
          message: `error retrieving scrape config files for ${JSON.stringify(abs)}: ${(e as Error).message}`,
          file: filename,
          line: 0,
          column: 0,
        });
        continue;
      }
      if (files.length === 0)
        result.problems.push({
          severity: 'warning',
          message: `scrape_config_files entry ${JSON.stringify(pattern)} matches no files`,
          hint: 'Prometheus loads it without error and scrapes nothing from it',
          file: filename,
          ...posOf(parsed.yaml, `/scrape_config_files/${config.scrape_config_files.indexOf(pattern)}`),
        });
      for (const f of files) {
        result.scrapeConfigFiles.push(f);
        const sub = loadScrapeConfigsFile(f, config.global, jobNames, opts);
        for (const [k, v] of sub.sources) sources.set(k, v);
        result.problems.push(...sub.problems);
        config.scrape_configs.push(...sub.scrapeConfigs);
      }
    }
  }
  if (hasErrors(result.problems)) return result;
  if (opts.resolvePaths !== false) setDirectory(config, dir);
  result.config = config;
  return result;
}

function dedupe(ps: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return ps.filter((p) => {
    const k = `${p.file}:${p.line}:${p.column}:${p.severity}:${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function readText(path: string, opts: LoadOptions): { text: string } | { problem: ConfigProblem } {
  const prob = (message: string, hint?: string) => ({
    problem: { severity: 'error' as const, message, hint, file: path, line: 0, column: 0 },
  });
  try {
    if (!opts.readFile) {
      const st = statSync(path);
      if (st.isDirectory())
        return prob(`read ${path}: is a directory`, 'give the path of a YAML file, e.g. prometheus.yml');
      if (st.size > MAX_CONFIG_BYTES)
        return prob(
          `${path} is ${Math.round(st.size / 1048576)} MiB: larger than the ${MAX_CONFIG_BYTES / 1048576} MiB promctl reads`,
          'a prometheus.yml is normally a few KiB',
        );
    }
    const text = opts.readFile ? opts.readFile(path) : readFileSync(path, 'utf8');
    return { text };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return prob(`open ${path}: no such file or directory`, 'create one with: promctl init');
    if (code === 'EACCES') return prob(`open ${path}: permission denied`);
    if (code === 'EISDIR') return prob(`read ${path}: is a directory`);
    return prob(`${path}: ${(e as Error).message}`);
  }
}

/** Reads, parses and validates a prometheus.yml file. Never throws for bad input. */
export function analyzeConfigFile(path: string, opts: LoadOptions = {}): LoadResult {
  const r = readText(path, opts);
  if ('problem' in r)
    return {
      config: null,
      problems: [r.problem],
      sources: new Map(),
      scrapeConfigFiles: [],
      locate: nowhere,
      mainScrapeConfigs: 0,
    };
  return analyzeConfigText(r.text, path, opts);
}

/** Parses a prometheus.yml text; throws ConfigError (with every problem) when it is invalid. */
export function parseConfig(text: string, filename = 'prometheus.yml', opts: LoadOptions = {}): Config {
  const r = analyzeConfigText(text, filename, opts);
  if (!r.config) throw new ConfigError(r.problems, r.sources);
  return r.config;
}

/** Loads a prometheus.yml file; throws ConfigError (with every problem) when it is invalid. */
export async function loadConfig(path: string, opts: LoadOptions = {}): Promise<Config> {
  const r = analyzeConfigFile(path, opts);
  if (!r.config) throw new ConfigError(r.problems, r.sources);
  return r.config;
}

function loadScrapeConfigsFile(
  file: string,
  global: GlobalConfig,
  jobNames: Map<string, string>,
  opts: LoadOptions,
): { scrapeConfigs: ScrapeConfig[]; problems: ConfigProblem[]; sources: Map<string, string> } {
  const sources = new Map<string, string>();
  const r = readText(file, opts);
  if ('problem' in r) return { scrapeConfigs: [], problems: [r.problem], sources };
  sources.set(file, r.text);
  const parsed = parseWith('scrapeConfigsFile', r.text, file);
  if (!parsed.value || hasErrors(parsed.problems)) return { scrapeConfigs: [], problems: parsed.problems, sources };
  const list = ((parsed.value.scrape_configs as Record<string, unknown>[] | undefined) ?? []).filter(Boolean);
  validateScrapeConfigs(list, '/scrape_configs', global, parsed.reporter, jobNames, JSON.stringify(resolve(file)));
  stripPlaceholders(list, parsed.placeholders);
  const scrapeConfigs = list as unknown as ScrapeConfig[];
  if (opts.resolvePaths !== false)
    for (const sc of scrapeConfigs) {
      joinPaths(sc, dirname(file));
      joined.add(sc);
    }
  return { scrapeConfigs, problems: dedupe(parsed.problems), sources };
}

/** Parses one file_sd file (YAML or JSON: a list of target groups). */
export function analyzeTargetGroups(
  text: string,
  filename: string,
): { groups: TargetGroup[] | null; problems: ConfigProblem[] } {
  const parsed = parseWith('targetGroups', text, filename);
  if (!Array.isArray(parsed.value) || hasErrors(parsed.problems)) return { groups: null, problems: parsed.problems };
  const groups = parsed.value as unknown as Record<string, unknown>[];
  groups.forEach((g, i) => validateTargetGroup(g ?? {}, `/${i}`, parsed.reporter));
  if (hasErrors(parsed.problems)) return { groups: null, problems: parsed.problems };
  return { groups: groups as unknown as TargetGroup[], problems: parsed.problems };
}

/** Parses a single target group document (`{targets: [...], labels: {...}}`). */
export function analyzeTargetGroup(
  text: string,
  filename: string,
): { group: TargetGroup | null; problems: ConfigProblem[] } {
  const wrapped = parseWith('targetGroup', text, filename);
  if (!wrapped.value || hasErrors(wrapped.problems)) return { group: null, problems: wrapped.problems };
  validateTargetGroup(wrapped.value, '', wrapped.reporter);
  if (hasErrors(wrapped.problems)) return { group: null, problems: wrapped.problems };
  return { group: wrapped.value as unknown as TargetGroup, problems: wrapped.problems };
}

// ---------------------------------------------------------------------------------------------
// Paths

const FILE_KEYS = new Set([
  'ca_file',
  'cert_file',
  'key_file',
  'password_file',
  'username_file',
  'credentials_file',
  'client_secret_file',
  'client_certificate_key_file',
  'bearer_token_file',
  'kubeconfig_file',
  'auth_token_file',
  'secret_key_file',
  'service_account_key_path',
  'private_key_path',
  'credentials_file_path',
  'scrape_failure_log_file',
  'query_log_file',
]);

/** config.JoinDir: relative, non-empty paths are joined with dir. */
export function joinDir(dir: string, p: string): string {
  if (p === '' || isAbsolute(p)) return p;
  return join(dir, p);
}

function joinPaths(v: unknown, dir: string, parentKey = ''): void {
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      if (
        typeof x === 'string' &&
        (parentKey === 'files' || parentKey === 'rule_files' || parentKey === 'scrape_config_files')
      )
        v[i] = joinDir(dir, x);
      else joinPaths(x, dir, parentKey === 'files' ? '' : '');
    });
    return;
  }
  if (!v || typeof v !== 'object') return;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x === 'string' && FILE_KEYS.has(k)) (v as Record<string, unknown>)[k] = joinDir(dir, x);
    else if (k === 'files' && Array.isArray(x)) joinPaths(x, dir, 'files');
    else if (typeof x === 'object') joinPaths(x, dir, k);
  }
}

function setDirectory(c: Config, dir: string): void {
  c.rule_files = c.rule_files.map((f) => joinDir(dir, f));
  c.scrape_config_files = c.scrape_config_files.map((f) => joinDir(dir, f));
  if (c.global.query_log_file) c.global.query_log_file = joinDir(dir, c.global.query_log_file);
  if (c.global.scrape_failure_log_file)
    c.global.scrape_failure_log_file = joinDir(dir, c.global.scrape_failure_log_file);
  // scrape configs from scrape_config_files were joined with their own folder already
  for (const sc of c.scrape_configs) if (!joined.has(sc)) joinPaths(sc, dir);
  joinPaths(c.alerting, dir);
  joinPaths(c.remote_write, dir);
  joinPaths(c.remote_read, dir);
  if (c.tracing) joinPaths(c.tracing, dir);
}
// ---------------------------------------------------------------------------------------------
// Globs (Go's filepath.Glob: *, ? and [...] within one path element; sorted; no match → none)

function globToRegex(seg: string): RegExp {
  let re = '^';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = seg.indexOf(']', i + 1);
      if (close < 0) throw new Error('syntax error in pattern');
      let cls = seg.slice(i + 1, close);
      if (cls.startsWith('^')) cls = '^' + cls.slice(1).replace(/\\/g, '\\\\');
      re += `[${cls}]`;
      i = close;
    } else if (c === '\\' && i + 1 < seg.length) {
      re += seg[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

const hasMeta = (s: string) => /[*?[]/.test(s);

export function glob(pattern: string): string[] {
  if (!hasMeta(pattern)) {
    try {
      statSync(pattern);
      return [pattern];
    } catch {
      return [];
    }
  }
  const root = isAbsolute(pattern) ? sep : '';
  const segs = pattern.split(sep).filter((s, i) => s !== '' || i > 0);
  let cur = [root || '.'];
  const relative = !root;
  segs.forEach((seg, idx) => {
    const next: string[] = [];
    for (const base of cur) {
      if (!hasMeta(seg)) {
        next.push(base === '.' && relative && idx === 0 ? seg : join(base, seg));
        continue;
      }
      const re = globToRegex(seg);
      let entries: string[] = [];
      try {
        entries = readdirSync(base);
      } catch {
        continue;
      }
      for (const e of entries.sort())
        if (re.test(e)) next.push(base === '.' && relative && idx === 0 ? e : join(base, e));
    }
    cur = next;
  });
  return cur.filter((p) => {
    try {
      statSync(p);
      return true;
    } catch {
      return false;
    }
  });
}
