/**
 * The state of `promctl init`'s interactive form, as a pure reducer: fields, key decoding and
 * validation as the user types. The Ink component (init-form.tsx) only renders this state.
 */
import {
  DEFAULT_INIT,
  parseJobSpec,
  validateDurationInput,
  validateHostPort,
  type InitOptions,
} from '../config/init.js';

export type FieldKey = 'file' | 'scrapeInterval' | 'evaluationInterval' | 'jobs' | 'alertmanager' | 'ruleFiles';

export interface Field {
  key: FieldKey;
  label: string;
  help: string;
  value: string;
  optional?: boolean;
}

export interface FormState {
  fields: Field[];
  index: number;
  /** The problem with the current field's value (shown as the user types). */
  error: string | null;
  /** Set when Enter was pressed on an invalid value. */
  blocked: boolean;
  done: boolean;
  cancelled: boolean;
}

/** Keys as Ink's useInput reports them (only what the form uses). */
export interface KeyInput {
  return?: boolean;
  backspace?: boolean;
  delete?: boolean;
  escape?: boolean;
  upArrow?: boolean;
  downArrow?: boolean;
  tab?: boolean;
  shift?: boolean;
  ctrl?: boolean;
}

export function validateField(key: FieldKey, value: string): string | null {
  const v = value.trim();
  switch (key) {
    case 'file':
      if (v === '') return 'enter a file name, e.g. prometheus.yml';
      if (!/\.ya?ml$/.test(v)) return 'the file name should end in .yml or .yaml';
      return null;
    case 'scrapeInterval':
    case 'evaluationInterval':
      return validateDurationInput(v);
    case 'jobs': {
      if (v === '') return 'enter at least one job: NAME=HOST:PORT, e.g. node=localhost:9100';
      const names = new Set<string>();
      for (const spec of v.split(/\s+/)) {
        try {
          const j = parseJobSpec(spec);
          if (names.has(j.name)) return `job ${j.name} is given twice`;
          names.add(j.name);
        } catch (e) {
          return (e as Error).message.replace(/^--job /, '');
        }
      }
      return null;
    }
    case 'alertmanager':
      if (v === '') return null;
      for (const t of v.split(/[\s,]+/)) {
        const e = validateHostPort(t);
        if (e) return e;
      }
      return null;
    case 'ruleFiles':
      if (v === '') return null;
      for (const f of v.split(/\s+/))
        if (f.includes('*') && f.lastIndexOf('/') > f.indexOf('*'))
          return `${f}: "*" is allowed only in the last path element`;
      return null;
  }
}

export function initialForm(defaults: Partial<InitOptions> & { file?: string } = {}): FormState {
  const o = { ...DEFAULT_INIT, ...defaults };
  const fields: Field[] = [
    { key: 'file', label: 'Config file', help: 'Where to write the config.', value: defaults.file ?? 'prometheus.yml' },
    {
      key: 'scrapeInterval',
      label: 'Scrape interval',
      help: 'How often targets are scraped, e.g. 15s, 1m.',
      value: o.scrapeInterval,
    },
    {
      key: 'evaluationInterval',
      label: 'Evaluation interval',
      help: 'How often rules are evaluated.',
      value: o.evaluationInterval,
    },
    {
      key: 'jobs',
      label: 'Jobs',
      help: 'NAME=HOST:PORT[,HOST:PORT], separated by spaces. e.g. node=localhost:9100 python_app=localhost:5000',
      value: o.jobs.map((j) => `${j.name}=${j.targets.join(',')}`).join(' '),
    },
    {
      key: 'alertmanager',
      label: 'Alertmanager',
      help: 'HOST:PORT of an Alertmanager, or empty for none.',
      value: o.alertmanagers.join(' '),
      optional: true,
    },
    {
      key: 'ruleFiles',
      label: 'Rule files',
      help: 'Paths or globs, separated by spaces (e.g. rules/*.yml), or empty.',
      value: o.ruleFiles.join(' '),
      optional: true,
    },
  ];
  return {
    fields,
    index: 0,
    error: validateField('file', fields[0]!.value),
    blocked: false,
    done: false,
    cancelled: false,
  };
}

function withValue(s: FormState, value: string): FormState {
  const fields = s.fields.map((f, i) => (i === s.index ? { ...f, value } : f));
  return { ...s, fields, error: validateField(fields[s.index]!.key, value), blocked: false };
}

function moveTo(s: FormState, index: number): FormState {
  const i = Math.max(0, Math.min(s.fields.length - 1, index));
  return { ...s, index: i, error: validateField(s.fields[i]!.key, s.fields[i]!.value), blocked: false };
}

/** One key press. `input` is the typed text (may be several characters when pasted). */
export function reduce(s: FormState, input: string, key: KeyInput): FormState {
  if (s.done || s.cancelled) return s;
  if (key.escape || (key.ctrl && input === 'c')) return { ...s, cancelled: true };
  const cur = s.fields[s.index]!;
  if (key.return) {
    if (s.error) return { ...s, blocked: true };
    if (s.index === s.fields.length - 1) return { ...s, done: true };
    return moveTo(s, s.index + 1);
  }
  if (key.upArrow || (key.tab && key.shift)) return moveTo(s, s.index - 1);
  if (key.downArrow || key.tab) {
    if (s.error) return { ...s, blocked: true };
    return moveTo(s, s.index + 1);
  }
  if (key.backspace || key.delete) return withValue(s, cur.value.slice(0, -1));
  if (key.ctrl && input === 'u') return withValue(s, '');
  if (key.ctrl || input === '') return s;
  // drop control characters (e.g. from a paste)
  // eslint-disable-next-line no-control-regex
  const text = input.replace(/[\u0000-\u001f\u007f]/g, '');
  return text ? withValue(s, cur.value + text) : s;
}

/**
 * One chunk of terminal input. Keys typed faster than the screen redraws (or pasted) arrive
 * together, e.g. "\x7fm\r" (backspace, m, Enter); Ink then reports them as one string, so the
 * chunk is split into text runs and single Enter/backspace/Tab/ctrl-U/ctrl-C keys, applied in order.
 */
export function reduceChunk(s: FormState, input: string, key: KeyInput): FormState {
  // eslint-disable-next-line no-control-regex
  if (input.length <= 1 || !/[\r\n\t\b\u007f\u0015\u0003]/.test(input) || input.includes('\u001b'))
    return reduce(s, input, key);
  // eslint-disable-next-line no-control-regex
  for (const part of input.match(/[\r\n\t\b\u007f\u0015\u0003]|[^\r\n\t\b\u007f\u0015\u0003]+/g) ?? []) {
    if (part === '\r' || part === '\n') s = reduce(s, '', { return: true });
    else if (part === '\t') s = reduce(s, '', { tab: true });
    else if (part === '\b' || part === '\u007f') s = reduce(s, '', { backspace: true });
    else if (part === '\u0015') s = reduce(s, 'u', { ctrl: true });
    else if (part === '\u0003') s = reduce(s, 'c', { ctrl: true });
    else s = reduce(s, part, {});
  }
  return s;
}

/** The answers as init options (call when `done`). */
export function formResult(s: FormState): InitOptions & { file: string } {
  const get = (k: FieldKey) => s.fields.find((f) => f.key === k)!.value.trim();
  return {
    file: get('file'),
    scrapeInterval: get('scrapeInterval'),
    evaluationInterval: get('evaluationInterval'),
    jobs: get('jobs').split(/\s+/).filter(Boolean).map(parseJobSpec),
    alertmanagers: get('alertmanager')
      .split(/[\s,]+/)
      .filter(Boolean),
    ruleFiles: get('ruleFiles').split(/\s+/).filter(Boolean),
  };
}
