import type { Collector } from '../collector.js';
import { lines, tryReadText } from '../fsutil.js';

const INFO_LABELS = [
  'build_id',
  'id',
  'id_like',
  'image_id',
  'image_version',
  'name',
  'pretty_name',
  'variant',
  'variant_id',
  'version',
  'version_codename',
  'version_id',
] as const;

/** Parses os-release(5): KEY=value lines, values optionally quoted with shell-like escapes. */
export function parseOsRelease(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const raw of lines(text)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    let v = line.slice(eq + 1);
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) {
      const q = v[0];
      v = v.slice(1, -1);
      if (q === '"') v = v.replace(/\\([$"\\`])/g, '$1');
    }
    m.set(key, v);
  }
  return m;
}

/** Major.minor of VERSION_ID as a number (`20.04` → 20.04, `12` → 12, `3.18.4` → 3.18). */
export function osVersionNumber(versionId: string): number | null {
  const m = /^(\d+)(?:\.(\d+))?/.exec(versionId);
  if (!m) return null;
  return Number(m[2] === undefined ? m[1] : `${m[1]}.${m[2]}`);
}

/** node_exporter's os collector: node_os_info and node_os_version from /etc/os-release. */
export const osCollector: Collector = {
  name: 'os',
  collect(ctx) {
    const text = tryReadText(ctx.root('etc/os-release')) ?? tryReadText(ctx.root('usr/lib/os-release'));
    if (text === null) throw new Error('no os-release file found in /etc or /usr/lib');
    const m = parseOsRelease(text);
    const info: Record<string, string> = {};
    for (const l of INFO_LABELS) info[l] = m.get(l.toUpperCase()) ?? '';
    ctx.out.add(
      'node_os_info',
      'gauge',
      `A metric with a constant '1' value labeled by ${INFO_LABELS.join(', ')}.`,
      1,
      info,
    );
    const v = osVersionNumber(m.get('VERSION_ID') ?? '');
    if (v !== null) {
      ctx.out.add('node_os_version', 'gauge', 'Metric containing the major.minor part of the OS version.', v, {
        id: m.get('ID') ?? '',
        id_like: m.get('ID_LIKE') ?? '',
        name: m.get('NAME') ?? '',
      });
    }
  },
};
