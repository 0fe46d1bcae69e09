import type { Collector } from '../collector.js';
import { fields, readText } from '../fsutil.js';
import { num } from './stat.js';

/** node_exporter's loadavg collector: node_load1, node_load5, node_load15 from /proc/loadavg. */
export const loadavgCollector: Collector = {
  name: 'loadavg',
  collect(ctx) {
    const f = fields(readText(ctx.proc('loadavg')));
    if (f.length < 3) throw new Error(`unexpected content in ${ctx.proc('loadavg')}`);
    ctx.out.add('node_load1', 'gauge', '1m load average.', num(f[0]));
    ctx.out.add('node_load5', 'gauge', '5m load average.', num(f[1]));
    ctx.out.add('node_load15', 'gauge', '15m load average.', num(f[2]));
  },
};
