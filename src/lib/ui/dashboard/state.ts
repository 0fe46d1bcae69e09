/** The dashboard's view state, its key bindings and its reducer. Pure. */

export interface ViewState {
  rangeMs: number;
  /** How far the window's end lies before now (0 = live). */
  endOffsetMs: number;
  paused: boolean;
  /** Flat index of the focused panel. */
  focus: number;
  expanded: boolean;
  help: boolean;
  /** Which variable the `v` key cycles. */
  varIndex: number;
  varValues: Record<string, string>;
  /** Table sort order per panel (flat index); default by series name. */
  sorts: Record<number, SortOrder>;
  /** Bumped to request an immediate refresh. */
  refreshSeq: number;
  quit: boolean;
}

export type SortOrder = 'name' | 'value-desc' | 'value-asc';
const SORTS: SortOrder[] = ['name', 'value-desc', 'value-asc'];

export type Action =
  | { type: 'zoomIn' }
  | { type: 'zoomOut' }
  | { type: 'panLeft' }
  | { type: 'panRight' }
  | { type: 'live' }
  | { type: 'togglePause' }
  | { type: 'refresh' }
  | { type: 'focusNext' }
  | { type: 'focusPrev' }
  | { type: 'toggleExpand' }
  | { type: 'collapse' }
  | { type: 'toggleHelp' }
  | { type: 'nextVarValue' }
  | { type: 'nextVar' }
  | { type: 'sort' }
  | { type: 'quit' };

export const RANGES_MS = [
  5 * 60_000,
  15 * 60_000,
  30 * 60_000,
  3600_000,
  3 * 3600_000,
  6 * 3600_000,
  12 * 3600_000,
  86_400_000,
  2 * 86_400_000,
  7 * 86_400_000,
];

/** Key description, as Ink's useInput reports it. */
export interface KeyInfo {
  leftArrow?: boolean;
  rightArrow?: boolean;
  upArrow?: boolean;
  downArrow?: boolean;
  tab?: boolean;
  shift?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
}

export const HELP: [string, string][] = [
  ['+ / -', 'zoom the time range in / out'],
  ['← / →', 'pan back / forward in time'],
  ['l', 'back to live (now)'],
  ['space / p', 'pause / resume refreshing'],
  ['r', 'refresh now'],
  ['tab / shift-tab', 'move focus between panels'],
  ['enter / f', 'expand the focused panel (esc: back)'],
  ['s', 'sort the focused table: name, value ↓ / ↑'],
  ['v / V', 'next value of the variable / next variable'],
  ['?', 'this help'],
  ['q / ctrl-c', 'quit'],
];

/** Maps a key press to an action. */
export function keyAction(input: string, key: KeyInfo): Action | null {
  if (key.ctrl && input === 'c') return { type: 'quit' };
  if (key.tab) return { type: key.shift ? 'focusPrev' : 'focusNext' };
  if (key.leftArrow) return { type: 'panLeft' };
  if (key.rightArrow) return { type: 'panRight' };
  if (key.downArrow) return { type: 'focusNext' };
  if (key.upArrow) return { type: 'focusPrev' };
  if (key.return) return { type: 'toggleExpand' };
  if (key.escape) return { type: 'collapse' };
  switch (input) {
    case 'q':
      return { type: 'quit' };
    case '+':
    case '=':
    case 'z':
      return { type: 'zoomIn' };
    case '-':
    case '_':
    case 'Z':
      return { type: 'zoomOut' };
    case 'l':
      return { type: 'live' };
    case ' ':
    case 'p':
      return { type: 'togglePause' };
    case 'r':
      return { type: 'refresh' };
    case 'f':
      return { type: 'toggleExpand' };
    case '?':
    case 'h':
      return { type: 'toggleHelp' };
    case 'v':
      return { type: 'nextVarValue' };
    case 'V':
      return { type: 'nextVar' };
    case 's':
      return { type: 'sort' };
  }
  return null;
}

export interface ReduceContext {
  panelCount: number;
  /** Variables with their current choices (including "All" as '.*' where allowed). */
  variables: { name: string; choices: string[] }[];
}

function nearestRangeIndex(ms: number): number {
  let best = 0;
  for (let i = 0; i < RANGES_MS.length; i++)
    if (Math.abs(RANGES_MS[i]! - ms) < Math.abs(RANGES_MS[best]! - ms)) best = i;
  return best;
}

export function reduce(s: ViewState, a: Action, ctx: ReduceContext): ViewState {
  switch (a.type) {
    case 'zoomIn': {
      const i = nearestRangeIndex(s.rangeMs);
      return { ...s, rangeMs: RANGES_MS[Math.max(0, i - 1)]!, refreshSeq: s.refreshSeq + 1 };
    }
    case 'zoomOut': {
      const i = nearestRangeIndex(s.rangeMs);
      return { ...s, rangeMs: RANGES_MS[Math.min(RANGES_MS.length - 1, i + 1)]!, refreshSeq: s.refreshSeq + 1 };
    }
    case 'panLeft':
      return { ...s, endOffsetMs: s.endOffsetMs + Math.round(s.rangeMs / 2), refreshSeq: s.refreshSeq + 1 };
    case 'panRight':
      return {
        ...s,
        endOffsetMs: Math.max(0, s.endOffsetMs - Math.round(s.rangeMs / 2)),
        refreshSeq: s.refreshSeq + 1,
      };
    case 'live':
      return { ...s, endOffsetMs: 0, paused: false, refreshSeq: s.refreshSeq + 1 };
    case 'togglePause':
      return { ...s, paused: !s.paused };
    case 'refresh':
      return { ...s, refreshSeq: s.refreshSeq + 1 };
    case 'focusNext':
      return ctx.panelCount ? { ...s, focus: (s.focus + 1) % ctx.panelCount } : s;
    case 'focusPrev':
      return ctx.panelCount ? { ...s, focus: (s.focus - 1 + ctx.panelCount) % ctx.panelCount } : s;
    case 'toggleExpand':
      return { ...s, expanded: !s.expanded };
    case 'collapse':
      return { ...s, expanded: false, help: false };
    case 'toggleHelp':
      return { ...s, help: !s.help };
    case 'nextVar':
      return ctx.variables.length ? { ...s, varIndex: (s.varIndex + 1) % ctx.variables.length } : s;
    case 'nextVarValue': {
      const v = ctx.variables[s.varIndex];
      if (!v || v.choices.length === 0) return s;
      const cur = v.choices.indexOf(s.varValues[v.name] ?? '');
      const next = v.choices[(cur + 1) % v.choices.length]!;
      return { ...s, varValues: { ...s.varValues, [v.name]: next }, refreshSeq: s.refreshSeq + 1 };
    }
    case 'sort': {
      const cur = SORTS.indexOf(s.sorts[s.focus] ?? 'name');
      return { ...s, sorts: { ...s.sorts, [s.focus]: SORTS[(cur + 1) % SORTS.length]! } };
    }
    case 'quit':
      return { ...s, quit: true };
  }
}

export interface RowLayout {
  height: number;
  panels: { index: number; width: number }[];
}

/**
 * Splits the screen: a header and a footer line, rows sharing the rest (explicit heights first, at
 * least 3 lines each: a border and a line of content), panels sharing a row's width by their span.
 * Rows that do not fit a very small terminal are cut off at the bottom by the view.
 */
export function layout(
  rows: readonly { height?: number; panels: readonly { span?: number }[] }[],
  cols: number,
  lines: number,
): RowLayout[] {
  const avail = Math.max(3, lines - 2);
  const fixed = rows.reduce((n, r) => n + (r.height ?? 0), 0);
  const flexible = rows.filter((r) => !r.height).length;
  const share = flexible ? Math.max(3, Math.floor((avail - fixed) / flexible)) : 0;
  let index = 0;
  let extra = flexible ? Math.max(0, avail - fixed - share * flexible) : 0;
  return rows.map((r) => {
    let height = r.height ?? share;
    if (!r.height && extra > 0) {
      height++;
      extra--;
    }
    const total = r.panels.reduce((n, p) => n + (p.span ?? 1), 0);
    let used = 0;
    const panels = r.panels.map((p, i) => {
      const w = i === r.panels.length - 1 ? cols - used : Math.max(10, Math.floor((cols * (p.span ?? 1)) / total));
      used += w;
      return { index: index++, width: w };
    });
    return { height, panels };
  });
}
