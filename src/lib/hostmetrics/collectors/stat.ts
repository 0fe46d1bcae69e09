import type { Collector } from '../collector.js';
import { fields, lines } from '../fsutil.js';

/** USER_HZ: /proc/stat counts CPU time in 1/100 s on every Linux architecture node_exporter supports. */
export const USER_HZ = 100;

const SOFTIRQ_VECTORS = [
  'hi',
  'timer',
  'net_tx',
  'net_rx',
  'block',
  'block_iopoll',
  'tasklet',
  'sched',
  'hrtimer',
  'rcu',
];

/** node_exporter's stat collector: /proc/stat totals. */
export const statCollector: Collector = {
  name: 'stat',
  collect(ctx) {
    const text = ctx.read(ctx.proc('stat'));
    const out = ctx.out;
    for (const line of lines(text)) {
      const f = fields(line);
      if (f.length < 2) continue;
      switch (f[0]) {
        case 'intr':
          out.add('node_intr_total', 'counter', 'Total number of interrupts serviced.', num(f[1]));
          break;
        case 'ctxt':
          out.add('node_context_switches_total', 'counter', 'Total number of context switches.', num(f[1]));
          break;
        case 'btime':
          out.add('node_boot_time_seconds', 'gauge', 'Node boot time, in unixtime.', num(f[1]));
          break;
        case 'processes':
          out.add('node_forks_total', 'counter', 'Total number of forks.', num(f[1]));
          break;
        case 'procs_running':
          out.add('node_procs_running', 'gauge', 'Number of processes in runnable state.', num(f[1]));
          break;
        case 'procs_blocked':
          out.add('node_procs_blocked', 'gauge', 'Number of processes blocked waiting for I/O to complete.', num(f[1]));
          break;
        case 'softirq':
          if (ctx.opts.statSoftirq) {
            for (let i = 0; i < SOFTIRQ_VECTORS.length && i + 2 < f.length; i++) {
              out.add('node_softirqs_total', 'counter', 'Number of softirq calls.', num(f[i + 2]), {
                vector: SOFTIRQ_VECTORS[i]!,
              });
            }
          }
          break;
      }
    }
  },
};

export function num(s: string | undefined): number {
  if (s === undefined) throw new Error('missing field');
  const v = Number(s);
  if (Number.isNaN(v) && s !== 'NaN') throw new Error(`invalid number ${JSON.stringify(s)}`);
  return v;
}
