import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCpuList } from '../../src/lib/hostmetrics/collectors/cpu.js';
import { parseUdevData } from '../../src/lib/hostmetrics/collectors/diskstats.js';
import { parseMounts, stripRootfs } from '../../src/lib/hostmetrics/collectors/filesystem.js';
import { osVersionNumber, parseOsRelease } from '../../src/lib/hostmetrics/collectors/os.js';
import { localZone, tzifAbbreviation } from '../../src/lib/hostmetrics/collectors/time.js';
import { createNodeCollector, type CollectorName, type NodeOptions } from '../../src/lib/hostmetrics/index.js';
import { fromFamilies } from './expo.js';
import { readFileSync } from 'node:fs';

let tmp: string[] = [];
afterEach(() => {
  for (const t of tmp) rmSync(t, { recursive: true, force: true });
  tmp = [];
});

/** A fake host: files relative to a temp root; returns the root. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'promctl-hm-'));
  tmp.push(root);
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), c);
  }
  return root;
}

async function scrape(root: string, collectors: CollectorName[], extra: Partial<NodeOptions> = {}) {
  const c = createNodeCollector({
    procfs: join(root, 'proc'),
    sysfs: join(root, 'sys'),
    rootfs: root,
    udevData: join(root, 'udev'),
    collectors: new Set(collectors),
    ...extra,
  });
  const r = await c.scrape();
  return { ...r, m: fromFamilies(r.families), c };
}

const STAT = `cpu  300 0 200 1000 10 0 5 0 0 0
cpu0 100 0 100 500 5 0 2 0 7 3
cpu1 200 0 100 500 5 0 3 0 0 0
intr 12345 1 2 3
ctxt 999
btime 1700000000
processes 4242
procs_running 3
procs_blocked 1
softirq 50 1 2 3 4 5 6 7 8 9 10
`;

describe('stat and cpu', () => {
  it('reads /proc/stat totals and per-CPU seconds (USER_HZ 100)', async () => {
    const root = tree({ 'proc/stat': STAT });
    const { m, errors } = await scrape(root, ['cpu', 'stat'], { statSoftirq: true });
    expect(errors).toEqual([]);
    const secs = m.get('node_cpu_seconds_total')!;
    expect(secs.type).toBe('counter');
    expect(secs.samples.size).toBe(16);
    expect(secs.samples.get('{__name__="node_cpu_seconds_total", cpu="1", mode="user"}')).toBe(2);
    expect(secs.samples.get('{__name__="node_cpu_seconds_total", cpu="0", mode="softirq"}')).toBe(0.02);
    expect(
      m
        .get('node_cpu_guest_seconds_total')!
        .samples.get('{__name__="node_cpu_guest_seconds_total", cpu="0", mode="nice"}'),
    ).toBe(0.03);
    expect(m.get('node_boot_time_seconds')!.samples.get('{__name__="node_boot_time_seconds"}')).toBe(1700000000);
    expect(m.get('node_intr_total')!.samples.get('{__name__="node_intr_total"}')).toBe(12345);
    expect(m.get('node_context_switches_total')!.type).toBe('counter');
    expect(m.get('node_procs_blocked')!.type).toBe('gauge');
    expect(m.get('node_softirqs_total')!.samples.get('{__name__="node_softirqs_total", vector="net_rx"}')).toBe(4);
  });

  it('never lets a CPU counter go backwards across scrapes', async () => {
    const root = tree({ 'proc/stat': STAT });
    const { c } = await scrape(root, ['cpu']);
    writeFileSync(join(root, 'proc/stat'), STAT.replace('cpu0 100 0 100 500', 'cpu0 100 0 100 400'));
    const again = fromFamilies((await c.scrape()).families);
    expect(
      again.get('node_cpu_seconds_total')!.samples.get('{__name__="node_cpu_seconds_total", cpu="0", mode="idle"}'),
    ).toBe(5);
    writeFileSync(join(root, 'proc/stat'), STAT.replace('cpu0 100 0 100 500', 'cpu0 100 0 100 600'));
    const third = fromFamilies((await c.scrape()).families);
    expect(
      third.get('node_cpu_seconds_total')!.samples.get('{__name__="node_cpu_seconds_total", cpu="0", mode="idle"}'),
    ).toBe(6);
  });

  it('omits guest seconds with cpuGuest false; parses CPU lists', async () => {
    const root = tree({ 'proc/stat': STAT });
    const { m } = await scrape(root, ['cpu'], { cpuGuest: false });
    expect(m.has('node_cpu_guest_seconds_total')).toBe(false);
    expect(parseCpuList('1,3-5,9\n')).toEqual([1, 3, 4, 5, 9]);
    expect(() => parseCpuList('x')).toThrow(/invalid cpu list/);
  });

  it('a collector that fails reports success 0 and the others still report', async () => {
    const root = tree({ 'proc/loadavg': '0.5 0.25 0.125 1/100 42\n' });
    const { m, errors } = await scrape(root, ['stat', 'loadavg']);
    expect(errors.map((e) => e.collector)).toEqual(['stat']);
    const ok = m.get('node_scrape_collector_success')!.samples;
    expect(ok.get('{__name__="node_scrape_collector_success", collector="stat"}')).toBe(0);
    expect(ok.get('{__name__="node_scrape_collector_success", collector="loadavg"}')).toBe(1);
    expect(m.get('node_load15')!.samples.get('{__name__="node_load15"}')).toBe(0.125);
    expect(m.get('node_scrape_collector_duration_seconds')!.samples.size).toBe(2);
  });
});

describe('meminfo', () => {
  it('names fields like node_exporter (parentheses, kB → _bytes × 1024)', async () => {
    const root = tree({
      'proc/meminfo': 'MemTotal:       1000 kB\nActive(anon):     10 kB\nHugePages_Total:       4\n',
    });
    const { m } = await scrape(root, ['meminfo']);
    expect(m.get('node_memory_MemTotal_bytes')!.samples.get('{__name__="node_memory_MemTotal_bytes"}')).toBe(1024000);
    expect(m.get('node_memory_Active_anon_bytes')!.help).toBe('Memory information field Active_anon_bytes.');
    expect(m.get('node_memory_HugePages_Total')!.samples.get('{__name__="node_memory_HugePages_Total"}')).toBe(4);
    expect(m.get('node_memory_HugePages_Total')!.type).toBe('gauge');
  });

  it('fails on a malformed line', async () => {
    const root = tree({ 'proc/meminfo': 'MemTotal 1000 kB\n' });
    const { errors } = await scrape(root, ['meminfo']);
    expect(errors[0]!.error).toMatch(/invalid line/);
  });
});

describe('filesystem', () => {
  it('parses mounts with escaped spaces and strips the rootfs prefix', () => {
    expect(parseMounts('/dev/sda1 /mnt/my\\040disk ext4 rw,relatime 0 0\n')[0]).toEqual({
      device: '/dev/sda1',
      mountPoint: '/mnt/my disk',
      fsType: 'ext4',
      options: 'rw,relatime',
    });
    expect(() => parseMounts('bad line\n')).toThrow(/malformed/);
    expect(stripRootfs('/rootfs', '/rootfs')).toBe('/');
    expect(stripRootfs('/rootfs/', '/rootfs/home')).toBe('/home');
    expect(stripRootfs('/', '/home')).toBe('/home');
  });

  it('applies the default exclusions, dedupes, reports ro and device errors', async () => {
    const root = tree({ 'data/x': '', 'ro/x': '' });
    const mounts = [
      `/dev/vda ${root} ext4 rw 0 0`,
      `/dev/vda ${root} ext4 rw 0 0`,
      `proc ${root}/proc proc rw 0 0`,
      `sysfs ${root}/sys sysfs rw 0 0`,
      `tmpfs ${root}/data tmpfs rw 0 0`,
      `cgroup2 ${root}/data/cg cgroup2 rw 0 0`,
      `/dev/vdb ${root}/ro ext4 ro,relatime 0 0`,
      `/dev/vdc ${root}/gone ext4 rw 0 0`,
      `overlay ${root}/var/lib/docker/overlay2/abc/merged overlay rw 0 0`,
    ].join('\n');
    writeFileSync(join(root, 'mounts'), mounts + '\n');
    mkdirSync(join(root, 'proc/1'), { recursive: true });
    writeFileSync(join(root, 'proc/1/mounts'), mounts + '\n');
    // rootfs "/" so that the mount points are used as they are
    const { m, errors } = await scrape(root, ['filesystem'], { rootfs: '/' });
    expect(errors).toEqual([]);
    const size = m.get('node_filesystem_size_bytes')!;
    const mps = [...size.samples.keys()].map((k) => /mountpoint="([^"]*)"/.exec(k)![1]).sort();
    expect(mps).toEqual([root, `${root}/data`, `${root}/ro`].sort());
    const ro = m.get('node_filesystem_readonly')!.samples;
    expect(
      ro.get(`{__name__="node_filesystem_readonly", device="/dev/vdb", fstype="ext4", mountpoint="${root}/ro"}`),
    ).toBe(1);
    const err = m.get('node_filesystem_device_error')!.samples;
    expect(
      err.get(`{__name__="node_filesystem_device_error", device="/dev/vdc", fstype="ext4", mountpoint="${root}/gone"}`),
    ).toBe(1);
    expect(
      err.get(`{__name__="node_filesystem_device_error", device="/dev/vda", fstype="ext4", mountpoint="${root}"}`),
    ).toBe(0);
    for (const v of size.samples.values()) expect(v).toBeGreaterThan(0);
  });

  it('falls back to /proc/mounts and honours an include pattern', async () => {
    const root = tree({ 'proc/mounts': '/dev/vda / ext4 rw 0 0\ntmpfs /run tmpfs rw 0 0\n' });
    const { m } = await scrape(root, ['filesystem'], { rootfs: '/', mountPointsInclude: '^/run$' });
    expect([...m.get('node_filesystem_avail_bytes')!.samples.keys()]).toEqual([
      '{__name__="node_filesystem_avail_bytes", device="tmpfs", fstype="tmpfs", mountpoint="/run"}',
    ]);
  });
});

describe('diskstats', () => {
  const DISK = [
    '   8       0 sda 100 2 800 40 50 3 1600 60 0 70 100 1 0 8 2 5 6',
    '   8       1 sda1 1 0 8 0 0 0 0 0 0 0 0',
    ' 259       0 nvme0n1 1 0 8 0 0 0 0 0 0 0 0',
    ' 259       1 nvme0n1p1 1 0 8 0 0 0 0 0 0 0 0',
    '   7       0 loop0 1 0 8 0 0 0 0 0 0 0 0',
  ].join('\n');

  it('excludes partitions and loops by default, scales sectors and ms, reads udev properties', async () => {
    const root = tree({
      'proc/diskstats': DISK + '\n',
      'udev/b8:0':
        'S:disk/by-id/x\nE:ID_MODEL=Disk_X\nE:ID_SERIAL_SHORT=S123\nE:ID_FS_TYPE=ext4\nE:ID_ATA_ROTATION_RATE_RPM=7200\n',
    });
    const { m } = await scrape(root, ['diskstats']);
    const devices = [...m.get('node_disk_info')!.samples.keys()].map((k) => /device="([^"]*)"/.exec(k)![1]);
    expect(devices).toEqual(['nvme0n1', 'sda']);
    const s = (n: string) => m.get(n)!.samples.get(`{__name__="${n}", device="sda"}`);
    expect(s('node_disk_read_bytes_total')).toBe(800 * 512);
    expect(s('node_disk_write_time_seconds_total')).toBe(0.06);
    expect(s('node_disk_io_now')).toBe(0);
    expect(s('node_disk_flush_requests_total')).toBe(5);
    expect(s('node_disk_flush_requests_time_seconds_total')).toBe(0.006);
    expect(s('node_disk_ata_rotation_rate_rpm')).toBe(7200);
    expect(m.get('node_disk_io_now')!.type).toBe('gauge');
    expect(
      m
        .get('node_disk_info')!
        .samples.get('{__name__="node_disk_info", device="sda", major="8", minor="0", model="Disk_X", serial="S123"}'),
    ).toBe(1);
    expect(m.get('node_disk_filesystem_info')!.samples.size).toBe(1);
    // nvme0n1 has only 11 stat columns: no discard or flush series
    expect(m.get('node_disk_discards_completed_total')!.samples.size).toBe(1);
    expect(parseUdevData('E:A=1\nE:B=x=y\n').get('B')).toBe('x=y');
  });

  it('honours a device include pattern (substring match, as Go MatchString)', async () => {
    const root = tree({ 'proc/diskstats': DISK + '\n' });
    const { m } = await scrape(root, ['diskstats'], { diskstatsDeviceInclude: 'loop' });
    expect([...m.get('node_disk_info')!.samples.keys()].map((k) => /device="([^"]*)"/.exec(k)![1])).toEqual(['loop0']);
  });
});

describe('netdev', () => {
  const DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:   100      2    0    0    0     0          0         0    100       2    0    0    0     0       0          0
  eth0: 5000      50    1    2    0     0          0         3   7000      70    0    4    0     0       0          0
`;
  it('exposes every column as a counter and reads rx_nohandler from sysfs', async () => {
    const root = tree({ 'proc/net/dev': DEV, 'sys/class/net/eth0/statistics/rx_nohandler': '9\n' });
    const { m } = await scrape(root, ['netdev']);
    expect(
      m
        .get('node_network_receive_bytes_total')!
        .samples.get('{__name__="node_network_receive_bytes_total", device="eth0"}'),
    ).toBe(5000);
    expect(
      m
        .get('node_network_transmit_drop_total')!
        .samples.get('{__name__="node_network_transmit_drop_total", device="eth0"}'),
    ).toBe(4);
    expect(m.get('node_network_receive_multicast_total')!.help).toBe('Network device statistic receive_multicast.');
    expect(m.get('node_network_transmit_colls_total')!.type).toBe('counter');
    expect([...m.get('node_network_receive_nohandler_total')!.samples.values()]).toEqual([9]);
    expect(m.get('node_network_receive_bytes_total')!.samples.size).toBe(2);
  });

  it('applies device-exclude', async () => {
    const root = tree({ 'proc/net/dev': DEV });
    const { m } = await scrape(root, ['netdev'], { netdevDeviceExclude: '^lo$' });
    expect(m.get('node_network_receive_bytes_total')!.samples.size).toBe(1);
  });
});

describe('os, uname, time', () => {
  it('parses os-release with quotes and derives the version number', async () => {
    const text = 'NAME="Ubuntu"\nVERSION_ID="20.04"\nID=ubuntu\nID_LIKE=debian\nPRETTY_NAME="Ubuntu \\"LTS\\""\n# c\n';
    expect(parseOsRelease(text).get('PRETTY_NAME')).toBe('Ubuntu "LTS"');
    expect(osVersionNumber('20.04')).toBe(20.04);
    expect(osVersionNumber('3.18.4')).toBe(3.18);
    expect(osVersionNumber('12')).toBe(12);
    expect(osVersionNumber('rolling')).toBeNull();
    const root = tree({ 'usr/lib/os-release': text });
    const { m } = await scrape(root, ['os']);
    expect(
      m
        .get('node_os_version')!
        .samples.get('{__name__="node_os_version", id="ubuntu", id_like="debian", name="Ubuntu"}'),
    ).toBe(20.04);
  });

  it('os fails clearly without an os-release file', async () => {
    const { errors } = await scrape(tree({}), ['os']);
    expect(errors[0]!.error).toMatch(/os-release/);
  });

  it('uname labels come from the injected source', async () => {
    const root = tree({});
    const c = createNodeCollector(
      { procfs: join(root, 'proc'), collectors: new Set(['uname']) },
      {
        uname: () => ({
          sysname: 'Linux',
          nodename: 'h',
          release: '6.1',
          version: '#1',
          machine: 'x86_64',
          domainname: '(none)',
        }),
      },
    );
    const m = fromFamilies((await c.scrape()).families);
    expect([...m.get('node_uname_info')!.samples.keys()]).toEqual([
      '{__name__="node_uname_info", domainname="(none)", machine="x86_64", nodename="h", release="6.1", sysname="Linux", version="#1"}',
    ]);
  });

  it('time: node_time_seconds from the injected clock, zone and clocksources', async () => {
    const root = tree({
      'sys/devices/system/clocksource/clocksource0/available_clocksource': 'tsc hpet acpi_pm \n',
      'sys/devices/system/clocksource/clocksource0/current_clocksource': 'tsc\n',
    });
    const c = createNodeCollector(
      { sysfs: join(root, 'sys'), collectors: new Set(['time']) },
      { now: () => 1_700_000_000_500 },
    );
    const m = fromFamilies((await c.scrape()).families);
    expect(m.get('node_time_seconds')!.samples.get('{__name__="node_time_seconds"}')).toBe(1700000000.5);
    expect(m.get('node_time_clocksource_available_info')!.samples.size).toBe(3);
    expect([...m.get('node_time_clocksource_current_info')!.samples.keys()]).toEqual([
      '{__name__="node_time_clocksource_current_info", clocksource="tsc", device="0"}',
    ]);
    expect(m.get('node_time_zone_offset_seconds')!.samples.size).toBe(1);
  });

  it.skipIf(!existsSync('/usr/share/zoneinfo/Europe/Berlin'))(
    'reads zone abbreviations from TZif files like Go',
    () => {
      const berlin = readFileSync('/usr/share/zoneinfo/Europe/Berlin');
      expect(tzifAbbreviation(berlin, Date.UTC(2024, 0, 15))).toEqual({ abbr: 'CET', offset: 3600 });
      expect(tzifAbbreviation(berlin, Date.UTC(2024, 6, 15))).toEqual({ abbr: 'CEST', offset: 7200 });
      expect(tzifAbbreviation(Buffer.from('nope'), 0)).toBeNull();
      expect(localZone(Date.now()).offset).toBe(-new Date().getTimezoneOffset() * 60 || 0);
    },
  );
});
