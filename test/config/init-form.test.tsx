import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { parseConfig, renderInitConfig } from '../../src/lib/config/index.js';
import { InitForm, InitFormView } from '../../src/lib/ui/init-form.js';
import {
  formResult,
  initialForm,
  reduce,
  reduceChunk,
  validateField,
  type FormState,
  type KeyInput,
} from '../../src/lib/ui/init-form-model.js';

const type = (s: FormState, text: string) => [...text].reduce((st, ch) => reduce(st, ch, {}), s);
const press = (s: FormState, key: KeyInput, n = 1) =>
  Array.from({ length: n }).reduce<FormState>((st) => reduce(st, '', key), s);
const clear = (s: FormState) => reduce(s, 'u', { ctrl: true });

describe('init form model (pure)', () => {
  it('accepts the defaults with Enter and yields a valid config', () => {
    const s = press(initialForm(), { return: true }, 6);
    expect(s.done).toBe(true);
    const r = formResult(s);
    expect(r).toMatchObject({
      file: 'prometheus.yml',
      scrapeInterval: '15s',
      jobs: [{ name: 'prometheus', targets: ['localhost:9090'] }],
    });
    expect(parseConfig(renderInitConfig(r)).scrape_configs).toHaveLength(1);
  });

  it('takes several keys in one chunk (fast typing, paste) in order', () => {
    let s = reduceChunk(initialForm(), '\r\u00151x', {}); // Enter, ctrl-U, "1x"
    expect(s.index).toBe(1);
    expect(s.fields[1]!.value).toBe('1x');
    expect(s.error).toMatch(/not a duration/);
    s = reduceChunk(s, '\u007fm\r\r', {}); // backspace, "m", Enter, Enter
    expect(s.fields[1]!.value).toBe('1m');
    expect(s.index).toBe(3);
    s = reduceChunk(s, '\u0015prometheus=localhost:9090 node=localhost:9100\r\r\r', {});
    expect(s.done).toBe(true);
    expect(formResult(s).jobs.map((j) => j.name)).toEqual(['prometheus', 'node']);
    // A plain paste stays text; escape sequences go to Ink's own key parsing.
    expect(reduceChunk(initialForm(), 'abc', {}).fields[0]!.value).toBe('prometheus.ymlabc');
  });

  it('validates as the user types and blocks Enter on an invalid answer', () => {
    let s = press(initialForm(), { return: true }); // → scrape interval
    s = type(clear(s), '15');
    expect(s.error).toMatch(/not a duration/);
    s = reduce(s, '', { return: true });
    expect(s.blocked).toBe(true);
    expect(s.index).toBe(1);
    s = type(s, 's');
    expect(s.error).toBeNull();
    s = reduce(s, '', { return: true });
    expect(s.index).toBe(2);
  });

  it('edits jobs, Alertmanager and rule files', () => {
    let s = press(initialForm(), { return: true }, 3); // → jobs
    s = type(clear(s), 'node=localhost:9100 app=localhost');
    expect(s.error).toMatch(/no port/);
    s = type(s, ':5000');
    expect(s.error).toBeNull();
    s = press(s, { return: true });
    s = type(s, 'localhost:9093');
    s = press(s, { return: true });
    s = type(s, 'rules/*.yml');
    s = press(s, { return: true });
    expect(s.done).toBe(true);
    const r = formResult(s);
    expect(r.jobs.map((j) => j.name)).toEqual(['node', 'app']);
    expect(r.alertmanagers).toEqual(['localhost:9093']);
    expect(r.ruleFiles).toEqual(['rules/*.yml']);
  });

  it('moves back with ↑, deletes with backspace, cancels with Esc', () => {
    let s = press(initialForm(), { return: true }, 2);
    s = press(s, { upArrow: true });
    expect(s.index).toBe(1);
    s = press(s, { backspace: true });
    expect(s.fields[1]!.value).toBe('15');
    expect(reduce(s, '', { escape: true }).cancelled).toBe(true);
    expect(reduce(s, 'c', { ctrl: true }).cancelled).toBe(true);
  });

  it('field validators', () => {
    expect(validateField('file', 'prometheus.txt')).toMatch(/\.yml/);
    expect(validateField('jobs', 'a=h:1 a=h:2')).toMatch(/twice/);
    expect(validateField('alertmanager', '')).toBeNull();
    expect(validateField('ruleFiles', 'rules/*/x.yml')).toMatch(/last path element/);
  });
});

describe('init form (Ink)', () => {
  it('renders the fields, the active one with its help', () => {
    const { lastFrame } = render(<InitFormView state={initialForm()} />);
    const f = lastFrame()!;
    expect(f).toContain('promctl init');
    expect(f).toContain('Config file');
    expect(f).toContain('prometheus.yml');
    expect(f).toContain('Where to write the config.');
    expect(f).toContain('Scrape interval');
  });

  it('takes key presses and reports the answers', async () => {
    let result: unknown = undefined;
    const { stdin, lastFrame } = render(<InitForm onDone={(r) => (result = r)} />);
    const tick = () => new Promise((r) => setTimeout(r, 30));
    // Renders take longer than a tick on a loaded machine: wait for what the test expects.
    const until = async (cond: () => boolean, what: string) => {
      for (const end = Date.now() + 10_000; !cond(); await tick())
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last frame:\n${lastFrame()}`);
    };
    await tick();
    stdin.write('\r'); // file
    await tick();
    stdin.write('\u0015'); // ctrl-u: clear the interval
    await tick();
    stdin.write('1x');
    await tick();
    await until(() => (lastFrame() ?? '').includes('1x is not a duration'), 'the duration error');
    stdin.write('\u007f'); // backspace
    await tick();
    stdin.write('m');
    await tick();
    for (let i = 0; i < 5; i++) {
      stdin.write('\r');
      await tick();
    }
    await until(() => result !== undefined, 'the answers');
    expect(result).toMatchObject({ scrapeInterval: '1m', file: 'prometheus.yml' });
  });
});
