/**
 * Relabeling (`relabel_configs`, `metric_relabel_configs`, `alert_relabel_configs`), with the
 * semantics of Prometheus' model/relabel: every action, RE2 regexes anchored on both ends, Go
 * template expansion (`$1`, `${name}`), hashmod on the MD5 of the joined source values.
 *
 * Configs come in the shape of prometheus.yml (snake_case, optional fields); `compileRelabelConfigs`
 * applies Prometheus' defaults, validates with Prometheus' messages and compiles the regexes once.
 */
import { createHash } from 'node:crypto';
import { expandTemplate, Regex, RegexError } from '../model/regex.js';
import { isLegacyLabelName, isValidUtf8Name, type Labels, LabelsBuilder } from '../model/labels.js';

export type RelabelAction =
  | 'replace'
  | 'keep'
  | 'drop'
  | 'keepequal'
  | 'dropequal'
  | 'hashmod'
  | 'labelmap'
  | 'labeldrop'
  | 'labelkeep'
  | 'lowercase'
  | 'uppercase';

export const RELABEL_ACTIONS: readonly RelabelAction[] = [
  'replace',
  'keep',
  'drop',
  'keepequal',
  'dropequal',
  'hashmod',
  'labelmap',
  'labeldrop',
  'labelkeep',
  'lowercase',
  'uppercase',
];

/** A relabel_config entry exactly as written in prometheus.yml (all fields optional). */
export interface RelabelConfig {
  source_labels?: string[] | null;
  separator?: string | null;
  target_label?: string | null;
  regex?: string | null;
  modulus?: number | null;
  replacement?: string | null;
  action?: string | null;
}

/** Prometheus' DefaultRelabelConfig. */
export const DEFAULT_RELABEL_CONFIG = {
  separator: ';',
  regex: '(.*)',
  replacement: '$1',
  action: 'replace' as RelabelAction,
};

/** Label-name validation scheme: Prometheus 3 defaults to UTF-8 names. */
export type NameValidationScheme = 'utf8' | 'legacy';

/** A validated, compiled relabel rule. */
export interface CompiledRelabel {
  readonly sourceLabels: readonly string[];
  readonly separator: string;
  readonly targetLabel: string;
  readonly regex: Regex;
  /** The regex as written (after defaulting), e.g. '(.*)'. */
  readonly regexSource: string;
  readonly modulus: number;
  readonly replacement: string;
  readonly action: RelabelAction;
  /** Whether target or replacement contain `$` (disables the replace fast path). */
  readonly templated: boolean;
  readonly scheme: NameValidationScheme;
}

/** An invalid relabel config; `index` is the position of the rule in its list. */
export class RelabelConfigError extends Error {
  override readonly name = 'RelabelConfigError';
  constructor(
    message: string,
    readonly index?: number,
  ) {
    super(message);
  }
}

// Prometheus' relabelTarget: a label name in which `$1` / `${name}` references may appear.
const RELABEL_TARGET_LEGACY = /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/;

function validTemplateName(s: string, scheme: NameValidationScheme): boolean {
  if (scheme === 'legacy') return RELABEL_TARGET_LEGACY.test(s);
  return isValidUtf8Name(s);
}

function validName(s: string, scheme: NameValidationScheme): boolean {
  return scheme === 'legacy' ? isLegacyLabelName(s) : isValidUtf8Name(s);
}

/**
 * Applies defaults, validates (Prometheus' relabel.Config.Validate messages) and compiles one rule.
 * Throws RelabelConfigError.
 */
export function compileRelabelConfig(
  cfg: RelabelConfig,
  scheme: NameValidationScheme = 'utf8',
  index?: number,
): CompiledRelabel {
  const fail = (msg: string): never => {
    throw new RelabelConfigError(msg, index);
  };
  const rawAction = cfg.action ?? DEFAULT_RELABEL_CONFIG.action;
  if (rawAction === '') fail('relabel action cannot be empty');
  const action = rawAction.toLowerCase() as RelabelAction;
  if (!RELABEL_ACTIONS.includes(action)) fail(`unknown relabel action "${rawAction}"`);

  const separatorSet = cfg.separator !== undefined && cfg.separator !== null;
  const separator = cfg.separator ?? DEFAULT_RELABEL_CONFIG.separator;
  const regexSource = cfg.regex ?? DEFAULT_RELABEL_CONFIG.regex;
  const replacement = cfg.replacement ?? DEFAULT_RELABEL_CONFIG.replacement;
  const targetLabel = cfg.target_label ?? '';
  const modulus = cfg.modulus ?? 0;
  const sourceLabels = cfg.source_labels ?? [];

  if (!Array.isArray(sourceLabels) || sourceLabels.some((s) => typeof s !== 'string')) {
    fail('source_labels must be a list of label names');
  }
  if (!Number.isInteger(modulus) || modulus < 0) fail(`invalid modulus ${String(modulus)}`);

  let regex: Regex;
  try {
    regex = Regex.compile(regexSource);
  } catch (e) {
    const msg = e instanceof RegexError ? e.message : String(e);
    return fail(msg);
  }

  if (modulus === 0 && action === 'hashmod') fail('relabel configuration for hashmod requires non-zero modulus');
  const needsTarget = ['replace', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal'];
  if (needsTarget.includes(action) && targetLabel === '') {
    fail(`relabel configuration for ${action} action requires 'target_label' value`);
  }
  if (action === 'replace' && !validTemplateName(targetLabel, scheme)) {
    fail(`"${targetLabel}" is invalid 'target_label' for ${action} action`);
  }
  const simpleTarget = ['lowercase', 'uppercase', 'keepequal', 'dropequal'];
  if (simpleTarget.includes(action) && !validName(targetLabel, scheme)) {
    fail(`"${targetLabel}" is invalid 'target_label' for ${action} action`);
  }
  if (simpleTarget.includes(action) && replacement !== DEFAULT_RELABEL_CONFIG.replacement) {
    fail(`'replacement' can not be set for ${action} action`);
  }
  if (action === 'labelmap' && !validTemplateName(replacement, scheme)) {
    fail(`"${replacement}" is invalid 'replacement' for ${action} action`);
  }
  if (action === 'hashmod' && !validName(targetLabel, scheme)) {
    fail(`"${targetLabel}" is invalid 'target_label' for ${action} action`);
  }
  if (action === 'keepequal' || action === 'dropequal') {
    if (
      regexSource !== DEFAULT_RELABEL_CONFIG.regex ||
      modulus !== 0 ||
      separator !== DEFAULT_RELABEL_CONFIG.separator ||
      replacement !== DEFAULT_RELABEL_CONFIG.replacement
    ) {
      fail(`${action} action requires only 'source_labels' and \`target_label\`, and no other fields`);
    }
  }
  if (action === 'labeldrop' || action === 'labelkeep') {
    if (
      sourceLabels.length > 0 ||
      targetLabel !== '' ||
      modulus !== 0 ||
      (separatorSet && separator !== DEFAULT_RELABEL_CONFIG.separator) ||
      replacement !== DEFAULT_RELABEL_CONFIG.replacement
    ) {
      fail(`${action} action requires only 'regex', and no other fields`);
    }
  }
  return {
    sourceLabels,
    separator,
    targetLabel,
    regex,
    regexSource,
    modulus,
    replacement,
    action,
    templated: targetLabel.includes('$') || replacement.includes('$'),
    scheme,
  };
}

/** Compiles a list of rules; errors name the rule's position (`relabel_configs[2]: …`). */
export function compileRelabelConfigs(
  cfgs: readonly RelabelConfig[] | null | undefined,
  scheme: NameValidationScheme = 'utf8',
): CompiledRelabel[] {
  return (cfgs ?? []).map((c, i) => compileRelabelConfig(c ?? {}, scheme, i));
}

function isCompiled(c: RelabelConfig | CompiledRelabel): c is CompiledRelabel {
  return (c as CompiledRelabel).regex instanceof Regex;
}

/**
 * Hashmod as Prometheus computes it: MD5 of the value, the last 8 bytes read as a big-endian
 * uint64, modulo `modulus`.
 */
export function hashmod(value: string, modulus: number): string {
  const sum = createHash('md5').update(value, 'utf8').digest();
  const tail = sum.readBigUInt64BE(8);
  return (tail % BigInt(modulus)).toString();
}

/**
 * Applies one rule to the builder. Returns false when the rule drops the label set.
 */
function relabelOne(c: CompiledRelabel, lb: LabelsBuilder): boolean {
  let val: string;
  const src = c.sourceLabels;
  if (src.length === 1) val = lb.get(src[0]!);
  else if (src.length === 0) val = '';
  else {
    val = lb.get(src[0]!);
    for (let i = 1; i < src.length; i++) val += c.separator + lb.get(src[i]!);
  }
  switch (c.action) {
    case 'drop':
      return !c.regex.matches(val);
    case 'keep':
      return c.regex.matches(val);
    case 'dropequal':
      return lb.get(c.targetLabel) !== val;
    case 'keepequal':
      return lb.get(c.targetLabel) === val;
    case 'replace': {
      // Fast path (as Prometheus): empty value, default regex, no templates → set target directly.
      if (val === '' && c.regexSource === DEFAULT_RELABEL_CONFIG.regex && !c.templated) {
        lb.set(c.targetLabel, c.replacement);
        return true;
      }
      // The default regex matches everything with one group: skip the regex engine.
      const m = c.regexSource === DEFAULT_RELABEL_CONFIG.regex ? { groups: [val, val], named: {} } : c.regex.exec(val);
      if (!m) return true; // no match: no replacement
      const target = expandTemplate(c.targetLabel, m.groups, m.named);
      if (!validName(target, c.scheme)) return true;
      const res = expandTemplate(c.replacement, m.groups, m.named);
      if (res === '') lb.del(target);
      else lb.set(target, res);
      return true;
    }
    case 'lowercase':
      lb.set(c.targetLabel, goLower(val));
      return true;
    case 'uppercase':
      lb.set(c.targetLabel, goUpper(val));
      return true;
    case 'hashmod':
      lb.set(c.targetLabel, hashmod(val, c.modulus));
      return true;
    case 'labelmap': {
      const pairs: [string, string][] = [];
      lb.forEach((n, v) => pairs.push([n, v]));
      for (const [n, v] of pairs) {
        const m = c.regex.exec(n);
        if (!m) continue;
        lb.set(expandTemplate(c.replacement, m.groups, m.named), v);
      }
      return true;
    }
    case 'labeldrop': {
      const names: string[] = [];
      lb.forEach((n) => names.push(n));
      for (const n of names) if (c.regex.matches(n)) lb.del(n);
      return true;
    }
    case 'labelkeep': {
      const names: string[] = [];
      lb.forEach((n) => names.push(n));
      for (const n of names) if (!c.regex.matches(n)) lb.del(n);
      return true;
    }
  }
}

/** Whether `s` is all ASCII (JS and Go case mappings agree there). */
function ascii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * Go's strings.ToLower / ToUpper: each code point on its own, by its simple case mapping. JS's
 * toLowerCase/toUpperCase use full, context-sensitive mappings ("ß" → "SS", final "Σ" → "ς",
 * "İ" → "i̇"), which Go does not: a code point whose JS mapping is not a single code point keeps
 * Go's simple mapping (İ → i) or stays as it is.
 */
function mapCase(s: string, upper: boolean): string {
  if (ascii(s)) return upper ? s.toUpperCase() : s.toLowerCase();
  let out = '';
  for (const ch of s) {
    const m = upper ? ch.toUpperCase() : ch.toLowerCase();
    if ([...m].length === 1) out += m;
    else out += !upper && ch === '\u0130' ? 'i' : ch;
  }
  return out;
}

export function goLower(s: string): string {
  return mapCase(s, false);
}

export function goUpper(s: string): string {
  return mapCase(s, true);
}

/**
 * Applies rules in order to the builder in place (Prometheus' ProcessBuilder). Returns false as soon
 * as a rule drops the label set.
 */
export function processBuilder(lb: LabelsBuilder, rules: readonly CompiledRelabel[]): boolean {
  for (const r of rules) if (!relabelOne(r, lb)) return false;
  return true;
}

/**
 * Relabels `labels` (Prometheus' relabel.Process). Returns the new labels, or null when a rule
 * dropped them. Accepts compiled rules, or raw configs (compiled on the fly; throws
 * RelabelConfigError when invalid).
 */
export function relabel(labels: Labels, rules: readonly (CompiledRelabel | RelabelConfig)[]): Labels | null {
  if (rules.length === 0) return labels;
  const compiled = rules.map((r, i) => (isCompiled(r) ? r : compileRelabelConfig(r, 'utf8', i)));
  const lb = new LabelsBuilder(labels);
  if (!processBuilder(lb, compiled)) return null;
  return lb.labels();
}
