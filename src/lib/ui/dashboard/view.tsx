/** The dashboard screen: a presentational view and the live app that owns state, data and keys. */
import type { ChalkInstance } from 'chalk';
import { Box, Text, Transform, useApp, useInput, useStdout } from 'ink';
import React, { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { formatDuration } from '../../model/duration.js';
import {
  alignedWindow,
  fetchPanel,
  fetchVariableValues,
  rangeCacheFor,
  samePanelData,
  type RangeCache,
  type DashboardClient,
  type PanelData,
} from './data.js';
import type { Dashboard, Panel } from './model.js';
import { PanelView, unreachableServer } from './panels.js';
import { HELP, keyAction, layout, reduce, type ReduceContext, type ViewState } from './state.js';

export interface ViewProps {
  readonly dashboard: Dashboard;
  readonly panels: readonly Panel[];
  readonly data: ReadonlyMap<number, PanelData>;
  readonly state: ViewState;
  readonly cols: number;
  readonly lines: number;
  readonly color: ChalkInstance;
  /** The window shown (ms). */
  readonly start: number;
  readonly end: number;
  readonly variables: ReduceContext['variables'];
}

function clock(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** Styled segments cut to `width` characters (the last one shortened with …). */
function fitSegments(seg: readonly [string, (x: string) => string][], width: number): string {
  let out = '';
  let left = width;
  for (const [text, style] of seg) {
    if (left <= 0) break;
    if (text.length > left) {
      out += style(text.slice(0, Math.max(0, left - 1)) + '…');
      break;
    }
    out += style(text);
    left -= text.length;
  }
  return out;
}

/**
 * One line of at most `width` characters. Ink lays out a constant blank line and the transform puts
 * the text in when writing, so a text that changes every refresh (the header's time) adds nothing
 * to Ink's text-measure cache, which keeps every text it ever measured.
 */
function Line({ text, width }: { text: string; width: number }) {
  const blank = useMemo(() => ' '.repeat(Math.max(1, width)), [width]);
  return (
    <Transform transform={() => text}>
      <Text>{blank}</Text>
    </Transform>
  );
}

/** The key hints that fit in `cols`, dropping the least needed first, in a fixed order. */
export function footerText(cols: number, variables: boolean): string {
  // [hint, priority: lower stays longer]
  const hints: [string, number][] = [
    ['? help', 0],
    ['q quit', 0],
    ['+/- zoom', 2],
    ['←/→ pan', 3],
    ['tab focus', 4],
    ['enter expand', 5],
    ['space pause', 6],
    ['r refresh', 7],
  ];
  if (variables) hints.push(['v variable', 1]);
  for (let drop = 8; drop >= 0; drop--) {
    const text = hints
      .filter(([, prio]) => prio < drop)
      .map(([h]) => h)
      .join('  ');
    if (text.length <= cols) return text;
  }
  return '? help';
}

/** Everything on screen, from props only (used live and by --once). */
export function DashboardView(p: ViewProps): React.JSX.Element {
  const { state: s, color: c } = p;
  const rows = layout(p.dashboard.rows, p.cols, p.lines);
  const id = (x: string) => x;
  const seg: [string, (x: string) => string][] = [
    [p.dashboard.title, c.bold],
    ['  ', id],
    ['range', c.dim],
    [` ${formatDuration(s.rangeMs)}`, id],
  ];
  if (p.end) seg.push([' to', c.dim], [` ${clock(p.end)}`, id]);
  // A connection failure on every panel: the server is down (the panels say so too).
  const errors = [...p.data.values()].filter((d) => d.error);
  const down = p.data.size > 0 && errors.length === p.data.size ? unreachableServer(errors[0]!.error!) : undefined;
  seg.push(['  ', id]);
  if (down) seg.push([`${down} unreachable`, c.red]);
  else if (s.endOffsetMs !== 0) seg.push([`-${formatDuration(s.endOffsetMs)}`, c.yellow]);
  else if (s.paused) seg.push(['paused', c.yellow]);
  else seg.push(['live', c.green]);
  p.variables.forEach((v, i) => {
    const val = s.varValues[v.name] ?? '';
    seg.push(
      ['  ', id],
      [`${v.name}=${val === '.*' ? 'All' : val}`, i === s.varIndex && p.variables.length > 1 ? c.underline : id],
    );
  });
  const header = fitSegments(seg, p.cols);
  const footer = c.dim(footerText(p.cols, p.variables.length > 0));
  let body: React.JSX.Element;
  const bodyH = Math.max(5, p.lines - 2);
  if (s.help) {
    body = (
      <Box height={bodyH} flexDirection="column">
        <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1} width={Math.min(p.cols, 64)}>
          <Text bold>Keys</Text>
          {HELP.map(([k, d]) => (
            <Text key={k} wrap="truncate">
              {c.cyan(k.padEnd(17))}
              {d}
            </Text>
          ))}
        </Box>
      </Box>
    );
  } else if (s.expanded && p.panels[s.focus]) {
    body = (
      <PanelView
        panel={p.panels[s.focus]!}
        data={p.data.get(s.focus)}
        width={p.cols}
        height={bodyH}
        sort={s.sorts[s.focus]}
        focused
        color={c}
        xMin={p.start}
        xMax={p.end}
      />
    );
  } else {
    body = (
      <Box flexDirection="column" height={bodyH} overflowY="hidden">
        {rows.map((r, ri) => (
          <Box key={ri} flexDirection="row" height={r.height} flexShrink={0}>
            {r.panels.map(({ index, width }) => (
              <PanelView
                key={index}
                panel={p.panels[index]!}
                data={p.data.get(index)}
                width={width}
                height={r.height}
                focused={index === s.focus}
                sort={s.sorts[index]}
                color={c}
                xMin={p.panels[index]!.type === 'timeseries' ? p.start : 0}
                xMax={p.panels[index]!.type === 'timeseries' ? p.end : 0}
              />
            ))}
          </Box>
        ))}
      </Box>
    );
  }
  return (
    <Box flexDirection="column" width={p.cols}>
      <Line text={header} width={p.cols} />
      {body}
      <Line text={footer} width={p.cols} />
    </Box>
  );
}

/**
 * Ink render options for the live dashboard (used by the command and its benchmark), which renders
 * into a Screen: Ink hands over whole frames (debug mode) and the Screen writes only changed lines.
 */
export const INK_OPTIONS = { exitOnCtrlC: false, debug: true, patchConsole: false } as const;

interface Frame {
  data: ReadonlyMap<number, PanelData>;
  start: number;
  end: number;
}

export interface AppProps {
  readonly dashboard: Dashboard;
  readonly client: DashboardClient;
  readonly refreshMs: number;
  readonly rangeMs: number;
  readonly initialVars: Readonly<Record<string, string>>;
  readonly color: ChalkInstance;
  readonly now?: () => number;
}

/** Flattened panels in screen order (the focus index space). */
export function flatPanels(d: Dashboard): Panel[] {
  return d.rows.flatMap((r) => r.panels);
}

/** The live dashboard: refreshes on a timer, reacts to keys and terminal resizes. */
export function DashboardApp(p: AppProps): React.JSX.Element {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const now = p.now ?? Date.now;
  const panels = useMemo(() => flatPanels(p.dashboard), [p.dashboard]);
  const measure = () => ({ cols: stdout.columns || 100, lines: Math.max(10, stdout.rows || 30) });
  const [size, setSize] = useState(measure);
  const [variables, setVariables] = useState<ReduceContext['variables']>([]);
  // Queries wait for the variables' values (a literal `$instance` would be a query error).
  const [varsReady, setVarsReady] = useState(!p.dashboard.variables?.length);
  // The data on screen and the window it was fetched for, replaced together (one render per change).
  const [frame, setFrame] = useState<Frame>({ data: new Map(), start: 0, end: 0 });
  const [state, setState] = useState<ViewState>({
    rangeMs: p.rangeMs,
    endOffsetMs: 0,
    paused: false,
    focus: 0,
    expanded: false,
    help: false,
    varIndex: 0,
    varValues: { ...p.initialVars },
    sorts: {},
    refreshSeq: 0,
    quit: false,
  });
  const ctx = useRef<ReduceContext>({ panelCount: panels.length, variables });
  ctx.current = { panelCount: panels.length, variables };

  useEffect(() => {
    const onResize = () => setSize(measure());
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  }, [stdout]);

  // Variables: fetch their values; choose defaults (the given value, the default, "All", the first).
  useEffect(() => {
    if (!p.dashboard.variables?.length) return;
    let alive = true;
    void (async () => {
      const out: ReduceContext['variables'] = [];
      const chosen: Record<string, string> = {};
      for (const v of p.dashboard.variables ?? []) {
        let values: string[] = [];
        try {
          values = await fetchVariableValues(p.client, v, chosen);
        } catch {
          values = [];
        }
        const choices = v.includeAll ? ['.*', ...values] : values;
        out.push({ name: v.name, choices });
        chosen[v.name] = p.initialVars[v.name] ?? v.default ?? choices[0] ?? '.*';
      }
      if (!alive) return;
      setVariables(out);
      setVarsReady(true);
      setState((s) => ({ ...s, varValues: { ...chosen, ...s.varValues }, refreshSeq: s.refreshSeq + 1 }));
    })();
    return () => {
      alive = false;
    };
  }, [p.dashboard, p.client, p.initialVars]);

  // Refresh loop. Range queries use a window aligned to the step (as Grafana does): the chart does not
  // shift between refreshes within a step, and a refresh that brings no new data renders nothing.
  // Range results kept between refreshes while the window stays (see RangeCache).
  const cache = useRef<RangeCache | undefined>(undefined);
  useEffect(() => {
    if (!varsReady) return;
    const ac = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let first = true; // the first refresh after a key press or a change asks everything
    const vars = JSON.stringify(state.varValues);
    const tick = async () => {
      const w = alignedWindow(now() - state.endOffsetMs, state.rangeMs, size.cols);
      const c = (cache.current = rangeCacheFor(cache.current, w, vars));
      c.force = first;
      first = false;
      const results = await Promise.all(
        panels.map((panel) => fetchPanel(p.client, panel, state.varValues, w, ac.signal, c)),
      );
      if (ac.signal.aborted) return;
      setFrame((prev) => {
        let changed = prev.start !== w.start || prev.end !== w.end;
        const data = new Map<number, PanelData>();
        results.forEach((r, i) => {
          const old = prev.data.get(i);
          // Keep the last good data on screen when a refresh fails; show the error with it.
          const next = r.error && old?.series.length ? { series: old.series, error: r.error, updated: old.updated } : r;
          if (old && samePanelData(old, next)) data.set(i, old);
          else {
            data.set(i, next);
            changed = true;
          }
        });
        return changed ? { data, start: w.start, end: w.end } : prev;
      });
      if (!state.paused && state.endOffsetMs === 0) timer = setTimeout(() => void tick(), p.refreshMs);
    };
    void tick();
    return () => {
      ac.abort();
      if (timer) clearTimeout(timer);
    };
  }, [
    state.refreshSeq,
    state.paused,
    state.rangeMs,
    state.endOffsetMs,
    state.varValues,
    varsReady,
    size.cols,
    panels,
    p.client,
    p.refreshMs,
  ]);

  const onKey = useCallback(
    (input: string, key: Parameters<typeof keyAction>[1]) => {
      const a = keyAction(input, key);
      if (!a) return;
      setState((s) => reduce(s, a, ctx.current));
    },
    [setState],
  );
  useInput(onKey);
  useEffect(() => {
    if (state.quit) exit();
  }, [state.quit, exit]);

  return (
    <DashboardView
      dashboard={p.dashboard}
      panels={panels}
      data={frame.data}
      state={state}
      cols={size.cols}
      lines={size.lines}
      color={p.color}
      start={frame.start}
      end={frame.end}
      variables={variables}
    />
  );
}
