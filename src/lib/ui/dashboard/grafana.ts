/**
 * Imports Grafana dashboard JSON (as exported from Grafana or grafana.com) into our model: timeseries,
 * graph, stat, singlestat, gauge, bargauge, table and text panels with Prometheus targets; rows from
 * the grid layout; query variables. Unknown panel types become placeholders.
 */
import type { Dashboard, Panel, PanelType, Row, Threshold, Variable } from './model.js';

interface GrafanaTarget {
  expr?: string;
  legendFormat?: string;
  instant?: boolean;
  format?: string;
  hide?: boolean;
}

interface GrafanaPanel {
  type?: string;
  title?: string;
  gridPos?: { x?: number; y?: number; w?: number; h?: number };
  targets?: GrafanaTarget[];
  panels?: GrafanaPanel[];
  collapsed?: boolean;
  fieldConfig?: {
    defaults?: {
      unit?: string;
      decimals?: number;
      min?: number;
      max?: number;
      thresholds?: { steps?: { value: number | null; color: string }[] };
    };
  };
  format?: string;
  /** Legacy graph panels: the left y-axis first. */
  yaxes?: { format?: string }[];
  content?: string;
  options?: { content?: string };
}

interface GrafanaDashboard {
  title?: string;
  time?: { from?: string };
  refresh?: string | false;
  panels?: GrafanaPanel[];
  rows?: { title?: string; panels?: GrafanaPanel[] }[];
  templating?: { list?: { name?: string; type?: string; query?: string | { query?: string }; includeAll?: boolean }[] };
}

export class GrafanaImportError extends Error {
  override readonly name = 'GrafanaImportError';
}

const TYPE_MAP: Record<string, PanelType> = {
  timeseries: 'timeseries',
  graph: 'timeseries',
  stat: 'stat',
  singlestat: 'stat',
  gauge: 'gauge',
  bargauge: 'bar',
  table: 'table',
  'table-old': 'table',
  text: 'text',
};

const COLORS: Record<string, string> = {
  'dark-red': 'red',
  'semi-dark-red': 'red',
  'light-red': 'red',
  'dark-green': 'green',
  'semi-dark-green': 'green',
  'light-green': 'green',
  'dark-yellow': 'yellow',
  'light-yellow': 'yellow',
  orange: 'yellow',
  'dark-orange': 'yellow',
  'semi-dark-orange': 'yellow',
  'dark-blue': 'blue',
  'light-blue': 'blue',
  purple: 'magenta',
};

function color(c: string): string {
  if (/^#/.test(c) || /^rgba?\(/.test(c)) {
    const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(c);
    if (!hex) return 'white';
    const [r, g] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
    return r > 180 && g < 120 ? 'red' : r > 180 && g > 150 ? 'yellow' : g > 120 ? 'green' : 'blue';
  }
  return COLORS[c] ?? c;
}

/** Grafana's legacy unit names to ours where they differ. */
function unit(u: string | undefined, format: string | undefined): string | undefined {
  const v = u ?? format;
  if (!v) return undefined;
  const map: Record<string, string> = {
    dtdurations: 's',
    dtdurationms: 'ms',
    percent: 'percent',
    percentunit: 'percentunit',
    decbytes: 'decbytes',
  };
  return map[v] ?? v;
}

function convertPanel(p: GrafanaPanel): Panel {
  const type = TYPE_MAP[p.type ?? ''] ?? 'unsupported';
  const d = p.fieldConfig?.defaults ?? {};
  const panel: Panel = {
    title: p.title || '(untitled)',
    type,
    queries: (p.targets ?? [])
      .filter((t) => t.expr && !t.hide)
      .map((t) => ({
        expr: t.expr!,
        ...(t.legendFormat ? { legend: t.legendFormat } : {}),
        ...(t.instant || t.format === 'table' || type === 'table' ? { instant: true } : {}),
      })),
    span: p.gridPos?.w ?? 12,
  };
  const un = unit(d.unit, p.format ?? p.yaxes?.[0]?.format);
  if (un) panel.unit = un;
  if (d.decimals !== undefined) panel.decimals = d.decimals;
  if (d.min !== undefined) panel.min = d.min;
  if (d.max !== undefined) panel.max = d.max;
  const steps = d.thresholds?.steps;
  if (steps?.length) {
    panel.thresholds = steps.map((s): Threshold => ({ value: s.value ?? -Infinity, color: color(s.color) }));
  }
  if (type === 'text') panel.text = p.options?.content ?? p.content ?? '';
  if (type === 'unsupported') panel.text = `panel type "${p.type ?? '?'}" is not supported in the terminal`;
  return panel;
}

function variables(g: GrafanaDashboard): Variable[] {
  const out: Variable[] = [];
  for (const v of g.templating?.list ?? []) {
    if (v.type !== 'query' || !v.name) continue;
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    if (!q || !/^\s*label_values\(/.test(q)) continue;
    out.push({ name: v.name, query: q.trim(), ...(v.includeAll ? { includeAll: true } : {}) });
  }
  return out;
}

/** Converts a parsed Grafana dashboard JSON (the dashboard object or `{dashboard: …}`). */
export function importGrafana(json: unknown): Dashboard {
  if (typeof json !== 'object' || json === null)
    throw new GrafanaImportError('not a Grafana dashboard: expected a JSON object');
  const g = ('dashboard' in json ? (json as { dashboard: unknown }).dashboard : json) as GrafanaDashboard;
  if (!Array.isArray(g.panels) && !Array.isArray(g.rows))
    throw new GrafanaImportError('not a Grafana dashboard: it has neither "panels" nor "rows"');
  const rows: Row[] = [];
  if (Array.isArray(g.rows)) {
    for (const r of g.rows) {
      const panels = (r.panels ?? []).map(convertPanel);
      if (panels.length) rows.push({ ...(r.title ? { title: r.title } : {}), panels });
    }
  } else {
    // Flatten collapsed rows, then group panels into bands by their grid row.
    const flat: { p: GrafanaPanel; row?: string }[] = [];
    let rowTitle: string | undefined;
    for (const p of g.panels!) {
      if (p.type === 'row') {
        rowTitle = p.title;
        for (const inner of p.panels ?? []) flat.push({ p: inner, row: rowTitle });
        continue;
      }
      flat.push({ p, row: rowTitle });
    }
    flat.sort((a, b) => (a.p.gridPos?.y ?? 0) - (b.p.gridPos?.y ?? 0) || (a.p.gridPos?.x ?? 0) - (b.p.gridPos?.x ?? 0));
    let current: Row | null = null;
    let bandEnd = -1;
    for (const { p, row } of flat) {
      const y = p.gridPos?.y ?? 0;
      if (!current || y >= bandEnd || (row && row !== current.title && current.panels.length)) {
        current = { ...(row ? { title: row } : {}), panels: [] };
        rows.push(current);
        bandEnd = y + (p.gridPos?.h ?? 8);
      }
      current.panels.push(convertPanel(p));
    }
  }
  if (rows.length === 0) throw new GrafanaImportError('the Grafana dashboard has no panels');
  const dash: Dashboard = { title: g.title || 'Grafana dashboard', rows };
  const from = g.time?.from;
  const m = from ? /^now-(\d+[smhdwy])$/.exec(from) : null;
  if (m) dash.range = m[1];
  if (typeof g.refresh === 'string' && /^\d+[smhdwy]$/.test(g.refresh)) dash.refresh = g.refresh;
  const vars = variables(g);
  if (vars.length) dash.variables = vars;
  return dash;
}
