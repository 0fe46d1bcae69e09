import { Command, Errors } from '@oclif/core';
import type { ChalkInstance } from 'chalk';
import { colors } from './color.js';
import { describeError, exitCodeOf, UserError } from './errors.js';

/**
 * The base of every promctl command. It owns what all commands share:
 * - `--json`: `run()` returns a typed result; with `--json` oclif prints it as JSON and the command
 *   prints nothing else. Commands render text only when `!this.jsonEnabled()`.
 * - colors that respect NO_COLOR, FORCE_COLOR and non-TTY output (`this.color`);
 * - errors mapped to exit codes once (0 ok, 1 failure, 2 usage, 3 lint findings), printed as a
 *   message and never as a stack trace (set PROMCTL_DEBUG=1 to see stacks).
 */
export abstract class BaseCommand<T = unknown> extends Command {
  static override enableJsonFlag = true;

  /** Colors for stdout. */
  protected get color(): ChalkInstance {
    return (this._color ??= colors(process.stdout));
  }
  private _color?: ChalkInstance;

  /** Colors for stderr. */
  protected get errColor(): ChalkInstance {
    return (this._errColor ??= colors(process.stderr));
  }
  private _errColor?: ChalkInstance;

  abstract override run(): Promise<T>;

  /** Writes text to stdout, unless `--json` is on. */
  protected out(text: string): void {
    if (!this.jsonEnabled()) process.stdout.write(text.endsWith('\n') ? text : text + '\n');
  }

  /** Writes a warning line to stderr (also in `--json` mode: stdout stays machine-readable). */
  protected warnLine(text: string): void {
    process.stderr.write(`${this.errColor.yellow('warning:')} ${text}\n`);
  }

  protected override async catch(err: Error & { exitCode?: number }): Promise<never> {
    if (err instanceof Errors.ExitError) throw err;
    const code = exitCodeOf(err);
    if (process.env.PROMCTL_DEBUG && err.stack) process.stderr.write(err.stack + '\n');
    if (this.jsonEnabled()) {
      const json: Record<string, unknown> = { status: 'error', error: describeError(err), exitCode: code };
      process.stdout.write(JSON.stringify(json, null, 2) + '\n');
    } else {
      const oclifErr = err as Errors.CLIError;
      const isUsage = oclifErr.oclif?.exit === 2 || (oclifErr as { parse?: unknown }).parse !== undefined;
      let text = `${this.errColor.red('error:')} ${describeError(err)}`;
      if (err instanceof UserError && err.hint) text += `\n${this.errColor.dim('hint:')} ${err.hint}`;
      if (isUsage && !/--help/.test(text)) {
        const id = (this.id ?? '').replaceAll(':', this.config.topicSeparator ?? ' ');
        text += `\n${this.errColor.dim(`See: ${this.config.bin} ${id} --help`)}`;
      }
      process.stderr.write(text + '\n');
    }
    return this.exit(code);
  }
}
