import type { CollectorName, NodeOptions } from './options.js';
import type { Families } from './family.js';

/** What a collector gets on each scrape. */
export interface CollectContext {
  readonly opts: NodeOptions;
  /** Path under --path.procfs. */
  proc(...p: string[]): string;
  /** Path under --path.sysfs. */
  sys(...p: string[]): string;
  /** Path under --path.rootfs. */
  root(...p: string[]): string;
  /** Reads a text file once per scrape (/proc/stat feeds both cpu and stat). */
  read(path: string): string;
  /** The wall clock in ms (injected for tests). */
  now(): number;
  /** Families this scrape emits. */
  readonly out: Families;
}

/** One node_exporter collector: reads the host and adds samples to `ctx.out`. */
export interface Collector {
  readonly name: CollectorName;
  /** Throws (or rejects) when the collector fails; node_scrape_collector_success is then 0. */
  collect(ctx: CollectContext): void | Promise<void>;
}
