import type { Collector } from '../collector.js';
import { fields, lines, readText, tryReadText } from '../fsutil.js';
import { DeviceFilter } from '../regex.js';

const SECTOR = 512;
const MS = 0.001;

/** /proc/diskstats columns after major, minor, name: [metric, type, help, scale]. */
const COLUMNS: [string, 'counter' | 'gauge', string, number][] = [
  ['node_disk_reads_completed_total', 'counter', 'The total number of reads completed successfully.', 1],
  ['node_disk_reads_merged_total', 'counter', 'The total number of reads merged.', 1],
  ['node_disk_read_bytes_total', 'counter', 'The total number of bytes read successfully.', SECTOR],
  ['node_disk_read_time_seconds_total', 'counter', 'The total number of seconds spent by all reads.', MS],
  ['node_disk_writes_completed_total', 'counter', 'The total number of writes completed successfully.', 1],
  ['node_disk_writes_merged_total', 'counter', 'The number of writes merged.', 1],
  ['node_disk_written_bytes_total', 'counter', 'The total number of bytes written successfully.', SECTOR],
  ['node_disk_write_time_seconds_total', 'counter', 'This is the total number of seconds spent by all writes.', MS],
  ['node_disk_io_now', 'gauge', 'The number of I/Os currently in progress.', 1],
  ['node_disk_io_time_seconds_total', 'counter', 'Total seconds spent doing I/Os.', MS],
  ['node_disk_io_time_weighted_seconds_total', 'counter', 'The weighted # of seconds spent doing I/Os.', MS],
  ['node_disk_discards_completed_total', 'counter', 'The total number of discards completed successfully.', 1],
  ['node_disk_discards_merged_total', 'counter', 'The total number of discards merged.', 1],
  ['node_disk_discarded_sectors_total', 'counter', 'The total number of sectors discarded successfully.', 1],
  ['node_disk_discard_time_seconds_total', 'counter', 'This is the total number of seconds spent by all discards.', MS],
  ['node_disk_flush_requests_total', 'counter', 'The total number of flush requests completed successfully', 1],
  [
    'node_disk_flush_requests_time_seconds_total',
    'counter',
    'This is the total number of seconds spent by all flush requests.',
    MS,
  ],
];

/** Parses a udev database file (`E:KEY=value` lines) into its properties. */
export function parseUdevData(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of lines(text)) {
    if (!line.startsWith('E:')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    m.set(line.slice(2, eq), line.slice(eq + 1));
  }
  return m;
}

/**
 * node_exporter's diskstats collector: /proc/diskstats per device (with its default device
 * exclusion) and node_disk_info (plus filesystem, device-mapper and ATA info) from udev's database.
 */
export function createDiskstatsCollector(): Collector {
  let filter: DeviceFilter | null = null;
  let filterKey = '';
  return {
    name: 'diskstats',
    collect(ctx) {
      const key = `${ctx.opts.diskstatsDeviceExclude}\0${ctx.opts.diskstatsDeviceInclude ?? ''}`;
      if (filter === null || key !== filterKey) {
        filter = new DeviceFilter(ctx.opts.diskstatsDeviceExclude, ctx.opts.diskstatsDeviceInclude);
        filterKey = key;
      }
      const out = ctx.out;
      for (const line of lines(readText(ctx.proc('diskstats')))) {
        const f = fields(line);
        if (f.length < 4) continue;
        const [major, minor, device] = [f[0]!, f[1]!, f[2]!];
        if (filter.ignored(device)) continue;
        const udev = ctx.opts.udevData ? tryReadText(`${ctx.opts.udevData}/b${major}:${minor}`) : null;
        const props = udev === null ? new Map<string, string>() : parseUdevData(udev);
        out.add('node_disk_info', 'gauge', 'Info of /sys/block/<block_device>.', 1, {
          device,
          major,
          minor,
          path: props.get('ID_PATH') ?? '',
          wwn: props.get('ID_WWN') ?? '',
          model: props.get('ID_MODEL') ?? '',
          serial: props.get('ID_SERIAL_SHORT') ?? '',
          revision: props.get('ID_REVISION') ?? '',
        });
        if (props.has('ID_FS_TYPE')) {
          out.add('node_disk_filesystem_info', 'gauge', 'Info about disk filesystem.', 1, {
            device,
            type: props.get('ID_FS_TYPE') ?? '',
            usage: props.get('ID_FS_USAGE') ?? '',
            uuid: props.get('ID_FS_UUID') ?? '',
            version: props.get('ID_FS_VERSION') ?? '',
          });
        }
        if (props.has('DM_NAME')) {
          out.add('node_disk_device_mapper_info', 'gauge', 'Info about disk device mapper.', 1, {
            device,
            name: props.get('DM_NAME') ?? '',
            uuid: props.get('DM_UUID') ?? '',
            vg_name: props.get('DM_VG_NAME') ?? '',
            lv_name: props.get('DM_LV_NAME') ?? '',
            lv_layer: props.get('DM_LV_LAYER') ?? '',
          });
        }
        const ata: [string, string, string][] = [
          ['ID_ATA_WRITE_CACHE', 'node_disk_ata_write_cache', 'ATA disk has a write cache.'],
          ['ID_ATA_WRITE_CACHE_ENABLED', 'node_disk_ata_write_cache_enabled', 'ATA disk has its write cache enabled.'],
          [
            'ID_ATA_ROTATION_RATE_RPM',
            'node_disk_ata_rotation_rate_rpm',
            'ATA disk rotation rate in RPMs (0 for SSDs).',
          ],
        ];
        for (const [prop, name, help] of ata) {
          const v = props.get(prop);
          if (v !== undefined && v !== '' && !Number.isNaN(Number(v)))
            out.add(name, 'gauge', help, Number(v), { device });
        }
        for (let i = 0; i < COLUMNS.length && i + 3 < f.length; i++) {
          const v = Number(f[i + 3]);
          if (Number.isNaN(v)) throw new Error(`invalid value in diskstats: ${line}`);
          const [name, type, help, scale] = COLUMNS[i]!;
          out.add(name, type, help, v * scale, { device });
        }
      }
    },
  };
}
