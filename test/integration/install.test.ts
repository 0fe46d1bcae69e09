/**
 * `promctl install --systemd` for real: into a staging root (every file checked), the generated
 * units through systemd-analyze (verify and the offline security score), and each unit's
 * hardening applied to a real run of the command it wraps (emulated with unshare + setpriv, since
 * these machines run no systemd).
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeCollector } from '../../src/lib/hostmetrics/index.js';
import {
  applyPlan,
  defaultConfigYaml,
  identifyPort,
  installOptionsFromFlags,
  nodeExporterUnit,
  planInstall,
  realExecutor,
  realHostView,
  serverUnit,
  type InstallOptions,
} from '../../src/lib/install/index.js';
import { fromFamilies, readExposition } from '../hostmetrics/expo.js';
import {
  allowedSyscalls,
  deniedCalls,
  notChecked,
  notEmulated,
  sandboxScript,
  socketFamilies,
  suidChmods,
  underSyscallFilter,
} from '../install/sandbox.js';
import { repoRoot } from '../support/conformance.js';
import { freePort, startProc, which, until as pollUntil } from '../support/procs.js';

const until = <T>(what: string, fn: () => Promise<T | undefined>, ms = 90_000) => pollUntil(what, fn, ms, 500);

// The units hide /tmp, /var/tmp (PrivateTmp) and home directories (ProtectHome), and the installer
// refuses to point ExecStart there: these suites need the checkout (and node) in a permanent place.
const HIDDEN = /^\/(tmp|var\/tmp|home|root|run\/user)(\/|$)/;
const hiddenCheckout = HIDDEN.test(repoRoot) || HIDDEN.test(process.execPath);
if (hiddenCheckout)
  console.warn(
    `install suites skipped: the checkout (${repoRoot}) or node (${process.execPath}) is under a directory the hardened units hide`,
  );

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'bin/dev.js'), ...args], {
    encoding: 'utf8',
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'development' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function walk(dir: string): Map<string, { mode: number; dir: boolean }> {
  const out = new Map<string, { mode: number; dir: boolean }>();
  const rec = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      out.set('/' + relative(dir, p), { mode: statSync(p).mode & 0o7777, dir: e.isDirectory() });
      if (e.isDirectory()) rec(p);
    }
  };
  rec(dir);
  return out;
}

describe.skipIf(hiddenCheckout)('install --systemd --root (the command)', () => {
  let stage = '';
  let opts: InstallOptions;
  let first: { status: number | null; stdout: string; stderr: string };

  beforeAll(() => {
    stage = mkdtempSync(join(tmpdir(), 'promctl-stage-'));
    first = cli(['install', '--systemd', '--root', stage, '--yes', '--retention', '30d']);
    opts = installOptionsFromFlags({ root: stage, retention: '30d' }, repoRoot);
  });
  afterAll(() => {
    if (stage) rmSync(stage, { recursive: true, force: true });
  });

  it('writes exactly the planned directories and files, with their modes and contents', () => {
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^6 changed, 0 unchanged$/m);
    const tree = walk(stage);
    const files = [...tree].filter(([, v]) => !v.dir).map(([k, v]) => `${k} ${v.mode.toString(8)}`);
    expect(files.sort()).toEqual([
      '/etc/promctl/prometheus.yml 640',
      '/etc/systemd/system/promctl-node-exporter.service 644',
      '/etc/systemd/system/promctl.service 644',
    ]);
    for (const [d, mode] of [
      ['/etc/promctl', 0o750],
      ['/var/lib/promctl', 0o750],
      ['/var/lib/promctl-node-exporter', 0o775],
      // parents the installer had to create are ordinary 0755 directories
      ['/etc', 0o755],
      ['/var/lib', 0o755],
      ['/etc/systemd/system', 0o755],
    ] as const) {
      expect(tree.get(d), d).toEqual({ mode, dir: true });
    }
    const undated = (t: string) => t.replace(/ on \d{4}-\d{2}-\d{2}\./, '.');
    expect(undated(readFileSync(join(stage, 'etc/promctl/prometheus.yml'), 'utf8'))).toBe(
      undated(defaultConfigYaml(opts)),
    );
    const promtool = which('promtool');
    if (promtool) {
      const check = spawnSync(promtool, ['check', 'config', join(stage, 'etc/promctl/prometheus.yml')], {
        encoding: 'utf8',
      });
      expect(check.status, check.stdout + check.stderr).toBe(0);
    }
    expect(readFileSync(join(stage, 'etc/systemd/system/promctl.service'), 'utf8')).toBe(serverUnit(opts));
    expect(readFileSync(join(stage, 'etc/systemd/system/promctl-node-exporter.service'), 'utf8')).toBe(
      nodeExporterUnit(opts),
    );
    const unit = readFileSync(join(stage, 'etc/systemd/system/promctl.service'), 'utf8');
    const exec = /^ExecStart=(\S+) (\S+) serve /m.exec(unit)!;
    expect(exec[1]).toBe(process.execPath);
    expect(existsSync(exec[2]!)).toBe(true);
    expect(unit).toContain('--storage.tsdb.retention.time=30d');
  });

  it('a second run reports every step unchanged and leaves an edited config alone', () => {
    writeFileSync(join(stage, 'etc/promctl/prometheus.yml'), 'global:\n  scrape_interval: 30s\n');
    const r = cli(['install', '--systemd', '--root', stage, '--yes', '--retention', '30d', '--json']);
    expect(r.status).toBe(0);
    const res = JSON.parse(r.stdout) as { applied: { results: { outcome: string }[] } };
    expect(new Set(res.applied.results.map((x) => x.outcome))).toEqual(new Set(['ok', 'skipped']));
    expect(readFileSync(join(stage, 'etc/promctl/prometheus.yml'), 'utf8')).toBe('global:\n  scrape_interval: 30s\n');
  });

  it('--dry-run prints the plan and writes nothing', () => {
    const fresh = mkdtempSync(join(tmpdir(), 'promctl-dry-'));
    try {
      const r = cli(['install', '--systemd', '--root', fresh, '--dry-run']);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('create    file /etc/systemd/system/promctl.service');
      expect(r.stdout).toContain('│ ProtectSystem=strict');
      expect(r.stdout).toMatch(/dry run: 6 change\(s\) planned, nothing done/);
      expect(readdirSync(fresh)).toEqual([]);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('without --yes and without a terminal: asks for --yes, writes nothing', () => {
    const fresh = mkdtempSync(join(tmpdir(), 'promctl-notty-'));
    try {
      const r = cli(['install', '--systemd', '--root', fresh]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^error: not a terminal: nothing applied\nhint: pass --yes/m);
      expect(readdirSync(fresh)).toEqual([]);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it.skipIf(!which('script'))('on a terminal it asks first: "n" applies nothing, "y" applies the plan', () => {
    const fresh = mkdtempSync(join(tmpdir(), 'promctl-tty-'));
    // script(1) runs the command on a pseudo-terminal; the answer is typed once the prompt is up.
    const onTty = (answer: string) => {
      rmSync(`${fresh}-tty.log`, { force: true });
      return spawnSync(
        'bash',
        [
          '-c',
          `(while ! grep -q 'Apply this plan' "$0.log" 2>/dev/null; do sleep 0.2; done; echo ${answer}) | script -qefc "$1" "$0.log"`,
          join(fresh, '..', `${relative(tmpdir(), fresh)}-tty`),
          [process.execPath, '--import', 'tsx', join(repoRoot, 'bin/dev.js'), 'install', '--systemd', '--root', fresh]
            .map((a) => `'${a}'`)
            .join(' '),
        ],
        { encoding: 'utf8', cwd: repoRoot, env: { ...process.env, NODE_ENV: 'development' }, timeout: 120_000 },
      );
    };
    try {
      const no = onTty('n');
      expect(no.stdout).toMatch(/Apply this plan\? \[y\/N\]/);
      expect(no.stdout).toMatch(/cancelled: nothing applied/);
      expect(readdirSync(fresh)).toEqual([]);
      const yes = onTty('y');
      expect(yes.stdout).toMatch(/6 changed, 0 unchanged/);
      expect(readdirSync(fresh).sort()).toEqual(['etc', 'var']);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
      rmSync(`${fresh}-tty.log`, { force: true });
    }
  });

  it('uninstall --systemd removes the units and keeps data and config; --purge removes them too', () => {
    const copy = mkdtempSync(join(tmpdir(), 'promctl-uninstall-'));
    try {
      cpSync(stage, copy, { recursive: true });
      const r = cli(['uninstall', '--systemd', '--root', copy, '--yes']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const left = [...walk(copy).keys()].sort();
      expect(left).not.toContain('/etc/systemd/system/promctl.service');
      expect(left).not.toContain('/etc/systemd/system/promctl-node-exporter.service');
      for (const kept of ['/etc/promctl/prometheus.yml', '/var/lib/promctl', '/var/lib/promctl-node-exporter'])
        expect(left).toContain(kept);
      const p = cli(['uninstall', '--systemd', '--root', copy, '--yes', '--purge']);
      expect(p.status).toBe(0);
      const after = [...walk(copy).keys()];
      expect(after.filter((k) => /promctl/.test(k))).toEqual([]);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('bad input: a clear error, exit 2, no stack', () => {
    const r = cli(['install', '--systemd', '--root', stage, '--retention', 'forever', '--yes']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: invalid --retention "forever"/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  const analyze = which('systemd-analyze');
  it.skipIf(!analyze)('every unit passes systemd-analyze verify', () => {
    for (const u of ['promctl.service', 'promctl-node-exporter.service']) {
      const r = spawnSync(analyze!, ['verify', join(stage, 'etc/systemd/system', u)], { encoding: 'utf8' });
      expect(r.stderr + r.stdout, u).toBe('');
      expect(r.status, u).toBe(0);
    }
  });

  it.skipIf(!analyze)(
    'every unit scores an overall exposure of 2.0 or less (systemd-analyze security --offline)',
    () => {
      const score = (path: string) => {
        const r = spawnSync(analyze!, ['security', '--offline=true', path], { encoding: 'utf8' });
        const m = /Overall exposure level for \S+: (\d+\.\d+)/.exec(r.stdout);
        if (!m) throw new Error(`no score for ${path}: ${r.stdout}${r.stderr}`);
        return Number(m[1]);
      };
      const scores: Record<string, number> = {};
      for (const u of ['promctl.service', 'promctl-node-exporter.service'])
        scores[u] = score(join(stage, 'etc/systemd/system', u));
      for (const u of ['prometheus.service', 'prometheus-node-exporter.service']) {
        const p = `/lib/systemd/system/${u}`;
        if (existsSync(p)) scores[`Debian ${u}`] = score(p);
      }
      console.log(`systemd-analyze security --offline=true: ${JSON.stringify(scores)}`);
      expect(scores['promctl.service']).toBeLessThanOrEqual(2.0);
      expect(scores['promctl-node-exporter.service']).toBeLessThanOrEqual(2.0);
    },
  );
});

describe.skipIf(!which('prometheus') || !which('prometheus-node-exporter'))(
  'preflight names what already listens on a port (real Prometheus and node_exporter)',
  () => {
    it('identifies Prometheus, node_exporter, promctl, another server and a free port', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'promctl-ports-'));
      const [pp, np, cp, sp, free] = [
        await freePort(),
        await freePort(),
        await freePort(),
        await freePort(),
        await freePort(),
      ];
      writeFileSync(join(dir, 'p.yml'), 'global: {scrape_interval: 1m}\n');
      const procs = [
        await startProc(
          'prometheus',
          [
            `--config.file=${join(dir, 'p.yml')}`,
            `--storage.tsdb.path=${join(dir, 'data')}`,
            `--web.listen-address=127.0.0.1:${pp}`,
          ],
          { readyUrl: `http://127.0.0.1:${pp}/-/ready` },
        ),
        await startProc('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${np}`], {
          readyUrl: `http://127.0.0.1:${np}/metrics`,
        }),
        await startProc(
          process.execPath,
          ['--import', 'tsx', join(repoRoot, 'bin/dev.js'), 'exporter', 'node', `--web.listen-address=127.0.0.1:${cp}`],
          {
            readyUrl: `http://127.0.0.1:${cp}/metrics`,
            timeoutMs: 60_000,
            cwd: repoRoot,
            env: { ...process.env, NODE_ENV: 'development' },
          },
        ),
        await startProc(
          process.execPath,
          [
            '--import',
            'tsx',
            join(repoRoot, 'bin/dev.js'),
            'serve',
            `--storage.tsdb.path=${join(dir, 'promctl-data')}`,
            `--web.listen-address=127.0.0.1:${sp}`,
          ],
          {
            readyUrl: `http://127.0.0.1:${sp}/-/ready`,
            timeoutMs: 60_000,
            cwd: repoRoot,
            env: { ...process.env, NODE_ENV: 'development' },
          },
        ),
      ];
      try {
        expect(await identifyPort('127.0.0.1', pp)).toBe('prometheus');
        expect(await identifyPort('127.0.0.1', np)).toBe('node_exporter');
        expect(await identifyPort('127.0.0.1', cp)).toBe('promctl');
        expect(await identifyPort('127.0.0.1', sp)).toBe('promctl');
        expect(await identifyPort('127.0.0.1', free)).toBe('free');
        const other = createServer((_q, r) => r.writeHead(404).end('not found'));
        await new Promise<void>((r) => other.listen(free, '127.0.0.1', r));
        try {
          expect(await identifyPort('127.0.0.1', free)).toBe('other');
        } finally {
          other.close();
        }
      } finally {
        for (const p of procs) await p.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);

const canSandbox =
  userInfo().uid === 0 &&
  which('unshare') !== null &&
  which('setpriv') !== null &&
  spawnSync('unshare', ['--mount', 'true']).status === 0;
if (!canSandbox) console.warn('sandbox emulation needs root, unshare and setpriv: skipping the hardening runs');

describe.skipIf(hiddenCheckout || !canSandbox)(
  "each unit's hardening against a real run (unshare + setpriv emulation)",
  () => {
    // Not under /tmp (PrivateTmp hides it) nor /home (ProtectHome): .bench-tmp in the repository.
    const base = join(repoRoot, '.bench-tmp', `install-${process.pid}`);
    const pkg = join(base, 'pkg');
    const sys = join(base, 'sys');
    let opts: InstallOptions;
    const nobody = { uid: 65534, gid: 65534 };

    beforeAll(async () => {
      mkdirSync(pkg, { recursive: true });
      // An installed package, as `npm install -g` lays it out: compiled dist/, bin/run.js, package.json, web/.
      const tsc = spawnSync(
        process.execPath,
        [
          join(repoRoot, 'node_modules/typescript/bin/tsc'),
          '-p',
          join(repoRoot, 'tsconfig.build.json'),
          '--outDir',
          join(pkg, 'dist'),
        ],
        { encoding: 'utf8' },
      );
      if (!existsSync(join(pkg, 'dist/commands/exporter/node.js')))
        throw new Error(`build failed: ${tsc.stdout}${tsc.stderr}`);
      mkdirSync(join(pkg, 'bin'));
      cpSync(join(repoRoot, 'bin/run.js'), join(pkg, 'bin/run.js'));
      cpSync(join(repoRoot, 'package.json'), join(pkg, 'package.json'));
      // The rest of package.json's "files": the web page's assets, and the command manifest.
      cpSync(join(repoRoot, 'web'), join(pkg, 'web'), { recursive: true });
      if (existsSync(join(repoRoot, 'oclif.manifest.json')))
        cpSync(join(repoRoot, 'oclif.manifest.json'), join(pkg, 'oclif.manifest.json'));
      symlinkSync(join(repoRoot, 'node_modules'), join(pkg, 'node_modules'));
      const port = await freePort();
      const nodePort = await freePort();
      // The installer's own planner and applier with real paths (no root staging), as user nobody,
      // minus the systemctl and account steps that need a running systemd.
      opts = {
        ...installOptionsFromFlags({ 'promctl-path': join(pkg, 'bin/run.js') }, pkg),
        user: 'nobody',
        group: 'nogroup',
        configDir: join(sys, 'etc/promctl'),
        dataDir: join(sys, 'var/lib/promctl'),
        textfileDir: join(sys, 'var/lib/promctl-node-exporter'),
        unitDir: join(sys, 'units'),
        listenAddress: `127.0.0.1:${port}`,
        nodeListenAddress: `127.0.0.1:${nodePort}`,
      };
      const view = realHostView('');
      const plan = planInstall(opts, view);
      plan.steps = plan.steps.filter((s) => s.kind === 'dir' || s.kind === 'file');
      const r = await applyPlan(plan, realExecutor('', view));
      expect(r.ok, JSON.stringify(r.results.filter((x) => x.outcome === 'failed'))).toBe(true);
      writeFileSync(join(opts.textfileDir, 'backup.prom'), 'backup_ok 1\n', { mode: 0o644 });
    }, 300_000);
    afterAll(() => rmSync(base, { recursive: true, force: true }));

    const unitText = (name: string) => readFileSync(join(opts.unitDir, name), 'utf8');

    it("node exporter: serves the host's metrics under its unit's sandbox as the service user", async () => {
      const unit = unitText('promctl-node-exporter.service');
      console.log(`node exporter sandbox: not emulated here: ${notEmulated(unit).join(', ')}`);
      const url = `http://${opts.nodeListenAddress}/metrics`;
      const p = await startProc(
        'unshare',
        ['--mount', 'bash', '-c', sandboxScript(unit, { ...nobody, home: opts.dataDir })],
        {
          readyUrl: url,
          timeoutMs: 60_000,
        },
      );
      try {
        const sandboxed = readExposition(await (await fetch(url)).text());
        const direct = fromFamilies(
          (await createNodeCollector({ textfileDirectory: opts.textfileDir }).scrape()).families,
        );
        expect([...sandboxed.keys()].sort()).toEqual([...direct.keys()].sort());
        for (const [k, v] of sandboxed.get('node_scrape_collector_success')!.samples) expect(v, k).toBe(1);
        // The host's mounts (from /proc/1/mounts), not the sandbox's read-only view of them.
        for (const [k, v] of sandboxed.get('node_filesystem_device_error')!.samples) expect(v, k).toBe(0);
        const ro = (m: Map<string, number>) =>
          [...m]
            .filter(([, v]) => v === 1)
            .map(([k]) => k)
            .sort();
        expect(ro(sandboxed.get('node_filesystem_readonly')!.samples)).toEqual(
          ro(direct.get('node_filesystem_readonly')!.samples),
        );
        expect(sandboxed.get('node_filesystem_size_bytes')!.samples).toEqual(
          direct.get('node_filesystem_size_bytes')!.samples,
        );
        expect(sandboxed.get('backup_ok')!.samples.size).toBe(1);
        for (const n of [
          'node_disk_info',
          'node_network_receive_bytes_total',
          'node_cpu_seconds_total',
          'node_memory_MemTotal_bytes',
        ]) {
          expect([...sandboxed.get(n)!.samples.keys()].sort(), n).toEqual([...direct.get(n)!.samples.keys()].sort());
        }
      } finally {
        await p.stop();
      }
    });

    it('server: promctl starts as the service user; only the data directory is writable; homes, /tmp and other processes are hidden', () => {
      const unit = unitText('promctl.service');
      console.log(`server sandbox: not emulated here: ${notEmulated(unit).join(', ')}`);
      const probe = `
      const fs = require('node:fs');
      const r = {};
      const tryDo = (k, f) => { try { f(); r[k] = 'ok'; } catch (e) { r[k] = e.code || e.message; } };
      tryDo('writeData', () => fs.writeFileSync(${JSON.stringify(opts.dataDir)} + '/probe', 'x'));
      tryDo('readConfig', () => fs.readFileSync(${JSON.stringify(opts.configDir + '/prometheus.yml')}));
      tryDo('writeConfig', () => fs.writeFileSync(${JSON.stringify(opts.configDir + '/prometheus.yml')}, 'x'));
      tryDo('writeEtc', () => fs.writeFileSync('/etc/promctl-probe', 'x'));
      tryDo('writeRepo', () => fs.writeFileSync(${JSON.stringify(join(base, 'probe'))}, 'x'));
      tryDo('readRoot', () => fs.readdirSync('/root'));
      r.tmpEmpty = fs.readdirSync('/tmp').length === 0;
      r.pid1Visible = fs.existsSync('/proc/1');
      r.procSysVisible = fs.existsSync('/proc/sys/kernel');
      r.devices = fs.readdirSync('/dev').filter((d) => !['fd','stdin','stdout','stderr','shm','pts'].includes(d)).sort();
      r.uid = process.getuid();
      r.umask = process.umask().toString(8);
      console.log(JSON.stringify(r));`;
      const run = (argv: string[]) =>
        spawnSync('unshare', ['--mount', 'bash', '-c', sandboxScript(unit, { ...nobody, home: opts.dataDir }, argv)], {
          encoding: 'utf8',
        });
      const r = run([opts.nodePath, '-e', probe]);
      rmSync(join(opts.dataDir, 'probe'), { force: true }); // the TSDB directory must hold nothing else
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual({
        writeData: 'ok',
        readConfig: 'ok',
        writeConfig: 'EROFS',
        writeEtc: 'EROFS',
        writeRepo: 'EROFS',
        readRoot: 'EACCES',
        tmpEmpty: true,
        pid1Visible: false,
        procSysVisible: false,
        devices: ['full', 'null', 'random', 'tty', 'urandom', 'zero'],
        uid: 65534,
        umask: '27',
      });
      // The ExecStart binary and promctl itself start under this sandbox (no 203/EXEC, no missing module).
      const v = run([opts.nodePath, opts.promctlPath, '--version']);
      expect(v.status, v.stderr).toBe(0);
      expect(v.stdout).toMatch(/^promctl\/\d/);
      if (existsSync(join(pkg, 'dist/commands/serve.js'))) {
        const h = run([opts.nodePath, opts.promctlPath, 'serve', '--help']);
        expect(h.status, h.stderr).toBe(0);
      }
    });

    it("both units' ExecStart under their sandboxes: the seed's order (start, open the API, query CPU), reload, stop", async () => {
      const serverUnit = unitText('promctl.service');
      const nodeUnit = unitText('promctl-node-exporter.service');
      const api = `http://${opts.listenAddress}`;
      const node = await startProc(
        'unshare',
        ['--mount', 'bash', '-c', sandboxScript(nodeUnit, { ...nobody, home: opts.dataDir })],
        {
          readyUrl: `http://${opts.nodeListenAddress}/metrics`,
          timeoutMs: 60_000,
        },
      );
      // The unit's own ExecStart: the installed config (promctl init's, scraping both), the data directory.
      const server = await startProc(
        'unshare',
        ['--mount', 'bash', '-c', sandboxScript(serverUnit, { ...nobody, home: opts.dataDir })],
        { readyUrl: `${api}/-/ready`, timeoutMs: 90_000 },
      );
      try {
        const up = await until('both targets up', async () => {
          const r = await instant(api, 'up');
          return r.length === 2 && r.every((x) => x.value[1] === '1') ? r : undefined;
        });
        expect(up.map((x) => x.metric.job).sort()).toEqual(['node', 'prometheus']);
        // The seed's CPU-usage query needs two scrapes of the node job (15s apart in promctl init's config).
        const cpu = await until('the CPU query', async () => {
          const r = await instant(
            api,
            '100 - (avg by (instance) (irate(node_cpu_seconds_total{mode="idle"}[5m])) * 100)',
          );
          return r.length ? r : undefined;
        });
        expect(cpu).toHaveLength(1);
        expect(cpu[0]!.metric).toEqual({ instance: `localhost:${opts.nodeListenAddress.split(':').pop()}` });
        const pct = Number(cpu[0]!.value[1]);
        expect(pct).toBeGreaterThanOrEqual(0);
        expect(pct).toBeLessThanOrEqual(100);
        // The installer's own health-check steps pass against the running services.
        const health = planInstall(opts, realHostView('')).steps.filter((s) => s.kind === 'health');
        const checked = await applyPlan(
          { action: 'install', root: '', steps: health },
          realExecutor('', realHostView('')),
        );
        expect(checked.results.map((r) => [r.outcome, r.detail])).toEqual([
          ['done', `200 http://${opts.listenAddress}/-/ready`],
          ['done', `200 http://${opts.nodeListenAddress}/metrics`],
        ]);
        // It wrote its TSDB (WAL) in the data directory, as the service user.
        expect(statSync(join(opts.dataDir, 'wal')).uid).toBe(nobody.uid);
        // ExecReload: SIGHUP reloads the configuration and the server keeps serving.
        const reloadsBefore = Number(
          (await instant(api, 'prometheus_config_last_reload_success_timestamp_seconds'))[0]!.value[1],
        );
        // unshare, bash, setpriv and env each exec the next: the server is the spawned process itself.
        await new Promise((r) => setTimeout(r, 1100));
        server.child.kill('SIGHUP');
        await until(
          'the reload',
          async () => {
            const r = await instant(api, 'prometheus_config_last_reload_success_timestamp_seconds');
            return Number(r[0]!.value[1]) > reloadsBefore ? true : undefined;
          },
          30_000,
        );
        expect((await fetch(`${api}/-/ready`)).status).toBe(200);
        expect(server.output()).not.toMatch(/EACCES|EROFS|EPERM|permission denied/i);
        // Restart=on-failure: a start that fails (here: the port and the data directory are taken) exits non-zero.
        const second = spawnSync(
          'unshare',
          ['--mount', 'bash', '-c', sandboxScript(serverUnit, { ...nobody, home: opts.dataDir })],
          { encoding: 'utf8', timeout: 60_000 },
        );
        expect(second.status).not.toBe(0);
        expect(second.stderr).toMatch(/^error: /m);
        expect(second.stderr).not.toMatch(/\n\s+at /);
        // The node exporter's ExecReload (SIGHUP) leaves it serving; a failed start (port taken) exits non-zero.
        node.child.kill('SIGHUP');
        await until('the exporter logs the SIGHUP', async () =>
          node.output().includes('SIGHUP received') ? true : undefined,
        );
        expect((await fetch(`http://${opts.nodeListenAddress}/metrics`)).status).toBe(200);
        const secondNode = spawnSync(
          'unshare',
          ['--mount', 'bash', '-c', sandboxScript(nodeUnit, { ...nobody, home: opts.dataDir })],
          { encoding: 'utf8', timeout: 60_000 },
        );
        expect(secondNode.status).not.toBe(0);
        expect(secondNode.stderr).toMatch(/^error: /m);
      } finally {
        await server.stop();
        await node.stop();
      }
      // SIGTERM (systemctl stop) ends it cleanly, well within TimeoutStopSec.
      expect(server.child.exitCode, server.output()).toBe(0);
    });
  },
);

async function instant(
  base: string,
  q: string,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const r = (await (await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as {
    status: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (r.status !== 'success') throw new Error(JSON.stringify(r));
  return r.data.result;
}

const strace = which('strace');
const analyzeBin = which('systemd-analyze');
describe.skipIf(hiddenCheckout || !canSandbox || !strace || !analyzeBin)(
  'SystemCallFilter against real runs (strace fault injection)',
  () => {
    const base = join(repoRoot, '.bench-tmp', `syscalls-${process.pid}`);
    let opts: InstallOptions;
    beforeAll(async () => {
      opts = {
        ...installOptionsFromFlags({}, repoRoot),
        configDir: join(base, 'etc/promctl'),
        dataDir: join(base, 'var/lib/promctl'),
        textfileDir: join(base, 'var/lib/promctl-node-exporter'),
        unitDir: join(base, 'units'),
        root: '',
        user: 'nobody',
        group: 'nogroup',
      };
      const view = realHostView('');
      const plan = planInstall(opts, view);
      plan.steps = plan.steps.filter((s) => s.kind === 'dir' || s.kind === 'file');
      expect((await applyPlan(plan, realExecutor('', view))).ok).toBe(true);
    });
    afterAll(() => rmSync(base, { recursive: true, force: true }));

    it('node exporter: one scrape with every call outside the filter failing (EPERM) still reports every collector', () => {
      const unit = readFileSync(join(opts.unitDir, 'promctl-node-exporter.service'), 'utf8');
      const allowed = allowedSyscalls(unit, analyzeBin!, strace!);
      expect(allowed.length).toBeGreaterThan(250);
      const log = join(base, 'node-exporter.strace');
      const argv = underSyscallFilter(strace!, allowed, log, [
        process.execPath,
        '--import',
        'tsx',
        join(repoRoot, 'bin/dev.js'),
        'exporter',
        'node',
        '--once',
      ]);
      const r = spawnSync(argv[0]!, argv.slice(1), {
        encoding: 'utf8',
        cwd: repoRoot,
        env: { ...process.env, NODE_ENV: 'development' },
      });
      const fams = readExposition(r.stdout);
      const success = fams.get('node_scrape_collector_success')!.samples;
      expect(success.size).toBe(11);
      for (const [k, v] of success) expect(v, k).toBe(1);
      const text = readFileSync(log, 'utf8');
      const denied = deniedCalls(text);
      console.log(
        `node exporter under its SystemCallFilter (${allowed.length} calls allowed): denied calls made: ${denied.join(', ') || 'none'}; options checked by neither emulation: ${notChecked(unit).join(', ')}`,
      );
      expect(suidChmods(text)).toEqual([]);
      // pkey_alloc: V8 probes memory protection keys and falls back when refused.
      expect(denied.filter((c) => c !== 'pkey_alloc')).toEqual([]);
    });

    it('node exporter: the address families it opens while serving are within RestrictAddressFamilies', async () => {
      const unit = readFileSync(join(opts.unitDir, 'promctl-node-exporter.service'), 'utf8');
      const allowedFamilies = /^RestrictAddressFamilies=(.*)$/m.exec(unit)![1]!.split(/\s+/);
      const log = join(base, 'sockets.strace');
      const port = await freePort();
      const url = `http://127.0.0.1:${port}/metrics`;
      const p = await startProc(
        strace!,
        [
          '-f',
          '-qq',
          '-o',
          log,
          '-e',
          'trace=socket,socketpair',
          process.execPath,
          '--import',
          'tsx',
          join(repoRoot, 'bin/dev.js'),
          'exporter',
          'node',
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { readyUrl: url, timeoutMs: 60_000, cwd: repoRoot, env: { ...process.env, NODE_ENV: 'development' } },
      );
      try {
        expect((await fetch(url)).status).toBe(200);
      } finally {
        // strace detaches (not kills) on SIGTERM: stop the traced exporter, its child, first.
        const child = spawnSync('pgrep', ['-P', String(p.child.pid)], { encoding: 'utf8' }).stdout.trim();
        for (const pid of child.split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGTERM');
        await p.stop();
      }
      const families = [
        ...new Set([...readFileSync(log, 'utf8').matchAll(/socket(?:pair)?\((AF_[A-Z0-9]+)/g)].map((m) => m[1]!)),
      ].sort();
      console.log(
        `node exporter opened sockets of families ${families.join(', ')}; the unit allows ${allowedFamilies.join(', ')}`,
      );
      expect(families.filter((f) => !allowedFamilies.includes(f))).toEqual([]);
    });

    it('server: `promctl serve` serves, scrapes and writes its TSDB with every call outside the filter failing; sockets within RestrictAddressFamilies; no setuid/setgid modes', async () => {
      const unit = readFileSync(join(opts.unitDir, 'promctl.service'), 'utf8');
      const allowed = allowedSyscalls(unit, analyzeBin!, strace!);
      const allowedFamilies = /^RestrictAddressFamilies=(.*)$/m.exec(unit)![1]!.split(/\s+/);
      console.log(`server: options checked by neither emulation: ${notChecked(unit).join(', ')}`);
      const port = await freePort();
      const api = `http://127.0.0.1:${port}`;
      const cfg = join(base, 'serve.yml');
      writeFileSync(
        cfg,
        `global: {scrape_interval: 1s, evaluation_interval: 1s}\nscrape_configs:\n  - job_name: prometheus\n    static_configs: [{targets: ['127.0.0.1:${port}']}]\n`,
      );
      const data = join(base, 'serve-data');
      const log = join(base, 'serve.strace');
      const argv = underSyscallFilter(strace!, allowed, log, [
        process.execPath,
        '--import',
        'tsx',
        join(repoRoot, 'bin/dev.js'),
        'serve',
        `--config.file=${cfg}`,
        `--storage.tsdb.path=${data}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ]);
      const p = await startProc(argv[0]!, argv.slice(1), {
        readyUrl: `${api}/-/ready`,
        timeoutMs: 120_000,
        cwd: repoRoot,
        env: { ...process.env, NODE_ENV: 'development' },
      });
      try {
        const r = await until('two scrapes of itself', async () => {
          const x = await instant(api, 'count_over_time(up[1m])');
          return x.length === 1 && Number(x[0]!.value[1]) >= 2 ? x : undefined;
        });
        expect(r[0]!.metric).toMatchObject({ job: 'prometheus' });
        expect(readdirSync(join(data, 'wal')).length).toBeGreaterThan(0);
      } finally {
        // strace detaches (not kills) on SIGTERM: stop the traced server, its child, first.
        const child = spawnSync('pgrep', ['-P', String(p.child.pid)], { encoding: 'utf8' }).stdout.trim();
        for (const pid of child.split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGTERM');
        await p.stop();
      }
      const text = readFileSync(log, 'utf8');
      const denied = deniedCalls(text);
      const families = socketFamilies(text);
      console.log(
        `server under its SystemCallFilter (${allowed.length} calls allowed): denied calls made: ${denied.join(', ') || 'none'}; socket families ${families.join(', ')}`,
      );
      // pkey_alloc: V8 probes memory protection keys and falls back when refused.
      expect(denied.filter((c) => c !== 'pkey_alloc')).toEqual([]);
      expect(families.filter((f) => !allowedFamilies.includes(f))).toEqual([]);
      expect(suidChmods(text)).toEqual([]);
    });
  },
);
