import { Flags } from '@oclif/core';
import { BaseCommand } from '../../lib/cli/base-command.js';
import { UserError, ExitCode } from '../../lib/cli/errors.js';
import {
  COLLECTOR_NAMES,
  createNodeCollector,
  DEFAULT_DISKSTATS_DEVICE_EXCLUDE,
  DEFAULT_FS_TYPES_EXCLUDE,
  DEFAULT_MOUNT_POINTS_EXCLUDE,
  nodeOptionsFromFlags,
  startNodeExporter,
  type CollectorName,
} from '../../lib/hostmetrics/index.js';
import { writeTextFormat } from '../../lib/textparse/writer.js';

const collectorFlags = Object.fromEntries(
  COLLECTOR_NAMES.map((n) => [
    `collector.${n}`,
    Flags.boolean({ summary: `Enable the ${n} collector (default: enabled).`, allowNo: true, helpGroup: 'COLLECTORS' }),
  ]),
) as Record<`collector.${CollectorName}`, ReturnType<typeof Flags.boolean>>;

export default class ExporterNode extends BaseCommand<void> {
  static override enableJsonFlag = false;
  static override summary = "Serve this host's metrics with node_exporter's names on :9100.";
  static override description = `A built-in node exporter: reads /proc and /sys and serves /metrics with node_exporter's metric
names, labels, types and help texts (cpu, meminfo, filesystem, diskstats, netdev, loadavg, stat, uname,
time, os, textfile). Flags are node_exporter's. SIGTERM/SIGINT stop it; SIGHUP is ignored.`;
  static override examples = [
    '<%= config.bin %> exporter node',
    '<%= config.bin %> exporter node --web.listen-address=127.0.0.1:9100 --no-collector.filesystem',
    '<%= config.bin %> exporter node --once | grep node_cpu_seconds_total',
  ];
  static override flags = {
    'web.listen-address': Flags.string({ summary: 'Address to listen on.', default: ':9100' }),
    once: Flags.boolean({ summary: 'Print one scrape to stdout and exit instead of serving.' }),
    'path.procfs': Flags.string({ summary: 'procfs mountpoint.', default: '/proc' }),
    'path.sysfs': Flags.string({ summary: 'sysfs mountpoint.', default: '/sys' }),
    'path.rootfs': Flags.string({ summary: 'rootfs mountpoint.', default: '/' }),
    'path.udev.data': Flags.string({ summary: 'udev data path.', default: '/run/udev/data' }),
    'collector.textfile.directory': Flags.string({
      summary: 'Directory to read text files with metrics from.',
      default: '',
    }),
    'collector.filesystem.mount-points-exclude': Flags.string({
      summary: `Regexp of mount points to exclude (default ${DEFAULT_MOUNT_POINTS_EXCLUDE}).`,
    }),
    'collector.filesystem.mount-points-include': Flags.string({ summary: 'Regexp of mount points to include.' }),
    'collector.filesystem.fs-types-exclude': Flags.string({
      summary: `Regexp of filesystem types to exclude (default ${DEFAULT_FS_TYPES_EXCLUDE}).`,
    }),
    'collector.filesystem.fs-types-include': Flags.string({ summary: 'Regexp of filesystem types to include.' }),
    'collector.filesystem.mount-timeout': Flags.integer({
      summary: 'Seconds to wait for statfs of a mount point before reporting it as stuck.',
      default: 5,
      min: 1,
    }),
    'collector.diskstats.device-exclude': Flags.string({
      summary: `Regexp of diskstats devices to exclude (default ${DEFAULT_DISKSTATS_DEVICE_EXCLUDE}).`,
    }),
    'collector.diskstats.device-include': Flags.string({ summary: 'Regexp of diskstats devices to include.' }),
    'collector.netdev.device-exclude': Flags.string({ summary: 'Regexp of net devices to exclude.' }),
    'collector.netdev.device-include': Flags.string({ summary: 'Regexp of net devices to include.' }),
    'collector.cpu.guest': Flags.boolean({
      summary: 'Enables metric node_cpu_guest_seconds_total.',
      default: true,
      allowNo: true,
    }),
    'collector.stat.softirq': Flags.boolean({ summary: 'Export softirq calls per vector.' }),
    'collector.disable-defaults': Flags.boolean({ summary: 'Start with every collector disabled.' }),
    ...collectorFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ExporterNode);
    let opts;
    try {
      opts = nodeOptionsFromFlags({
        ...flags,
        enabled: Object.fromEntries(COLLECTOR_NAMES.map((n) => [n, flags[`collector.${n}`]])),
      });
    } catch (err) {
      throw new UserError((err as Error).message, ExitCode.usage);
    }
    const collector = createNodeCollector(opts);
    if (flags.once) {
      const { families, errors } = await collector.scrape();
      for (const e of errors) this.warnLine(`collector ${e.collector} failed: ${e.error}`);
      process.stdout.write(writeTextFormat(families));
      return;
    }
    let srv;
    try {
      srv = await startNodeExporter(collector, flags['web.listen-address'], (m) => this.warnLine(m));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EADDRINUSE')
        throw new UserError(
          `${flags['web.listen-address']} is already in use`,
          ExitCode.failure,
          'pick another --web.listen-address, or stop the process listening there (ss -ltnp)',
        );
      throw new UserError(e.message);
    }
    process.stderr.write(
      `promctl node exporter listening on ${srv.address} (collectors: ${[...opts.collectors].join(', ')})\n`,
    );
    process.on('SIGHUP', () => process.stderr.write('SIGHUP received: the node exporter has nothing to reload\n'));
    await new Promise<void>((resolve) => {
      const stop = () => void srv.close().then(resolve);
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
  }
}
