/**
 * The first thing a user does, through the built CLI (bin/run.js) as a shell would run it:
 * init → target add → check → break the file on purpose → check explains it. Every config promctl
 * writes, and every prometheus.yml under examples/, must pass both `promctl check config` and the
 * real `promtool check config` (Debian's Prometheus 2.42); the mistakes must fail both, with
 * promctl naming file:line:column. Also the CLI's shared behaviour: --json, colors off when piped,
 * exit codes, help, --version, completion, and bin/run.js' fast path printing exactly what the
 * oclif path prints.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/conformance.js';
import { repoRootBin, which } from '../support/procs.js';

const promtool = which('promtool');
let dir = '';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** promctl in `dir`, output piped (not a terminal), NO_COLOR unset unless given. */
function promctl(args: string[], env: NodeJS.ProcessEnv = {}, cwd = dir): Run {
  const base = { ...process.env };
  delete base.NO_COLOR;
  delete base.FORCE_COLOR;
  const r = spawnSync(process.execPath, [repoRootBin, ...args], { cwd, env: { ...base, ...env }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function promtoolCheck(file: string, cwd = dir): Run {
  const r = spawnSync(promtool!, ['check', 'config', file], { cwd, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Both tools accept the file. */
function bothAccept(file: string, cwd = dir): void {
  const a = promctl(['check', 'config', file], {}, cwd);
  expect(a.stderr, `promctl check config ${file}`).toBe('');
  expect(a.status).toBe(0);
  expect(a.stdout).toContain(': valid Prometheus config');
  const b = promtoolCheck(file, cwd);
  expect(b.status, `promtool check config ${file}:\n${b.stdout}${b.stderr}`).toBe(0);
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[/;

beforeAll(() => {
  if (!existsSync(join(repoRoot, 'dist/lib/cli/fast-path.js')))
    throw new Error('run `npm run build` first: these tests run bin/run.js');
  dir = mkdtempSync(join(tmpdir(), 'promctl-journey-'));
  cpSync(join(repoRoot, 'examples/rules'), join(dir, 'rules'), { recursive: true });
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!promtool)('config journey (init, target, check) against promtool', () => {
  it('init writes configs that promctl and promtool both accept, and never replaces a file without --force', () => {
    const variants: string[][] = [
      [],
      ['--preset', 'prometheus', '--preset', 'node', '--preset', 'python_app'],
      [
        '--scrape-interval',
        '30s',
        '--evaluation-interval',
        '1m',
        '--job',
        'node=10.0.0.5:9100,10.0.0.6:9100',
        '--job',
        'api=localhost:8080',
        '--alertmanager',
        'localhost:9093',
        '--rule-file',
        'rules/*.rules.yml',
      ],
    ];
    variants.forEach((flags, i) => {
      const file = `init-${i}.yml`;
      const r = promctl(['init', '--file', file, ...flags]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`wrote ${file}`);
      bothAccept(file);
    });
    expect(readFileSync(join(dir, 'init-2.yml'), 'utf8')).toMatch(/rule_files:\n {2}- rules\/\*\.rules\.yml/);
    const again = promctl(['init', '--file', 'init-0.yml']);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('init-0.yml already exists: not replacing it');
    expect(again.stderr).toContain('--force');
    expect(promctl(['init', '--file', 'init-0.yml', '--force', '--preset', 'node']).status).toBe(0);
    expect(readFileSync(join(dir, 'init-0.yml'), 'utf8')).toContain("targets: ['localhost:9100']");
    // Bad input is a usage error with the reason, and writes nothing.
    const bad = promctl(['init', '--file', 'nope.yml', '--job', 'node=localhost']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^error: .*localhost/);
    expect(existsSync(join(dir, 'nope.yml'))).toBe(false);
  });

  it('init → target add → list → check → remove, comments kept, every step accepted by promtool', () => {
    expect(promctl(['init', '--preset', 'prometheus', '--preset', 'node']).status).toBe(0);
    const before = readFileSync(join(dir, 'prometheus.yml'), 'utf8');
    const comments = before.split('\n').filter((l) => l.trim().startsWith('#'));
    expect(comments.length).toBeGreaterThan(5);

    const add = promctl(['target', 'add', 'node', '10.0.0.5:9100', '--label', 'env=prod']);
    expect(add.stderr).toBe('');
    expect(add.status).toBe(0);
    expect(add.stdout).toContain('added 10.0.0.5:9100 to job node');
    const addJob = promctl(['target', 'add', 'python_app', 'localhost:5000', '--json']);
    expect(addJob.status).toBe(0);
    expect(JSON.parse(addJob.stdout)).toMatchObject({ job: 'python_app', target: 'localhost:5000' });
    bothAccept('prometheus.yml');

    const after = readFileSync(join(dir, 'prometheus.yml'), 'utf8');
    for (const c of comments) expect(after).toContain(c);

    const list = JSON.parse(promctl(['target', 'list', '--json']).stdout) as {
      jobs: { job: string; targets: { target: string; labels: Record<string, string> }[] }[];
    };
    expect(list.jobs.map((j) => j.job)).toEqual(['prometheus', 'node', 'python_app']);
    expect(list.jobs[1]!.targets).toEqual([
      { target: 'localhost:9100', labels: {} },
      { target: '10.0.0.5:9100', labels: { env: 'prod' } },
    ]);
    const table = promctl(['target', 'list']);
    expect(table.stdout).toMatch(/node +localhost:9100/);
    expect(table.stdout).not.toMatch(ANSI);

    // Refused edits say why and leave the file alone.
    const dup = promctl(['target', 'add', 'node', '10.0.0.5:9100', '--label', 'env=prod']);
    expect(dup.status).toBe(1);
    expect(dup.stderr).toContain('10.0.0.5:9100 is already a target of job node');
    const twice = promctl(['target', 'add', 'node', '10.0.0.5:9100']);
    expect(twice.status).toBe(1);
    expect(twice.stderr).toContain('would scrape it twice');
    const badTarget = promctl(['target', 'add', 'node', 'http://10.0.0.7:9100/metrics']);
    expect(badTarget.status).toBe(1);
    expect(readFileSync(join(dir, 'prometheus.yml'), 'utf8')).toBe(after);

    const rm = promctl(['target', 'remove', 'python_app', 'localhost:5000']);
    expect(rm.status).toBe(0);
    bothAccept('prometheus.yml');
    expect(readFileSync(join(dir, 'prometheus.yml'), 'utf8')).not.toContain('python_app');
  });

  describe('breaking the file on purpose: promctl and promtool both reject it, promctl says where', () => {
    const base = `global:
  scrape_interval: 15s
  evaluation_interval: 15s

scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['localhost:9090']

  - job_name: node
    static_configs:
      - targets: ['localhost:9100']
`;
    const cases: { name: string; from: string; to: string; at: string; says: string }[] = [
      {
        name: 'bad indentation',
        from: "    static_configs:\n      - targets: ['localhost:9100']",
        to: "      static_configs:\n      - targets: ['localhost:9100']",
        at: '11:7',
        says: 'bad indentation: "static_configs:" starts in column 7, but the entries around it start in column 5',
      },
      {
        name: 'unknown field',
        from: '  evaluation_interval: 15s',
        to: '  evaluation_intervall: 15s',
        at: '3:3',
        says: 'field evaluation_intervall not found in type config.plain',
      },
      {
        name: 'bad duration',
        from: '  scrape_interval: 15s',
        to: '  scrape_interval: 15 seconds',
        at: '2:20',
        says: 'not a valid duration string: "15 seconds"',
      },
      {
        name: 'duplicate job',
        from: '  - job_name: node',
        to: '  - job_name: prometheus',
        at: '10:15',
        says: 'found multiple scrape configs with job name "prometheus"',
      },
    ];
    it('the unbroken file passes both', () => {
      writeFileSync(join(dir, 'base.yml'), base);
      bothAccept('base.yml');
    });
    for (const c of cases) {
      it(c.name, () => {
        expect(base).toContain(c.from);
        const file = `broken-${c.name.replace(/ /g, '-')}.yml`;
        writeFileSync(join(dir, file), base.replace(c.from, c.to));
        const r = promctl(['check', 'config', file]);
        expect(r.status).toBe(1);
        expect(r.stdout).toBe('');
        const [line, col] = c.at.split(':').map(Number) as [number, number];
        expect(r.stderr).toContain(`${file}:${c.at}: error: `);
        expect(r.stderr).toContain(c.says);
        // The offending line, and a caret under the column.
        const shown = base.replace(c.from, c.to).split('\n')[line - 1]!;
        expect(r.stderr).toContain(` ${line} | ${shown}\n`);
        expect(r.stderr).toMatch(new RegExp(`\\n +\\| ${' '.repeat(col - 1)}\\^\\n`));
        expect(r.stderr).toContain('hint: ');
        expect(r.stderr).not.toMatch(ANSI);
        expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+\)?\n/); // no stack trace
        expect(promtoolCheck(file).status).toBe(1);
      });
    }
    it('every problem of a file in one run', () => {
      let text = base;
      for (const c of cases.slice(1)) text = text.replace(c.from, c.to);
      writeFileSync(join(dir, 'broken-all.yml'), text);
      const r = promctl(['check', 'config', 'broken-all.yml']);
      expect(r.status).toBe(1);
      for (const c of cases.slice(1)) expect(r.stderr).toContain(`broken-all.yml:${c.at}: error: ${c.says}`);
      expect(r.stderr).toContain('✘ broken-all.yml: 3 errors');
      const json = promctl(['check', 'config', '--json', 'broken-all.yml']);
      expect(json.status).toBe(1);
      expect(json.stderr).toBe('');
      const res = JSON.parse(json.stdout) as { success: boolean; files: { problems: { line: number }[] }[] };
      expect(res.success).toBe(false);
      expect(res.files[0]!.problems.map((p) => p.line)).toEqual([2, 3, 10]);
    });
  });

  it('every prometheus.yml under examples/ passes both', () => {
    const found: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.ya?ml$/.test(e.name) && /^scrape_configs:/m.test(readFileSync(p, 'utf8'))) found.push(p);
      }
    };
    walk(join(repoRoot, 'examples'));
    expect(found.length).toBeGreaterThan(0);
    for (const f of found) bothAccept(relative(repoRoot, f), repoRoot);
  });
});

describe('the CLI around it', () => {
  beforeAll(() => {
    writeFileSync(
      join(dir, 'ok.yml'),
      "scrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: ['localhost:9100']\n",
    );
    writeFileSync(join(dir, 'bad.yml'), 'global:\n  scrape_interval: 1x\n  foo: 1\n');
  });

  it("bin/run.js' fast path prints exactly what the oclif path prints", () => {
    const invocations = [
      ['--version'],
      ['check', 'config', 'ok.yml'],
      ['check', 'config', 'bad.yml', 'ok.yml'],
      ['check', 'config', '--json', 'ok.yml'],
      ['check', 'config', '--json', 'bad.yml'],
      ['check', 'config', '--syntax-only', 'missing.yml'],
      ['check', 'config', 'rules'],
      ['check', 'config'],
    ];
    for (const argv of invocations) {
      for (const env of [{}, { FORCE_COLOR: '1' }]) {
        const fast = promctl(argv, env);
        const slow = promctl(argv, { ...env, PROMCTL_NO_FAST_PATH: '1' });
        expect(fast, argv.join(' ')).toEqual(slow);
      }
    }
    expect(promctl(['--version']).stdout).toMatch(/^promctl\/\d+\.\d+\.\d+ \S+-\S+ node-v\d+/);
  });

  it("the fast path's compile cache: created on the first run, same output after, harmless when damaged", () => {
    const cacheHome = join(dir, 'xdg-cache');
    const env = { XDG_CACHE_HOME: cacheHome };
    const first = promctl(['check', 'config', 'bad.yml', 'ok.yml'], env);
    const cacheDir = join(cacheHome, 'promctl');
    const files = readdirSync(cacheDir).filter((f) => f.startsWith('compile-cache-'));
    expect(files).toHaveLength(1);
    const cacheFile = join(cacheDir, files[0]!);
    expect(readFileSync(cacheFile).length).toBeGreaterThan(10_000);
    expect(promctl(['check', 'config', 'bad.yml', 'ok.yml'], env)).toEqual(first);
    writeFileSync(cacheFile, Buffer.from('not a cache at all, nor a valid length prefix'));
    expect(promctl(['check', 'config', 'bad.yml', 'ok.yml'], env)).toEqual(first);
    expect(readFileSync(cacheFile).length).toBeGreaterThan(10_000); // rewritten
    expect(promctl(['check', 'config', 'bad.yml', 'ok.yml'], { ...env, PROMCTL_NO_COMPILE_CACHE: '1' })).toEqual(first);
  });

  it('colors: none when piped or with NO_COLOR, on with FORCE_COLOR', () => {
    expect(promctl(['check', 'config', 'bad.yml']).stderr).not.toMatch(ANSI);
    expect(promctl(['check', 'config', 'bad.yml'], { FORCE_COLOR: '1' }).stderr).toMatch(ANSI);
    expect(promctl(['check', 'config', 'bad.yml'], { FORCE_COLOR: '1', NO_COLOR: '1' }).stderr).not.toMatch(ANSI);
    expect(promctl(['target', 'list', '--file', 'ok.yml'], { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout).not.toMatch(
      ANSI,
    );
  });

  it('--json on every command of this journey, and errors as JSON too', () => {
    const init = JSON.parse(promctl(['init', '--stdout', '--json', '--preset', 'node']).stdout) as { config: string };
    expect(init.config).toContain('job_name: node');
    const list = JSON.parse(promctl(['target', 'list', '--json', '--file', 'ok.yml']).stdout) as { jobs: unknown[] };
    expect(list.jobs).toHaveLength(1);
    const err = promctl(['target', 'list', '--json', '--file', 'missing.yml']);
    expect(err.status).toBe(1);
    expect(JSON.parse(err.stdout)).toMatchObject({ status: 'error', exitCode: 1 });
    const ok = JSON.parse(promctl(['check', 'config', '--json', 'ok.yml']).stdout) as { success: boolean };
    expect(ok.success).toBe(true);
  });

  it('exit codes: 0 valid, 1 invalid, 2 usage, 3 lint findings with --lint-fatal', () => {
    writeFileSync(
      join(dir, 'dup.rules.yml'),
      'groups:\n  - name: g\n    rules:\n      - record: a:b\n        expr: sum(up)\n      - record: a:b\n        expr: sum(up)\n',
    );
    writeFileSync(join(dir, 'lint.yml'), 'rule_files: [dup.rules.yml]\n');
    expect(promctl(['check', 'config', 'ok.yml']).status).toBe(0);
    expect(promctl(['check', 'config', 'bad.yml']).status).toBe(1);
    expect(promctl(['check', 'config', 'lint.yml']).status).toBe(0);
    expect(promctl(['check', 'config', '--lint-fatal', 'lint.yml']).status).toBe(3);
    expect(promctl(['check', 'config', '--lint', 'none', '--lint-fatal', 'lint.yml']).status).toBe(0);
    const usage = promctl(['check', 'config', '--no-such-flag', 'ok.yml']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('Nonexistent flag: --no-such-flag');
    if (promtool) {
      expect(spawnSync(promtool, ['check', 'config', '--lint-fatal', 'lint.yml'], { cwd: dir }).status).toBe(3);
    }
  });

  it('bad input gets a clear message and exit 1, never a crash', () => {
    writeFileSync(join(dir, 'empty.yml'), '');
    writeFileSync(join(dir, 'binary.yml'), Buffer.from([0, 1, 2, 0xff, 0xfe, 0, 7]));
    for (const f of ['missing.yml', 'rules', 'binary.yml']) {
      const r = promctl(['check', 'config', f]);
      expect(r.status, f).toBe(1);
      expect(r.stderr).toContain(f);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    // An empty file: Prometheus would start and scrape nothing (promtool accepts it); the issue asks
    // for a clear message and exit 1, which is what a user who emptied the file by mistake needs.
    const empty = promctl(['check', 'config', 'empty.yml']);
    expect(empty.status).toBe(1);
    expect(empty.stderr).toContain('empty.yml is empty');
  });

  it('help, topics, --version and shell completion', () => {
    const help = promctl(['--help']);
    expect(help.status).toBe(0);
    for (const t of ['check', 'target', 'init']) expect(help.stdout).toMatch(new RegExp(`^ +${t} `, 'm'));
    // A developer's shell with NODE_ENV set must not make the built CLI look for TypeScript sources.
    expect(promctl(['--help'], { NODE_ENV: 'development' })).toEqual(help);
    const h = promctl(['help', 'check', 'config']);
    expect(h.status).toBe(0);
    expect(h.stdout).toContain('$ promctl check config [FILES...]');
    expect(h.stdout).toContain('--lint-fatal');
    expect(promctl(['check', 'config', '--help']).stdout).toBe(h.stdout);
    const topic = promctl(['target']);
    expect(topic.stdout).toMatch(/target add/);
    expect(promctl(['--version']).status).toBe(0);
    const script = promctl(['autocomplete', 'script', 'bash'], { XDG_CACHE_HOME: join(dir, 'cache') });
    expect(script.status).toBe(0);
    expect(script.stdout).toContain('PROMCTL_AC_BASH_SETUP_PATH');
  });
});
