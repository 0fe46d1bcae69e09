/**
 * YAML → plain JS the way Prometheus' go-yaml v2 reads it, keeping where every value came from.
 *
 * - YAML 1.1 scalars (yes/no booleans, `!!binary`), anchors, aliases and `<<` merge keys.
 * - Repeated keys are reported (go-yaml: "field X already set in type …").
 * - A `null` value in a mapping means "not set" (the default applies); `null` list items are kept
 *   so that the validator can name them ("empty or null scrape config section").
 * - `!!binary` data that is not UTF-8 is kept with each bad byte as a lone surrogate
 *   (U+DC80 + byte), so that label-name checks can reject it and print it as Go does ("\xff").
 * - `index` maps each JSON pointer (ajv's instancePath form) to its node, for positions.
 */
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
  type ParsedNode,
} from 'yaml';
import { describeBadIndent, findBadIndent, findUnclosed } from './indent.js';
import type { ConfigProblem } from './problems.js';

export interface Located {
  /** The value's node. */
  node?: Node;
  /** The key's node (for mapping entries). */
  key?: Node;
}

export interface YamlRead {
  value: unknown;
  index: Map<string, Located>;
  /** Repeated keys: the pointer of the mapping and the key. */
  duplicates: { ptr: string; key: string }[];
  problems: ConfigProblem[];
  lineCounter: LineCounter;
  doc: Document.Parsed;
}

/** Most values aliases may expand to (a "billion laughs" guard; plain nodes are bounded by the file size). */
const MAX_ALIAS_NODES = 100_000;

export function escapePtr(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Decodes bytes as UTF-8, keeping bad bytes as U+DC80+byte (Python's surrogateescape). */
export function decodeBytes(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    let out = '';
    let i = 0;
    while (i < bytes.length) {
      const b = bytes[i]!;
      const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
      if (len > 0 && i + len <= bytes.length) {
        try {
          out += new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(i, i + len));
          i += len;
          continue;
        } catch {
          /* fall through */
        }
      }
      out += String.fromCharCode(0xdc00 + b);
      i++;
    }
    return out;
  }
}

/** Go's %q for strings that may hold surrogate-escaped bytes. */
export function goQuoteBytes(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0xdc80 && c <= 0xdcff) out += '\\x' + (c - 0xdc00).toString(16).padStart(2, '0');
    else if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

export function readYaml(text: string, file: string): YamlRead {
  const lineCounter = new LineCounter();
  const problems: ConfigProblem[] = [];
  const doc = parseDocument(text, {
    lineCounter,
    version: '1.1',
    uniqueKeys: false,
    merge: true,
    prettyErrors: false,
    keepSourceTokens: false,
  });
  const pos = (offset: number | undefined) => {
    if (offset === undefined) return { line: 0, column: 0 };
    const lp = lineCounter.linePos(offset);
    return { line: lp.line, column: lp.col };
  };
  // One mistake often yields several parser errors on one line: keep the first of each line. An
  // indentation mistake is explained once, at the line that is wrong (see indent.ts).
  const structural = doc.errors.filter((e) => STRUCTURAL.has(e.code) && !/quote/i.test(e.message));
  const lastLine = Math.max(0, ...structural.map((e) => pos(e.pos?.[0]).line));
  const bad = structural.length > 0 ? findBadIndent(text, lastLine + 1) : undefined;
  const unclosedErr = doc.errors.find(
    (e) => /quote|Flow (sequence|mapping)|must end with a [\]}]/i.test(e.message) && !bad,
  );
  const unclosed = unclosedErr ? findUnclosed(text, pos(unclosedErr.pos?.[0]).line + 1) : undefined;
  if (unclosed) {
    const what = unclosed.open === '[' ? 'list' : unclosed.open === '{' ? 'mapping' : 'quoted string';
    problems.push({
      severity: 'error',
      message: `yaml: the ${what} that starts here is never closed (no matching ${unclosed.close})`,
      hint:
        unclosed.open === '[' || unclosed.open === '{'
          ? `end it with ${unclosed.close}, e.g. ${unclosed.open === '[' ? "targets: ['localhost:9100']" : 'labels: { env: prod }'}`
          : `end the value with ${unclosed.close} on the same line, e.g. ${unclosed.open}15s${unclosed.close}`,
      file,
      line: unclosed.line,
      column: unclosed.column,
    });
  }
  if (bad) {
    problems.push({ severity: 'error', ...describeBadIndent(bad), file, line: bad.line, column: bad.column });
    problems[problems.length - 1]!.message = `yaml: ${problems[problems.length - 1]!.message}`;
  }
  const seenLines = new Set<number>();
  for (const e of doc.errors) {
    const at = pos(e.pos?.[0]);
    if ((bad && structural.includes(e)) || (unclosed && e === unclosedErr)) continue;
    if (at.line > 0 && seenLines.has(at.line)) continue;
    seenLines.add(at.line);
    problems.push({
      severity: 'error',
      message: `yaml: ${yamlMessage(e.message)}`,
      hint: yamlHint(e.code),
      file,
      ...at,
    });
  }
  for (const w of doc.warnings) {
    problems.push({ severity: 'warning', message: `yaml: ${yamlMessage(w.message)}`, file, ...pos(w.pos?.[0]) });
  }
  const index = new Map<string, Located>();
  const duplicates: { ptr: string; key: string }[] = [];
  if (doc.errors.length > 0) return { value: null, index, duplicates, problems, lineCounter, doc };

  // Anchors by name, in document order (Alias.resolve would search the whole document each time).
  const anchors = new Map<string, { at: number; node: Node }[]>();
  visit(doc, {
    Node(_k, n) {
      const a = (n as { anchor?: string }).anchor;
      if (a) {
        const list = anchors.get(a) ?? [];
        list.push({ at: (n as { range?: [number, number, number] }).range?.[0] ?? 0, node: n as Node });
        anchors.set(a, list);
      }
    },
  });
  const resolveAlias = (alias: Node & { source: string }): Node | undefined => {
    const at = (alias as { range?: [number, number, number] }).range?.[0] ?? 0;
    const list = anchors.get(alias.source) ?? [];
    let found: Node | undefined;
    for (const a of list) if (a.at < at) found = a.node;
    return found;
  };

  let count = 0;
  let tooBig = false;
  const scalarValue = (n: Node): unknown => {
    if (!isScalar(n)) return undefined;
    const v = n.value;
    if (v instanceof Uint8Array) {
      const src = String(n.source ?? '').replace(/\s+/g, '');
      if (src.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(src)) {
        const off = (n as { range?: [number, number, number] }).range?.[0];
        problems.push({
          severity: 'error',
          message: 'yaml: !!binary value contains invalid base64 data',
          hint: '!!binary values are base64, e.g. !!binary "/w=="',
          file,
          ...pos(off),
        });
      }
      return decodeBytes(v);
    }
    if (v instanceof Date) return String(n.source ?? v.toISOString());
    if (typeof v === 'bigint') return Number(v);
    return v;
  };
  const keyString = (k: unknown): string => {
    if (k === null || k === undefined) return 'null';
    if (isScalar(k)) {
      const v = scalarValue(k);
      if (typeof v === 'string') return v;
      return String(k.source ?? v);
    }
    if (isAlias(k)) return keyString(resolveAlias(k));
    return String(k);
  };

  const conv = (node: Node | null | undefined, ptr: string, inAlias = false): unknown => {
    if (inAlias && ++count > MAX_ALIAS_NODES) {
      tooBig = true;
      return null;
    }
    if (tooBig || node == null) return null;
    if (isAlias(node)) {
      const target = resolveAlias(node);
      if (!target) return null;
      return conv(target, ptr, true);
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        if (isScalar(keyNode) && typeof keyNode.value === 'symbol' && keyNode.source === '<<') {
          // merge key: entries of the referenced map(s) that are not set here
          const srcs = isSeq(pair.value) ? pair.value.items : [pair.value];
          for (const s of srcs) {
            const m = conv(s as Node, ptr, inAlias);
            if (m && typeof m === 'object' && !Array.isArray(m)) {
              for (const [k, v] of Object.entries(m)) if (!(k in out) && !seen.has(k)) out[k] = v;
            }
          }
          continue;
        }
        const k = keyString(keyNode);
        const childPtr = `${ptr}/${escapePtr(k)}`;
        if (seen.has(k)) duplicates.push({ ptr, key: k });
        seen.add(k);
        if (!inAlias)
          index.set(childPtr, { node: (pair.value as Node | null) ?? undefined, key: keyNode ?? undefined });
        const v = conv(pair.value as Node | null, childPtr, inAlias);
        if (v === null || v === undefined) {
          delete out[k];
          continue;
        }
        out[k] = v;
      }
      return out;
    }
    if (isSeq(node)) {
      return node.items.map((item, i) => {
        const childPtr = `${ptr}/${i}`;
        if (!inAlias) index.set(childPtr, { node: (item as Node | null) ?? undefined });
        return conv(item as Node | null, childPtr, inAlias);
      });
    }
    return scalarValue(node);
  };
  index.set('', { node: (doc.contents as ParsedNode | null) ?? undefined });
  const value = conv(doc.contents as Node | null, '');
  if (tooBig) {
    problems.push({
      severity: 'error',
      message: 'yaml: document contains excessive aliasing',
      hint: `the anchors (&name) and aliases (*name) of this file expand to more than ${MAX_ALIAS_NODES} values`,
      file,
      line: 1,
      column: 1,
    });
  }
  return { value, index, duplicates, problems, lineCounter, doc };
}

/** Parser errors about the document's structure, which a misindented line causes. */
const STRUCTURAL = new Set([
  'BAD_INDENT',
  'MISSING_CHAR',
  'UNEXPECTED_TOKEN',
  'BLOCK_AS_IMPLICIT_KEY',
  'MULTILINE_IMPLICIT_KEY',
]);

function yamlMessage(m: string): string {
  // The yaml library appends " at line N, column M" and a code excerpt; we print our own.
  return m.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
}

function yamlHint(code: string): string | undefined {
  switch (code) {
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
    case 'UNEXPECTED_TOKEN':
      return 'check the indentation: the keys of one mapping must start in the same column, list items with "- "';
    case 'TAB_AS_INDENT':
      return 'YAML does not allow tabs for indentation: use spaces';
    case 'MULTIPLE_DOCS':
      return 'a prometheus.yml holds exactly one YAML document (remove the extra "---")';
    case 'DUPLICATE_KEY':
      return 'each key may appear only once in a mapping';
    default:
      return undefined;
  }
}

/** The 1-based line and column of a node's start (or of its key, when `preferKey`). */
export function nodePos(
  loc: Located | undefined,
  lc: LineCounter,
  preferKey = false,
): { line: number; column: number } {
  const n = preferKey ? (loc?.key ?? loc?.node) : (loc?.node ?? loc?.key);
  const off = (n as { range?: [number, number, number] } | undefined)?.range?.[0];
  if (off === undefined) return { line: 0, column: 0 };
  const lp = lc.linePos(off);
  return { line: lp.line, column: lp.col };
}

/** The source text of a scalar node, for go-yaml's "cannot unmarshal !!str `x`" messages. */
export function scalarSource(loc: Located | undefined): { tag: string; text: string } | null {
  const n = loc?.node;
  if (!n) return null;
  if (isScalar(n)) {
    const v = n.value;
    const tag =
      v === null
        ? 'null'
        : typeof v === 'boolean'
          ? 'bool'
          : typeof v === 'number' || typeof v === 'bigint'
            ? Number.isInteger(Number(v)) && !/[.eE]/.test(String(n.source ?? ''))
              ? 'int'
              : 'float'
            : v instanceof Uint8Array
              ? 'binary'
              : 'str';
    const text = n.source !== undefined ? String(n.source) : String(v);
    return { tag, text };
  }
  if (isMap(n)) return { tag: 'map', text: '' };
  if (isSeq(n)) return { tag: 'seq', text: '' };
  return null;
}
