import { hostname, machine, release, type, version } from 'node:os';
import type { Collector } from '../collector.js';
import { tryReadAttr } from '../fsutil.js';

/** The uname(2) fields node_uname_info carries. */
export interface Utsname {
  sysname: string;
  nodename: string;
  release: string;
  version: string;
  machine: string;
  domainname: string;
}

/** uname(2) through Node's os module; the NIS domain name from /proc/sys/kernel/domainname. */
export function utsname(procfs = '/proc'): Utsname {
  return {
    sysname: type(),
    nodename: hostname(),
    release: release(),
    version: version(),
    machine: machine(),
    domainname: tryReadAttr(`${procfs}/sys/kernel/domainname`) ?? '(none)',
  };
}

/** node_exporter's uname collector: node_uname_info. */
export function createUnameCollector(source: (procfs: string) => Utsname = utsname): Collector {
  return {
    name: 'uname',
    collect(ctx) {
      const u = source(ctx.opts.procfs);
      ctx.out.add('node_uname_info', 'gauge', 'Labeled system information as provided by the uname system call.', 1, {
        ...u,
      });
    },
  };
}
