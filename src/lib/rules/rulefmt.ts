/**
 * Rule files in Prometheus' format (model/rulefmt): groups with name, interval, query_offset,
 * limit, labels and rules; recording rules (record, expr, labels) and alerting rules (alert, expr,
 * for, keep_firing_for, labels, annotations). Parsing keeps positions and validates like
 * rulefmt.Validate, with Prometheus' error texts (`5:15: group "g", rule 1, "name": …`).
 */
import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { isValidUtf8Name, METRIC_NAME } from '../model/labels.js';
import { DurationError, parseDuration } from '../model/duration.js';
import { parseTest } from '../template/prometheus.js';

export interface Position {
  line: number;
  column: number;
}

export interface RuleSpec {
  record?: string;
  alert?: string;
  expr: string;
  /** ms */
  for: number;
  /** ms */
  keepFiringFor: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Positions of the record/alert/expr values and of the rule mapping. */
  pos: { rule: Position; record?: Position; alert?: Position; expr?: Position };
}

export interface RuleGroupSpec {
  name: string;
  /** ms; 0 = the global evaluation interval. */
  interval: number;
  /** ms; undefined = the global rule_query_offset. */
  queryOffset?: number;
  limit: number;
  labels: Record<string, string>;
  rules: RuleSpec[];
  pos: Position;
}

export interface RuleFile {
  groups: RuleGroupSpec[];
}

/** Validates a PromQL expression; throws with the parser's message (`1:17: parse error: …`). */
export type ExprValidator = (expr: string) => void;

export interface ParseRulesOptions {
  /** Checks expressions; without it expressions are not checked. */
  validateExpr?: ExprValidator;
  /** Accept unknown fields (Prometheus' --no-strict for promtool check rules is the opposite). */
  ignoreUnknownFields?: boolean;
}

export interface ParsedRules {
  file: RuleFile | null;
  errors: string[];
}

const GROUP_FIELDS = new Set(['name', 'interval', 'query_offset', 'limit', 'rules', 'labels']);
const RULE_FIELDS = new Set(['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);

class Decoder {
  readonly errors: string[] = [];
  readonly unmarshal: string[] = [];
  constructor(private lc: LineCounter) {}

  pos(n: YamlNode | null | undefined): Position {
    if (!n || !n.range) return { line: 0, column: 0 };
    const p = this.lc.linePos(n.range[0]);
    return { line: p.line, column: p.col };
  }

  typeErr(n: YamlNode, want: string): void {
    const tag = isMap(n) ? '!!map' : isSeq(n) ? '!!seq' : scalarTag(n);
    const val = isScalar(n) ? ` \`${String(n.source ?? n.value)}\`` : '';
    this.unmarshal.push(`line ${this.pos(n).line}: cannot unmarshal ${tag}${val} into ${want}`);
  }

  str(n: YamlNode | null | undefined): string {
    if (!n) return '';
    if (isScalar(n)) {
      if (n.value === null) return '';
      return typeof n.value === 'string' ? n.value : String(n.source ?? n.value);
    }
    this.typeErr(n, 'string');
    return '';
  }

  duration(n: YamlNode | null | undefined): number | undefined {
    if (!n || (isScalar(n) && n.value === null)) return undefined;
    const s = this.str(n);
    try {
      return parseDuration(s);
    } catch (e) {
      if (e instanceof DurationError) this.errors.push(e.message);
      return undefined;
    }
  }

  int(n: YamlNode | null | undefined): number {
    if (!n || (isScalar(n) && n.value === null)) return 0;
    if (isScalar(n) && typeof n.value === 'number' && Number.isInteger(n.value)) return n.value;
    this.typeErr(n, 'int');
    return 0;
  }

  stringMap(n: YamlNode | null | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    if (!n || (isScalar(n) && n.value === null)) return out;
    if (!isMap(n)) {
      this.typeErr(n, 'map[string]string');
      return out;
    }
    for (const item of n.items) {
      const k = this.str(item.key as YamlNode);
      out[k] = this.str(item.value as YamlNode);
    }
    return out;
  }

  fields(
    n: YamlNode,
    known: Set<string>,
    type: string,
    ignoreUnknown: boolean,
  ): Map<string, { key: YamlNode; value: YamlNode | null }> {
    const out = new Map<string, { key: YamlNode; value: YamlNode | null }>();
    if (!isMap(n)) return out;
    for (const item of n.items) {
      const key = item.key as YamlNode;
      const k = this.str(key);
      if (!known.has(k)) {
        if (!ignoreUnknown) this.unmarshal.push(`line ${this.pos(key).line}: field ${k} not found in type ${type}`);
        continue;
      }
      if (out.has(k)) {
        this.unmarshal.push(`line ${this.pos(key).line}: field ${k} already set in type ${type}`);
        continue;
      }
      out.set(k, { key, value: (item.value as YamlNode | null) ?? null });
    }
    return out;
  }
}

function scalarTag(n: YamlNode): string {
  if (!isScalar(n)) return '!!str';
  switch (typeof n.value) {
    case 'number':
      return Number.isInteger(n.value) ? '!!int' : '!!float';
    case 'boolean':
      return '!!bool';
    default:
      return n.value === null ? '!!null' : '!!str';
  }
}

/** Go's rule name check for label values: valid UTF-8 (JS strings from YAML always are). */
function isValidLabelValue(v: string): boolean {
  return !/[\uD800-\uDFFF]/.test(v.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''));
}

/** Parses and validates rule file content. Errors are strings in Prometheus' wording. */
export function parseRules(content: string, opts: ParseRulesOptions = {}): ParsedRules {
  const lc = new LineCounter();
  const doc = parseDocument(content, { lineCounter: lc, uniqueKeys: false, prettyErrors: false, version: '1.1' });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line;
    return {
      file: null,
      errors: [`yaml: line ${line}: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`],
    };
  }
  const d = new Decoder(lc);
  const ignore = opts.ignoreUnknownFields ?? false;
  const root = doc.contents as YamlNode | null;
  const groups: RuleGroupSpec[] = [];
  if (root && !(isScalar(root) && root.value === null)) {
    if (!isMap(root)) d.typeErr(root, 'rulefmt.RuleGroups');
    const top = d.fields(root, new Set(['groups']), 'rulefmt.RuleGroups', ignore);
    const gs = top.get('groups')?.value;
    if (gs && !(isScalar(gs) && gs.value === null)) {
      if (!isSeq(gs)) d.typeErr(gs, '[]rulefmt.RuleGroup');
      else {
        for (const gn of gs.items as YamlNode[]) {
          if (!isMap(gn)) {
            d.typeErr(gn, 'rulefmt.RuleGroup');
            continue;
          }
          const f = d.fields(gn, GROUP_FIELDS, 'rulefmt.RuleGroup', ignore);
          const g: RuleGroupSpec = {
            name: d.str(f.get('name')?.value),
            interval: d.duration(f.get('interval')?.value) ?? 0,
            queryOffset: d.duration(f.get('query_offset')?.value),
            limit: d.int(f.get('limit')?.value),
            labels: d.stringMap(f.get('labels')?.value),
            rules: [],
            pos: d.pos(gn),
          };
          const rs = f.get('rules')?.value;
          if (rs && !(isScalar(rs) && rs.value === null)) {
            if (!isSeq(rs)) d.typeErr(rs, '[]rulefmt.Rule');
            else {
              for (const rn of rs.items as YamlNode[]) {
                if (!isMap(rn)) {
                  d.typeErr(rn, 'rulefmt.Rule');
                  continue;
                }
                const rf = d.fields(rn, RULE_FIELDS, 'rulefmt.Rule', ignore);
                const r: RuleSpec = {
                  expr: d.str(rf.get('expr')?.value),
                  for: d.duration(rf.get('for')?.value) ?? 0,
                  keepFiringFor: d.duration(rf.get('keep_firing_for')?.value) ?? 0,
                  labels: d.stringMap(rf.get('labels')?.value),
                  annotations: d.stringMap(rf.get('annotations')?.value),
                  pos: { rule: d.pos(rn) },
                };
                const rec = rf.get('record');
                if (rec) {
                  r.record = d.str(rec.value);
                  r.pos.record = d.pos(rec.value);
                }
                const al = rf.get('alert');
                if (al) {
                  r.alert = d.str(al.value);
                  r.pos.alert = d.pos(al.value);
                }
                const ex = rf.get('expr');
                if (ex) r.pos.expr = d.pos(ex.value);
                g.rules.push(r);
              }
            }
          }
          groups.push(g);
        }
      }
    }
  }
  const errors: string[] = [];
  if (d.unmarshal.length > 0) errors.push('yaml: unmarshal errors:\n  ' + d.unmarshal.join('\n  '));
  errors.push(...d.errors);
  if (errors.length > 0) return { file: null, errors };
  const file: RuleFile = { groups };
  return { file, errors: validateRuleFile(file, opts.validateExpr) };
}

function fmtPos(p: Position | undefined): Position {
  return p ?? { line: 0, column: 0 };
}

/** rulefmt's RuleGroups.Validate. */
export function validateRuleFile(file: RuleFile, validateExpr?: ExprValidator): string[] {
  const errs: string[] = [];
  const seen = new Set<string>();
  for (const g of file.groups) {
    if (g.name === '') errs.push(`${g.pos.line}:${g.pos.column}: Groupname must not be empty`);
    if (seen.has(g.name))
      errs.push(`${g.pos.line}:${g.pos.column}: groupname: "${g.name}" is repeated in the same file`);
    for (const [k, v] of Object.entries(g.labels)) {
      if (!isValidUtf8Name(k) || k === METRIC_NAME) errs.push(`invalid label name: ${k}`);
      if (!isValidLabelValue(v)) errs.push(`invalid label value: ${v}`);
    }
    seen.add(g.name);
    g.rules.forEach((r, i) => {
      const name = r.alert ? r.alert : (r.record ?? '');
      for (const w of validateRule(r, validateExpr)) {
        let prefix = '';
        if (w.node && w.nodeAlt) {
          const a = fmtPos(w.node);
          const b = fmtPos(w.nodeAlt);
          prefix = `${a.line}:${a.column}: ${b.line}:${b.column}: `;
        } else if (w.node) prefix = `${w.node.line}:${w.node.column}: `;
        errs.push(`${prefix}group ${JSON.stringify(g.name)}, rule ${i + 1}, ${JSON.stringify(name)}: ${w.err}`);
      }
    });
  }
  return errs;
}

interface Wrapped {
  err: string;
  node?: Position;
  nodeAlt?: Position;
}

const ZERO: Position = { line: 0, column: 0 };

/** rulefmt's Rule.Validate. */
export function validateRule(r: RuleSpec, validateExpr?: ExprValidator): Wrapped[] {
  const out: Wrapped[] = [];
  const record = r.record ?? '';
  const alert = r.alert ?? '';
  if (record !== '' && alert !== '') {
    out.push({
      err: "only one of 'record' and 'alert' must be set",
      node: r.pos.record ?? ZERO,
      nodeAlt: r.pos.alert ?? ZERO,
    });
  }
  if (record === '' && alert === '') {
    out.push({
      err: "one of 'record' or 'alert' must be set",
      node: r.pos.record ?? ZERO,
      nodeAlt: r.pos.alert ?? ZERO,
    });
  }
  if (r.expr === '') {
    out.push({ err: "field 'expr' must be set in rule", node: r.pos.expr ?? ZERO });
  } else if (validateExpr) {
    try {
      validateExpr(r.expr);
    } catch (e) {
      out.push({ err: `could not parse expression: ${(e as Error).message}`, node: r.pos.expr ?? ZERO });
    }
  }
  if (record !== '') {
    const node = r.pos.record ?? ZERO;
    if (Object.keys(r.annotations).length > 0) out.push({ err: "invalid field 'annotations' in recording rule", node });
    if (r.for !== 0) out.push({ err: "invalid field 'for' in recording rule", node });
    if (r.keepFiringFor !== 0) out.push({ err: "invalid field 'keep_firing_for' in recording rule", node });
    if (!isValidUtf8Name(record)) out.push({ err: `invalid recording rule name: ${record}`, node });
    if (record.includes('{') || record.includes('}')) {
      out.push({ err: `braces present in the recording rule name; should it be in expr?: ${record}`, node });
    }
  }
  for (const [k, v] of Object.entries(r.labels)) {
    if (!isValidUtf8Name(k) || k === METRIC_NAME) out.push({ err: `invalid label name: ${k}` });
    if (!isValidLabelValue(v)) out.push({ err: `invalid label value: ${v}` });
  }
  for (const k of Object.keys(r.annotations)) {
    if (!isValidUtf8Name(k)) out.push({ err: `invalid annotation name: ${k}` });
  }
  if (alert !== '') {
    const name = `__alert_${alert}`;
    const defs =
      '{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}';
    const check = (text: string): string | null => {
      try {
        parseTest(name, defs + text);
        return null;
      } catch (e) {
        return (e as Error).message;
      }
    };
    for (const [k, v] of Object.entries(r.labels)) {
      const e = check(v);
      if (e) out.push({ err: `label ${JSON.stringify(k)}: ${e}` });
    }
    for (const [k, v] of Object.entries(r.annotations)) {
      const e = check(v);
      if (e) out.push({ err: `annotation ${JSON.stringify(k)}: ${e}` });
    }
  }
  return out;
}

/** Reads and parses a rule file; errors are prefixed with the file name like rulefmt.ParseFile. */
export async function parseRuleFile(path: string, opts: ParseRulesOptions = {}): Promise<ParsedRules> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'ENOENT'
        ? 'no such file or directory'
        : err.code === 'EISDIR'
          ? 'is a directory'
          : err.code === 'EACCES'
            ? 'permission denied'
            : err.message;
    return { file: null, errors: [`${path}: open ${path}: ${why}`] };
  }
  const res = parseRules(content, opts);
  return { file: res.file, errors: res.errors.map((e) => `${path}: ${e}`) };
}

export interface DuplicateRule {
  metric: string;
  labels: Record<string, string>;
}

/** promtool's duplicate-rule lint: rules with the same name and labels, in any group of the file. */
export function findDuplicateRules(file: RuleFile): DuplicateRule[] {
  const all: { metric: string; labels: Record<string, string>; key: string }[] = [];
  for (const g of file.groups) {
    for (const r of g.rules) {
      const metric = r.alert ? r.alert : (r.record ?? '');
      const sorted = Object.entries(r.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      all.push({ metric, labels: Object.fromEntries(sorted), key: JSON.stringify([metric, sorted]) });
    }
  }
  all.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const out: DuplicateRule[] = [];
  for (let i = 1; i < all.length; i++) {
    if (all[i]!.key === all[i - 1]!.key) out.push({ metric: all[i]!.metric, labels: all[i]!.labels });
  }
  return out;
}

/** promtool's lint message for duplicates. */
export function duplicateRulesMessage(d: DuplicateRule[]): string {
  let msg = `lint error ${d.length} duplicate rule(s) found.\n`;
  for (const n of d) {
    msg += `Metric: ${n.metric}\nLabel(s):\n`;
    for (const [k, v] of Object.entries(n.labels)) msg += `\t${k}: ${v}\n`;
  }
  return msg + 'Might cause inconsistency while recording expressions';
}

/** Number of rules in a parsed file. */
export function countRules(file: RuleFile): number {
  return file.groups.reduce((n, g) => n + g.rules.length, 0);
}
