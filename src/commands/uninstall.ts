import { Flags } from '@oclif/core';
import { createInterface } from 'node:readline/promises';
import { BaseCommand } from '../lib/cli/base-command.js';
import { ExitCode, UserError } from '../lib/cli/errors.js';
import { installFlags } from '../lib/install/flags.js';
import {
  applyPlan,
  installOptionsFromFlags,
  planChanges,
  planUninstall,
  realExecutor,
  realHostView,
  realPreflightEnv,
  renderPlan,
  renderResult,
  type ApplyResult,
  type Plan,
} from '../lib/install/index.js';

export interface UninstallResult {
  plan: Plan;
  applied?: ApplyResult;
}

export default class Uninstall extends BaseCommand<UninstallResult> {
  static override summary = 'Stop and remove the systemd services installed by promctl install.';
  static override description = `Disables and stops the units, removes the unit files and (when both components go) the
service user. The data (/var/lib/promctl) and configuration (/etc/promctl) stay unless --purge.`;
  static override examples = [
    'sudo <%= config.bin %> uninstall --systemd',
    'sudo <%= config.bin %> uninstall --systemd --purge --yes',
  ];
  static override flags = {
    ...installFlags,
    purge: Flags.boolean({ summary: 'Also delete the data and configuration directories.' }),
  };

  async run(): Promise<UninstallResult> {
    const { flags } = await this.parse(Uninstall);
    let opts;
    try {
      opts = installOptionsFromFlags(flags, this.config.root);
    } catch (err) {
      throw new UserError((err as Error).message, ExitCode.usage);
    }
    const view = realHostView(opts.root);
    const plan = planUninstall(opts, view, flags.purge);
    this.out(renderPlan(plan, this.color, false));
    if (flags['dry-run']) {
      this.out(`dry run: ${planChanges(plan)} change(s) planned, nothing done.`);
      return { plan };
    }
    const env = realPreflightEnv();
    if (!opts.root && env.uid !== 0) {
      throw new UserError(
        'uninstall --systemd must run as root',
        ExitCode.failure,
        `run: sudo ${process.argv.slice(0, 2).join(' ')} ${this.argv.join(' ')}`,
      );
    }
    if (!opts.root && !env.systemd) {
      throw new UserError(
        `systemd is not running on this machine (PID 1 is ${env.pid1 || 'unknown'})`,
        ExitCode.failure,
        'run the commands above by hand on the systemd host',
      );
    }
    if (!flags.yes) {
      if (!process.stdin.isTTY)
        throw new UserError('not a terminal: nothing removed', ExitCode.usage, 'pass --yes to apply the plan above');
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      const answer = await rl.question(
        flags.purge ? 'Remove the services AND delete all data? [y/N] ' : 'Remove the services? [y/N] ',
      );
      rl.close();
      if (!/^y(es)?$/i.test(answer.trim())) throw new UserError('cancelled: nothing removed', ExitCode.failure);
    }
    const applied = await applyPlan(plan, realExecutor(opts.root, view));
    this.out(renderResult(applied, this.color));
    if (!applied.ok)
      throw new UserError(`uninstall failed: ${applied.results.find((r) => r.outcome === 'failed')?.detail ?? ''}`);
    return { plan, applied };
  }
}
