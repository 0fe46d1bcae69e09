import { describe, expect, it } from 'vitest';
import {
  applyPlan,
  DEFAULT_INSTALL,
  installOptionsFromFlags,
  planInstall,
  planUninstall,
  preflight,
  renderNextSteps,
  renderPlan,
  systemdQuote,
  serverUnit,
  nodeExporterUnit,
  type Executor,
  type HostView,
  type InstallOptions,
  type PreflightEnv,
  type Step,
} from '../../src/lib/install/index.js';

const OPTS: InstallOptions = {
  ...DEFAULT_INSTALL,
  nodePath: '/usr/bin/node',
  promctlPath: '/usr/lib/node_modules/promctl/bin/run.js',
};

/** An in-memory host: what the planner sees, and an executor that changes it. */
class FakeHost implements HostView {
  files = new Map<string, { content: string; mode: number; uid: number; gid: number }>();
  dirs = new Map<string, { mode: number; uid: number; gid: number }>();
  users = new Map<string, { uid: number; gid: number; home: string; shell: string }>();
  groups = new Map<string, { gid: number }>();
  units = new Map<string, { enabled: boolean; active: boolean }>();
  ran: string[][] = [];
  systemd = true;
  failOn?: string;

  file(p: string) {
    return this.files.get(p) ?? null;
  }
  dir(p: string) {
    return this.dirs.get(p) ?? null;
  }
  user(n: string) {
    return this.users.get(n) ?? null;
  }
  group(n: string) {
    return this.groups.get(n) ?? null;
  }
  unit(n: string) {
    return this.systemd ? (this.units.get(n) ?? { enabled: false, active: false }) : null;
  }

  executor(): Executor {
    const ids = (o: string, g: string) => ({
      uid: o === 'root' ? 0 : this.users.get(o)!.uid,
      gid: g === 'root' ? 0 : this.groups.get(g)!.gid,
    });
    return {
      mkdir: (p, mode) => void this.dirs.set(p, { mode: 0o40000 | mode, uid: 0, gid: 0 }),
      writeFile: (p, content, mode) => void this.files.set(p, { content, mode: 0o100000 | mode, uid: 0, gid: 0 }),
      chown: (p, o, g) => {
        const t = this.files.get(p) ?? this.dirs.get(p)!;
        Object.assign(t, ids(o, g));
      },
      chmod: (p, mode) => {
        const t = this.files.get(p) ?? this.dirs.get(p)!;
        t.mode = (t.mode & ~0o7777) | mode;
      },
      remove: (p) => {
        this.files.delete(p);
        for (const d of [...this.dirs.keys()]) if (d === p || d.startsWith(p + '/')) this.dirs.delete(d);
        for (const f of [...this.files.keys()]) if (f.startsWith(p + '/')) this.files.delete(f);
      },
      run: (argv) => {
        if (this.failOn && argv.join(' ').includes(this.failOn)) throw new Error(`${argv.join(' ')} failed`);
        this.ran.push(argv);
        const [cmd, ...rest] = argv;
        const name = rest[rest.length - 1]!;
        if (cmd === 'groupadd') this.groups.set(name, { gid: 998 });
        if (cmd === 'useradd')
          this.users.set(name, {
            uid: 998,
            gid: 998,
            home: rest[rest.indexOf('--home-dir') + 1]!,
            shell: rest[rest.indexOf('--shell') + 1]!,
          });
        if (cmd === 'userdel') this.users.delete(name);
        if (cmd === 'groupdel') this.groups.delete(name);
        if (cmd === 'systemctl' && rest[0] === 'enable') this.units.set(name, { enabled: true, active: true });
        if (cmd === 'systemctl' && rest[0] === 'disable') this.units.set(name, { enabled: false, active: false });
      },
      health: async (url) => ({ ok: true, detail: `200 ${url}` }),
    };
  }
}

const summary = (steps: Step[]) =>
  steps.map(
    (s) =>
      `${s.status} ${s.kind} ${'path' in s ? s.path : 'argv' in s ? s.argv.join(' ') : 'name' in s ? s.name : s.url}`,
  );

describe('planInstall', () => {
  it('plans everything on a fresh host, in a safe order', () => {
    const h = new FakeHost();
    const plan = planInstall(OPTS, h);
    expect(summary(plan.steps)).toEqual([
      'create group promctl',
      'create user promctl',
      'create dir /etc/promctl',
      'create file /etc/promctl/prometheus.yml',
      'create dir /var/lib/promctl',
      'create dir /var/lib/promctl-node-exporter',
      'create file /etc/systemd/system/promctl.service',
      'create file /etc/systemd/system/promctl-node-exporter.service',
      'run command systemctl daemon-reload',
      'run command systemctl enable --now promctl.service',
      'run command systemctl enable --now promctl-node-exporter.service',
      'run health http://127.0.0.1:9090/-/ready',
      'run health http://127.0.0.1:9100/metrics',
    ]);
    const data = plan.steps.find((s) => s.kind === 'dir' && s.path === '/var/lib/promctl')!;
    expect(data).toMatchObject({ mode: 0o750, owner: 'promctl', group: 'promctl' });
  });

  it('is idempotent: after applying, a second plan is all unchanged (health checks still run)', async () => {
    const h = new FakeHost();
    const r = await applyPlan(planInstall(OPTS, h), h.executor());
    expect(r.ok).toBe(true);
    const again = planInstall(OPTS, h);
    const changing = again.steps.filter((s) => s.status !== 'ok' && s.kind !== 'health');
    expect(changing).toEqual([]);
    h.ran = [];
    await applyPlan(again, h.executor());
    expect(h.ran).toEqual([]);
  });

  it('a changed option updates only what differs and restarts only that service', async () => {
    const h = new FakeHost();
    await applyPlan(planInstall(OPTS, h), h.executor());
    const plan = planInstall({ ...OPTS, retention: '30d' }, h);
    expect(summary(plan.steps.filter((s) => s.status !== 'ok' && s.kind !== 'health'))).toEqual([
      'update file /etc/systemd/system/promctl.service',
      'run command systemctl daemon-reload',
      'run command systemctl restart promctl.service',
    ]);
    h.ran = [];
    await applyPlan(plan, h.executor());
    expect(h.ran).toEqual([
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'restart', 'promctl.service'],
    ]);
    expect(h.files.get('/etc/systemd/system/promctl.service')!.content).toContain('--storage.tsdb.retention.time=30d');
  });

  it('never overwrites an existing configuration, but fixes its mode', async () => {
    const h = new FakeHost();
    await applyPlan(planInstall(OPTS, h), h.executor());
    const cfg = h.files.get('/etc/promctl/prometheus.yml')!;
    cfg.content = 'global: {}\n# mine\n';
    expect(
      planInstall(OPTS, h).steps.find((s) => s.kind === 'file' && s.path.endsWith('prometheus.yml')),
    ).toMatchObject({
      status: 'ok',
      note: 'exists: kept as it is',
    });
    cfg.mode = 0o100666;
    const plan = planInstall(OPTS, h);
    expect(plan.steps.find((s) => s.kind === 'file' && s.path.endsWith('prometheus.yml'))!.status).toBe('update');
    await applyPlan(plan, h.executor());
    expect(cfg.content).toBe('global: {}\n# mine\n');
    expect(cfg.mode & 0o7777).toBe(0o640);
  });

  it('detects ownership drift of the data directory (lock DB directory: permission denied)', async () => {
    const h = new FakeHost();
    await applyPlan(planInstall(OPTS, h), h.executor());
    h.dirs.get('/var/lib/promctl')!.uid = 0;
    const step = planInstall(OPTS, h).steps.find((s) => s.kind === 'dir' && s.path === '/var/lib/promctl')!;
    expect(step).toMatchObject({ status: 'update', note: 'owner → promctl' });
  });

  it('one component only: its unit, its health check, no other unit', () => {
    const plan = planInstall({ ...OPTS, components: ['node-exporter'] }, new FakeHost());
    const paths = plan.steps.filter((s) => s.kind === 'file').map((s) => (s as { path: string }).path);
    expect(paths).toEqual(['/etc/promctl/prometheus.yml', '/etc/systemd/system/promctl-node-exporter.service']);
    expect(plan.steps.filter((s) => s.kind === 'health')).toHaveLength(1);
  });

  it('a staging root skips accounts, systemctl and health checks', () => {
    const plan = planInstall({ ...OPTS, root: '/tmp/stage' }, new FakeHost());
    for (const s of plan.steps) {
      if (s.kind === 'dir' || s.kind === 'file') expect(s.status).toBe('create');
      else expect(s).toMatchObject({ status: 'skip', note: 'staging root' });
    }
  });

  it('a failing step stops the run; later steps are skipped', async () => {
    const h = new FakeHost();
    h.failOn = 'useradd';
    const r = await applyPlan(planInstall(OPTS, h), h.executor());
    expect(r.ok).toBe(false);
    expect(r.results.map((x) => x.outcome).slice(0, 3)).toEqual(['done', 'failed', 'skipped']);
    expect(h.files.size).toBe(0);
  });

  it('the dry-run rendering shows every file with its content and every command', () => {
    const plan = planInstall(OPTS, new FakeHost());
    const text = renderPlan(plan);
    for (const s of plan.steps)
      if (s.kind === 'file') for (const l of s.content.split('\n').filter(Boolean)) expect(text).toContain(l);
    expect(text).toContain(
      'useradd --system --no-create-home --home-dir /var/lib/promctl --shell /usr/sbin/nologin --gid promctl promctl',
    );
    expect(text).toContain('systemctl enable --now promctl-node-exporter.service');
  });
});

describe('next steps after an install', () => {
  it('staged: the steps left for the target host; installed: where it answers and the CPU query', () => {
    const staged = renderNextSteps(planInstall({ ...OPTS, root: '/tmp/pkg' }, new FakeHost()), {});
    expect(staged.split('\n')).toEqual([
      'Staged under /tmp/pkg. To finish on the target host, as root:',
      '  cp -a /tmp/pkg/. /',
      '  groupadd --system promctl',
      '  useradd --system --no-create-home --home-dir /var/lib/promctl --shell /usr/sbin/nologin --gid promctl promctl',
      '  chown root:promctl /etc/promctl',
      '  chown root:promctl /etc/promctl/prometheus.yml',
      '  chown promctl:promctl /var/lib/promctl',
      '  chown root:promctl /var/lib/promctl-node-exporter',
      '  systemctl daemon-reload',
      '  systemctl enable --now promctl.service promctl-node-exporter.service',
      '',
    ]);
    const live = renderNextSteps(planInstall(OPTS, new FakeHost()), {
      server: 'http://127.0.0.1:9090',
      nodeExporter: 'http://127.0.0.1:9100',
    });
    expect(live).toContain('promctl serves the web page and the API at http://127.0.0.1:9090');
    expect(live).toContain(
      `CPU usage: promctl query '100 - (avg by (instance) (irate(node_cpu_seconds_total{mode="idle"}[5m])) * 100)' --url http://127.0.0.1:9090`,
    );
    expect(live).toContain('logs: journalctl -u promctl -u promctl-node-exporter -f');
  });
});

describe('planUninstall', () => {
  it('stops, removes units and the user; keeps data and config unless --purge', async () => {
    const h = new FakeHost();
    await applyPlan(planInstall(OPTS, h), h.executor());
    const keep = planUninstall(OPTS, h, false);
    expect(summary(keep.steps)).toEqual([
      'run command systemctl disable --now promctl.service',
      'remove remove /etc/systemd/system/promctl.service',
      'run command systemctl disable --now promctl-node-exporter.service',
      'remove remove /etc/systemd/system/promctl-node-exporter.service',
      'run command systemctl daemon-reload',
      'remove deluser promctl',
      'remove delgroup promctl',
      'skip remove /var/lib/promctl',
      'skip remove /etc/promctl',
      'skip remove /var/lib/promctl-node-exporter',
    ]);
    await applyPlan(keep, h.executor());
    expect(h.dirs.has('/var/lib/promctl')).toBe(true);
    expect(h.files.has('/etc/systemd/system/promctl.service')).toBe(false);
    expect(h.users.has('promctl')).toBe(false);
    const purge = planUninstall(OPTS, h, true);
    await applyPlan(purge, h.executor());
    expect(h.dirs.has('/var/lib/promctl')).toBe(false);
    expect(h.dirs.has('/var/lib/promctl-node-exporter')).toBe(false);
    expect(h.files.has('/etc/promctl/prometheus.yml')).toBe(false);
    // nothing left: a further uninstall changes nothing
    expect(planUninstall(OPTS, h, true).steps.every((s) => s.status === 'ok')).toBe(true);
  });
});

describe('units', () => {
  it('ExecStart uses absolute paths and Prometheus flag names; hardening present', () => {
    const u = serverUnit(OPTS);
    expect(u).toContain(
      'ExecStart=/usr/bin/node /usr/lib/node_modules/promctl/bin/run.js serve --config.file=/etc/promctl/prometheus.yml --storage.tsdb.path=/var/lib/promctl --web.listen-address=:9090 --storage.tsdb.retention.time=15d',
    );
    for (const opt of [
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ReadWritePaths=/var/lib/promctl',
      'ProtectHome=yes',
      'PrivateTmp=yes',
      'PrivateDevices=yes',
      'CapabilityBoundingSet=\n',
      'Restart=on-failure',
      'LimitNOFILE=',
      'ExecReload=/bin/kill -HUP $MAINPID',
      'User=promctl',
    ])
      expect(u).toContain(opt);
    const n = nodeExporterUnit(OPTS);
    expect(n).toContain(
      'exporter node --web.listen-address=:9100 --collector.textfile.directory=/var/lib/promctl-node-exporter',
    );
    expect(n).not.toContain('ReadWritePaths');
    expect(n).not.toContain('ProtectProc');
    expect(n).toContain('ProtectHome=read-only');
  });

  it('quotes ExecStart arguments for systemd', () => {
    expect(systemdQuote('/usr/bin/node')).toBe('/usr/bin/node');
    expect(systemdQuote('--a=b c')).toBe('"--a=b c"');
    expect(systemdQuote('100%')).toBe('100%%');
    expect(systemdQuote('$HOME')).toBe('$$HOME');
    expect(systemdQuote('--re=^(a|b)$')).toBe('--re=^(a|b)$$');
    expect(systemdQuote('x"y')).toBe('"x\\"y"');
  });
});

describe('options from flags', () => {
  it('validates names, paths, retention and addresses', () => {
    expect(() => installOptionsFromFlags({ user: 'Root!' }, '/opt/promctl')).toThrow(/invalid user name/);
    expect(() => installOptionsFromFlags({ 'data-dir': 'data' }, '/opt/promctl')).toThrow(
      /--data-dir must be an absolute path/,
    );
    expect(() => installOptionsFromFlags({ retention: 'forever' }, '/opt/promctl')).toThrow(/invalid --retention/);
    expect(() => installOptionsFromFlags({ 'listen-address': '9090' }, '/opt/promctl')).toThrow(
      /invalid listen address/,
    );
    const o = installOptionsFromFlags({ 'data-dir': '/srv/prom/', user: 'prom' }, '/opt/promctl');
    expect(o).toMatchObject({
      dataDir: '/srv/prom',
      textfileDir: '/var/lib/promctl-node-exporter',
      user: 'prom',
      group: 'prom',
    });
    expect(o.promctlPath).toBe('/opt/promctl/bin/run.js');
    // serve refuses a TSDB directory holding anything else: the textfile directory stays outside it.
    expect(() => installOptionsFromFlags({ 'textfile-dir': '/var/lib/promctl/textfile' }, '/opt/promctl')).toThrow(
      /--textfile-dir \/var\/lib\/promctl\/textfile is inside the data directory \/var\/lib\/promctl/,
    );
    expect(
      installOptionsFromFlags({ 'textfile-dir': '/var/lib/promctl/tf', component: ['node-exporter'] }, '/opt/promctl')
        .textfileDir,
    ).toBe('/var/lib/promctl/tf');
  });
});

describe('preflight', () => {
  const env = (over: Partial<PreflightEnv> = {}): PreflightEnv => ({
    uid: 0,
    systemd: true,
    pid1: 'systemd',
    exists: () => true,
    osRelease: () => new Map([['ID', 'debian']]),
    portUser: async () => 'free',
    unitActive: () => false,
    ...over,
  });
  const run = (e: PreflightEnv, o: Partial<InstallOptions> = {}, dryRun = false) =>
    preflight({ ...OPTS, ...o }, e, { dryRun, argv: ['/usr/bin/node', '/usr/bin/promctl', 'install', '--systemd'] });

  it('passes on a Debian host with systemd, as root, ports free', async () => {
    expect(await run(env())).toEqual([]);
  });

  it('not root: says what to run', async () => {
    const [f] = await run(env({ uid: 1000 }));
    expect(f).toMatchObject({ level: 'error', hint: 'run: sudo /usr/bin/node /usr/bin/promctl install --systemd' });
    expect(await run(env({ uid: 1000 }), {}, true)).toEqual([]);
  });

  it('no systemd: error (warning for a dry run) with the manual route', async () => {
    const [f] = await run(env({ systemd: false, pid1: 'init' }));
    expect(f!.message).toBe('systemd is not running on this machine (PID 1 is init)');
    expect(f!.hint).toMatch(/run them by hand/);
    expect((await run(env({ systemd: false }), {}, true))[0]!.level).toBe('warning');
  });

  it('ports: an existing Prometheus or node_exporter, another process, or our own service', async () => {
    const byPort = (m: Record<number, 'prometheus' | 'node_exporter' | 'other'>) => async (_h: string, p: number) =>
      m[p] ?? 'free';
    const f1 = await run(env({ portUser: byPort({ 9090: 'prometheus', 9100: 'node_exporter' }) }));
    expect(f1.map((f) => f.message)).toEqual([
      'an existing Prometheus is listening on port 9090',
      'an existing node_exporter is listening on port 9100',
    ]);
    expect(f1[1]!.hint).toContain('systemctl disable --now prometheus-node-exporter');
    const f2 = await run(env({ portUser: byPort({ 9100: 'other' }) }));
    expect(f2[0]!.message).toBe('port 9100 (:9100) is already in use');
    expect(f2[0]!.hint).toContain('--node-listen-address');
    expect(await run(env({ portUser: byPort({ 9090: 'other' }), unitActive: (n) => n === 'promctl.service' }))).toEqual(
      [],
    );
  });

  it('binaries under /home or /tmp cannot work with the hardened units', async () => {
    const f = await run(env(), { nodePath: '/root/.nvm/versions/node/v20/bin/node' });
    expect(f[0]!.message).toMatch(/ProtectHome/);
    const g = await run(env(), { promctlPath: '/tmp/x/bin/run.js' });
    expect(g[0]!.message).toMatch(/PrivateTmp/);
  });

  it('a non-Debian system gets a warning naming the adapted paths', async () => {
    const f = await run(
      env({
        osRelease: () =>
          new Map([
            ['ID', 'fedora'],
            ['PRETTY_NAME', 'Fedora Linux 40'],
          ]),
      }),
      { nologin: '/sbin/nologin' },
    );
    expect(f).toEqual([
      {
        level: 'warning',
        message: 'this is Fedora Linux 40, not Debian or Ubuntu: paths are adapted (nologin: /sbin/nologin)',
        hint: 'check the plan with --dry-run first',
      },
    ]);
    expect(
      await run(
        env({
          osRelease: () =>
            new Map([
              ['ID', 'linuxmint'],
              ['ID_LIKE', 'ubuntu debian'],
            ]),
        }),
      ),
    ).toEqual([]);
  });
});
