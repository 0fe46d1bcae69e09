/** `promctl dashboard --once`: fetch every panel once and render one frame as a string. */
import type { ChalkInstance } from 'chalk';
import { renderToString } from 'ink';
import { alignedWindow, fetchPanel, fetchVariableValues, type DashboardClient, type PanelData } from './data.js';
import type { Dashboard } from './model.js';
import type { ViewState } from './state.js';
import { unreachableServer } from './panels.js';
import { DashboardView, flatPanels } from './view.js';

export interface OnceOptions {
  cols: number;
  lines: number;
  rangeMs: number;
  vars: Readonly<Record<string, string>>;
  color: ChalkInstance;
  now?: number;
}

/** One frame as a string. */
export async function renderOnce(d: Dashboard, client: DashboardClient, o: OnceOptions): Promise<string> {
  return (await renderOnceResult(d, client, o)).frame;
}

/** One frame, and the server's URL if no panel could reach it (for the exit status). */
export async function renderOnceResult(
  d: Dashboard,
  client: DashboardClient,
  o: OnceOptions,
): Promise<{ frame: string; unreachable?: string }> {
  const now = o.now ?? Date.now();
  const variables: { name: string; choices: string[] }[] = [];
  const varValues: Record<string, string> = {};
  for (const v of d.variables ?? []) {
    let values: string[] = [];
    try {
      values = await fetchVariableValues(client, v, varValues);
    } catch {
      values = [];
    }
    const choices = v.includeAll ? ['.*', ...values] : values;
    variables.push({ name: v.name, choices });
    varValues[v.name] = o.vars[v.name] ?? v.default ?? choices[0] ?? '.*';
  }
  const panels = flatPanels(d);
  const w = alignedWindow(now, o.rangeMs, o.cols);
  const results = await Promise.all(panels.map((p) => fetchPanel(client, p, varValues, w)));
  const data = new Map<number, PanelData>(results.map((r, i) => [i, r]));
  const state: ViewState = {
    rangeMs: o.rangeMs,
    endOffsetMs: 0,
    paused: false,
    focus: -1,
    expanded: false,
    help: false,
    varIndex: 0,
    varValues,
    sorts: {},
    refreshSeq: 0,
    quit: false,
  };
  const unreachable = results.every((r) => r.error) ? unreachableServer(results[0]?.error ?? '') : undefined;
  const frame = renderToString(
    <DashboardView
      dashboard={d}
      panels={panels}
      data={data}
      state={state}
      cols={o.cols}
      lines={o.lines}
      color={o.color}
      start={w.start}
      end={w.end}
      variables={variables}
    />,
    { columns: o.cols },
  );
  return { frame, ...(unreachable ? { unreachable } : {}) };
}
