import { join } from 'node:path';
import { readText } from './fsutil.js';
import { compareStrings, Labels } from '../model/labels.js';
import type { MetricFamily } from '../model/metricfamily.js';
import { PromParser } from '../textparse/promparse.js';
import type { Collector, CollectContext } from './collector.js';
import { createCpuCollector } from './collectors/cpu.js';
import { createDiskstatsCollector } from './collectors/diskstats.js';
import { createFilesystemCollector } from './collectors/filesystem.js';
import { loadavgCollector } from './collectors/loadavg.js';
import { meminfoCollector } from './collectors/meminfo.js';
import { createNetdevCollector } from './collectors/netdev.js';
import { osCollector } from './collectors/os.js';
import { statCollector } from './collectors/stat.js';
import { createTextfileCollector, type TextParserFactory } from './collectors/textfile.js';
import { timeCollector } from './collectors/time.js';
import { createUnameCollector, type Utsname } from './collectors/uname.js';
import { Families } from './family.js';
import { COLLECTOR_NAMES, nodeOptions, type CollectorName, type NodeOptions } from './options.js';

export interface NodeCollectorDeps {
  /** Wall clock in ms (default Date.now). */
  now?: () => number;
  /** uname(2) source (default: the running kernel via node:os). */
  uname?: (procfs: string) => Utsname;
  /** Text-format parser for the textfile collector (default: promctl's PromParser). */
  textParser?: TextParserFactory;
}

export interface CollectorError {
  collector: CollectorName;
  error: string;
}

export interface NodeScrape {
  families: MetricFamily[];
  /** Collectors that failed (their node_scrape_collector_success is 0). */
  errors: CollectorError[];
}

/** A node collector with its state (the CPU counters' last values, cached regexes, stuck mounts). */
export interface NodeCollector {
  readonly options: NodeOptions;
  /**
   * One scrape: every enabled collector (or only `only`, like node_exporter's `collect[]`), then
   * node_scrape_collector_duration_seconds / _success, families sorted by name and samples by labels.
   */
  scrape(only?: readonly string[]): Promise<NodeScrape>;
}

export function createNodeCollector(options: Partial<NodeOptions> = {}, deps: NodeCollectorDeps = {}): NodeCollector {
  const opts = nodeOptions(options);
  const now = deps.now ?? Date.now;
  const parse: TextParserFactory = deps.textParser ?? ((b) => new PromParser(b));
  const all: Record<CollectorName, Collector> = {
    cpu: createCpuCollector(),
    diskstats: createDiskstatsCollector(),
    filesystem: createFilesystemCollector(),
    loadavg: loadavgCollector,
    meminfo: meminfoCollector,
    netdev: createNetdevCollector(),
    os: osCollector,
    stat: statCollector,
    textfile: createTextfileCollector(parse),
    time: timeCollector,
    uname: createUnameCollector(deps.uname),
  };
  return {
    options: opts,
    async scrape(only) {
      const names = COLLECTOR_NAMES.filter(
        (n) => opts.collectors.has(n) && (only === undefined || only.length === 0 || only.includes(n)),
      );
      const errors: CollectorError[] = [];
      const files = new Map<string, string>();
      const read = (path: string): string => {
        let t = files.get(path);
        if (t === undefined) {
          t = readText(path);
          files.set(path, t);
        }
        return t;
      };
      const meta = new Families();
      // One after another: each duration is then that collector's own time (the reads are
      // synchronous and take microseconds; only filesystem's statfs calls run in parallel).
      const outputs: { name: CollectorName; out: MetricFamily[]; secs: number; ok: number }[] = [];
      for (const name of names) {
        outputs.push(
          await (async () => {
            const out = new Families();
            const ctx: CollectContext = {
              opts,
              proc: (...p) => join(opts.procfs, ...p),
              sys: (...p) => join(opts.sysfs, ...p),
              root: (...p) => join(opts.rootfs, ...p),
              read,
              now,
              out,
            };
            const t0 = process.hrtime.bigint();
            let ok = 1;
            try {
              await all[name].collect(ctx);
            } catch (err) {
              ok = 0;
              errors.push({ collector: name, error: err instanceof Error ? err.message : String(err) });
            }
            const secs = Number(process.hrtime.bigint() - t0) / 1e9;
            return { name, out: ok ? out.list() : [], secs, ok };
          })(),
        );
      }
      const byName = new Map<string, MetricFamily>();
      for (const o of outputs) {
        meta.add(
          'node_scrape_collector_duration_seconds',
          'gauge',
          'node_exporter: Duration of a collector scrape.',
          o.secs,
          { collector: o.name },
        );
        meta.add('node_scrape_collector_success', 'gauge', 'node_exporter: Whether a collector succeeded.', o.ok, {
          collector: o.name,
        });
        for (const f of o.out) {
          const prev = byName.get(f.name);
          if (prev === undefined) byName.set(f.name, f);
          else prev.samples.push(...f.samples);
        }
      }
      for (const f of meta.list()) byName.set(f.name, f);
      const families = [...byName.values()].sort((a, b) => compareStrings(a.name, b.name));
      for (const f of families)
        f.samples.sort((a, b) => compareStrings(a.name, b.name) || Labels.compare(a.labels, b.labels));
      return { families, errors };
    },
  };
}

/**
 * One scrape of the host with node_exporter's names: the built-in node exporter's families, for
 * `promctl exporter node` and for `promctl serve`'s built-in job. Stateless convenience; keep a
 * {@link createNodeCollector} to keep CPU counters monotonic across scrapes.
 */
export async function collectNode(
  options: Partial<NodeOptions> = {},
  deps: NodeCollectorDeps = {},
): Promise<MetricFamily[]> {
  return (await createNodeCollector(options, deps).scrape()).families;
}
