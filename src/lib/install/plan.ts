import { dirname } from 'node:path';
import { defaultConfigYaml } from './config.js';
import { UNIT_NAMES, urlOf, type Component, type InstallOptions } from './options.js';
import { unitFor } from './units.js';

/** What a step will do: `ok` steps are already in the wanted state. */
export type StepStatus = 'create' | 'update' | 'ok' | 'run' | 'remove' | 'skip';

interface StepBase {
  status: StepStatus;
  /** Why (for `update`: what differs; for `skip`: the reason). */
  note?: string;
}
export type Step =
  | (StepBase & { kind: 'group'; name: string })
  | (StepBase & { kind: 'user'; name: string; group: string; home: string; shell: string })
  | (StepBase & { kind: 'dir'; path: string; mode: number; owner: string; group: string })
  | (StepBase & {
      kind: 'file';
      path: string;
      content: string;
      mode: number;
      owner: string;
      group: string;
      /** Never overwritten once it exists (the configuration). */
      keepExisting?: boolean;
    })
  | (StepBase & { kind: 'remove'; path: string; recursive?: boolean })
  | (StepBase & { kind: 'deluser'; name: string })
  | (StepBase & { kind: 'delgroup'; name: string })
  | (StepBase & { kind: 'command'; argv: string[] })
  | (StepBase & { kind: 'health'; component: Component; url: string; expect: string });

export interface Plan {
  action: 'install' | 'uninstall';
  /** Files are written under this root ('' = the real system). */
  root: string;
  steps: Step[];
}

/** What exists on the host, as the planner needs it. Paths are system paths (the view applies --root). */
export interface HostView {
  file(path: string): { content: string; mode: number; uid: number; gid: number } | null;
  dir(path: string): { mode: number; uid: number; gid: number } | null;
  user(name: string): { uid: number; gid: number; home: string; shell: string } | null;
  group(name: string): { gid: number } | null;
  /** null when systemd is not running (or in a staging root). */
  unit(name: string): { enabled: boolean; active: boolean } | null;
}

const ROOT_ID = 0;

function ownerIds(view: HostView, owner: string, group: string): { uid: number | null; gid: number | null } {
  const uid = owner === 'root' ? ROOT_ID : (view.user(owner)?.uid ?? null);
  const gid = group === 'root' ? ROOT_ID : (view.group(group)?.gid ?? null);
  return { uid, gid };
}

function differs(
  view: HostView,
  have: { mode: number; uid: number; gid: number },
  want: { mode: number; owner: string; group: string },
  staging: boolean,
): string[] {
  const d: string[] = [];
  if ((have.mode & 0o7777) !== want.mode) d.push(`mode ${(have.mode & 0o7777).toString(8)} → ${want.mode.toString(8)}`);
  if (!staging) {
    const { uid, gid } = ownerIds(view, want.owner, want.group);
    if (uid === null || have.uid !== uid) d.push(`owner → ${want.owner}`);
    if (gid === null || have.gid !== gid) d.push(`group → ${want.group}`);
  }
  return d;
}

/**
 * Plans `install --systemd`: a pure function of the options and what the host has. Every step says
 * whether it creates, updates, or finds things as wanted, so a second run is all `ok`.
 */
export function planInstall(o: InstallOptions, view: HostView): Plan {
  const staging = o.root !== '';
  const steps: Step[] = [];
  const skip = staging ? { status: 'skip' as const, note: 'staging root' } : null;

  steps.push({ kind: 'group', name: o.group, ...(skip ?? { status: view.group(o.group) ? 'ok' : 'create' }) });
  const u = view.user(o.user);
  let userStatus: StepStatus = u ? 'ok' : 'create';
  let userNote: string | undefined;
  if (u && u.shell !== o.nologin) {
    userStatus = 'update';
    userNote = `shell ${u.shell} → ${o.nologin}`;
  }
  steps.push({
    kind: 'user',
    name: o.user,
    group: o.group,
    home: o.dataDir,
    shell: o.nologin,
    ...(skip ?? { status: userStatus, note: userNote }),
  });

  const dir = (path: string, mode: number, owner: string, group: string) => {
    const have = view.dir(path);
    const d = have ? differs(view, have, { mode, owner, group }, staging) : [];
    steps.push({
      kind: 'dir',
      path,
      mode,
      owner,
      group,
      status: !have ? 'create' : d.length ? 'update' : 'ok',
      note: d.length ? d.join(', ') : undefined,
    });
  };
  const file = (path: string, content: string, mode: number, owner: string, group: string, keepExisting = false) => {
    const have = view.file(path);
    let status: StepStatus = 'create';
    let note: string | undefined;
    if (have) {
      const d = differs(view, have, { mode, owner, group }, staging);
      if (keepExisting) {
        status = d.length ? 'update' : 'ok';
        note = d.length
          ? `${d.join(', ')} (content kept)`
          : have.content === content
            ? undefined
            : 'exists: kept as it is';
      } else {
        if (have.content !== content) d.unshift('content');
        status = d.length ? 'update' : 'ok';
        note = d.length ? d.join(', ') : undefined;
      }
    }
    steps.push({ kind: 'file', path, content, mode, owner, group, keepExisting, status, note });
  };

  dir(o.configDir, 0o750, 'root', o.group);
  file(`${o.configDir}/prometheus.yml`, defaultConfigYaml(o), 0o640, 'root', o.group, true);
  dir(o.dataDir, 0o750, o.user, o.group);
  if (o.components.includes('node-exporter')) dir(o.textfileDir, 0o775, 'root', o.group);

  const unitChanged = new Map<Component, boolean>();
  for (const c of o.components) {
    const before = steps.length;
    file(`${o.unitDir}/${UNIT_NAMES[c]}`, unitFor(c, o), 0o644, 'root', 'root');
    const st = steps[before]!;
    unitChanged.set(c, st.status === 'create' || st.status === 'update');
  }

  const anyUnitChanged = [...unitChanged.values()].some(Boolean);
  const cmd = (argv: string[], status: StepStatus, note?: string) =>
    steps.push({ kind: 'command', argv, ...(skip ?? { status, note }) });
  cmd(['systemctl', 'daemon-reload'], anyUnitChanged ? 'run' : 'ok');
  for (const c of o.components) {
    const name = UNIT_NAMES[c];
    const state = view.unit(name);
    if (!state || !state.enabled || !state.active) {
      cmd(['systemctl', 'enable', '--now', name], 'run', state ? undefined : 'not installed yet');
      if (state?.active && unitChanged.get(c)) cmd(['systemctl', 'restart', name], 'run', 'unit changed');
    } else {
      cmd(['systemctl', 'enable', '--now', name], 'ok');
      if (unitChanged.get(c)) cmd(['systemctl', 'restart', name], 'run', 'unit changed');
    }
  }
  for (const c of o.components) {
    const url = c === 'server' ? urlOf(o.listenAddress, '/-/ready') : urlOf(o.nodeListenAddress, '/metrics');
    steps.push({
      kind: 'health',
      component: c,
      url,
      expect: c === 'server' ? '' : 'node_cpu_seconds_total',
      ...(skip ?? { status: 'run' as const }),
    });
  }
  return { action: 'install', root: o.root, steps };
}

/**
 * Plans `uninstall --systemd`: stop and disable the units, remove them and the user; the data
 * and configuration directories stay unless `purge`.
 */
export function planUninstall(o: InstallOptions, view: HostView, purge: boolean): Plan {
  const staging = o.root !== '';
  const skip = staging ? { status: 'skip' as const, note: 'staging root' } : null;
  const steps: Step[] = [];
  let removedUnit = false;
  for (const c of o.components) {
    const name = UNIT_NAMES[c];
    const path = `${o.unitDir}/${name}`;
    const state = view.unit(name);
    const exists = view.file(path) !== null;
    steps.push({
      kind: 'command',
      argv: ['systemctl', 'disable', '--now', name],
      ...(skip ?? { status: state && (state.enabled || state.active) ? 'run' : 'ok' }),
    });
    steps.push({ kind: 'remove', path, status: exists ? 'remove' : 'ok' });
    removedUnit ||= exists;
  }
  steps.push({
    kind: 'command',
    argv: ['systemctl', 'daemon-reload'],
    ...(skip ?? { status: removedUnit ? 'run' : 'ok' }),
  });
  const all = o.components.length === 2;
  if (all) {
    steps.push({ kind: 'deluser', name: o.user, ...(skip ?? { status: view.user(o.user) ? 'remove' : 'ok' }) });
    steps.push({ kind: 'delgroup', name: o.group, ...(skip ?? { status: view.group(o.group) ? 'remove' : 'ok' }) });
  }
  const kept = [o.dataDir, o.configDir, ...(o.components.includes('node-exporter') ? [o.textfileDir] : [])];
  if (purge) {
    for (const p of kept) {
      steps.push({ kind: 'remove', path: p, recursive: true, status: view.dir(p) ? 'remove' : 'ok' });
    }
  } else {
    for (const p of kept) {
      if (view.dir(p))
        steps.push({ kind: 'remove', path: p, recursive: true, status: 'skip', note: 'kept (use --purge to delete)' });
    }
  }
  return { action: 'uninstall', root: o.root, steps };
}

/** Whether a plan changes anything. */
export function planChanges(plan: Plan): number {
  return plan.steps.filter(
    (s) =>
      s.status === 'create' ||
      s.status === 'update' ||
      s.status === 'remove' ||
      (s.status === 'run' && s.kind !== 'health'),
  ).length;
}

export function parentDirs(path: string): string[] {
  const out: string[] = [];
  for (let d = dirname(path); d !== '/' && d !== '.'; d = dirname(d)) out.push(d);
  return out;
}
