import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Labels } from '../../src/lib/model/labels.js';
import { alertsPath, Notifier, sendAlertsFunc, type NotifierAlert } from '../../src/lib/notifier/index.js';
import type { Alert } from '../../src/lib/rules/types.js';

interface Received {
  path: string;
  auth: string | undefined;
  body: {
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    generatorURL: string;
  }[];
}

let server: Server;
let port = 0;
const received: Received[] = [];
let status = 200;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', auth: req.headers.authorization, body: JSON.parse(data || '[]') });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function alert(name: string, extra: Record<string, string> = {}): NotifierAlert {
  return {
    labels: Labels.fromObject({ alertname: name, ...extra }),
    annotations: Labels.fromObject({ summary: `${name} happened` }),
    startsAt: Date.UTC(2024, 0, 1, 0, 0, 0),
    endsAt: Date.UTC(2024, 0, 1, 0, 4, 0),
    generatorURL: 'http://prom:9090/graph?g0.expr=up&g0.tab=1',
  };
}

describe('notifier', () => {
  it('builds the API path', () => {
    expect(alertsPath(undefined)).toBe('/api/v2/alerts');
    expect(alertsPath('/am/')).toBe('/am/api/v2/alerts');
    expect(alertsPath('am')).toBe('/am/api/v2/alerts');
  });

  it('posts batches to static Alertmanagers with path prefix, auth, external labels and relabeling', async () => {
    received.length = 0;
    const n = new Notifier({ externalLabels: Labels.fromObject({ cluster: 'eu1', alertname: 'ignored' }) });
    n.applyConfig({
      alert_relabel_configs: [{ source_labels: ['severity'], regex: 'debug', action: 'drop' }],
      alertmanagers: [
        {
          static_configs: [{ targets: [`127.0.0.1:${port}`] }],
          path_prefix: '/am',
          basic_auth: { username: 'u', password: 'p' },
          timeout: '2s',
        },
      ],
    });
    expect(n.alertmanagersAPI()).toEqual({
      activeAlertmanagers: [{ url: `http://127.0.0.1:${port}/am/api/v2/alerts` }],
      droppedAlertmanagers: [],
    });
    const many = Array.from({ length: 70 }, (_, i) => alert('A', { i: String(i) }));
    n.send([...many, alert('Noise', { severity: 'debug' })]);
    await n.flush();
    expect(received.map((r) => r.body.length)).toEqual([64, 6]);
    const first = received[0]!;
    expect(first.path).toBe('/am/api/v2/alerts');
    expect(first.auth).toBe('Basic ' + Buffer.from('u:p').toString('base64'));
    expect(first.body[0]).toEqual({
      labels: { alertname: 'A', cluster: 'eu1', i: '0' },
      annotations: { summary: 'A happened' },
      startsAt: '2024-01-01T00:00:00.000Z',
      endsAt: '2024-01-01T00:04:00.000Z',
      generatorURL: 'http://prom:9090/graph?g0.expr=up&g0.tab=1',
    });
    const url = `http://127.0.0.1:${port}/am/api/v2/alerts`;
    expect(n.sent.get(url)).toBe(70);
    expect(n.dropped).toBe(0);
    await n.stop();
  });

  it('counts errors and drops when no Alertmanager accepts; drops the oldest when the queue is full', async () => {
    const n = new Notifier({ queueCapacity: 5 });
    n.applyConfig({ alertmanagers: [{ static_configs: [{ targets: ['127.0.0.1:1'] }], timeout: '1s' }] });
    n.send(Array.from({ length: 8 }, (_, i) => alert('X', { i: String(i) })));
    expect(n.dropped).toBe(3);
    await n.flush();
    expect(n.errors.get('http://127.0.0.1:1/api/v2/alerts')).toBe(5);
    expect(n.dropped).toBe(8);
    const fams = n.collectMetrics();
    expect(fams.find((f) => f.name === 'prometheus_notifications_dropped_total')!.samples[0]!.value).toBe(8);
    await n.stop();

    received.length = 0;
    status = 500;
    const bad = new Notifier();
    bad.applyConfig({ alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${port}`] }] }] });
    bad.send([alert('Y')]);
    await bad.flush();
    status = 200;
    expect(received).toHaveLength(1);
    expect(bad.dropped).toBe(1);
    await bad.stop();
  });

  it('discovers Alertmanagers from files and applies relabel_configs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'promctl-am-'));
    const sd = join(dir, 'am.json');
    writeFileSync(sd, JSON.stringify([{ targets: [`127.0.0.1:${port}`, '10.0.0.1:9093'], labels: { env: 'prod' } }]));
    const n = new Notifier({ discoveryDelayMs: 10 });
    n.applyConfig({
      alertmanagers: [
        {
          file_sd_configs: [{ files: [sd] }],
          relabel_configs: [{ source_labels: ['__address__'], regex: '10\\..*', action: 'drop' }],
        },
      ],
    });
    for (let i = 0; i < 100 && n.alertmanagers().active.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(n.alertmanagers()).toEqual({
      active: [`http://127.0.0.1:${port}/api/v2/alerts`],
      dropped: ['http://10.0.0.1:9093/api/v2/alerts'],
    });
    await n.stop();
  });

  it('turns rule alerts into Alertmanager alerts like Prometheus', () => {
    const sent: NotifierAlert[] = [];
    const f = sendAlertsFunc({ send: (a) => sent.push(...a) }, 'http://prom:9090');
    const base: Alert = {
      state: 'firing',
      labels: Labels.fromObject({ alertname: 'A' }),
      annotations: Labels.EMPTY,
      value: 1,
      activeAt: 1000,
      firedAt: 61_000,
      resolvedAt: 0,
      lastSentAt: 61_000,
      validUntil: 301_000,
      keepFiringSince: 0,
    };
    f('rate(x[5m]) > 1', [base, { ...base, state: 'inactive', resolvedAt: 121_000 }]);
    expect(sent.map((a) => [a.startsAt, a.endsAt])).toEqual([
      [61_000, 301_000],
      [61_000, 121_000],
    ]);
    expect(sent[0]!.generatorURL).toBe('http://prom:9090/graph?g0.expr=rate%28x%5B5m%5D%29+%3E+1&g0.tab=1');
  });
});
