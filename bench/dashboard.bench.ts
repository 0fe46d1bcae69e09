/**
 * CPU cost of a live dashboard: 12 panels × 10 series, refreshing every second, rendered by Ink to a
 * 160×50 virtual terminal for 15 s. The data comes from an in-process client (range results of
 * 240 points per series, parsed from JSON as a real client would), so the figure is promctl's own
 * rendering and data shaping. Target: under 10% of one core.
 */
import { PassThrough, Writable } from 'node:stream';
import { Chalk } from 'chalk';
import { render } from 'ink';
import React from 'react';
import type { DashboardClient } from '../src/lib/ui/dashboard/data.js';
import type { Dashboard } from '../src/lib/ui/dashboard/model.js';
import { DashboardApp } from '../src/lib/ui/dashboard/view.js';

const SECONDS = 15;
const client: DashboardClient = {
  async query() {
    const body = JSON.stringify({
      resultType: 'vector',
      result: Array.from({ length: 10 }, (_, i) => ({
        metric: { instance: `host${i}:9100` },
        value: [Date.now() / 1000, String(Math.random() * 100)],
      })),
    });
    return { data: JSON.parse(body), warnings: [] };
  },
  async queryRange(_e, start, end, step) {
    const result = Array.from({ length: 10 }, (_, i) => {
      const values: [number, string][] = [];
      for (let t = start; t <= end; t += step) values.push([t, String(50 + 40 * Math.sin(t / 300 + i))]);
      return { metric: { instance: `host${i}:9100` }, values };
    });
    return { data: JSON.parse(JSON.stringify({ resultType: 'matrix', result })), warnings: [] };
  },
  async labelValues() {
    return { data: [] };
  },
};

const types = ['timeseries', 'timeseries', 'stat', 'bar'] as const;
const dash: Dashboard = {
  title: 'bench',
  rows: Array.from({ length: 3 }, (_, r) => ({
    panels: Array.from({ length: 4 }, (_, p) => ({
      title: `panel ${r * 4 + p}`,
      type: types[p]!,
      queries: [{ expr: 'x', legend: '{{instance}}' }],
    })),
  })),
};

class Sink extends Writable {
  columns = 160;
  rows = 50;
  isTTY = true;
  bytes = 0;
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.bytes += chunk.length;
    cb();
  }
}

const out = new Sink();
// A terminal-like stdin (raw mode is a no-op) so that key handling is set up as in a real terminal.
const stdin = Object.assign(new PassThrough(), {
  isTTY: true,
  setRawMode: () => stdin,
  ref: () => stdin,
  unref: () => stdin,
});
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const app = render(
  React.createElement(DashboardApp, {
    dashboard: dash,
    client,
    refreshMs: 1000,
    rangeMs: 3600_000,
    initialVars: {},
    color: new Chalk({ level: 1 }),
  }),
  {
    stdout: out as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    patchConsole: false,
    exitOnCtrlC: false,
  },
);
await new Promise((r) => setTimeout(r, SECONDS * 1000));
app.unmount();
const cpu = process.cpuUsage(cpu0);
const wall = (performance.now() - t0) / 1000;
const pct = ((cpu.user + cpu.system) / 1e6 / wall) * 100;
console.log(
  `dashboard 12 panels x 10 series, 1s refresh, ${SECONDS}s: CPU ${pct.toFixed(1)}% of one core (target < 10%), ${(out.bytes / 1024 / wall).toFixed(0)} KiB/s to the terminal`,
);
process.exit(0);
