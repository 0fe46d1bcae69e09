import type { Collector } from '../collector.js';
import { fields, lines, readText, tryReadAttr } from '../fsutil.js';
import { DeviceFilter } from '../regex.js';

/**
 * node_exporter's netdev collector: /proc/net/dev per device as
 * `node_network_{receive,transmit}_<column>_total`, plus receive_nohandler from sysfs (which
 * node_exporter 1.5 reads over netlink).
 */
export function createNetdevCollector(): Collector {
  let filter: DeviceFilter | null = null;
  let filterKey = '';
  return {
    name: 'netdev',
    collect(ctx) {
      const key = `${ctx.opts.netdevDeviceExclude ?? ''}\0${ctx.opts.netdevDeviceInclude ?? ''}`;
      if (filter === null || key !== filterKey) {
        filter = new DeviceFilter(ctx.opts.netdevDeviceExclude, ctx.opts.netdevDeviceInclude);
        filterKey = key;
      }
      const ls = lines(readText(ctx.proc('net/dev')));
      if (ls.length < 2) throw new Error('invalid /proc/net/dev: no header');
      // "face |bytes    packets errs ...|bytes    packets ..."
      const header = ls[1]!.split('|');
      if (header.length < 3) throw new Error('invalid /proc/net/dev header');
      const rx = fields(header[1]!).map((c) => `receive_${c}`);
      const tx = fields(header[2]!).map((c) => `transmit_${c}`);
      const cols = [...rx, ...tx];
      for (let i = 2; i < ls.length; i++) {
        const line = ls[i]!;
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const device = line.slice(0, colon).trim();
        if (filter.ignored(device)) continue;
        const f = fields(line.slice(colon + 1));
        for (let j = 0; j < cols.length && j < f.length; j++) {
          const name = `node_network_${cols[j]}_total`;
          ctx.out.add(name, 'counter', `Network device statistic ${cols[j]}.`, Number(f[j]), { device });
        }
        const nohandler = tryReadAttr(ctx.sys('class/net', device, 'statistics/rx_nohandler'));
        if (nohandler !== null && nohandler !== '') {
          ctx.out.add(
            'node_network_receive_nohandler_total',
            'counter',
            'Network device statistic receive_nohandler.',
            Number(nohandler),
            { device },
          );
        }
      }
    },
  };
}
