import { readFileSync } from 'node:fs';
import type { Collector } from '../collector.js';
import { fields, tryReadAttr, tryReadDir } from '../fsutil.js';

/**
 * The abbreviation of the time zone in force at `t` (ms) from a TZif file (tzfile(5)), as Go's
 * time.Now().Zone() reports it; null when the file cannot be read.
 */
export function tzifAbbreviation(data: Buffer, t: number): { abbr: string; offset: number } | null {
  if (data.length < 44 || data.toString('latin1', 0, 4) !== 'TZif') return null;
  // v1 header: counts at offset 20.
  const isutcnt = data.readUInt32BE(20);
  const isstdcnt = data.readUInt32BE(24);
  const leapcnt = data.readUInt32BE(28);
  const timecnt = data.readUInt32BE(32);
  const typecnt = data.readUInt32BE(36);
  const charcnt = data.readUInt32BE(40);
  let p = 44;
  const version = data[4]!;
  if (version >= 0x32) {
    // Skip the v1 block and read the 64-bit v2+ block.
    p += timecnt * 4 + timecnt + typecnt * 6 + charcnt + leapcnt * 8 + isstdcnt + isutcnt;
    if (data.length < p + 44) return null;
    return readBlock(
      data,
      p + 44,
      data.readUInt32BE(p + 32),
      data.readUInt32BE(p + 36),
      data.readUInt32BE(p + 40),
      8,
      t,
    );
  }
  return readBlock(data, p, timecnt, typecnt, charcnt, 4, t);
}

function readBlock(
  data: Buffer,
  p: number,
  timecnt: number,
  typecnt: number,
  charcnt: number,
  tsize: number,
  t: number,
): { abbr: string; offset: number } | null {
  const sec = Math.floor(t / 1000);
  const times = p;
  const idx = times + timecnt * tsize;
  const types = idx + timecnt;
  const chars = types + typecnt * 6;
  if (data.length < chars + charcnt || typecnt === 0) return null;
  let type = 0;
  // The first non-DST type is the default before the first transition (RFC 8536 uses type 0).
  for (let i = 0; i < timecnt; i++) {
    const at = tsize === 8 ? Number(data.readBigInt64BE(times + i * 8)) : data.readInt32BE(times + i * 4);
    if (at > sec) break;
    type = data[idx + i]!;
  }
  const off = types + type * 6;
  const offset = data.readInt32BE(off);
  const ai = data[off + 5]!;
  const end = data.indexOf(0, chars + ai);
  const abbr = data.toString('latin1', chars + ai, end < 0 ? chars + charcnt : end);
  return { abbr, offset };
}

/** The local time zone's abbreviation and offset (seconds east of UTC) at `t`. */
export function localZone(t: number, rootfs = '/'): { abbr: string; offset: number } {
  const offset = -new Date(t).getTimezoneOffset() * 60 || 0;
  const tz = process.env.TZ;
  const candidates: string[] = [];
  if (tz !== undefined && tz !== '') {
    const name = tz.startsWith(':') ? tz.slice(1) : tz;
    if (name.startsWith('/')) candidates.push(name);
    else candidates.push(`/usr/share/zoneinfo/${name}`);
    if (name === 'UTC' || name === 'UTC0' || name === 'Etc/UTC') return { abbr: 'UTC', offset: 0 };
  } else {
    candidates.push(`${rootfs.replace(/\/+$/, '')}/etc/localtime`);
  }
  for (const c of candidates) {
    try {
      const z = tzifAbbreviation(readFileSync(c), t);
      if (z && z.offset === offset) return z;
    } catch {
      // fall through
    }
  }
  if (offset === 0 && (tz === undefined || tz === '')) return { abbr: 'UTC', offset: 0 };
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(new Date(t))
    .find((x) => x.type === 'timeZoneName');
  return { abbr: part?.value ?? 'UTC', offset };
}

/** node_exporter's time collector: wall clock, zone offset and clocksources. */
export const timeCollector: Collector = {
  name: 'time',
  collect(ctx) {
    const now = ctx.now();
    ctx.out.add('node_time_seconds', 'gauge', 'System time in seconds since epoch (1970).', now / 1000);
    const z = localZone(now);
    ctx.out.add('node_time_zone_offset_seconds', 'gauge', 'System time zone offset in seconds.', z.offset, {
      time_zone: z.abbr,
    });
    const base = ctx.sys('devices/system/clocksource');
    for (const d of tryReadDir(base).sort()) {
      const m = /^clocksource(\d+)$/.exec(d);
      if (!m) continue;
      const device = m[1]!;
      for (const cs of fields(tryReadAttr(`${base}/${d}/available_clocksource`) ?? '')) {
        ctx.out.add(
          'node_time_clocksource_available_info',
          'gauge',
          "Available clocksources read from '/sys/devices/system/clocksource'.",
          1,
          { device, clocksource: cs },
        );
      }
      const cur = tryReadAttr(`${base}/${d}/current_clocksource`);
      if (cur) {
        ctx.out.add(
          'node_time_clocksource_current_info',
          'gauge',
          "Current clocksource read from '/sys/devices/system/clocksource'.",
          1,
          { device, clocksource: cur.trim() },
        );
      }
    }
  },
};
