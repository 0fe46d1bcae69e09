import { afterEach, describe, expect, it } from 'vitest';
import {
  COLLECTOR_NAMES,
  createNodeCollector,
  DEFAULT_MOUNT_POINTS_EXCLUDE,
  nodeOptionsFromFlags,
  parseListenAddress,
  startNodeExporter,
  type NodeExporterServer,
} from '../../src/lib/hostmetrics/index.js';
import { TEXT_CONTENT_TYPE } from '../../src/lib/textparse/writer.js';

describe('flags', () => {
  it('defaults enable every collector; --no-collector.X disables one; disable-defaults + --collector.X', () => {
    expect([...nodeOptionsFromFlags({}).collectors].sort()).toEqual([...COLLECTOR_NAMES].sort());
    expect(nodeOptionsFromFlags({ enabled: { filesystem: false } }).collectors.has('filesystem')).toBe(false);
    expect([
      ...nodeOptionsFromFlags({ 'collector.disable-defaults': true, enabled: { cpu: true } }).collectors,
    ]).toEqual(['cpu']);
    expect(nodeOptionsFromFlags({}).mountPointsExclude).toBe(DEFAULT_MOUNT_POINTS_EXCLUDE);
    expect(nodeOptionsFromFlags({ 'collector.filesystem.mount-timeout': 2 }).mountTimeoutMs).toBe(2000);
  });

  it('rejects mutually exclusive include/exclude and invalid regexes with the flag name', () => {
    expect(() =>
      nodeOptionsFromFlags({ 'collector.netdev.device-exclude': 'lo', 'collector.netdev.device-include': 'eth' }),
    ).toThrow('--collector.netdev.device-exclude and --collector.netdev.device-include are mutually exclusive');
    expect(() => nodeOptionsFromFlags({ 'collector.diskstats.device-exclude': '(' })).toThrow(
      /--collector.diskstats.device-exclude: invalid regular expression "\(": error parsing regexp: missing closing \)$/,
    );
  });

  it('an include pattern replaces the default exclusion', () => {
    const o = nodeOptionsFromFlags({ 'collector.filesystem.mount-points-include': '^/$' });
    expect(o.mountPointsExclude).toBe('');
    expect(o.mountPointsInclude).toBe('^/$');
  });

  it('parses listen addresses like node_exporter', () => {
    expect(parseListenAddress(':9100')).toEqual({ host: undefined, port: 9100 });
    expect(parseListenAddress('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListenAddress('[::1]:9100')).toEqual({ host: '::1', port: 9100 });
    expect(() => parseListenAddress('9100')).toThrow(/invalid listen address/);
    expect(() => parseListenAddress(':99999')).toThrow(/invalid port/);
  });
});

describe('server', () => {
  let srv: NodeExporterServer | undefined;
  afterEach(async () => {
    await srv?.close();
    srv = undefined;
  });

  it('serves /metrics in the text format, honours collect[], answers / and 404', async () => {
    srv = await startNodeExporter(createNodeCollector({ collectors: new Set(['loadavg', 'meminfo']) }), '127.0.0.1:0');
    const base = `http://${srv.address}`;
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(TEXT_CONTENT_TYPE);
    const body = await res.text();
    expect(body).toMatch(/^# HELP node_load1 1m load average\.$/m);
    expect(body).toMatch(/^node_memory_MemTotal_bytes \d/m);
    const only = await (await fetch(`${base}/metrics?collect[]=loadavg`)).text();
    expect(only).toMatch(/^node_load5 /m);
    expect(only).not.toMatch(/node_memory_/);
    expect((await fetch(`${base}/`)).status).toBe(200);
    expect((await fetch(`${base}/-/ready`)).status).toBe(200);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('rejects a port in use', async () => {
    srv = await startNodeExporter(createNodeCollector({ collectors: new Set(['loadavg']) }), '127.0.0.1:0');
    await expect(startNodeExporter(createNodeCollector(), srv.address)).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
