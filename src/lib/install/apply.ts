import type { Executor } from './host.js';
import type { Plan, Step } from './plan.js';

export interface StepResult {
  step: Step;
  /** done: changed as planned; ok: nothing to do; skipped; failed. */
  outcome: 'done' | 'ok' | 'skipped' | 'failed';
  detail?: string;
}

export interface ApplyResult {
  results: StepResult[];
  ok: boolean;
}

/** The command that creates or fixes a user or group (Debian/Ubuntu shadow-utils). */
export function accountCommand(step: Step): string[] | null {
  switch (step.kind) {
    case 'group':
      return ['groupadd', '--system', step.name];
    case 'user':
      return step.status === 'update'
        ? ['usermod', '--shell', step.shell, step.name]
        : [
            'useradd',
            '--system',
            '--no-create-home',
            '--home-dir',
            step.home,
            '--shell',
            step.shell,
            '--gid',
            step.group,
            step.name,
          ];
    case 'deluser':
      return ['userdel', step.name];
    case 'delgroup':
      return ['groupdel', step.name];
    default:
      return null;
  }
}

/**
 * Applies a plan step by step. Steps already `ok` are not touched; a failure stops the run (later
 * steps are reported as skipped), so nothing is enabled on top of a half-written installation.
 */
export async function applyPlan(plan: Plan, x: Executor, healthTimeoutMs = 30_000): Promise<ApplyResult> {
  const results: StepResult[] = [];
  let failed = false;
  const staging = plan.root !== '';
  for (const step of plan.steps) {
    if (failed) {
      results.push({ step, outcome: 'skipped', detail: 'an earlier step failed' });
      continue;
    }
    if (step.status === 'skip') {
      results.push({ step, outcome: 'skipped', detail: step.note });
      continue;
    }
    if (step.status === 'ok') {
      results.push({ step, outcome: 'ok' });
      continue;
    }
    try {
      switch (step.kind) {
        case 'group':
        case 'user':
        case 'deluser':
        case 'delgroup':
          x.run(accountCommand(step)!);
          break;
        case 'dir':
          x.mkdir(step.path, step.mode);
          if (!staging) x.chown(step.path, step.owner, step.group);
          break;
        case 'file':
          if (step.keepExisting && step.status === 'update') x.chmod(step.path, step.mode);
          else x.writeFile(step.path, step.content, step.mode);
          if (!staging) x.chown(step.path, step.owner, step.group);
          break;
        case 'remove':
          x.remove(step.path, step.recursive ?? false);
          break;
        case 'command':
          x.run(step.argv);
          break;
        case 'health': {
          const h = await x.health(step.url, step.expect, healthTimeoutMs);
          if (!h.ok) throw new Error(`${step.component} is not healthy: ${h.detail}`);
          results.push({ step, outcome: 'done', detail: h.detail });
          continue;
        }
      }
      results.push({ step, outcome: 'done' });
    } catch (err) {
      failed = true;
      results.push({ step, outcome: 'failed', detail: (err as Error).message });
    }
  }
  return { results, ok: !failed };
}
