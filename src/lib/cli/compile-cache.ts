/**
 * A V8 code cache for the CommonJS modules bin/run.js' fast path loads (the yaml library and the
 * precompiled config validators): most of a short `check config` run is V8 compiling their code,
 * the first time and again every run. Node 20 has no built-in compile cache (module.enableCompileCache
 * arrived in Node 22), so this does what v8-compile-cache does, for those files only: compile with
 * vm.Script and cached data, and after the run save the code V8 produced (including functions
 * compiled lazily while checking) to ~/.cache/promctl. An entry is used only for the same file
 * size and modification time; any problem with the cache just means compiling as usual.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import vm from 'node:vm';

interface Entry {
  stamp: string;
  data: Buffer;
}

interface InternalModule {
  exports: unknown;
  require(id: string): unknown;
  _compile(content: string, filename: string): unknown;
}
const ModuleInternals = Module as unknown as {
  prototype: InternalModule;
  wrap(content: string): string;
  _resolveFilename(request: string, parent: unknown, isMain: boolean, options?: unknown): string;
  _cache: unknown;
};

/** Binary file: repeated [u32 name length][name][u32 stamp length][stamp][u32 data length][data]. */
function readCache(file: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return out;
  }
  let off = 0;
  const chunk = () => {
    const n = buf.readUInt32LE(off);
    const b = buf.subarray(off + 4, off + 4 + n);
    if (b.length !== n) throw new Error('truncated');
    off += 4 + n;
    return b;
  };
  try {
    while (off < buf.length) {
      const name = chunk().toString();
      const stamp = chunk().toString();
      out.set(name, { stamp, data: chunk() });
    }
  } catch {
    return new Map();
  }
  return out;
}

function writeCache(file: string, entries: Map<string, Entry>): void {
  const parts: Buffer[] = [];
  const add = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length);
    parts.push(len, b);
  };
  for (const [name, e] of entries) {
    add(Buffer.from(name));
    add(Buffer.from(e.stamp));
    add(e.data);
  }
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.concat(parts));
  renameSync(tmp, file);
}

/** Where the cache lives: per V8 version and promctl version. */
export function compileCacheFile(version: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'promctl', `compile-cache-v8-${process.versions.v8}-${version}.bin`);
}

/**
 * Installs the cache for CommonJS files whose path matches `only`. Returns false (and changes
 * nothing) when PROMCTL_NO_COMPILE_CACHE is set.
 */
export function installCompileCache(file: string, only: RegExp, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.PROMCTL_NO_COMPILE_CACHE) return false;
  const cache = readCache(file);
  const fresh: { name: string; stamp: string; script: vm.Script }[] = [];
  const original = ModuleInternals.prototype._compile;
  ModuleInternals.prototype._compile = function (this: InternalModule, content: string, filename: string) {
    if (!only.test(filename)) return original.call(this, content, filename);
    let stamp = '';
    try {
      const st = statSync(filename);
      stamp = `${st.size}:${st.mtimeMs}:${content.length}`;
    } catch {
      return original.call(this, content, filename);
    }
    const hit = cache.get(filename);
    const cachedData = hit && hit.stamp === stamp ? hit.data : undefined;
    const script = new vm.Script(ModuleInternals.wrap(content), { filename, cachedData });
    if (!cachedData || script.cachedDataRejected) fresh.push({ name: filename, stamp, script });
    const fn = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    const mod = this; // eslint-disable-line @typescript-eslint/no-this-alias
    const require = Object.assign((id: string) => mod.require(id), {
      resolve: (request: string, options?: unknown) => ModuleInternals._resolveFilename(request, mod, false, options),
      cache: ModuleInternals._cache,
      main: process.mainModule,
    });
    return fn.call(mod.exports, mod.exports, require, mod, filename, dirname(filename));
  };
  process.once('exit', () => {
    if (fresh.length === 0) return;
    try {
      for (const f of fresh) cache.set(f.name, { stamp: f.stamp, data: f.script.createCachedData() });
      writeCache(file, cache);
    } catch {
      // a read-only home or a full disk: next run compiles again
    }
  });
  return true;
}
