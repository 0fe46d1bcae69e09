import { promises as fsp } from 'node:fs';
import type { Collector } from '../collector.js';
import { fields, lines, readText } from '../fsutil.js';
import { DeviceFilter } from '../regex.js';

export interface MountEntry {
  device: string;
  mountPoint: string;
  fsType: string;
  options: string;
}

/** Parses /proc/<pid>/mounts (fstab(5) format); `\040` and `\011` in mount points are decoded. */
export function parseMounts(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of lines(text)) {
    const f = fields(line);
    if (f.length === 0) continue;
    if (f.length < 4) throw new Error(`malformed mount point information: ${JSON.stringify(line)}`);
    out.push({
      device: f[0]!,
      mountPoint: f[1]!.replaceAll('\\040', ' ').replaceAll('\\011', '\t'),
      fsType: f[2]!,
      options: f[3]!,
    });
  }
  return out;
}

/** Strips --path.rootfs from a mount point as node_exporter does (`/rootfs/x` → `/x`). */
export function stripRootfs(rootfs: string, mountPoint: string): string {
  if (rootfs === '/' || rootfs === '') return mountPoint;
  const r = rootfs.replace(/\/+$/, '');
  if (mountPoint === r) return '/';
  if (mountPoint.startsWith(r + '/')) return mountPoint.slice(r.length);
  return mountPoint;
}

const TIMEOUT = Symbol('timeout');

/**
 * node_exporter's filesystem collector: statfs(2) of every mount point that the default (or given)
 * mount-point and fs-type patterns do not exclude. A mount that errors or does not answer within
 * the mount timeout is reported with node_filesystem_device_error 1 and no size metrics.
 */
export function createFilesystemCollector(): Collector {
  let filters: { key: string; mp: DeviceFilter; fs: DeviceFilter } | null = null;
  /** Mount points whose statfs is still hanging: not asked again until it returns. */
  const stuck = new Set<string>();
  return {
    name: 'filesystem',
    async collect(ctx) {
      const o = ctx.opts;
      const key = [o.mountPointsExclude, o.mountPointsInclude, o.fsTypesExclude, o.fsTypesInclude].join('\0');
      if (filters === null || filters.key !== key) {
        filters = {
          key,
          mp: new DeviceFilter(o.mountPointsExclude, o.mountPointsInclude),
          fs: new DeviceFilter(o.fsTypesExclude, o.fsTypesInclude),
        };
      }
      let text: string;
      try {
        text = readText(ctx.proc('1/mounts'));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'EACCES')
          throw err;
        text = readText(ctx.proc('mounts'));
      }
      const seen = new Set<string>();
      const todo: MountEntry[] = [];
      for (const m of parseMounts(text)) {
        const mountPoint = stripRootfs(o.rootfs, m.mountPoint);
        if (filters.mp.ignored(mountPoint) || filters.fs.ignored(m.fsType)) continue;
        const id = `${m.device}\0${mountPoint}\0${m.fsType}`;
        if (seen.has(id)) continue;
        seen.add(id);
        todo.push({ ...m, mountPoint });
      }
      const results = await Promise.all(
        todo.map(async (m) => {
          if (stuck.has(m.mountPoint)) return { m, st: null };
          const path = ctx.root(m.mountPoint);
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<typeof TIMEOUT>((resolve) => {
            timer = setTimeout(() => resolve(TIMEOUT), o.mountTimeoutMs);
          });
          const call = fsp.statfs(path);
          try {
            const st = await Promise.race([call, timeout]);
            if (st === TIMEOUT) {
              stuck.add(m.mountPoint);
              call.then(
                () => stuck.delete(m.mountPoint),
                () => stuck.delete(m.mountPoint),
              );
              return { m, st: null };
            }
            return { m, st };
          } catch {
            return { m, st: null };
          } finally {
            clearTimeout(timer);
          }
        }),
      );
      const out = ctx.out;
      for (const { m, st } of results) {
        const labels = { device: m.device, mountpoint: m.mountPoint, fstype: m.fsType };
        const ro = m.options.split(',').includes('ro') ? 1 : 0;
        out.add(
          'node_filesystem_device_error',
          'gauge',
          'Whether an error occurred while getting statistics for the given device.',
          st === null ? 1 : 0,
          labels,
        );
        out.add('node_filesystem_readonly', 'gauge', 'Filesystem read-only status.', ro, labels);
        if (st === null) continue;
        out.add('node_filesystem_size_bytes', 'gauge', 'Filesystem size in bytes.', st.blocks * st.bsize, labels);
        out.add('node_filesystem_free_bytes', 'gauge', 'Filesystem free space in bytes.', st.bfree * st.bsize, labels);
        out.add(
          'node_filesystem_avail_bytes',
          'gauge',
          'Filesystem space available to non-root users in bytes.',
          st.bavail * st.bsize,
          labels,
        );
        out.add('node_filesystem_files', 'gauge', 'Filesystem total file nodes.', st.files, labels);
        out.add('node_filesystem_files_free', 'gauge', 'Filesystem total free file nodes.', st.ffree, labels);
      }
    },
  };
}
