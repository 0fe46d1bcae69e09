import { Chalk } from 'chalk';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import {
  fetchPanel,
  interpolate,
  legendFor,
  stepFor,
  thresholdColor,
  type DashboardClient,
} from '../../../src/lib/ui/dashboard/data.js';
import { importGrafana } from '../../../src/lib/ui/dashboard/grafana.js';
import { DashboardError, parseDashboard } from '../../../src/lib/ui/dashboard/load.js';
import type { Dashboard, Panel } from '../../../src/lib/ui/dashboard/model.js';
import { renderOnce } from '../../../src/lib/ui/dashboard/once.js';
import { PanelView, sparkline } from '../../../src/lib/ui/dashboard/panels.js';
import { PRESETS } from '../../../src/lib/ui/dashboard/presets.js';
import { keyAction, layout, reduce, type ViewState } from '../../../src/lib/ui/dashboard/state.js';
import { DashboardApp } from '../../../src/lib/ui/dashboard/view.js';
import { formatUnit } from '../../../src/lib/ui/units.js';

const plain = new Chalk({ level: 0 });
const T0 = 1_700_000_000_000;

/** A client over fixed data: every range query answers a rising line per instance. */
function fakeClient(opts: { fail?: RegExp; calls?: string[] } = {}): DashboardClient {
  return {
    async query(expr) {
      opts.calls?.push(`instant ${expr}`);
      if (opts.fail?.test(expr)) throw new Error('connection refused');
      return {
        data: { resultType: 'vector', result: [{ metric: { instance: 'a:9100' }, value: [T0 / 1000, '42'] }] },
        warnings: [],
      };
    },
    async queryRange(expr, start, end, step) {
      opts.calls?.push(`range ${expr}`);
      if (opts.fail?.test(expr)) throw new Error('connection refused');
      const values: [number, string][] = [];
      for (let t = start, i = 0; t <= end; t += step, i++) values.push([t, String(i)]);
      return { data: { resultType: 'matrix', result: [{ metric: { instance: 'a:9100' }, values }] }, warnings: [] };
    },
    async labelValues(name) {
      return { data: name === 'instance' ? ['a:9100', 'b:9100'] : ['api'] };
    },
  };
}

describe('dashboard data helpers', () => {
  it('fills legends, variables and thresholds', () => {
    expect(legendFor('{{instance}} ({{job}})', { instance: 'a', job: 'node' })).toBe('a (node)');
    expect(legendFor(undefined, { __name__: 'up', job: 'x' })).toBe('up{job="x"}');
    const w = { start: 0, end: 3600_000, step: 15_000 };
    expect(
      interpolate(
        'rate(x{i=~"$instance",j="${job}",k="[[job]]"}[$__rate_interval])',
        { instance: '.*', job: 'api' },
        w,
      ),
    ).toBe('rate(x{i=~".*",j="api",k="api"}[60s])');
    expect(interpolate('$unknown', {}, w)).toBe('$unknown');
    const th = [
      { value: 0, color: 'green' },
      { value: 80, color: 'red' },
    ];
    expect(thresholdColor(50, th)).toBe('green');
    expect(thresholdColor(95, th)).toBe('red');
    expect(stepFor(3600_000, 100)).toBe(18_000);
  });

  it('formats units', () => {
    expect(formatUnit(1536, 'bytes')).toBe('1.5 KiB');
    expect(formatUnit(42.345, 'percent')).toBe('42.3%');
    expect(formatUnit(0.25, 'percentunit')).toBe('25.0%');
    expect(formatUnit(0.0042, 's')).toBe('4.2 ms');
    expect(formatUnit(12_300, 'short')).toBe('12.3K');
    expect(formatUnit(3, 'reqps')).toBe('3 req/s');
  });

  it('turns query failures into panel errors', async () => {
    const panel: Panel = { title: 'x', type: 'timeseries', queries: [{ expr: 'up' }] };
    const r = await fetchPanel(fakeClient({ fail: /up/ }), panel, {}, { start: 0, end: 60_000, step: 15_000 });
    expect(r.error).toBe('connection refused');
    expect(r.series).toEqual([]);
  });
});

describe('dashboard files', () => {
  it('accepts a valid file and reports every problem with positions', () => {
    expect(
      parseDashboard(
        'title: t\nrows:\n  - panels:\n      - title: a\n        type: stat\n        queries: [{expr: up}]\n',
      ).title,
    ).toBe('t');
    try {
      parseDashboard(
        'title: t\nrows:\n  - panels:\n      - title: a\n        type: pie\n        colour: red\n',
        'd.yml',
      );
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DashboardError);
      const msg = (e as Error).message;
      expect(msg).toContain('d.yml:5:15: rows.0.panels.0.type: must be one of');
      expect(msg).toContain('unknown field "colour"');
    }
    expect(() => parseDashboard('title: [', 'bad.yml')).toThrow(/bad\.yml:1:/);
  });

  it('imports Grafana dashboards', () => {
    const d = importGrafana({
      title: 'Node Exporter',
      time: { from: 'now-6h' },
      templating: {
        list: [
          { name: 'instance', type: 'query', query: { query: 'label_values(node_uname_info, instance)' } },
          { name: 'ds', type: 'datasource' },
        ],
      },
      panels: [
        { type: 'row', title: 'Quick', panels: [] },
        {
          type: 'stat',
          title: 'Uptime',
          gridPos: { x: 0, y: 1, w: 6, h: 4 },
          targets: [{ expr: 'node_time_seconds - node_boot_time_seconds' }],
          fieldConfig: {
            defaults: {
              unit: 's',
              thresholds: {
                steps: [
                  { value: null, color: 'green' },
                  { value: 80, color: 'dark-red' },
                ],
              },
            },
          },
        },
        {
          type: 'timeseries',
          title: 'CPU',
          gridPos: { x: 6, y: 1, w: 18, h: 4 },
          targets: [{ expr: 'rate(x[5m])', legendFormat: '{{cpu}}' }],
        },
        { type: 'piechart', title: 'Pie', gridPos: { x: 0, y: 5, w: 24, h: 8 } },
      ],
    });
    expect(d.range).toBe('6h');
    expect(d.variables).toEqual([{ name: 'instance', query: 'label_values(node_uname_info, instance)' }]);
    expect(d.rows).toHaveLength(2);
    expect(d.rows[0]!.panels.map((p) => [p.type, p.span])).toEqual([
      ['stat', 6],
      ['timeseries', 18],
    ]);
    expect(d.rows[0]!.panels[0]!.thresholds).toEqual([
      { value: -Infinity, color: 'green' },
      { value: 80, color: 'red' },
    ]);
    expect(d.rows[1]!.panels[0]).toMatchObject({
      type: 'unsupported',
      text: 'panel type "piechart" is not supported in the terminal',
    });
    expect(() => importGrafana({ foo: 1 })).toThrow(/neither "panels" nor "rows"/);
  });
});

describe('keys, state and layout', () => {
  const s0: ViewState = {
    rangeMs: 3600_000,
    endOffsetMs: 0,
    paused: false,
    focus: 0,
    expanded: false,
    help: false,
    varIndex: 0,
    varValues: { instance: '.*' },
    sorts: {},
    refreshSeq: 0,
    quit: false,
  };
  const ctx = { panelCount: 3, variables: [{ name: 'instance', choices: ['.*', 'a', 'b'] }] };
  it('maps keys to actions and reduces them', () => {
    const run = (input: string, key = {}) => reduce(s0, keyAction(input, key)!, ctx);
    expect(run('+').rangeMs).toBe(30 * 60_000);
    expect(run('-').rangeMs).toBe(3 * 3600_000);
    expect(run('', { leftArrow: true }).endOffsetMs).toBe(1800_000);
    expect(run('', { tab: true, shift: true }).focus).toBe(2);
    expect(run(' ').paused).toBe(true);
    expect(run('v').varValues.instance).toBe('a');
    expect(run('q').quit).toBe(true);
    expect(run('', { return: true }).expanded).toBe(true);
    expect(keyAction('x', {})).toBeNull();
  });

  it('lays out rows without overlap on 80×24', () => {
    const rows = layout(PRESETS.node!.rows, 80, 24);
    expect(rows.reduce((n, r) => n + r.height, 0)).toBe(22);
    for (const r of rows) expect(r.panels.reduce((n, p) => n + p.width, 0)).toBe(80);
  });
});

describe('panels (ink-testing-library)', () => {
  const base = { focused: false, color: plain, xMin: 0, xMax: 60_000, width: 40, height: 8 };
  it('renders each panel type', () => {
    const series = [{ name: 'a:9100', t: [0, 30_000, 60_000], v: [1, 5, 3] }];
    const ts = render(
      <PanelView
        {...base}
        panel={{ title: 'CPU', type: 'timeseries', queries: [], unit: 'percent' }}
        data={{ series }}
      />,
    );
    expect(ts.lastFrame()).toContain('CPU');
    expect(ts.lastFrame()).toMatch(/[\u2801-\u28ff]/);
    expect(ts.lastFrame()).toContain('■ a:9100 3.0%');
    const stat = render(<PanelView {...base} panel={{ title: 'Load', type: 'stat', queries: [] }} data={{ series }} />);
    expect(stat.lastFrame()).toContain('3');
    expect(stat.lastFrame()).toContain(sparkline([1, 5, 3], 38));
    const bar = render(
      <PanelView {...base} panel={{ title: 'Disk', type: 'bar', queries: [], max: 10 }} data={{ series }} />,
    );
    expect(bar.lastFrame()).toMatch(/█+░+ 3/);
    const table = render(<PanelView {...base} panel={{ title: 'T', type: 'table', queries: [] }} data={{ series }} />);
    expect(table.lastFrame()).toMatch(/a:9100\s+3/);
    const err = render(
      <PanelView
        {...base}
        panel={{ title: 'E', type: 'stat', queries: [] }}
        data={{ series: [], error: 'connection refused' }}
      />,
    );
    expect(err.lastFrame()).toContain('error: connection refused');
    for (const f of [ts, stat, bar, table, err])
      for (const line of f.lastFrame()!.split('\n')) expect(line.length).toBeLessThanOrEqual(40);
  });
});

describe('the whole dashboard', () => {
  it('renders one frame with --once semantics, with variables resolved', async () => {
    const calls: string[] = [];
    const frame = await renderOnce(PRESETS.node!, fakeClient({ calls }), {
      cols: 120,
      lines: 30,
      rangeMs: 3600_000,
      vars: {},
      color: plain,
      now: T0,
    });
    expect(frame).toContain('Node');
    expect(frame).toContain('CPU usage');
    expect(frame).toContain('instance=All');
    expect(calls.some((c) => c.includes('instance=~".*"'))).toBe(true);
    for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(120);
  });

  it('refreshes, reacts to keys and keeps working when a panel fails', async () => {
    const dash: Dashboard = {
      title: 'Live',
      rows: [
        {
          panels: [
            { title: 'Good', type: 'stat', queries: [{ expr: 'up' }] },
            { title: 'Bad', type: 'stat', queries: [{ expr: 'broken' }] },
          ],
        },
      ],
    };
    const app = render(
      <DashboardApp
        dashboard={dash}
        client={fakeClient({ fail: /broken/ })}
        refreshMs={50}
        rangeMs={3600_000}
        initialVars={{}}
        color={plain}
        now={() => T0}
      />,
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(app.lastFrame()).toContain('error: connection refused');
    expect(app.lastFrame()).toMatch(/Good[\s\S]*\d/);
    app.stdin.write('?');
    await new Promise((r) => setTimeout(r, 50));
    expect(app.lastFrame()).toContain('zoom the time range');
    app.stdin.write('?');
    app.stdin.write('+');
    await new Promise((r) => setTimeout(r, 50));
    expect(app.lastFrame()).toContain('range 30m');
    app.unmount();
  });
});

describe('example dashboards', () => {
  it('examples/dashboards/*.yml are valid', async () => {
    const { readdirSync } = await import('node:fs');
    const { loadDashboardFile } = await import('../../../src/lib/ui/dashboard/load.js');
    const dir = new URL('../../../examples/dashboards/', import.meta.url).pathname;
    const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(loadDashboardFile(dir + f).rows.length).toBeGreaterThan(0);
  });
});
