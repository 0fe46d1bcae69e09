import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Labels } from '../../model/labels.js';
import type { ExposedSample, MetricFamily, MetricKind } from '../../model/metricfamily.js';
import type { Parser } from '../../textparse/interface.js';
import type { Collector } from '../collector.js';

/** Builds a text-format (0.0.4) parser over a file's bytes. */
export type TextParserFactory = (input: Uint8Array) => Parser;

function familyOf(series: string, current: { name: string; type: MetricKind } | null): string {
  if (current === null || series === current.name || !series.startsWith(current.name)) return series;
  const suffix = series.slice(current.name.length);
  if (current.type === 'histogram' && (suffix === '_bucket' || suffix === '_sum' || suffix === '_count'))
    return current.name;
  if (current.type === 'summary' && (suffix === '_sum' || suffix === '_count')) return current.name;
  return series;
}

/**
 * client_golang's data model gives every summary/histogram metric a _sum and a _count: a label set
 * that only has quantiles or buckets gets both as 0, as node_exporter's output shows.
 */
function completeSumCount(f: MetricFamily): void {
  if (f.type !== 'summary' && f.type !== 'histogram') return;
  const sub = f.type === 'summary' ? 'quantile' : 'le';
  const groups = new Map<string, { labels: Labels; sum: boolean; count: boolean }>();
  for (const s of f.samples) {
    const base = s.labels.without(sub);
    const k = base.key();
    let g = groups.get(k);
    if (g === undefined) {
      g = { labels: base, sum: false, count: false };
      groups.set(k, g);
    }
    if (s.name === `${f.name}_sum`) g.sum = true;
    if (s.name === `${f.name}_count`) g.count = true;
  }
  for (const g of groups.values()) {
    if (!g.sum) f.samples.push({ name: `${f.name}_sum`, labels: g.labels, value: 0 });
    if (!g.count) f.samples.push({ name: `${f.name}_count`, labels: g.labels, value: 0 });
  }
}

const AUTO_HELP = 'Metric read from ';

function autoHelp(path: string): string {
  return AUTO_HELP + path;
}

/** Reads one .prom file into families (throws on a parse error or a client-side timestamp). */
export function readTextfile(data: Uint8Array, path: string, parse: TextParserFactory): MetricFamily[] {
  const p = parse(data);
  const fams = new Map<string, MetricFamily>();
  const meta = new Map<string, { help?: string; type?: MetricKind }>();
  let current: { name: string; type: MetricKind } | null = null;
  const fam = (name: string): MetricFamily => {
    let f = fams.get(name);
    if (f === undefined) {
      const m = meta.get(name);
      f = { name, type: m?.type ?? 'unknown', help: m?.help || autoHelp(path), samples: [] };
      fams.set(name, f);
    }
    return f;
  };
  for (let e = p.next(); e !== null; e = p.next()) {
    if (e === 'help' || e === 'type') {
      const name = p.metricName();
      const m = meta.get(name) ?? {};
      if (e === 'help') m.help = p.help();
      else m.type = p.type();
      meta.set(name, m);
      const f = fams.get(name);
      if (f !== undefined) {
        if (m.help) f.help = m.help;
        if (m.type) f.type = m.type;
      }
      current = { name, type: m.type ?? 'unknown' };
      continue;
    }
    if (e !== 'series') continue;
    if (p.timestamp() !== undefined) {
      throw new Error(`textfile ${path} contains unsupported client-side timestamps, skipping entire file`);
    }
    const name = p.metricName();
    const sample: ExposedSample = { name, labels: p.labels().dropMetricName(), value: p.value() };
    fam(familyOf(name, current)).samples.push(sample);
  }
  const out = [...fams.values()].filter((f) => f.samples.length > 0);
  for (const f of out) completeSumCount(f);
  return out;
}

/**
 * node_exporter's textfile collector: every `*.prom` file in --collector.textfile.directory,
 * with node_textfile_mtime_seconds per file read and node_textfile_scrape_error. A file that does
 * not parse (or carries timestamps) is skipped; a family repeated across files with a different
 * HELP or TYPE keeps the first file's version. Either sets the error gauge to 1.
 */
export function createTextfileCollector(parse: TextParserFactory): Collector {
  return {
    name: 'textfile',
    collect(ctx) {
      const dir = ctx.opts.textfileDirectory;
      let error = 0;
      const mtimes: [string, number][] = [];
      const merged = new Map<string, MetricFamily>();
      const autoHelped = new Set<string>();
      if (dir !== '') {
        let names: string[] = [];
        try {
          names = readdirSync(dir).filter((n) => n.endsWith('.prom'));
        } catch {
          error = 1;
        }
        names.sort();
        for (const n of names) {
          const path = join(dir, n);
          let families: MetricFamily[];
          let mtime: number;
          try {
            const st = statSync(path);
            if (!st.isFile()) continue;
            mtime = Math.floor(st.mtimeMs / 1000);
            families = readTextfile(readFileSync(path), path, parse);
          } catch {
            error = 1;
            continue;
          }
          mtimes.push([path, mtime]);
          for (const f of families) {
            const prev = merged.get(f.name);
            const auto = f.help === autoHelp(path);
            if (prev === undefined) {
              merged.set(f.name, { ...f, samples: [...f.samples] });
              if (auto) autoHelped.add(f.name);
            } else if (prev.type !== f.type) {
              error = 1;
            } else if (auto && autoHelped.has(f.name)) {
              // Families without HELP merge; the generated help names every file.
              prev.help += `, ${path}`;
              prev.samples.push(...f.samples);
            } else if (prev.help !== f.help) {
              error = 1;
            } else {
              prev.samples.push(...f.samples);
            }
          }
        }
      }
      for (const [file, mtime] of mtimes) {
        ctx.out.add('node_textfile_mtime_seconds', 'gauge', 'Unixtime mtime of textfiles successfully read.', mtime, {
          file,
        });
      }
      ctx.out.add(
        'node_textfile_scrape_error',
        'gauge',
        '1 if there was an error opening or reading a file, 0 otherwise',
        error,
      );
      for (const f of merged.values()) {
        const b = ctx.out.get(f.name, f.type, f.help);
        b.family.samples.push(...f.samples);
      }
    },
  };
}
