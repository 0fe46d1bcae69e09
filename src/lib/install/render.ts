import type { ApplyResult } from './apply.js';
import { accountCommand } from './apply.js';
import type { Plan, Step } from './plan.js';

export interface Style {
  green(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export const plainStyle: Style = { green: (s) => s, yellow: (s) => s, red: (s) => s, dim: (s) => s, bold: (s) => s };

/** One line describing a step, e.g. `create  file /etc/promctl/prometheus.yml (0640 root:promctl)`. */
export function describeStep(s: Step): string {
  switch (s.kind) {
    case 'group':
      return `group ${s.name} (system)`;
    case 'user':
      return `user ${s.name} (system, no login: ${s.shell}, home ${s.home}, group ${s.group})`;
    case 'dir':
      return `directory ${s.path} (${s.mode.toString(8).padStart(4, '0')} ${s.owner}:${s.group})`;
    case 'file':
      return `file ${s.path} (${s.mode.toString(8).padStart(4, '0')} ${s.owner}:${s.group})`;
    case 'remove':
      return `${s.recursive ? 'directory' : 'file'} ${s.path}`;
    case 'deluser':
      return `user ${s.name}`;
    case 'delgroup':
      return `group ${s.name}`;
    case 'command':
      return s.argv.join(' ');
    case 'health':
      return `health check of ${s.component}: GET ${s.url}`;
  }
}

const LABEL: Record<Step['status'], string> = {
  create: 'create',
  update: 'update',
  ok: 'unchanged',
  run: 'run',
  remove: 'remove',
  skip: 'skip',
};

/** The plan as text: every step, the content of every file written, the shell commands. */
export function renderPlan(plan: Plan, st: Style = plainStyle, withContent = true): string {
  const out: string[] = [];
  out.push(st.bold(`${plan.action} plan${plan.root ? ` (staging root ${plan.root})` : ''}:`));
  for (const s of plan.steps) {
    const label = LABEL[s.status].padEnd(9);
    const colored =
      s.status === 'ok'
        ? st.dim(label)
        : s.status === 'skip'
          ? st.dim(label)
          : s.status === 'remove'
            ? st.red(label)
            : st.green(label);
    const cmd = accountCommand(s);
    let line = `  ${colored} ${describeStep(s)}`;
    if (cmd && s.status !== 'ok') line += st.dim(`  $ ${cmd.join(' ')}`);
    if (s.note) line += st.dim(`  (${s.note})`);
    out.push(line);
    if (withContent && s.kind === 'file' && (s.status === 'create' || (s.status === 'update' && !s.keepExisting))) {
      out.push(st.dim(`    ┌── ${s.path}`));
      for (const l of s.content.replace(/\n$/, '').split('\n')) out.push(st.dim('    │ ') + l);
      out.push(st.dim('    └──'));
    }
  }
  return out.join('\n') + '\n';
}

const PAST: Record<Step['status'], string> = {
  create: 'created',
  update: 'updated',
  ok: 'unchanged',
  run: 'ran',
  remove: 'removed',
  skip: 'skipped',
};

/** The outcome of an applied plan, one line per step that did something, then a summary. */
export function renderResult(r: ApplyResult, st: Style = plainStyle): string {
  const out: string[] = [];
  let changed = 0;
  let unchanged = 0;
  for (const { step, outcome, detail } of r.results) {
    if (outcome === 'ok') unchanged++;
    if (outcome === 'done' && step.kind !== 'health') changed++;
    const mark =
      outcome === 'done'
        ? st.green('✓')
        : outcome === 'failed'
          ? st.red('✗')
          : outcome === 'ok'
            ? st.dim('=')
            : st.dim('-');
    const what =
      outcome === 'ok'
        ? 'unchanged'
        : outcome === 'skipped'
          ? 'skipped'
          : outcome === 'failed'
            ? 'FAILED'
            : PAST[step.status];
    out.push(`${mark} ${what.padEnd(9)} ${describeStep(step)}${detail ? st.dim(`  (${detail})`) : ''}`);
  }
  out.push(
    r.ok
      ? st.bold(`${changed} changed, ${unchanged} unchanged`)
      : st.red(st.bold(`failed: ${r.results.find((x) => x.outcome === 'failed')?.detail ?? ''}`)),
  );
  return out.join('\n') + '\n';
}

const CPU_QUERY = '100 - (avg by (instance) (irate(node_cpu_seconds_total{mode="idle"}[5m])) * 100)';

/**
 * What to do after a successful install. Staged (`--root`): the steps left for the target host
 * (copy the tree, the accounts, the owners a staging host cannot set, systemctl). Installed: where
 * the services answer, the seed's CPU query, and the logs.
 */
export function renderNextSteps(plan: Plan, urls: { server?: string; nodeExporter?: string }): string {
  const out: string[] = [];
  if (plan.root) {
    out.push(`Staged under ${plan.root}. To finish on the target host, as root:`);
    out.push(`  cp -a ${plan.root}/. /`);
    for (const s of plan.steps) {
      const argv = accountCommand(s);
      if (argv && (s.kind === 'group' || s.kind === 'user')) out.push(`  ${argv.join(' ')}`);
    }
    for (const s of plan.steps) {
      if ((s.kind === 'dir' || s.kind === 'file') && (s.owner !== 'root' || s.group !== 'root'))
        out.push(`  chown ${s.owner}:${s.group} ${s.path}`);
    }
    const units = plan.steps.flatMap((s) =>
      s.kind === 'command' && s.argv[1] === 'enable' ? [s.argv[s.argv.length - 1]!] : [],
    );
    out.push('  systemctl daemon-reload');
    if (units.length) out.push(`  systemctl enable --now ${units.join(' ')}`);
  } else {
    if (urls.server) out.push(`promctl serves the web page and the API at ${urls.server}`);
    if (urls.nodeExporter) out.push(`the node exporter serves this host's metrics at ${urls.nodeExporter}/metrics`);
    if (urls.server) out.push(`  CPU usage: promctl query '${CPU_QUERY}' --url ${urls.server}`);
    const units = plan.steps.flatMap((s) =>
      s.kind === 'command' && s.argv[1] === 'enable' ? [s.argv[s.argv.length - 1]!.replace(/\.service$/, '')] : [],
    );
    if (units.length) out.push(`  logs: journalctl ${units.map((u) => `-u ${u}`).join(' ')} -f`);
  }
  return out.join('\n') + '\n';
}
