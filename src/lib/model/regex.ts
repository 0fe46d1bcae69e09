import { RE2JS } from 're2js';

/**
 * Regular expressions with Go RE2 semantics, as Prometheus uses them in label matchers and
 * relabeling: fully anchored, and `.` matches a newline (Prometheus 3). Syntax that RE2 rejects
 * (look-arounds, back-references, possessive quantifiers) is rejected here too.
 *
 * Matching takes fast paths for the common shapes (literals, alternations of literals, `.*`,
 * `prefix.*`, `.*suffix`, `.*infix.*`) and falls back to the RE2 engine for everything else.
 */

/** A pattern that is not valid RE2 syntax. `message` follows Go's regexp error text. */
export class RegexError extends Error {
  override readonly name = 'RegexError';
  constructor(
    readonly pattern: string,
    message: string,
  ) {
    super(message);
  }
}

const META = /[\\.+*?()|[\]{}^$]/;

type Fast =
  | { kind: 'any' } // .*
  | { kind: 'nonEmpty' } // .+
  | { kind: 'set'; values: Set<string> } // a|b|c (also a single literal)
  | { kind: 'prefix'; s: string } // abc.*
  | { kind: 'suffix'; s: string } // .*abc
  | { kind: 'contains'; s: string }; // .*abc.*

function literalAlternation(p: string): string[] | null {
  if (p === '') return [''];
  const parts = p.split('|');
  for (const part of parts) if (META.test(part)) return null;
  return parts;
}

function analyse(pattern: string): Fast | null {
  let p = pattern;
  // Strip one redundant outer group "(?:...)" or "(...)" when it spans everything.
  const grp = /^\((?:\?:)?([^()]*)\)$/.exec(p);
  if (grp) p = grp[1]!;
  if (p === '.*') return { kind: 'any' };
  if (p === '.+') return { kind: 'nonEmpty' };
  const lits = literalAlternation(p);
  if (lits) return { kind: 'set', values: new Set(lits) };
  if (p.endsWith('.*') && !p.startsWith('.*')) {
    const s = p.slice(0, -2);
    if (!META.test(s)) return { kind: 'prefix', s };
  }
  if (p.startsWith('.*') && !p.endsWith('.*')) {
    const s = p.slice(2);
    if (!META.test(s)) return { kind: 'suffix', s };
  }
  if (p.startsWith('.*') && p.endsWith('.*') && p.length > 4) {
    const s = p.slice(2, -2);
    if (!META.test(s)) return { kind: 'contains', s };
  }
  return null;
}

function translateError(pattern: string, e: unknown): RegexError {
  const msg = e instanceof Error ? e.message : String(e);
  // re2js reports like Go: "error parsing regexp: invalid or unsupported Perl syntax: `(?<`"
  return new RegexError(pattern, msg.startsWith('error parsing regexp') ? msg : `error parsing regexp: ${msg}`);
}

/**
 * A native RegExp with the same meaning as the (already RE2-validated) pattern, or null when the
 * translation is not certain to be exact or linear-time. Native matching is ~8x faster than re2js.
 * Excluded: inline flags, \\A \\z \\Q \\C \\p \\s (RE2's \\s lacks \\v and Unicode spaces), POSIX classes,
 * `\\x{…}`, and any quantified group that itself contains a quantifier (catastrophic backtracking).
 */
function nativeFor(pattern: string): RegExp | null {
  if (/\(\?[imsU-]|\\[AzQECpPsS]|\[\[:|\\x\{/.test(pattern)) return null;
  if (hasNestedQuantifier(pattern)) return null;
  const translated = pattern.replace(/\(\?P</g, '(?<');
  try {
    return new RegExp(`^(?:${translated})$`, 'su');
  } catch {
    return null;
  }
}

/** Whether a quantifier applies to a group that contains a quantifier or an alternation. */
function hasNestedQuantifier(p: string): boolean {
  const stack: boolean[] = []; // per open group: contains a quantifier or '|'
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      if (p[i + 1] === ']') i++;
      else if (p[i + 1] === '^' && p[i + 2] === ']') i += 2;
    } else if (c === '(') stack.push(false);
    else if (c === ')') {
      const inner = stack.pop() ?? false;
      const next = p[i + 1];
      const quantified = next === '*' || next === '+' || next === '?' || next === '{';
      if (quantified && inner) return true;
      if (stack.length > 0 && (inner || quantified)) stack[stack.length - 1] = true;
    } else if ((c === '*' || c === '+' || c === '?' || c === '{' || c === '|') && stack.length > 0) {
      stack[stack.length - 1] = true;
    }
  }
  return false;
}

export class Regex {
  private readonly fast: Fast | null;
  private readonly anchored: RE2JS;
  private readonly native: RegExp | null;
  private _unanchored?: RE2JS;
  private _execNative?: RegExp | null;

  private constructor(readonly source: string) {
    this.fast = analyse(source);
    // Prometheus anchors as "^(?s:" + pattern + ")$"; compile it always so errors surface.
    try {
      this.anchored = RE2JS.compile(`^(?s:${source})$`);
    } catch (e) {
      throw translateError(source, e);
    }
    this.native = this.fast ? null : nativeFor(source);
  }

  private static cache = new Map<string, Regex>();

  /** Compiles `pattern` (cached). Throws RegexError for syntax RE2 does not accept. */
  static compile(pattern: string): Regex {
    let r = Regex.cache.get(pattern);
    if (!r) {
      r = new Regex(pattern);
      if (Regex.cache.size > 10_000) Regex.cache.clear();
      Regex.cache.set(pattern, r);
    }
    return r;
  }

  /** The RE2 error for `pattern`, or null when it is valid. */
  static validate(pattern: string): RegexError | null {
    try {
      Regex.compile(pattern);
      return null;
    } catch (e) {
      return e instanceof RegexError ? e : translateError(pattern, e);
    }
  }

  /** Whether the whole of `s` matches. */
  matches(s: string): boolean {
    const f = this.fast;
    if (f) {
      switch (f.kind) {
        case 'any':
          return true;
        case 'nonEmpty':
          return s.length > 0;
        case 'set':
          return f.values.has(s);
        case 'prefix':
          return s.startsWith(f.s);
        case 'suffix':
          return s.endsWith(f.s);
        case 'contains':
          return s.includes(f.s);
      }
    }
    return this.native ? this.native.test(s) : this.anchored.matches(s);
  }

  /**
   * For a full match of `s`, the capture groups: index 0 is the whole string, then numbered groups
   * ('' for a group that did not take part), plus named groups. Null when `s` does not match.
   */
  exec(s: string): { groups: string[]; named: Record<string, string> } | null {
    // Native when the translation is exact: JS and RE2 both pick submatches leftmost-first.
    if (this._execNative === undefined) this._execNative = this.native ?? nativeFor(this.source);
    const nm = this._execNative?.exec(s);
    if (nm !== undefined && this._execNative) {
      if (nm === null) return null;
      const named: Record<string, string> = {};
      if (nm.groups) for (const k of Object.keys(nm.groups)) named[k] = nm.groups[k] ?? '';
      return { groups: Array.from(nm, (g) => g ?? ''), named };
    }
    const m = this.anchored.matcher(s);
    if (!m.matches()) return null;
    const groups: string[] = [];
    for (let i = 0; i <= m.groupCount(); i++) groups.push(m.group(i) ?? '');
    const named: Record<string, string> = {};
    const names = this.anchored.namedGroups() as Record<string, number>;
    for (const [name, idx] of Object.entries(names)) named[name] = groups[idx] ?? '';
    return { groups, named };
  }

  /** The unanchored form, for finding matches inside strings (template functions). */
  unanchored(): RE2JS {
    return (this._unanchored ??= RE2JS.compile(`(?s:${this.source})`));
  }

  /** The set of literal values this regex matches, when it is an alternation of literals. */
  literalSet(): ReadonlySet<string> | null {
    return this.fast?.kind === 'set' ? this.fast.values : null;
  }

  /** The literal prefix every match starts with, when the pattern is `prefix.*`. */
  literalPrefix(): string | null {
    return this.fast?.kind === 'prefix' ? this.fast.s : null;
  }
}

/**
 * Expands a Go regexp template (`$1`, `${1}`, `$name`, `${name}`, `$$`) the way
 * regexp.Regexp.ExpandString does: `$name` takes the longest run of word characters, and an
 * unknown or out-of-range reference expands to ''.
 */
export function expandTemplate(
  template: string,
  groups: readonly string[],
  named: Readonly<Record<string, string>>,
): string {
  if (!template.includes('$')) return template;
  let out = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    i++;
    if (i < template.length && template[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string | null = null;
    if (i < template.length && template[i] === '{') {
      const end = template.indexOf('}', i + 1);
      const inner = end > i ? template.slice(i + 1, end) : '';
      if (end > i && /^[A-Za-z0-9_]+$/.test(inner)) {
        name = inner;
        i = end + 1;
      }
    } else {
      const m = /^[A-Za-z0-9_]+/.exec(template.slice(i));
      if (m) {
        name = m[0];
        i += name.length;
      }
    }
    if (name === null) {
      out += '$'; // malformed reference: Go keeps the '$' literally
      continue;
    }
    if (/^[0-9]+$/.test(name)) {
      const n = Number(name);
      out += n < groups.length ? groups[n]! : '';
    } else {
      out += named[name] ?? '';
    }
  }
  return out;
}
