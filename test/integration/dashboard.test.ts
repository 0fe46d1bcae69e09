/**
 * Drives the real `promctl dashboard` in tmux against the real Prometheus scraping the real
 * node_exporter: panels render data, the frame stays in place over refreshes and resizes, keys work,
 * a dead server shows errors and the dashboard recovers by itself when it comes up, and an 80×24
 * terminal stays readable.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, repoRootBin, startProc, which, type Proc } from '../support/procs.js';

const have = which('tmux') && which('prometheus') && which('prometheus-node-exporter');
const session = `promctl-dash-${process.pid}`;
let prom: Proc | undefined;
let nodeExp: Proc | undefined;
let prom2: Proc | undefined;
let promUrl = '';
let dir = '';

function tmux(...args: string[]): string {
  return execFileSync('tmux', args, { encoding: 'utf8' });
}
async function waitFor(pred: (screen: string) => boolean, ms = 30_000): Promise<string> {
  const end = Date.now() + ms;
  let screen = '';
  while (Date.now() < end) {
    screen = tmux('capture-pane', '-p', '-t', session);
    if (pred(screen)) return screen;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out; screen was:\n${screen}`);
}

/** Whether the whole pane is one dashboard frame: title line, whole panels, footer on the last line. */
function isFrame(screen: string, title: string, cols: number, lines: number): boolean {
  const rows = screen.replace(/\n$/, '').split('\n');
  return (
    rows.length === lines &&
    rows[0]!.startsWith(title) &&
    rows[lines - 1]!.startsWith('? help') &&
    /^[╭╔]/.test(rows[1]!) &&
    /^[╰╚]/.test(rows[lines - 2]!) &&
    rows.slice(1, -1).every((r) => [...r].length <= cols && (!r.trim() || /^[│║╭╔╰╚].*[│║╮╗╯╝]$/.test(r)))
  );
}
function expectFrame(screen: string, title: string, cols: number, lines: number) {
  if (!isFrame(screen, title, cols, lines)) expect.fail(`not a whole ${cols}×${lines} frame:\n${screen}`);
}

describe.skipIf(!have)('promctl dashboard in tmux', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'promctl-dash-'));
    const nePort = await freePort();
    nodeExp = await startProc('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${nePort}`], {
      readyUrl: `http://127.0.0.1:${nePort}/metrics`,
    });
    const pPort = await freePort();
    writeFileSync(
      join(dir, 'p.yml'),
      `global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: node\n    static_configs: [{targets: ['127.0.0.1:${nePort}']}]\n`,
    );
    promUrl = `http://127.0.0.1:${pPort}`;
    prom = await startProc(
      'prometheus',
      [
        `--config.file=${join(dir, 'p.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${pPort}`,
      ],
      { readyUrl: `${promUrl}/-/ready` },
    );
    // Let a few scrapes land so rates have data.
    await new Promise((r) => setTimeout(r, 6000));
  });
  afterAll(async () => {
    spawnSync('tmux', ['kill-session', '-t', session]);
    await prom?.stop();
    await prom2?.stop();
    await nodeExp?.stop();
  });

  it('renders the node preset with data, reacts to keys, and quits', async () => {
    tmux(
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      '120',
      '-y',
      '40',
      `${repoRootBin} dashboard --preset node --url ${promUrl} --refresh 1s --range 5m`,
    );
    const screen = await waitFor((s) => s.includes('CPU usage') && /\d+(\.\d+)?%/.test(s) && /\d [KMG]iB/.test(s));
    expect(screen).toContain('Network receive');
    expect(screen).toMatch(/[\u2801-\u28ff]/); // braille chart ink
    // Over several refreshes the frame stays in place: header on top, footer at the bottom, panels
    // whole in between (no line drift, no leftovers of earlier frames).
    await new Promise((r) => setTimeout(r, 3000));
    await waitFor((s) => isFrame(s, 'Node', 120, 40), 5000);
    // Resizes with the terminal.
    tmux('resize-window', '-t', session, '-x', '200', '-y', '60');
    const big = await waitFor((s) => isFrame(s, 'Node', 200, 60) && s.includes('r refresh'));
    expectFrame(big, 'Node', 200, 60);
    tmux('resize-window', '-t', session, '-x', '120', '-y', '40');
    await waitFor((s) => isFrame(s, 'Node', 120, 40));
    tmux('send-keys', '-t', session, '-');
    await waitFor((s) => s.includes('range 15m'));
    tmux('send-keys', '-t', session, '?');
    await waitFor((s) => s.includes('zoom the time range'));
    const key = async (k: string) => {
      tmux('send-keys', '-t', session, k);
      await new Promise((r) => setTimeout(r, 300)); // a lone ESC must not merge with the next key
    };
    await key('Escape');
    await waitFor((s) => !s.includes('zoom the time range'));
    await key('Tab');
    await key('Enter');
    // The second panel, expanded full-screen: the others are gone.
    await waitFor((s) => s.includes('CPU now') && !s.includes('CPU usage') && !s.includes('Network receive'));
    tmux('send-keys', '-t', session, 'q');
    await waitFor(() => !tmux('list-panes', '-t', session, '-F', '#{pane_dead}').includes('0') || true, 100);
    await new Promise((r) => setTimeout(r, 1000));
    expect(spawnSync('tmux', ['has-session', '-t', session]).status).not.toBe(0); // the command exited
  });

  it('stays readable on 80×24, shows a down server, and recovers by itself when it comes up', async () => {
    spawnSync('tmux', ['kill-session', '-t', session]);
    const port = await freePort();
    const dead = `http://127.0.0.1:${port}`;
    tmux(
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      '80',
      '-y',
      '24',
      `${repoRootBin} dashboard --preset node --url ${dead} --refresh 1s`,
    );
    // (A capture can land in the middle of a frame being written: wait for a whole one.)
    const screen = await waitFor(
      (s) => s.includes('error:') && s.includes('unreachable') && isFrame(s, 'Node', 80, 24),
    );
    expectFrame(screen, 'Node', 80, 24);
    expect(screen).toContain(`${dead} unreachable`);
    expect(screen).toContain('connection refused');
    // The server comes up: the same dashboard fills in without any key press.
    prom2 = await startProc(
      'prometheus',
      [
        `--config.file=${join(dir, 'p.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data2')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { readyUrl: `${dead}/-/ready` },
    );
    const back = await waitFor(
      (s) =>
        isFrame(s, 'Node', 80, 24) && !s.includes('unreachable') && /Uptime[\s\S]*\d+(\.\d+)? (min|h|day|s)\b/.test(s),
    );
    expectFrame(back, 'Node', 80, 24);
    expect(back).not.toContain('cannot reach');
    tmux('send-keys', '-t', session, 'q');
    await new Promise((r) => setTimeout(r, 1000));
    expect(spawnSync('tmux', ['has-session', '-t', session]).status).not.toBe(0);
  });
});
