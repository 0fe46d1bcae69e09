/**
 * Go's fmt package as templates need it: `%v` printing of template values and `Sprintf` with Go's
 * verbs, flags, width and precision. Values follow the template value model (see value.ts): JS
 * numbers are float64, bigints are int, strings, booleans, null (nil), arrays (slices), maps and
 * structs.
 *
 * Float formatting rounds the exact binary value half-to-even like strconv, not like JS toFixed.
 */
import { formatFloatG } from '../model/value.js';
import { GoStruct, isGoMap, mapEntries } from './value.js';

/** The exact decimal expansion of a finite double: digits (no leading zeros) and the point position. */
function exactDecimal(x: number): { digits: string; dp: number } {
  if (x === 0) return { digits: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & 0xfffffffffffffn;
  let e2: number;
  if (expBits === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = expBits - 1075;
  }
  let digits: string;
  let dp: number;
  if (e2 >= 0) {
    digits = (mant << BigInt(e2)).toString();
    dp = digits.length;
  } else {
    // mant / 2^-e2 = mant * 5^-e2 / 10^-e2
    const n = mant * 5n ** BigInt(-e2);
    digits = n.toString();
    dp = digits.length + e2;
  }
  // trim trailing zeros
  let end = digits.length;
  while (end > 0 && digits[end - 1] === '0') end--;
  digits = digits.slice(0, end);
  // trim leading zeros
  let start = 0;
  while (start < digits.length && digits[start] === '0') {
    start++;
    dp--;
  }
  return { digits: digits.slice(start), dp };
}

interface Digits {
  d: string; // significant digits, no trailing zeros
  dp: number; // decimal point position
}

/** Rounds to `nd` significant digits, half to even on the exact value (strconv's decimal.Round). */
function roundDigits(dec: Digits, nd: number): Digits {
  const { d } = dec;
  if (nd < 0) return { d: '', dp: 0 };
  if (nd >= d.length) return dec;
  let up: boolean;
  const c = d.charCodeAt(nd) - 48;
  if (c > 5) up = true;
  else if (c < 5) up = false;
  else if (nd + 1 < d.length)
    up = true; // more non-zero digits follow (no trailing zeros kept)
  else up = nd > 0 && (d.charCodeAt(nd - 1) - 48) % 2 === 1; // exactly half: to even
  if (!up) {
    let s = d.slice(0, nd);
    let end = s.length;
    while (end > 0 && s[end - 1] === '0') end--;
    s = s.slice(0, end);
    return { d: s, dp: s.length === 0 ? 0 : dec.dp };
  }
  // round up
  const arr = d.slice(0, nd).split('');
  let i = nd - 1;
  while (i >= 0) {
    if (arr[i] === '9') {
      arr[i] = '0';
      i--;
    } else {
      arr[i] = String.fromCharCode(arr[i]!.charCodeAt(0) + 1);
      break;
    }
  }
  let dp = dec.dp;
  if (i < 0) {
    arr.unshift('1');
    dp++;
  }
  let s = arr.join('');
  let end = s.length;
  while (end > 0 && s[end - 1] === '0') end--;
  s = s.slice(0, end);
  return { d: s, dp };
}

/** Shortest round-trip digits (same as Go's shortest: both use the shortest unique representation). */
function shortestDigits(x: number): Digits {
  if (x === 0) return { d: '', dp: 0 };
  const [mant, exp] = Math.abs(x).toExponential().split('e') as [string, string];
  const d = mant.replace('.', '');
  let end = d.length;
  while (end > 0 && d[end - 1] === '0') end--;
  return { d: d.slice(0, end), dp: Number(exp) + 1 };
}

function digitAt(dg: Digits, i: number): string {
  return i >= 0 && i < dg.d.length ? dg.d[i]! : '0';
}

function fmtE(dg: Digits, prec: number, ch: 'e' | 'E'): string {
  let s = dg.d.length === 0 ? '0' : dg.d[0]!;
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) s += digitAt(dg, i);
  }
  const exp = dg.d.length === 0 ? 0 : dg.dp - 1;
  const a = Math.abs(exp);
  return `${s}${ch}${exp < 0 ? '-' : '+'}${a < 10 ? '0' : ''}${a}`;
}

function fmtF(dg: Digits, prec: number): string {
  let s = '';
  if (dg.dp > 0) {
    for (let i = 0; i < dg.dp; i++) s += digitAt(dg, i);
  } else s = '0';
  if (prec > 0) {
    s += '.';
    for (let i = 0; i < prec; i++) s += digitAt(dg, dg.dp + i);
  }
  return s;
}

/**
 * strconv.FormatFloat(x, fmt, prec, 64) for fmt in e, E, f, g, G; prec -1 means shortest.
 * Returns the unsigned magnitude; the caller adds the sign.
 */
export function formatFloatAbs(x: number, fmt: 'e' | 'E' | 'f' | 'g' | 'G', prec: number): string {
  const ax = Math.abs(x);
  if (ax === Infinity) return 'Inf';
  const shortest = prec < 0;
  let dg: Digits;
  if (shortest) {
    dg = shortestDigits(ax);
  } else {
    const ex = exactDecimal(ax);
    const dec: Digits = { d: ex.digits, dp: ex.dp };
    switch (fmt) {
      case 'e':
      case 'E':
        dg = roundDigits(dec, prec + 1);
        break;
      case 'f':
        dg = roundDigits(dec, dec.dp + prec);
        break;
      default:
        if (prec === 0) prec = 1;
        dg = roundDigits(dec, prec);
    }
  }
  switch (fmt) {
    case 'e':
    case 'E':
      return fmtE(dg, shortest ? Math.max(dg.d.length - 1, 0) : prec, fmt);
    case 'f':
      return fmtF(dg, shortest ? Math.max(dg.d.length - dg.dp, 0) : prec);
    default: {
      let eprec = prec;
      const nd = dg.d.length;
      if (eprec > nd && nd >= dg.dp) eprec = nd;
      if (shortest) eprec = 6;
      const exp = dg.dp - 1;
      if (nd !== 0 && (exp < -4 || exp >= eprec)) {
        let p = shortest ? nd : prec;
        if (p > nd) p = nd;
        return fmtE(dg, Math.max(p - 1, 0), fmt === 'G' ? 'E' : 'e');
      }
      let p = shortest ? nd : prec;
      if (p > dg.dp) p = nd;
      return fmtF(dg, Math.max(p - dg.dp, 0));
    }
  }
}

/** The Go %v text of any template value. */
export function formatV(v: unknown, top = true): string {
  if (v === null || v === undefined) return '<nil>';
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return formatFloatG(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    case 'function':
      return '<func>';
  }
  if (v instanceof Error) return v.message;
  const s = (v as { String?: () => string }).String;
  if (typeof s === 'function') return s.call(v);
  if (Array.isArray(v)) return '[' + v.map((x) => formatV(x, false)).join(' ') + ']';
  if (isGoMap(v)) {
    return (
      'map[' +
      mapEntries(v)
        .map(([k, x]) => `${formatV(k, false)}:${formatV(x, false)}`)
        .join(' ') +
      ']'
    );
  }
  if (v instanceof GoStruct) {
    const body =
      '{' +
      Object.values(v)
        .map((x) => formatV(x, false))
        .join(' ') +
      '}';
    return top && v.pointer ? '&' + body : body;
  }
  return String(v);
}

function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'float64';
    case 'bigint':
      return 'int';
    case 'boolean':
      return 'bool';
  }
  if (Array.isArray(v)) return '[]interface {}';
  if (isGoMap(v)) return 'map[string]interface {}';
  return (v as object).constructor?.name ?? 'object';
}

/** Go's strconv.Quote. */
export function goQuoteString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c === 11) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c === 0xfffd && ch !== '\ufffd') out += '\\ufffd';
    else out += ch;
  }
  return out + '"';
}

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | null;
  prec: number | null;
}

function pad(s: string, spec: Spec, numeric: boolean): string {
  if (spec.width === null || s.length >= spec.width) return s;
  const n = spec.width - [...s].length;
  if (n <= 0) return s;
  if (spec.minus) return s + ' '.repeat(n);
  if (spec.zero && numeric) {
    const signed = s[0] === '-' || s[0] === '+' || s[0] === ' ';
    return signed ? s[0] + '0'.repeat(n) + s.slice(1) : '0'.repeat(n) + s;
  }
  return ' '.repeat(n) + s;
}

function toIntValue(v: unknown): bigint | null {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return null;
  return null;
}

function fmtInt(n: bigint, verb: string, spec: Spec): string {
  const neg = n < 0n;
  const a = neg ? -n : n;
  let s: string;
  switch (verb) {
    case 'd':
    case 'v':
      s = a.toString();
      break;
    case 'b':
      s = a.toString(2);
      break;
    case 'o':
      s = a.toString(8);
      if (spec.sharp && s[0] !== '0') s = '0' + s;
      break;
    case 'O':
      s = '0o' + a.toString(8);
      break;
    case 'x':
      s = (spec.sharp ? '0x' : '') + a.toString(16);
      break;
    case 'X':
      s = (spec.sharp ? '0X' : '') + a.toString(16).toUpperCase();
      break;
    case 'c':
      return pad(String.fromCodePoint(Number(n)), spec, false);
    case 'q':
      return pad(`'${String.fromCodePoint(Number(n))}'`, spec, false);
    case 'U':
      s = 'U+' + a.toString(16).toUpperCase().padStart(4, '0');
      break;
    default:
      // Go has no float verbs for integers: %e of an int prints %!e(int=…).
      return null as unknown as string;
  }
  if (spec.prec !== null) {
    s = s.padStart(spec.prec, '0');
    if (spec.prec === 0 && a === 0n) s = '';
  }
  const sign = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  // Go ignores the zero flag when a precision is given for integers.
  return pad(sign + s, spec.prec !== null ? { ...spec, zero: false } : spec, true);
}

function fmtFloat(x: number, verb: string, spec: Spec): string {
  let f: 'e' | 'E' | 'f' | 'g' | 'G';
  let prec = spec.prec ?? -1;
  switch (verb) {
    case 'v':
    case 'g':
      f = 'g';
      break;
    case 'G':
      f = 'G';
      break;
    case 'e':
    case 'E':
      f = verb;
      if (spec.prec === null) prec = 6;
      break;
    case 'f':
    case 'F':
      f = 'f';
      if (spec.prec === null) prec = 6;
      break;
    default:
      return null as unknown as string;
  }
  let s: string;
  if (Number.isNaN(x)) s = 'NaN';
  else {
    s = formatFloatAbs(x, f, prec);
    if (spec.sharp && (f === 'g' || f === 'G') && !s.includes('.') && s !== 'Inf') {
      // %#g keeps a decimal point
      const ei = s.search(/[eE]/);
      s = ei < 0 ? s + '.' : s.slice(0, ei) + '.' + s.slice(ei);
    }
  }
  const neg = x < 0 || Object.is(x, -0);
  const sign = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  if (s === 'NaN' || s === 'Inf') {
    if (s === 'NaN') return pad((spec.plus ? '+' : spec.space ? ' ' : '') + s, { ...spec, zero: false }, false);
    // Go always signs infinities.
    return pad((neg ? '-' : spec.space && !spec.plus ? ' ' : '+') + s, { ...spec, zero: false }, false);
  }
  return pad(sign + s, spec, true);
}

function fmtString(s: string, verb: string, spec: Spec): string | null {
  switch (verb) {
    case 's':
    case 'v':
      if (spec.prec !== null) s = [...s].slice(0, spec.prec).join('');
      return pad(s, spec, false);
    case 'q':
      return pad(spec.sharp && !s.includes('`') ? '`' + s + '`' : goQuoteString(s), spec, false);
    case 'x':
    case 'X': {
      let h = Buffer.from(s, 'utf8').toString('hex');
      if (verb === 'X') h = h.toUpperCase();
      return pad(h, spec, false);
    }
    default:
      return null;
  }
}

function badVerb(verb: string, v: unknown): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(v)}=${formatV(v)})`;
}

function formatOne(verb: string, v: unknown, spec: Spec): string {
  if (v === null || v === undefined) {
    if (verb === 'v' || verb === 's') return pad(verb === 'v' ? '<nil>' : '%!s(<nil>)', spec, false);
    return badVerb(verb, v);
  }
  if (verb === 'T') return pad(goTypeName(v), spec, false);
  if (typeof v === 'bigint') return fmtInt(v, verb, spec) ?? badVerb(verb, v);
  if (typeof v === 'number') return fmtFloat(v, verb, spec) ?? badVerb(verb, v);
  if (typeof v === 'string') return fmtString(v, verb, spec) ?? badVerb(verb, v);
  if (typeof v === 'boolean') {
    if (verb === 'v' || verb === 't') return pad(v ? 'true' : 'false', spec, false);
    return badVerb(verb, v);
  }
  if (Array.isArray(v) && verb !== 'v' && verb !== 's') {
    return '[' + v.map((x) => formatOne(verb, x, spec)).join(' ') + ']';
  }
  if (verb === 'v' || verb === 's') return pad(formatV(v), spec, false);
  const i = toIntValue(v);
  if (i !== null) return fmtInt(i, verb, spec);
  return badVerb(verb, v);
}

/** Go's fmt.Sprintf. */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argi = 0;
  let i = 0;
  const n = format.length;
  while (i < n) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false, width: null, prec: null };
    for (; i < n; i++) {
      const c = format[i];
      if (c === '-') spec.minus = true;
      else if (c === '+') spec.plus = true;
      else if (c === '#') spec.sharp = true;
      else if (c === ' ') spec.space = true;
      else if (c === '0') spec.zero = !spec.minus;
      else break;
    }
    if (format[i] === '*') {
      const w = args[argi++];
      if (typeof w === 'bigint') {
        spec.width = Number(w);
        if (spec.width < 0) {
          spec.minus = true;
          spec.width = -spec.width;
        }
      } else out += '%!(BADWIDTH)';
      i++;
    } else {
      let w = '';
      while (i < n && format[i]! >= '0' && format[i]! <= '9') w += format[i++];
      if (w) spec.width = Number(w);
    }
    if (format[i] === '.') {
      i++;
      if (format[i] === '*') {
        const p = args[argi++];
        if (typeof p === 'bigint') spec.prec = Number(p);
        else out += '%!(BADPREC)';
        i++;
      } else {
        let p = '';
        while (i < n && format[i]! >= '0' && format[i]! <= '9') p += format[i++];
        spec.prec = p ? Number(p) : 0;
      }
    }
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatOne(verb, args[argi++], spec);
  }
  if (argi < args.length) {
    out +=
      '%!(EXTRA ' +
      args
        .slice(argi)
        .map((a) => `${goTypeName(a)}=${formatV(a)}`)
        .join(', ') +
      ')';
  }
  return out;
}

/** Go's fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatV(a);
  }
  return out;
}

/** Go's fmt.Sprintln. */
export function sprintln(args: readonly unknown[]): string {
  return args.map((a) => formatV(a)).join(' ') + '\n';
}
