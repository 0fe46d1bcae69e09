import type { Collector } from '../collector.js';
import { fields, lines, readText } from '../fsutil.js';

/**
 * node_exporter's meminfo collector: every /proc/meminfo field as `node_memory_<Field>` (a
 * parenthesised part becomes `_part`; fields in kB get `_bytes` and are multiplied by 1024).
 */
export const meminfoCollector: Collector = {
  name: 'meminfo',
  collect(ctx) {
    for (const line of lines(readText(ctx.proc('meminfo')))) {
      const f = fields(line);
      if (f.length === 0) continue;
      if (f.length < 2 || !f[0]!.endsWith(':')) throw new Error(`invalid line in meminfo: ${line}`);
      let v = Number(f[1]);
      if (Number.isNaN(v)) throw new Error(`invalid value in meminfo: ${line}`);
      let key = f[0]!.slice(0, -1).replace(/\((.*)\)/, '_$1');
      if (f.length === 3) {
        if (f[2] !== 'kB') throw new Error(`unsupported unit in meminfo: ${line}`);
        v *= 1024;
        key += '_bytes';
      } else if (f.length > 3) {
        throw new Error(`invalid line in meminfo: ${line}`);
      }
      const type = key.endsWith('_total') ? 'counter' : 'gauge';
      ctx.out.add(`node_memory_${key}`, type, `Memory information field ${key}.`, v);
    }
  },
};
