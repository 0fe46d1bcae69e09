import type { Collector, CollectContext } from '../collector.js';
import { fields, lines, tryReadAttr, tryReadDir } from '../fsutil.js';
import { USER_HZ } from './stat.js';

const MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

/**
 * node_exporter's cpu collector: node_cpu_seconds_total{cpu,mode} and
 * node_cpu_guest_seconds_total{cpu,mode} from /proc/stat, thermal throttle counters and isolated
 * CPUs from sysfs. Like node_exporter it never lets a counter go backwards (the kernel's idle and
 * iowait counters can): a smaller reading keeps the previous value.
 */
export function createCpuCollector(): Collector {
  // cpu id → last reported seconds per column (8 modes + guest, guest_nice).
  let last = new Map<string, Float64Array>();
  return {
    name: 'cpu',
    collect(ctx) {
      const next = new Map<string, Float64Array>();
      const out = ctx.out;
      const secs = out.get('node_cpu_seconds_total', 'counter', 'Seconds the CPUs spent in each mode.');
      const guest = ctx.opts.cpuGuest
        ? out.get('node_cpu_guest_seconds_total', 'counter', 'Seconds the CPUs spent in guests (VMs) for each mode.')
        : null;
      for (const line of lines(ctx.read(ctx.proc('stat')))) {
        if (!line.startsWith('cpu') || line.startsWith('cpu ')) continue;
        const f = fields(line);
        const cpu = f[0]!.slice(3);
        const prev = last.get(cpu);
        const vals = new Float64Array(10);
        for (let i = 0; i < 10; i++) {
          const raw = f[i + 1];
          let v = raw === undefined ? 0 : Number(raw) / USER_HZ;
          if (Number.isNaN(v)) throw new Error(`invalid cpu line in /proc/stat: ${line}`);
          if (prev !== undefined && v < prev[i]!) v = prev[i]!;
          vals[i] = v;
        }
        next.set(cpu, vals);
        for (let i = 0; i < MODES.length; i++) secs.add(vals[i]!, { cpu, mode: MODES[i]! });
        if (guest) {
          guest.add(vals[8]!, { cpu, mode: 'user' });
          guest.add(vals[9]!, { cpu, mode: 'nice' });
        }
      }
      last = next;
      throttles(ctx);
      isolated(ctx);
    },
  };
}

function throttles(ctx: CollectContext): void {
  const base = ctx.sys('devices/system/cpu');
  const cpus = tryReadDir(base)
    .filter((d) => /^cpu\d+$/.test(d))
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)));
  const packages = new Set<string>();
  const cores = new Set<string>();
  for (const cpu of cpus) {
    const pkg = tryReadAttr(`${base}/${cpu}/topology/physical_package_id`);
    const core = tryReadAttr(`${base}/${cpu}/topology/core_id`);
    if (pkg === null || core === null) continue;
    const coreKey = `${pkg}/${core}`;
    if (!cores.has(coreKey)) {
      const c = tryReadAttr(`${base}/${cpu}/thermal_throttle/core_throttle_count`);
      if (c !== null) {
        cores.add(coreKey);
        ctx.out.add(
          'node_cpu_core_throttles_total',
          'counter',
          'Number of times this CPU core has been throttled.',
          Number(c),
          { core, package: pkg },
        );
      }
    }
    if (!packages.has(pkg)) {
      const p = tryReadAttr(`${base}/${cpu}/thermal_throttle/package_throttle_count`);
      if (p !== null) {
        packages.add(pkg);
        ctx.out.add(
          'node_cpu_package_throttles_total',
          'counter',
          'Number of times this CPU package has been throttled.',
          Number(p),
          { package: pkg },
        );
      }
    }
  }
}

/** Parses a kernel CPU list such as `1,3-5,9`. */
export function parseCpuList(s: string): number[] {
  const out: number[] = [];
  for (const part of s.trim().split(',')) {
    if (part === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`invalid cpu list ${JSON.stringify(s)}`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let i = a; i <= b; i++) out.push(i);
  }
  return out;
}

function isolated(ctx: CollectContext): void {
  const s = tryReadAttr(ctx.sys('devices/system/cpu/isolated'));
  if (!s) return;
  for (const cpu of parseCpuList(s)) {
    ctx.out.add(
      'node_cpu_isolated',
      'gauge',
      'Whether each core is isolated, information from /sys/devices/system/cpu/isolated.',
      1,
      { cpu: String(cpu) },
    );
  }
}
