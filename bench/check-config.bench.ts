/**
 * `promctl check config` as a whole process (what a user or a CI step waits for), side by side with
 * the real `promtool check config` (Debian's Prometheus 2.42), on the same files in the same run:
 *
 * - typical: a prometheus.yml as a real setup has it (global settings and external labels, six jobs
 *   with relabelling, basic auth with a password file, file_sd, alerting, remote_write) naming the
 *   two example rule files, which both tools load and check too;
 * - init: the file `promctl init --preset prometheus --preset node` writes;
 * - `--version`: start-up alone.
 *
 * Runs alternate between the two tools so both see the same machine load (2 shared cores: absolute
 * figures are noisy, compare the ratios). Each figure is the median of RUNS runs after WARMUP;
 * wall-clock and CPU (user+sys, from /usr/bin/time) are reported. promctl's oclif path
 * (PROMCTL_NO_FAST_PATH=1, what every other command goes through) is shown for reference.
 * Target: promctl check config under 250 ms whole-process.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const runJs = join(root, 'bin/run.js');
const RUNS = Number(process.env.RUNS ?? 15);
const WARMUP = 2;
const TARGET_MS = 250;

const which = (cmd: string): string | undefined => {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
};
const promtool = which('promtool');
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

if (!existsSync(join(root, 'dist/lib/cli/fast-path.js')) || !existsSync(join(root, 'oclif.manifest.json'))) {
  console.error('bench/check-config: run `npm run build` first (it measures the built CLI, bin/run.js)');
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'promctl-bench-config-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'rules'));
mkdirSync(join(dir, 'targets'));
for (const f of ['node.rules.yml', 'http.rules.yml'])
  copyFileSync(join(root, 'examples/rules', f), join(dir, 'rules', f));
writeFileSync(join(dir, 'secret'), 's3cret\n');
writeFileSync(
  join(dir, 'targets/apps.yml'),
  "- targets: ['10.0.1.1:8080', '10.0.1.2:8080']\n  labels: { team: payments }\n- targets: ['10.0.2.1:8080']\n",
);
writeFileSync(
  join(dir, 'typical.yml'),
  `# A typical production prometheus.yml.
global:
  scrape_interval: 15s
  scrape_timeout: 10s
  evaluation_interval: 15s
  external_labels:
    cluster: eu-west-1
    replica: a

rule_files:
  - rules/*.rules.yml

alerting:
  alertmanagers:
    - static_configs:
        - targets: ['alertmanager-1:9093', 'alertmanager-2:9093']

scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['localhost:9090']

  - job_name: node
    scrape_interval: 30s
    static_configs:
      - targets: ['10.0.0.5:9100', '10.0.0.6:9100', '10.0.0.7:9100']
        labels: { env: prod, rack: r1 }
      - targets: ['10.0.1.5:9100']
        labels: { env: staging }
    relabel_configs:
      - source_labels: [__address__]
        regex: '([^:]+):\\d+'
        target_label: host
        replacement: '$1'
    metric_relabel_configs:
      - source_labels: [__name__]
        regex: 'node_(scrape|textfile)_.*'
        action: drop

  - job_name: python_app
    metrics_path: /metrics
    static_configs:
      - targets: ['localhost:5000']

  - job_name: apps
    file_sd_configs:
      - files: ['targets/*.yml']
        refresh_interval: 1m
    relabel_configs:
      - source_labels: [team]
        target_label: owner
      - regex: 'team'
        action: labeldrop

  - job_name: secured
    scheme: https
    basic_auth:
      username: prometheus
      password_file: secret
    tls_config:
      insecure_skip_verify: true
    sample_limit: 10000
    body_size_limit: 10MB
    static_configs:
      - targets: ['app.example.com:443']

  - job_name: blackbox
    metrics_path: /probe
    params:
      module: [http_2xx]
    static_configs:
      - targets: ['https://example.com', 'https://prometheus.io']
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: 'blackbox:9115'

remote_write:
  - url: https://metrics.example.com/api/v1/write
    queue_config:
      max_samples_per_send: 2000
`,
);
{
  const r = spawnSync(
    process.execPath,
    [runJs, 'init', '--preset', 'prometheus', '--preset', 'node', '--file', join(dir, 'init.yml')],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`promctl init failed: ${r.stderr}`);
}

interface Sample {
  wall: number;
  cpu: number;
}
interface Cmd {
  name: string;
  argv: string[];
  env?: NodeJS.ProcessEnv;
}

/** One run: wall-clock from here, CPU from /usr/bin/time (user+sys of the child). */
function runOnce(c: Cmd): Sample & { status: number | null; stderr: string } {
  const argv = gnuTime ? [gnuTime, '-f', 'CPU %U %S', ...c.argv] : c.argv;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: dir, encoding: 'utf8', env: { ...process.env, ...c.env } });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const m = /CPU (\d+\.\d+) (\d+\.\d+)\s*$/.exec(r.stderr);
  return { wall, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN, status: r.status, stderr: r.stderr };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Runs the commands interleaved; returns the median wall and CPU of each. */
function measure(cmds: Cmd[]): Map<string, Sample> {
  const samples = new Map<string, Sample[]>(cmds.map((c) => [c.name, []]));
  for (let i = 0; i < WARMUP + RUNS; i++) {
    for (const c of cmds) {
      const s = runOnce(c);
      if (s.status !== 0) throw new Error(`${c.name} exited ${s.status}:\n${s.stderr}`);
      if (i >= WARMUP) samples.get(c.name)!.push(s);
    }
  }
  return new Map(
    [...samples].map(([k, v]) => [k, { wall: median(v.map((s) => s.wall)), cpu: median(v.map((s) => s.cpu)) }]),
  );
}

const fmt = (ms: number) => (Number.isNaN(ms) ? '   n/a' : `${ms.toFixed(0).padStart(5)} ms`);
const ratio = (a: number, b: number) =>
  Number.isNaN(a) || Number.isNaN(b) || b === 0 ? 'n/a' : `${(a / b).toFixed(1)}×`;

console.log(
  `check config, whole process: median of ${RUNS} runs (after ${WARMUP} warm-up), runs interleaved; ` +
    `load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} on ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} cores`,
);
if (!promtool) console.log('promtool is not installed: promctl figures only (install Debian package prometheus)');
console.log(
  `typical.yml: ${readFileSync(join(dir, 'typical.yml'), 'utf8').split('\n').length} lines, 6 jobs, 2 rule files`,
);
console.log('');
console.log(
  `${'case'.padEnd(36)} ${'promctl'.padStart(18)} ${'promtool'.padStart(18)} ${'ratio wall'.padStart(11)} ${'ratio cpu'.padStart(10)}`,
);
console.log(`${''.padEnd(36)} ${'wall     cpu'.padStart(18)} ${'wall     cpu'.padStart(18)}`);

let worst = 0;
const cases: { name: string; promctl: string[]; promtool?: string[]; env?: NodeJS.ProcessEnv; target?: boolean }[] = [
  {
    name: 'check config typical.yml',
    promctl: ['check', 'config', 'typical.yml'],
    promtool: ['check', 'config', 'typical.yml'],
    target: true,
  },
  {
    name: 'check config init.yml',
    promctl: ['check', 'config', 'init.yml'],
    promtool: ['check', 'config', 'init.yml'],
    target: true,
  },
  {
    name: 'check config --syntax-only typical',
    promctl: ['check', 'config', '--syntax-only', 'typical.yml'],
    promtool: ['check', 'config', '--syntax-only', 'typical.yml'],
    target: true,
  },
  { name: '--version', promctl: ['--version'], promtool: ['--version'] },
  {
    name: 'check config typical.yml (oclif path)',
    promctl: ['check', 'config', 'typical.yml'],
    promtool: ['check', 'config', 'typical.yml'],
    env: { PROMCTL_NO_FAST_PATH: '1' },
  },
  {
    name: '--version (oclif path)',
    promctl: ['--version'],
    promtool: ['--version'],
    env: { PROMCTL_NO_FAST_PATH: '1' },
  },
];
for (const c of cases) {
  const cmds: Cmd[] = [{ name: 'promctl', argv: [process.execPath, runJs, ...c.promctl], env: c.env }];
  if (promtool && c.promtool) cmds.push({ name: 'promtool', argv: [promtool, ...c.promtool] });
  const m = measure(cmds);
  const a = m.get('promctl')!;
  const b = m.get('promtool');
  if (c.target) worst = Math.max(worst, a.wall);
  console.log(
    `${c.name.padEnd(36)} ${fmt(a.wall)} ${fmt(a.cpu)}  ${b ? `${fmt(b.wall)} ${fmt(b.cpu)}` : '       n/a        '} ${(b ? ratio(a.wall, b.wall) : 'n/a').padStart(11)} ${(b ? ratio(a.cpu, b.cpu) : 'n/a').padStart(10)}`,
  );
}
{
  const node = measure([{ name: 'node', argv: [process.execPath, '-e', '0'] }]).get('node')!;
  console.log(`${'(node -e 0: Node start-up alone)'.padEnd(36)} ${fmt(node.wall)} ${fmt(node.cpu)}`);
}
console.log('');
console.log(
  `target: promctl check config under ${TARGET_MS} ms whole-process: slowest median ${worst.toFixed(0)} ms wall ` +
    `(${worst < TARGET_MS ? 'met' : 'NOT met on this run; see the CPU column when the machine is loaded'})`,
);
