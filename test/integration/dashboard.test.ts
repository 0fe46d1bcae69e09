/**
 * Drives the real `promctl dashboard` in tmux against the real Prometheus scraping the real
 * node_exporter: panels render data, keys work, a dead server shows errors, and an 80×24 terminal
 * stays readable.
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
let promUrl = '';

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

describe.skipIf(!have)('promctl dashboard in tmux', () => {
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'promctl-dash-'));
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

  it('stays readable on 80×24 and shows errors when the server is down', async () => {
    spawnSync('tmux', ['kill-session', '-t', session]);
    const dead = `http://127.0.0.1:${await freePort()}`;
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
    const screen = await waitFor((s) => s.includes('error:'));
    for (const line of screen.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(screen).toContain('connection refused');
    tmux('send-keys', '-t', session, 'q');
  });
});
