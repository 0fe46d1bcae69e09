import { Flags } from '@oclif/core';
import { createInterface } from 'node:readline/promises';
import { BaseCommand } from '../lib/cli/base-command.js';
import { ExitCode, UserError } from '../lib/cli/errors.js';
import { installFlags } from '../lib/install/flags.js';
import {
  applyPlan,
  installOptionsFromFlags,
  planChanges,
  planInstall,
  preflight,
  realExecutor,
  realHostView,
  realPreflightEnv,
  renderNextSteps,
  renderPlan,
  renderResult,
  urlOf,
  type ApplyResult,
  type Finding,
  type Plan,
} from '../lib/install/index.js';

export interface InstallResult {
  plan: Plan;
  findings: Finding[];
  applied?: ApplyResult;
}

export default class Install extends BaseCommand<InstallResult> {
  static override summary = 'Install promctl (server and node exporter) as hardened systemd services.';
  static override description = `Plans, then applies: a system user, /etc/promctl (prometheus.yml written once, never
overwritten), /var/lib/promctl (0750, owned by the service user), hardened unit files, daemon-reload,
enable --now, and a health check. Running it again changes only what differs.`;
  static override examples = [
    '<%= config.bin %> install --systemd --dry-run',
    'sudo <%= config.bin %> install --systemd',
    'sudo <%= config.bin %> install --systemd --component node-exporter --yes',
    '<%= config.bin %> install --systemd --root ./pkgroot --yes',
  ];
  static override flags = {
    ...installFlags,
    'listen-address': Flags.string({ summary: 'The server\'s --web.listen-address (default ":9090").' }),
    'node-listen-address': Flags.string({ summary: 'The node exporter\'s --web.listen-address (default ":9100").' }),
    retention: Flags.string({ summary: "The server's --storage.tsdb.retention.time (default 15d)." }),
    'extra-flag': Flags.string({ summary: 'Extra flag for promctl serve (repeatable).', multiple: true }),
    'node-extra-flag': Flags.string({ summary: 'Extra flag for promctl exporter node (repeatable).', multiple: true }),
    'node-path': Flags.string({ summary: 'The node binary in ExecStart (default: the one running now, resolved).' }),
    'promctl-path': Flags.string({
      summary: "promctl's bin/run.js in ExecStart (default: this installation, resolved).",
    }),
  };

  async run(): Promise<InstallResult> {
    const { flags } = await this.parse(Install);
    let opts;
    try {
      opts = installOptionsFromFlags(flags, this.config.root);
    } catch (err) {
      throw new UserError((err as Error).message, ExitCode.usage);
    }
    const view = realHostView(opts.root);
    const plan = planInstall(opts, view);
    const findings = await preflight(opts, realPreflightEnv(), {
      dryRun: flags['dry-run'],
      argv: [process.execPath, process.argv[1] ?? 'promctl', ...this.argv],
    });
    this.out(renderPlan(plan, this.color));
    // The first error is thrown (and printed once by BaseCommand); everything else is printed here.
    const err = flags['dry-run'] ? undefined : findings.find((f) => f.level === 'error');
    for (const f of findings) if (f !== err) this.finding(f);
    if (flags['dry-run']) {
      this.out(`dry run: ${planChanges(plan)} change(s) planned, nothing done.`);
      return { plan, findings };
    }
    if (err) throw new UserError(err.message, ExitCode.failure, err.hint);
    if (!flags.yes) await this.confirm();
    const applied = await applyPlan(plan, realExecutor(opts.root, view));
    this.out(renderResult(applied, this.color));
    if (!applied.ok) {
      const failed = applied.results.find((r) => r.outcome === 'failed');
      throw new UserError(
        `install failed: ${failed?.detail ?? 'unknown error'}`,
        ExitCode.failure,
        "journalctl -u promctl -u promctl-node-exporter -e shows the services' logs",
      );
    }
    this.out(
      renderNextSteps(plan, {
        server: opts.components.includes('server') ? urlOf(opts.listenAddress, '') : undefined,
        nodeExporter: opts.components.includes('node-exporter') ? urlOf(opts.nodeListenAddress, '') : undefined,
      }),
    );
    return { plan, findings, applied };
  }

  private finding(f: Finding): void {
    const c = this.errColor;
    const tag = f.level === 'error' ? c.red('error:') : f.level === 'warning' ? c.yellow('warning:') : c.cyan('info:');
    process.stderr.write(`${tag} ${f.message}\n${f.hint ? `${c.dim('hint:')} ${f.hint}\n` : ''}`);
  }

  private async confirm(): Promise<void> {
    if (!process.stdin.isTTY) {
      throw new UserError(
        'not a terminal: nothing applied',
        ExitCode.usage,
        'pass --yes to apply the plan above without asking',
      );
    }
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question('Apply this plan? [y/N] ');
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) throw new UserError('cancelled: nothing applied', ExitCode.failure);
  }
}
