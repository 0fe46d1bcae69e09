import { mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DiscoveryManager,
  FileDiscoverer,
  HttpDiscoverer,
  parseFileSD,
  StaticDiscoverer,
  type TargetGroup,
  type TargetSets,
} from '../../src/lib/discovery/index.js';

function collect(): { groups: Map<string, TargetGroup>; cb: (g: TargetGroup[]) => void; calls: number } {
  const st = {
    groups: new Map<string, TargetGroup>(),
    calls: 0,
    cb: (gs: TargetGroup[]) => {
      st.calls++;
      for (const g of gs) {
        if (g.targets.length === 0) st.groups.delete(g.source);
        else st.groups.set(g.source, g);
      }
    },
  };
  return st;
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('static_configs', () => {
  it('one group per entry with index sources', () => {
    const c = collect();
    new StaticDiscoverer([{ targets: ['a:1', 'b:2'], labels: { env: 'prod' } }, { targets: ['c:3'] }]).start(c.cb);
    expect([...c.groups.keys()]).toEqual(['0', '1']);
    expect(c.groups.get('0')).toEqual({
      source: '0',
      targets: [{ __address__: 'a:1' }, { __address__: 'b:2' }],
      labels: { env: 'prod' },
    });
  });

  it('rejects a non-string target with a clear error', () => {
    expect(() => new StaticDiscoverer([{ targets: [5 as unknown as string] }])).toThrow('target 5 is not a string');
  });
});

describe('file_sd_configs', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'promctl-filesd-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parses JSON and YAML with __meta_filepath and file:index sources', () => {
    const j = parseFileSD('[{"targets":["h:1"],"labels":{"a":"b"}},{"targets":["h:2"]}]', '/x/t.json');
    expect(j.map((g) => g.source)).toEqual(['/x/t.json:0', '/x/t.json:1']);
    expect(j[0]!.labels).toEqual({ a: 'b', __meta_filepath: '/x/t.json' });
    const y = parseFileSD('- targets: ["h:3"]\n  labels:\n    team: x\n', '/x/t.yml');
    expect(y[0]).toEqual({
      source: '/x/t.yml:0',
      targets: [{ __address__: 'h:3' }],
      labels: { team: 'x', __meta_filepath: '/x/t.yml' },
    });
    expect(parseFileSD('', '/x/e.yaml')).toEqual([]);
  });

  it('reports malformed files clearly', () => {
    expect(() => parseFileSD('{"targets":[]}', '/x/a.json')).toThrow('expected a list of target groups');
    expect(() => parseFileSD('[{"targets":"h:1"}]', '/x/a.json')).toThrow('"targets" must be a list of strings');
    expect(() => parseFileSD('[{"targetz":[]}]', '/x/a.json')).toThrow('unknown field "targetz"');
    expect(() => parseFileSD('[', '/x/a.json')).toThrow('error parsing /x/a.json');
    expect(() => parseFileSD('[]', '/x/a.txt')).toThrow('unsupported file extension');
  });

  it('globs, watches changes, removes vanished groups and keeps targets of a broken file', async () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.yml');
    writeFileSync(a, JSON.stringify([{ targets: ['h:1'] }, { targets: ['h:2'] }]));
    writeFileSync(b, '- targets: ["h:3"]\n');
    writeFileSync(join(dir, 'ignored.txt'), 'x');
    const c = collect();
    const d = new FileDiscoverer(
      { files: [join(dir, '*.json'), join(dir, '*.yml')], refresh_interval: '1h' },
      { debounceMs: 20 },
    );
    d.start(c.cb);
    try {
      await until(() => c.groups.size === 3);
      expect([...c.groups.keys()].sort()).toEqual([`${a}:0`, `${a}:1`, `${b}:0`]);

      // Shrink a.json to one group: the second source is removed.
      writeFileSync(a, JSON.stringify([{ targets: ['h:9'] }]));
      await until(() => c.groups.size === 2 && c.groups.get(`${a}:0`)?.targets[0]?.__address__ === 'h:9');

      // A broken file keeps its previous targets and records the error.
      writeFileSync(b, '- targets: [unclosed\n');
      await until(() => d.lastError() !== null);
      expect(d.lastError()).toContain(b);
      expect(c.groups.get(`${b}:0`)?.targets).toEqual([{ __address__: 'h:3' }]);

      // Deleting a file removes its targets.
      unlinkSync(b);
      await until(() => !c.groups.has(`${b}:0`));
      expect([...c.groups.keys()]).toEqual([`${a}:0`]);
    } finally {
      d.stop();
    }
  });

  it('refresh_interval re-reads without watch events', async () => {
    const sub = mkdtempSync(join(dir, 'r-'));
    const f = join(sub, 't.json');
    writeFileSync(f, JSON.stringify([{ targets: ['x:1'] }]));
    const c = collect();
    const d = new FileDiscoverer({ files: [f], refresh_interval: '1h' });
    d.start(c.cb);
    try {
      await until(() => c.groups.size === 1);
      writeFileSync(f, JSON.stringify([{ targets: ['x:2'] }]));
      await d.refresh();
      expect(c.groups.get(`${f}:0`)?.targets).toEqual([{ __address__: 'x:2' }]);
    } finally {
      d.stop();
    }
  });
});

describe('http_sd_configs', () => {
  let server: Server;
  let url: string;
  let reply: { status: number; type: string; body: string } = { status: 200, type: 'application/json', body: '[]' };
  let lastReq: IncomingMessage | undefined;
  beforeAll(async () => {
    server = createServer((req, res) => {
      lastReq = req;
      res.writeHead(reply.status, { 'content-type': reply.type });
      res.end(reply.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address() as { port: number };
    url = `http://127.0.0.1:${addr.port}/sd`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('fetches groups with auth and refresh headers, keeps them on failure, removes vanished ones', async () => {
    reply = {
      status: 200,
      type: 'application/json; charset=utf-8',
      body: JSON.stringify([{ targets: ['a:1'], labels: { x: 'y' } }, { targets: ['b:2'] }]),
    };
    const c = collect();
    const d = new HttpDiscoverer({ url, refresh_interval: '30s', basic_auth: { username: 'u', password: 'p' } });
    d.start(c.cb);
    try {
      await until(() => c.groups.size === 2);
      expect(c.groups.get(`${url}:0`)).toEqual({
        source: `${url}:0`,
        targets: [{ __address__: 'a:1' }],
        labels: { x: 'y', __meta_url: url },
      });
      expect(lastReq?.headers['authorization']).toBe('Basic ' + Buffer.from('u:p').toString('base64'));
      expect(lastReq?.headers['x-prometheus-refresh-interval-seconds']).toBe('30');
      expect(lastReq?.headers['accept']).toBe('application/json');

      reply = { status: 500, type: 'text/plain', body: 'boom' };
      await d.refresh();
      expect(d.lastError()).toBe('server returned HTTP status 500 Internal Server Error');
      expect(c.groups.size).toBe(2);

      reply = { status: 200, type: 'text/html', body: '[]' };
      await d.refresh();
      expect(d.lastError()).toBe('unsupported content type "text/html"');

      reply = { status: 200, type: 'application/json', body: '[{"targets":["a:1"]}, null]' };
      await d.refresh();
      expect(d.lastError()).toBe('nil target group item found (index 1)');

      reply = { status: 200, type: 'application/json', body: '[{"targets":["c:3"]}]' };
      await d.refresh();
      expect(d.lastError()).toBeNull();
      expect([...c.groups.values()].map((g) => g.targets[0]!.__address__)).toEqual(['c:3']);
    } finally {
      d.stop();
    }
  });

  it('sends bearer credentials from authorization', async () => {
    reply = { status: 200, type: 'application/json', body: '[]' };
    const d = new HttpDiscoverer({ url, authorization: { credentials: 'sekret' } });
    await d.refresh();
    d.stop();
    expect(lastReq?.headers['authorization']).toBe('Bearer sekret');
  });

  it('rejects a non-http URL', () => {
    expect(() => new HttpDiscoverer({ url: 'ftp://x/' })).toThrow("URL scheme must be 'http' or 'https'");
  });
});

describe('DiscoveryManager', () => {
  let m: DiscoveryManager | undefined;
  afterEach(() => m?.stop());

  it('merges providers per job, warns about unsupported mechanisms, keeps providers across reloads', async () => {
    const sets: TargetSets[] = [];
    let made = 0;
    m = new DiscoveryManager({
      onUpdate: (s) => sets.push(s),
      updateDelayMs: 10,
      makeProvider: (kind, cfg) => {
        made++;
        return new StaticDiscoverer(kind === 'static_configs' ? (cfg as []) : []);
      },
    });
    const warnings = m.applyConfig([
      { job_name: 'a', static_configs: [{ targets: ['a:1'] }], kubernetes_sd_configs: [{ role: 'pod' }] },
      { job_name: 'b', static_configs: [{ targets: ['b:1'] }, { targets: ['b:2'] }] },
    ]);
    expect(warnings).toEqual([
      'job "a": kubernetes_sd_configs is not supported by promctl and is not run; use static_configs, file_sd_configs or http_sd_configs',
    ]);
    await until(() => sets.length > 0);
    const last = sets.at(-1)!;
    expect(last.get('a')!.flatMap((g) => g.targets)).toEqual([{ __address__: 'a:1' }]);
    expect(last.get('b')!.length).toBe(2);
    expect(made).toBe(2);

    // Reload: job b unchanged (no new provider), job a removed, job c added.
    m.applyConfig([
      { job_name: 'b', static_configs: [{ targets: ['b:1'] }, { targets: ['b:2'] }] },
      { job_name: 'c', static_configs: [{ targets: ['c:1'] }] },
    ]);
    const before = sets.length;
    await until(() => sets.length > before);
    expect(made).toBe(3);
    expect([...sets.at(-1)!.keys()].sort()).toEqual(['b', 'c']);
  });
});
