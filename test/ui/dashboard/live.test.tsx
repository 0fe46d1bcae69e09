/**
 * Component tests (ink-testing-library) of the dashboard: a frame for each panel type and state,
 * key handling in the live app, server-down recovery, no re-render without new data, and the
 * line-diff Screen the live command renders through.
 */
import { EventEmitter } from 'node:events';
import { Chalk } from 'chalk';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import {
  alignedWindow,
  fetchPanel,
  fetchVariableValues,
  samePanelData,
  type DashboardClient,
} from '../../../src/lib/ui/dashboard/data.js';
import { importGrafana } from '../../../src/lib/ui/dashboard/grafana.js';
import type { Dashboard, Panel } from '../../../src/lib/ui/dashboard/model.js';
import { renderOnce } from '../../../src/lib/ui/dashboard/once.js';
import { fitTitle, PanelView, wrapWords, type PanelProps } from '../../../src/lib/ui/dashboard/panels.js';
import { PRESETS } from '../../../src/lib/ui/dashboard/presets.js';
import { Screen } from '../../../src/lib/ui/dashboard/screen.js';
import { DashboardApp, footerText } from '../../../src/lib/ui/dashboard/view.js';

const plain = new Chalk({ level: 0 });
const ansi = new Chalk({ level: 1 });
const T0 = 1_700_000_000_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// eslint-disable-next-line no-control-regex
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

function panelFrame(panel: Panel, data: PanelProps['data'], extra: Partial<PanelProps> = {}): string {
  const props: PanelProps = {
    panel,
    data,
    width: 44,
    height: 10,
    focused: false,
    color: plain,
    xMin: T0 - 60_000,
    xMax: T0,
    ...extra,
  };
  const r = render(<PanelView {...props} />);
  const f = r.lastFrame()!;
  r.unmount();
  return f;
}

/** Every line of a panel frame fits its width, and the frame is exactly its height. */
function expectBox(frame: string, width: number, height: number) {
  const lines = frame.split('\n');
  expect(lines).toHaveLength(height);
  for (const l of lines) expect([...strip(l)].length).toBeLessThanOrEqual(width);
  expect(lines[0]).toMatch(/^[╭╔]/);
  expect(lines[height - 1]).toMatch(/^[╰╚]/);
}

const ramp = (name: string, from: number, n = 7) => ({
  name,
  t: Array.from({ length: n }, (_, i) => T0 - 60_000 + i * 10_000),
  v: Array.from({ length: n }, (_, i) => from + i),
});

describe('panel frames', () => {
  it('time series: braille lines, y labels with units, a legend with last values, a time axis when tall', () => {
    const f = panelFrame(
      { title: 'Latency', type: 'timeseries', queries: [], unit: 's' },
      { series: [ramp('api p50', 1), ramp('api p99', 3)] },
      { height: 14 },
    );
    expectBox(f, 44, 14);
    expect(f).toMatch(/[\u2801-\u28ff]/);
    expect(f).toContain('9 s'); // the top of the axis: the largest value
    expect(f).toContain('■ api p50 7 s');
    expect(f).toContain('■ api p99 9 s');
    expect(f).toMatch(/└\d\d:\d\d:\d\d +\d\d:\d\d:\d\d/); // start … end of the window
    // A short panel has no room for the time axis.
    const short = panelFrame(
      { title: 'x', type: 'timeseries', queries: [] },
      { series: [ramp('a', 1)] },
      { height: 8 },
    );
    expect(short).toMatch(/[\u2801-\u28ff]/);
    expect(short).not.toContain('└');
  });

  it('stat: the last value with thresholds coloring and a sparkline', () => {
    const panel: Panel = {
      title: 'Errors',
      type: 'stat',
      queries: [],
      unit: 'percent',
      thresholds: [
        { value: 0, color: 'green' },
        { value: 5, color: 'red' },
      ],
    };
    const hot = panelFrame(panel, { series: [ramp('e', 1)] }, { color: ansi });
    expect(strip(hot)).toContain('7.0%');
    expect(hot).toContain('\x1b[31m'); // red: 7 ≥ 5
    expect(strip(hot)).toMatch(/▁[▂▃▄▅▆▇]{5}█/);
    const ok = panelFrame(panel, { series: [{ name: 'e', t: [T0], v: [2] }] }, { color: ansi });
    expect(ok).toContain('\x1b[32m'); // green
    expect(ok).not.toContain('\x1b[31m');
  });

  it('gauge and bar: bars scaled to min/max, with names for several series', () => {
    const f = panelFrame(
      { title: 'Disk', type: 'bar', queries: [], unit: 'percent', min: 0, max: 100 },
      {
        series: [
          { name: '/', t: [T0], v: [50] },
          { name: '/home', t: [T0], v: [100] },
        ],
      },
    );
    expectBox(f, 44, 10);
    const bars = f.split('\n').filter((l) => l.includes('%'));
    expect(bars[0]).toMatch(/│\/ +█+░+ +50\.0%│/);
    expect(bars[1]).toMatch(/│\/home +█+ 100\.0%│/);
    const filled = (l: string) => [...l].filter((ch) => ch === '█').length;
    expect(Math.abs(filled(bars[1]!) - 2 * filled(bars[0]!))).toBeLessThanOrEqual(1);
    const g = panelFrame(
      { title: 'CPU', type: 'gauge', queries: [], unit: 'percent', max: 100 },
      { series: [{ name: 'a', t: [T0], v: [25] }] },
    );
    expect(g).toMatch(/█+░+ 25\.0%/);
  });

  it('table: sortable by name, value descending and ascending', () => {
    const data = {
      series: [
        { name: 'b', t: [T0], v: [1] },
        { name: 'a', t: [T0], v: [3] },
        { name: 'c', t: [T0], v: [2] },
      ],
    };
    const order = (sort?: PanelProps['sort']) =>
      panelFrame({ title: 'T', type: 'table', queries: [] }, data, { sort })
        .split('\n')
        .map((l) => /^│([abc]) /.exec(l)?.[1])
        .filter(Boolean)
        .join('');
    expect(order()).toBe('abc');
    expect(order('value-desc')).toBe('acb');
    expect(order('value-asc')).toBe('bca');
    expect(panelFrame({ title: 'T', type: 'table', queries: [] }, data, { sort: 'value-desc' })).toContain('VALUE ↓');
    // More rows than fit: the last line says how many are hidden.
    const many = { series: Array.from({ length: 20 }, (_, i) => ({ name: `s${i}`, t: [T0], v: [i] })) };
    const t = panelFrame({ title: 'T', type: 'table', queries: [] }, many);
    const shown = t.split('\n').filter((l) => /^│s\d+ /.test(l)).length;
    expect(shown).toBe(6); // 10 lines: borders, the header and the "more" line
    expect(t).toContain(`… ${20 - shown} more`);
  });

  it('text and unsupported (Grafana placeholder) panels', () => {
    expect(panelFrame({ title: 'N', type: 'text', queries: [], text: 'hello\nworld' }, undefined)).toMatch(
      /hello[\s\S]*world/,
    );
    expect(
      panelFrame(
        { title: 'P', type: 'unsupported', queries: [], text: 'panel type "piechart" is not supported' },
        {
          series: [],
        },
      ),
    ).toContain('piechart');
  });

  it('states: loading, empty result, query error, unreachable server, error over older data', () => {
    const panel: Panel = { title: 'CPU', type: 'timeseries', queries: [] };
    expect(panelFrame(panel, undefined)).toContain('loading…');
    expect(panelFrame(panel, { series: [] })).toContain('no data');
    const q = panelFrame(panel, { series: [], error: '1:12: parse error: unclosed left parenthesis' });
    expect(q).toContain('CPU ⚠');
    expect(q).toContain('error: 1:12: parse error: unclosed left');
    const down = panelFrame(
      panel,
      { series: [], error: 'cannot reach http://127.0.0.1:9/: connection refused (is the server running?)' },
      { width: 24 },
    );
    expectBox(down, 24, 10);
    // Wrapped at word boundaries, without the URL (the header names the server).
    expect(down).not.toContain('127.0.0.1');
    for (const l of down.split('\n').slice(1, -1)) expect(l).toMatch(/^│(\S+( \S+)*)? *│$/);
    expect(down.replace(/[│\s]+/g, ' ')).toContain(
      'cannot reach the server: connection refused (is the server running?)',
    );
    const stale = panelFrame(panel, { series: [ramp('a', 1)], error: 'timeout' });
    expect(stale).toMatch(/[\u2801-\u28ff]/); // the older data stays on screen
    expect(stale).toContain('error: timeout');
    expect(stale).toContain('CPU ⚠');
  });

  it('titles cut at a word boundary, words wrap', () => {
    expect(fitTitle('Scrape duration by job and instance', 20)).toBe('Scrape duration by…');
    expect(fitTitle('Load average (1m)', 15)).toBe('Load average…');
    expect(fitTitle('short', 15)).toBe('short');
    expect(wrapWords('error: cannot reach the server', 12)).toEqual(['error:', 'cannot reach', 'the server']);
    expect(wrapWords('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
  });
});

describe('whole frames on small and large terminals', () => {
  const client: DashboardClient = {
    async query() {
      return {
        data: {
          resultType: 'vector',
          result: [
            { metric: { instance: 'web-1.example.com:9100', mountpoint: '/', job: 'node' }, value: [T0 / 1000, '42'] },
          ],
        },
        warnings: [],
      };
    },
    async queryRange(_e, start, end, step) {
      const result = ['web-1.example.com:9100', 'db-1.example.com:9100'].map((instance, k) => {
        const values: [number, string][] = [];
        for (let t = start; t <= end; t += step) values.push([t, String(1e9 * (k + 1) + t)]);
        return { metric: { instance, device: 'eth0', job: 'node' }, values };
      });
      return { data: { resultType: 'matrix', result }, warnings: [] };
    },
    async labelValues() {
      return { data: ['web-1.example.com:9100', 'db-1.example.com:9100'] };
    },
  };
  for (const [cols, lines] of [
    [80, 24],
    [200, 60],
  ] as const)
    for (const name of Object.keys(PRESETS))
      it(`${name} preset on ${cols}×${lines}: every line fits, panels line up, header and footer in place`, async () => {
        const frame = await renderOnce(PRESETS[name]!, client, {
          cols,
          lines,
          rangeMs: 3600_000,
          vars: {},
          color: plain,
          now: T0,
        });
        const rows = frame.split('\n');
        expect(rows).toHaveLength(lines);
        for (const r of rows) expect([...r].length).toBeLessThanOrEqual(cols);
        expect(rows[0]).toContain(PRESETS[name]!.title);
        expect(rows[lines - 1]).toMatch(/^\? help {2}q quit/);
        // Panel rows: every line of the grid is a sequence of whole panels (borders at both ends).
        for (const r of rows.slice(1, -1)) if (r.trim()) expect(r).toMatch(/^[│║╭╔╰╚].*[│║╮╗╯╝]$/);
      });

  it('footer hints fit the width, keeping help, quit and the variable key', () => {
    expect(footerText(200, true)).toContain('r refresh');
    for (const w of [40, 60, 80]) {
      const f = footerText(w, true);
      expect(f.length).toBeLessThanOrEqual(w);
      expect(f).toMatch(/^\? help {2}q quit/);
      expect(f).toContain('v variable');
    }
  });
});

describe('Grafana dashboards', () => {
  it('legacy graph units, chained variables', async () => {
    const d = importGrafana({
      title: 'g',
      templating: {
        list: [
          { name: 'job', type: 'query', query: 'label_values(node_uname_info, job)' },
          { name: 'node', type: 'query', query: { query: 'label_values(node_uname_info{job="$job"}, instance)' } },
        ],
      },
      panels: [{ type: 'graph', title: 'Net', yaxes: [{ format: 'bps' }], targets: [{ expr: 'rate(x[5m])' }] }],
    });
    expect(d.rows[0]!.panels[0]!.unit).toBe('bps');
    const asked: string[][] = [];
    const client: DashboardClient = {
      query: () => Promise.reject(new Error('unused')),
      queryRange: () => Promise.reject(new Error('unused')),
      async labelValues(_name, match) {
        asked.push([...(match ?? [])]);
        return { data: ['x'] };
      },
    };
    await fetchVariableValues(client, d.variables![1]!, { job: 'node' });
    expect(asked).toEqual([['node_uname_info{job="node"}']]);
  });
});

describe('data helpers', () => {
  it('a stat shows the value now after its step-aligned sparkline', async () => {
    const { st, client } = controlledClient();
    const w = alignedWindow(T0 + 1, 3600_000, 80); // the fake's instant answer is at T0, after w.end
    const stat = await fetchPanel(client, { title: 's', type: 'stat', queries: [{ expr: 'up' }] }, {}, w);
    expect(w.end).toBeLessThan(T0);
    expect(st.calls).toEqual([`range up ${(w.end - w.start) / 1000}s step ${w.step / 1000}`, 'instant up']);
    const a = stat.series.find((s) => s.name.includes('"a"'))!;
    expect(a.t.at(-1)).toBe(T0); // the instant answer (the fake answers at T0), after the range's points
    expect(a.t.at(-2)).toBe(w.end);
    expect(stat.series.some((s) => s.name.includes('"b"'))).toBe(true); // only in the instant answer
    st.calls.length = 0;
    await fetchPanel(client, { title: 't', type: 'timeseries', queries: [{ expr: 'up' }] }, {}, w);
    expect(st.calls).toEqual([`range up ${(w.end - w.start) / 1000}s step ${w.step / 1000}`]);
  });

  it('aligns windows to the step and compares results', () => {
    const base = Math.floor(T0 / 12_000) * 12_000;
    const a = alignedWindow(base + 1000, 3600_000, 160);
    const b = alignedWindow(base + 5000, 3600_000, 160);
    expect(a.step).toBe(12_000);
    expect(a.end % a.step).toBe(0);
    expect(a.start % a.step).toBe(0);
    expect(a.end - a.start).toBeGreaterThanOrEqual(3600_000);
    expect([a.start, a.end]).toEqual([b.start, b.end]); // same step: same query
    expect(b.at).toBe(base + 5000); // instant queries stay at now
    expect(alignedWindow(base + 13_000, 3600_000, 160).end).toBe(a.end + 12_000);
    const s = { series: [{ name: 'x', t: [1, 2], v: [1, NaN] }] };
    expect(samePanelData(s, { series: [{ name: 'x', t: [1, 2], v: [1, NaN] }] })).toBe(true);
    expect(samePanelData(s, { series: [{ name: 'x', t: [1, 2], v: [1, 2] }] })).toBe(false);
    expect(samePanelData(s, { ...s, error: 'e' })).toBe(false);
  });
});

/** A client whose answers the test controls. */
function controlledClient() {
  const st = { down: false, value: 1, calls: [] as string[] };
  const client: DashboardClient = {
    async query(expr) {
      st.calls.push(`instant ${expr}`);
      if (st.down) throw new Error('cannot reach http://127.0.0.1:9: connection refused (is the server running?)');
      return {
        data: {
          resultType: 'vector',
          result: [
            { metric: { instance: 'a' }, value: [T0 / 1000, String(st.value)] },
            { metric: { instance: 'b' }, value: [T0 / 1000, String(10 - st.value)] },
          ],
        },
        warnings: [],
      };
    },
    async queryRange(expr, start, end, step) {
      st.calls.push(`range ${expr} ${end - start}s step ${step}`);
      if (st.down) throw new Error('cannot reach http://127.0.0.1:9: connection refused (is the server running?)');
      if (expr.includes('broken')) throw new Error('bad_data: 1:7: parse error: unexpected end of input');
      const values: [number, string][] = [];
      for (let t = start; t <= end; t += step) values.push([t, String(st.value)]);
      return { data: { resultType: 'matrix', result: [{ metric: { instance: 'a' }, values }] }, warnings: [] };
    },
    async labelValues() {
      return { data: ['a', 'b'] };
    },
  };
  return { st, client };
}

const liveDash: Dashboard = {
  title: 'Live',
  variables: [{ name: 'instance', query: 'label_values(up, instance)', includeAll: true }],
  rows: [
    {
      panels: [
        { title: 'Chart', type: 'timeseries', queries: [{ expr: 'up{instance=~"$instance"}' }] },
        { title: 'Table', type: 'table', queries: [{ expr: 'up', legend: '{{instance}}' }] },
        { title: 'Broken', type: 'stat', queries: [{ expr: 'broken(' }] },
      ],
    },
  ],
};

async function until(pred: () => boolean, ms = 3000) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe('the live app', () => {
  it('handles the keys: help, focus, expand, sort, variables, zoom, pan, pause and refresh', async () => {
    const { st, client } = controlledClient();
    const app = render(
      <DashboardApp
        dashboard={liveDash}
        client={client}
        refreshMs={60_000}
        rangeMs={3600_000}
        initialVars={{}}
        color={plain}
        now={() => T0}
      />,
    );
    const frame = () => app.lastFrame() ?? '';
    const key = async (k: string, check: () => boolean) => {
      app.stdin.write(k);
      await until(check);
    };
    await until(() => frame().includes('VALUE') && frame().includes('error: bad_data'));
    expect(frame()).toContain('instance=All');
    // No query went out before the variable had its value.
    expect(st.calls.some((c) => c.includes('instance=~".*"'))).toBe(true);
    expect(st.calls.some((c) => c.includes('$instance'))).toBe(false);

    await key('?', () => frame().includes('zoom the time range'));
    await key('?', () => !frame().includes('zoom the time range'));

    // Focus moves with tab (double border), enter expands the focused panel alone.
    expect(frame()).toMatch(/╔═ Chart/);
    await key('\t', () => /╔═ Table/.test(frame()));
    await key('\r', () => !frame().includes('Chart') && frame().includes('Table'));
    await key('s', () => frame().includes('VALUE ↓'));
    const rowsOf = () => [...frame().matchAll(/║([ab]) +\d/g)].map((m) => m[1]).join('');
    expect(rowsOf()).toBe('ba'); // b = 9, a = 1
    await key('\x1b', () => frame().includes('Chart'));

    // v: the next value of the variable, queried at once.
    const before = st.calls.length;
    await key('v', () => frame().includes('instance=a'));
    await until(() => st.calls.slice(before).some((c) => c.includes('instance=~"a"')));

    await key('+', () => frame().includes('range 30m'));
    await until(() => st.calls.some((c) => c.includes(' 1800s ')) || st.calls.some((c) => c.includes('1800000')));
    await key('\x1b[D', () => frame().includes('-15m')); // ← pans back half a range
    await key('l', () => frame().includes('live'));

    // Paused: no refresh on its own, but r refreshes now.
    await key(' ', () => frame().includes('paused'));
    const n = st.calls.length;
    app.stdin.write('r');
    await until(() => st.calls.length > n);
    await key('q', () => true);
    app.unmount();
  });

  it('shows an unreachable server in every panel and the header, and recovers by itself', async () => {
    const { st, client } = controlledClient();
    st.down = true;
    const app = render(
      <DashboardApp
        dashboard={liveDash}
        client={client}
        refreshMs={40}
        rangeMs={3600_000}
        initialVars={{ instance: 'a' }}
        color={plain}
      />,
    );
    const frame = () => app.lastFrame() ?? '';
    await until(() => frame().includes('http://127.0.0.1:9 unreachable'));
    expect(frame().match(/error: cannot reach the server/g)?.length).toBe(3);
    st.down = false;
    await until(() => frame().includes('VALUE') && !frame().includes('unreachable'));
    expect(frame()).toContain('live');
    expect(frame()).toContain('error: bad_data'); // the broken query still says why
    app.unmount();
  });

  it('asks a chart again only when its window moves, and once more when its last point has settled', async () => {
    const { st, client } = controlledClient();
    const dash: Dashboard = {
      title: 'C',
      rows: [{ panels: [{ title: 'c', type: 'timeseries', queries: [{ expr: 'up' }] }] }],
    };
    const step = alignedWindow(T0, 3600_000, 100).step; // ink-testing-library: 100 columns
    const end = Math.ceil(T0 / step) * step;
    let clock = end + 1000;
    const app = render(
      <DashboardApp
        dashboard={dash}
        client={client}
        refreshMs={15}
        rangeMs={3600_000}
        initialVars={{}}
        color={plain}
        now={() => clock}
      />,
    );
    const ranges = () => st.calls.filter((c) => c.startsWith('range')).length;
    const refreshes = async (n: number) => {
      const c = ranges();
      await sleep(15 * n);
      return { asked: ranges() - c };
    };
    await until(() => ranges() === 1);
    expect((await refreshes(6)).asked).toBe(0); // same window, last point not settled yet: no new query
    clock = end + 10_500; // past the settling time: asked once more
    await until(() => ranges() === 2);
    expect((await refreshes(6)).asked).toBe(0);
    clock = end + step + 100; // the window moved
    await until(() => ranges() === 3);
    app.stdin.write('r'); // refresh now asks again
    await until(() => ranges() === 4);
    app.unmount();
  });

  it('renders nothing new while the data does not change, and again when it does', async () => {
    const { st, client } = controlledClient();
    const dash: Dashboard = {
      title: 'Quiet',
      rows: [{ panels: [{ title: 'S', type: 'stat', queries: [{ expr: 'up' }] }] }],
    };
    const app = render(
      <DashboardApp
        dashboard={dash}
        client={client}
        refreshMs={20}
        rangeMs={3600_000}
        initialVars={{}}
        color={plain}
        now={() => T0}
      />,
    );
    await until(() => app.lastFrame()!.includes('▄'));
    const calls = st.calls.length;
    const frames = app.frames.length;
    await until(() => st.calls.length >= calls + 5); // five more refreshes with the same answers
    expect(app.frames.length).toBe(frames);
    st.value = 5;
    await until(() => app.frames.length > frames);
    expect(app.lastFrame()).toMatch(/\b5\b/);
    app.unmount();
  });
});

class FakeTerminal extends EventEmitter {
  columns = 20;
  rows = 4;
  out = '';
  write(s: string) {
    this.out += s;
    return true;
  }
}

describe('Screen (the live terminal writer)', () => {
  it('writes only the lines that changed, never clears the screen for a frame, clears once on resize', () => {
    const term = new FakeTerminal();
    const screen = new Screen(term);
    screen.enter();
    expect(term.out).toContain('\x1b[?1049h'); // alternate screen
    term.out = '';
    screen.write('title\nline a\nline b\nfooter');
    expect(term.out).toContain('\x1b[1;1H\x1b[2Ktitle');
    expect(term.out).toContain('\x1b[4;1H\x1b[2Kfooter');
    term.out = '';
    screen.write('title\nline a\nline B\nfooter');
    expect(term.out).not.toContain('title');
    expect(term.out).not.toContain('line a');
    expect(term.out).toContain('\x1b[3;1H\x1b[2Kline B');
    expect(term.out).not.toContain('\x1b[2J');
    term.out = '';
    screen.write('title\nline a\nline B\nfooter');
    expect(term.out).toBe(''); // nothing changed, nothing written
    // A shorter frame blanks the lines it no longer uses.
    screen.write('title\nline a');
    expect(term.out).toContain('\x1b[3;1H\x1b[2K');
    expect(term.out).toContain('\x1b[4;1H\x1b[2K');
    term.out = '';
    const resized: string[] = [];
    screen.on('resize', () => resized.push('x'));
    term.columns = 30;
    term.emit('resize');
    expect(resized).toEqual(['x']);
    screen.write('title\nline a');
    expect(term.out).toContain('\x1b[2J'); // the terminal reflowed: redraw from clean
    expect(term.out).toContain('title');
    term.out = '';
    screen.write('\x1b[?25h'); // not a frame: passed through
    expect(term.out).toBe('\x1b[?25h');
    screen.leave();
    expect(term.out).toContain('\x1b[?1049l');
  });
});
