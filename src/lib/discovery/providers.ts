/**
 * Discovery providers: static_configs, file_sd_configs and http_sd_configs, with Prometheus'
 * sources, meta labels, refresh intervals and failure behaviour (a failed read keeps the
 * previous targets).
 */
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseDuration } from '../model/duration.js';
import {
  createHttpClient,
  describeNetError,
  type HttpClient,
  type HttpClientConfig,
  httpStatusText,
} from './http-client.js';
import { undici } from './undici.js';
import { parseTargetGroup, type TargetGroup, TargetGroupError } from './targetgroup.js';

/** Receives changed groups; a group with no targets removes its source. */
export type GroupsCallback = (groups: TargetGroup[]) => void;

export interface Discoverer {
  /** Starts discovering; `onUpdate` may be called any number of times until stop(). */
  start(onUpdate: GroupsCallback): void;
  stop(): void;
  /** The last refresh error, if the last refresh failed (shown in logs / the API). */
  lastError(): string | null;
}

export interface StaticConfig {
  targets?: string[] | null;
  labels?: Record<string, string> | null;
}

export interface FileSDConfig {
  files?: string[] | null;
  refresh_interval?: string | null;
}

export interface HttpSDConfig extends HttpClientConfig {
  url?: string;
  refresh_interval?: string | null;
}

export interface Logger {
  warn(msg: string): void;
}

const silent: Logger = { warn: () => {} };

/** static_configs: one group per entry, source = its index (Prometheus' StaticProvider). */
export class StaticDiscoverer implements Discoverer {
  private readonly groups: TargetGroup[];
  constructor(cfgs: readonly StaticConfig[]) {
    this.groups = cfgs.map((c, i) =>
      parseTargetGroup({ targets: c?.targets ?? [], labels: c?.labels ?? {} }, String(i), `static_configs[${i}]`),
    );
  }
  start(onUpdate: GroupsCallback): void {
    onUpdate(this.groups);
  }
  stop(): void {}
  lastError(): string | null {
    return null;
  }
}

export const FILE_PATH_LABEL = '__meta_filepath';
export const URL_LABEL = '__meta_url';

const GLOB = /[*?[]/;

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        let cls = glob.slice(i + 1, end);
        if (cls.startsWith('^') || cls.startsWith('!')) cls = '^' + cls.slice(1);
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Parses the content of a file_sd file: JSON or YAML by extension. */
export function parseFileSD(content: string, path: string): TargetGroup[] {
  const ext = extname(path).toLowerCase();
  let raw: unknown;
  try {
    if (ext === '.json') raw = content.trim() === '' ? [] : JSON.parse(content);
    else if (ext === '.yml' || ext === '.yaml') raw = parseYaml(content) ?? [];
    else throw new TargetGroupError(`retrieval.FileDiscovery.readFile: unsupported file extension "${ext}" of ${path}`);
  } catch (e) {
    if (e instanceof TargetGroupError) throw e;
    throw new TargetGroupError(`error parsing ${path}: ${(e as Error).message}`);
  }
  if (!Array.isArray(raw)) throw new TargetGroupError(`${path}: expected a list of target groups`);
  return raw.map((g, i) => {
    const tg = parseTargetGroup(g, `${path}:${i}`, `${path}: group ${i}`);
    tg.labels[FILE_PATH_LABEL] = path;
    return tg;
  });
}

export interface FileDiscovererOptions {
  /** Directory relative file paths are resolved against (the config file's directory). */
  baseDir?: string;
  logger?: Logger;
  /** Debounce for watch events, ms. */
  debounceMs?: number;
}

/**
 * file_sd_configs: reads JSON/YAML files (globs allowed in the last path element), watches their
 * directories for changes and re-reads every refresh_interval (default 5m).
 */
export class FileDiscoverer implements Discoverer {
  private readonly patterns: string[];
  private readonly intervalMs: number;
  private readonly logger: Logger;
  private readonly debounceMs: number;
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private watchers: FSWatcher[] = [];
  /** Number of groups each file contributed at the last successful read. */
  private lastLengths = new Map<string, number>();
  private err: string | null = null;
  private stopped = false;
  private refreshing: Promise<void> | null = null;
  private again = false;
  private onUpdate: GroupsCallback = () => {};

  constructor(cfg: FileSDConfig, opts: FileDiscovererOptions = {}) {
    this.patterns = (cfg.files ?? []).map((f) => (isAbsolute(f) ? f : resolve(opts.baseDir ?? '.', f)));
    this.intervalMs = parseDuration(cfg.refresh_interval || '5m');
    this.logger = opts.logger ?? silent;
    this.debounceMs = opts.debounceMs ?? 100;
  }

  start(onUpdate: GroupsCallback): void {
    this.onUpdate = onUpdate;
    for (const dir of new Set(this.patterns.map((p) => dirname(p)))) {
      try {
        const w = fsWatch(dir, () => this.schedule());
        w.on('error', (e) => this.logger.warn(`file_sd: watching ${dir}: ${e.message}`));
        this.watchers.push(w);
      } catch (e) {
        this.logger.warn(`file_sd: cannot watch ${dir} (${(e as Error).message}); relying on refresh_interval`);
      }
    }
    void this.refresh();
    if (this.intervalMs > 0) {
      this.timer = setInterval(() => void this.refresh(), this.intervalMs);
      this.timer.unref?.();
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.refresh(), this.debounceMs);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.debounce);
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }

  lastError(): string | null {
    return this.err;
  }

  /** Re-reads all files now; resolves when the update (if any) was delivered. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        await this.refreshOnce();
      } while (this.again && !this.stopped);
    })().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async listFiles(): Promise<string[]> {
    const out = new Set<string>();
    for (const p of this.patterns) {
      const base = basename(p);
      if (!GLOB.test(base)) {
        out.add(p);
        continue;
      }
      const dir = dirname(p);
      const re = globToRegExp(base);
      try {
        for (const f of await readdir(dir)) if (re.test(f)) out.add(join(dir, f));
      } catch {
        // a missing directory matches nothing
      }
    }
    return [...out].sort();
  }

  private async refreshOnce(): Promise<void> {
    const files = await this.listFiles();
    const updates: TargetGroup[] = [];
    const seen = new Map<string, number>();
    const errors: string[] = [];
    for (const f of files) {
      let groups: TargetGroup[];
      try {
        groups = parseFileSD(await readFile(f, 'utf8'), f);
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'ENOENT' && !this.lastLengths.has(f)) continue; // a named file that does not exist yet
        const msg = code ? `error reading file ${f}: ${(e as Error).message}` : (e as Error).message;
        errors.push(msg);
        this.logger.warn(`file_sd: ${msg}`);
        // Keep the previous targets of this file.
        if (this.lastLengths.has(f)) seen.set(f, this.lastLengths.get(f)!);
        continue;
      }
      updates.push(...groups);
      const prev = this.lastLengths.get(f) ?? 0;
      for (let i = groups.length; i < prev; i++) updates.push({ source: `${f}:${i}`, targets: [], labels: {} });
      seen.set(f, groups.length);
    }
    // Files that disappeared: remove their groups.
    for (const [f, n] of this.lastLengths) {
      if (seen.has(f)) continue;
      for (let i = 0; i < n; i++) updates.push({ source: `${f}:${i}`, targets: [], labels: {} });
    }
    this.lastLengths = seen;
    this.err = errors.length ? errors.join('; ') : null;
    if (!this.stopped && updates.length) this.onUpdate(updates);
  }
}

const JSON_CONTENT_TYPE = /^application\/json(;\s*charset=("utf-8"|utf-8))?$/i;

export interface HttpDiscovererOptions {
  logger?: Logger;
  userAgent?: string;
  /** An existing client to use instead of building one from the config. */
  client?: HttpClient;
}

/**
 * http_sd_configs: GETs a JSON list of target groups every refresh_interval (default 60s), with the
 * HTTP client options (auth, TLS, proxy). A failed refresh keeps the previous targets.
 */
export class HttpDiscoverer implements Discoverer {
  private readonly intervalMs: number;
  private readonly client: HttpClient;
  private readonly ownClient: boolean;
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;
  private lastLength = 0;
  private err: string | null = null;
  private stopped = false;
  private onUpdate: GroupsCallback = () => {};

  constructor(
    private readonly cfg: HttpSDConfig,
    private readonly opts: HttpDiscovererOptions = {},
  ) {
    if (!cfg.url) throw new TargetGroupError('URL is missing');
    let u: URL;
    try {
      u = new URL(cfg.url);
    } catch {
      throw new TargetGroupError(`invalid URL ${JSON.stringify(cfg.url)}`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw new TargetGroupError("URL scheme must be 'http' or 'https'");
    this.intervalMs = parseDuration(cfg.refresh_interval || '60s');
    this.client = opts.client ?? createHttpClient(cfg);
    this.ownClient = !opts.client;
    this.logger = opts.logger ?? silent;
  }

  start(onUpdate: GroupsCallback): void {
    this.onUpdate = onUpdate;
    void this.refresh();
    if (this.intervalMs > 0) {
      this.timer = setInterval(() => void this.refresh(), this.intervalMs);
      this.timer.unref?.();
    }
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    if (this.ownClient) void this.client.close().catch(() => {});
  }

  lastError(): string | null {
    return this.err;
  }

  /** Fetches once; resolves after the update was delivered or the error recorded. */
  async refresh(): Promise<void> {
    try {
      const groups = await this.fetchGroups();
      const updates = [...groups];
      for (let i = groups.length; i < this.lastLength; i++) {
        updates.push({ source: `${this.cfg.url}:${i}`, targets: [], labels: {} });
      }
      this.lastLength = groups.length;
      this.err = null;
      if (!this.stopped) this.onUpdate(updates);
    } catch (e) {
      this.err = (e as Error).message;
      this.logger.warn(`http_sd ${this.cfg.url}: ${this.err}`);
    }
  }

  private async fetchGroups(): Promise<TargetGroup[]> {
    const url = this.cfg.url!;
    const headers = {
      accept: 'application/json',
      'user-agent': this.opts.userAgent ?? 'promctl',
      'x-prometheus-refresh-interval-seconds': String(this.intervalMs / 1000),
      ...(await this.client.headers()),
    };
    let res;
    try {
      res = await undici().request(url, {
        dispatcher: this.client.dispatcher,
        headers,
        signal: AbortSignal.timeout(Math.max(this.intervalMs, 1000)),
      });
    } catch (e) {
      throw new Error(`Get "${url}": ${describeNetError(e)}`);
    }
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => {});
      throw new Error(`server returned HTTP status ${httpStatusText(res.statusCode)}`);
    }
    const ct = String(res.headers['content-type'] ?? '');
    if (!JSON_CONTENT_TYPE.test(ct)) {
      await res.body.dump().catch(() => {});
      throw new Error(`unsupported content type "${ct}"`);
    }
    const text = await res.body.text();
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new Error(`invalid JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(raw)) throw new Error('expected a JSON list of target groups');
    return raw.map((g, i) => {
      if (g === null) throw new Error(`nil target group item found (index ${i})`);
      const tg = parseTargetGroup(g, `${url}:${i}`, `group ${i}`);
      tg.labels[URL_LABEL] = url;
      return tg;
    });
  }
}
