/** Value formatting for panels: units as Grafana names them, auto-scaled. Pure. */

export type Unit =
  | 'none'
  | 'short'
  | 'percent'
  | 'percentunit'
  | 'bytes'
  | 'decbytes'
  | 'bps'
  | 'Bps'
  | 'seconds'
  | 's'
  | 'ms'
  | 'reqps'
  | 'ops';

function trimNum(v: number, decimals?: number): string {
  if (decimals !== undefined) return v.toFixed(decimals);
  const a = Math.abs(v);
  const s = a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

function scaled(v: number, base: number, units: readonly string[], decimals?: number): string {
  let i = 0;
  let x = v;
  while (Math.abs(x) >= base && i < units.length - 1) {
    x /= base;
    i++;
  }
  return `${trimNum(x, decimals)} ${units[i]}`.trimEnd();
}

const SI = ['', 'K', 'M', 'G', 'T', 'P'];

/** Formats `v` in `unit` (unknown units are appended as a suffix). */
export function formatUnit(v: number, unit: string = 'short', decimals?: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  switch (unit) {
    case 'none':
      return trimNum(v, decimals);
    case 'short':
      return Math.abs(v) < 1000 ? trimNum(v, decimals) : scaled(v, 1000, SI, decimals).replace(' ', '');
    case 'percent':
      return `${trimNum(v, decimals ?? 1)}%`;
    case 'percentunit':
      return `${trimNum(v * 100, decimals ?? 1)}%`;
    case 'bytes':
      return scaled(v, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'], decimals);
    case 'decbytes':
      return scaled(v, 1000, ['B', 'kB', 'MB', 'GB', 'TB', 'PB'], decimals);
    case 'bps':
      return scaled(v, 1000, ['b/s', 'kb/s', 'Mb/s', 'Gb/s', 'Tb/s'], decimals);
    case 'Bps':
      return scaled(v, 1024, ['B/s', 'KiB/s', 'MiB/s', 'GiB/s', 'TiB/s'], decimals);
    case 'reqps':
      return `${formatUnit(v, 'short', decimals)} req/s`;
    case 'ops':
      return `${formatUnit(v, 'short', decimals)} ops/s`;
    case 's':
    case 'seconds':
      return formatSeconds(v, decimals);
    case 'ms':
      return formatSeconds(v / 1000, decimals);
    default:
      return `${formatUnit(v, 'short', decimals)} ${unit}`;
  }
}

function formatSeconds(v: number, decimals?: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0 s';
  if (a < 1e-6) return `${trimNum(v * 1e9, decimals)} ns`;
  if (a < 1e-3) return `${trimNum(v * 1e6, decimals)} µs`;
  if (a < 1) return `${trimNum(v * 1e3, decimals)} ms`;
  if (a < 60) return `${trimNum(v, decimals)} s`;
  if (a < 3600) return `${trimNum(v / 60, decimals)} min`;
  if (a < 86400) return `${trimNum(v / 3600, decimals)} h`;
  return `${trimNum(v / 86400, decimals)} day`;
}
