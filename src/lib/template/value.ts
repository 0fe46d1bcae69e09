/**
 * The value model of the template language, mapping Go's kinds onto JS values:
 *
 * | Go                        | JS                                          |
 * | ------------------------- | ------------------------------------------- |
 * | float64                   | number                                      |
 * | int                       | bigint (template integer constants, len)    |
 * | string, bool, nil         | string, boolean, null/undefined             |
 * | slice                     | Array                                       |
 * | map[string]T              | plain object or Map (keys sorted in output) |
 * | struct / pointer to struct | a GoStruct subclass (fields are properties) |
 *
 * Methods of a value (Go's `.Method args`) are JS methods of class instances.
 */
import { compareStrings } from '../model/labels.js';

/** Base class for struct-like values: fields print in declaration order as `{a b}` (`&{…}` as pointer). */
export class GoStruct {
  /** Printed with a leading & like a Go pointer to struct. */
  declare readonly pointer?: boolean;
}

export function isGoMap(v: unknown): v is Record<string, unknown> | Map<unknown, unknown> {
  if (v instanceof Map) return true;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  return compareStrings(String(a), String(b));
}

/** A map's entries sorted by key (Go prints and ranges over maps in key order). */
export function mapEntries(v: Record<string, unknown> | Map<unknown, unknown>): [unknown, unknown][] {
  const entries: [unknown, unknown][] = v instanceof Map ? [...v.entries()] : Object.entries(v);
  return entries.sort((a, b) => compareKeys(a[0], b[0]));
}

export function mapGet(
  m: Record<string, unknown> | Map<unknown, unknown>,
  key: unknown,
): { found: boolean; value: unknown } {
  if (m instanceof Map) return { found: m.has(key), value: m.get(key) };
  if (typeof key === 'string' && Object.prototype.hasOwnProperty.call(m, key)) {
    return { found: true, value: m[key] };
  }
  return { found: false, value: undefined };
}

/**
 * The zero value of a map's element type, for Prometheus' `missingkey=zero`: "" when the map holds
 * strings (like label maps), otherwise nil (printed as `<no value>`).
 */
export function mapZero(m: Record<string, unknown> | Map<unknown, unknown>): unknown {
  const vals = m instanceof Map ? [...m.values()] : Object.values(m);
  if (vals.every((x) => typeof x === 'string')) return '';
  return undefined;
}

/** Go's template truth: false, 0, nil and empty strings, slices and maps are false. */
export function truth(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'number':
      return v !== 0;
    case 'bigint':
      return v !== 0n;
    case 'string':
      return v.length > 0;
  }
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (isGoMap(v)) return Object.keys(v).length > 0;
  return true;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** A UTC time.Time with nanosecond precision, printed like Go's Time.String(). */
export class GoTime {
  constructor(
    /** Nanoseconds since the epoch. */
    readonly ns: bigint,
  ) {}
  private date(): Date {
    return new Date(Number(this.ns / 1_000_000n) - (this.ns % 1_000_000n < 0n ? 1 : 0));
  }
  String(): string {
    const d = this.date();
    const p2 = (n: number) => String(n).padStart(2, '0');
    let frac = ((this.ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
    let fs = '';
    if (frac !== 0n) {
      fs = '.' + frac.toString().padStart(9, '0');
      fs = fs.replace(/0+$/, '');
    }
    frac = 0n;
    const y = d.getUTCFullYear();
    return (
      `${String(y).padStart(4, '0')}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ` +
      `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}${fs} +0000 UTC`
    );
  }
  Unix(): bigint {
    const s = this.ns / 1_000_000_000n;
    return this.ns < 0n && this.ns % 1_000_000_000n !== 0n ? s - 1n : s;
  }
  UnixMilli(): bigint {
    const s = this.ns / 1_000_000n;
    return this.ns < 0n && this.ns % 1_000_000n !== 0n ? s - 1n : s;
  }
  UnixNano(): bigint {
    return this.ns;
  }
  Year(): bigint {
    return BigInt(this.date().getUTCFullYear());
  }
  Month(): string {
    return MONTHS[this.date().getUTCMonth()]!;
  }
  Day(): bigint {
    return BigInt(this.date().getUTCDate());
  }
  Hour(): bigint {
    return BigInt(this.date().getUTCHours());
  }
  Minute(): bigint {
    return BigInt(this.date().getUTCMinutes());
  }
  Second(): bigint {
    return BigInt(this.date().getUTCSeconds());
  }
  Weekday(): string {
    return DAYS[this.date().getUTCDay()]!;
  }
  UTC(): GoTime {
    return this;
  }
  /** Go's Time.Format for the common layout tokens. */
  Format(layout: string): string {
    const d = this.date();
    const p2 = (n: number) => String(n).padStart(2, '0');
    const ms = Number(((this.ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n);
    return layout.replace(
      /2006|01|02|15|04|05|Jan|Mon|MST|Z07:00|-0700|\.000000000|\.000000|\.000|\.999999999|\.999999|\.999|_2|\b1\b|\b2\b|\b3\b|PM/g,
      (tok) => {
        switch (tok) {
          case '2006':
            return String(d.getUTCFullYear());
          case '01':
            return p2(d.getUTCMonth() + 1);
          case '02':
            return p2(d.getUTCDate());
          case '_2':
            return String(d.getUTCDate()).padStart(2, ' ');
          case '15':
            return p2(d.getUTCHours());
          case '04':
            return p2(d.getUTCMinutes());
          case '05':
            return p2(d.getUTCSeconds());
          case 'Jan':
            return MONTHS[d.getUTCMonth()]!;
          case 'Mon':
            return DAYS[d.getUTCDay()]!.slice(0, 3);
          case 'MST':
            return 'UTC';
          case 'Z07:00':
            return 'Z';
          case '-0700':
            return '+0000';
          case '1':
            return String(d.getUTCMonth() + 1);
          case '2':
            return String(d.getUTCDate());
          case '3':
            return String(((d.getUTCHours() + 11) % 12) + 1);
          case 'PM':
            return d.getUTCHours() >= 12 ? 'PM' : 'AM';
          default: {
            const digits = tok.length - 1;
            const s = String(ms).padStart(9, '0').slice(0, digits);
            if (tok[1] === '9') {
              const t = s.replace(/0+$/, '');
              return t ? '.' + t : '';
            }
            return '.' + s;
          }
        }
      },
    );
  }
}

/** A time.Duration (nanoseconds), printed like Go's Duration.String(): `1h2m3.5s`, `150ms`. */
export class GoDuration {
  constructor(readonly ns: bigint) {}
  String(): string {
    let u = this.ns < 0n ? -this.ns : this.ns;
    const neg = this.ns < 0n;
    if (u === 0n) return '0s';
    let out: string;
    if (u < 1_000_000_000n) {
      // sub-second: ns, µs, ms
      let unit: string;
      let div: bigint;
      if (u < 1000n) {
        unit = 'ns';
        div = 1n;
      } else if (u < 1_000_000n) {
        unit = 'µs';
        div = 1000n;
      } else {
        unit = 'ms';
        div = 1_000_000n;
      }
      out = fracString(u, div) + unit;
    } else {
      const h = u / 3_600_000_000_000n;
      u -= h * 3_600_000_000_000n;
      const m = u / 60_000_000_000n;
      u -= m * 60_000_000_000n;
      out = fracString(u, 1_000_000_000n) + 's';
      if (h > 0n) out = `${h}h${m}m${out}`;
      else if (m > 0n) out = `${m}m${out}`;
    }
    return (neg ? '-' : '') + out;
  }
  Seconds(): number {
    return Number(this.ns) / 1e9;
  }
  Minutes(): number {
    return Number(this.ns) / 6e10;
  }
  Hours(): number {
    return Number(this.ns) / 3.6e12;
  }
  Milliseconds(): bigint {
    return this.ns / 1_000_000n;
  }
}

function fracString(v: bigint, div: bigint): string {
  const whole = v / div;
  const rest = v % div;
  if (rest === 0n) return whole.toString();
  const width = div.toString().length - 1;
  return `${whole}.${rest.toString().padStart(width, '0').replace(/0+$/, '')}`;
}
