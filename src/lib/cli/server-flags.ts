import { readFileSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { ApiError, ConnectionError, PrometheusClient } from '../api/client.js';
import { UserError } from './errors.js';

/** Flags shared by commands that talk to a Prometheus-compatible server (query, dashboard). */
export const serverFlags = {
  url: Flags.string({
    char: 'u',
    summary: 'Server URL (promctl or any Prometheus).',
    env: 'PROMCTL_URL',
    default: 'http://localhost:9090',
    helpGroup: 'SERVER',
  }),
  user: Flags.string({ summary: 'Basic-auth user name.', helpGroup: 'SERVER', dependsOn: ['password'] }),
  password: Flags.string({ summary: 'Basic-auth password.', env: 'PROMCTL_PASSWORD', helpGroup: 'SERVER' }),
  'bearer-token': Flags.string({ summary: 'Bearer token.', env: 'PROMCTL_BEARER_TOKEN', helpGroup: 'SERVER' }),
  'bearer-token-file': Flags.string({ summary: 'File holding a bearer token.', helpGroup: 'SERVER' }),
  'http-timeout': Flags.string({ summary: 'HTTP timeout, e.g. 30s.', default: '30s', helpGroup: 'SERVER' }),
};

/** serverFlags plus `--data-dir`: the query commands can also answer from a TSDB directory. */
export const queryServerFlags = {
  ...serverFlags,
  'data-dir': Flags.string({
    summary: 'Query a TSDB data directory (promctl or Prometheus) directly, read-only, with no server.',
    helpGroup: 'SERVER',
  }),
};

export interface ServerFlagValues {
  url: string;
  user?: string;
  password?: string;
  'bearer-token'?: string;
  'bearer-token-file'?: string;
  'http-timeout': string;
  'data-dir'?: string;
}

/** Builds an API client from the server flags, with clear errors for bad values. */
export async function clientFromFlags(f: ServerFlagValues): Promise<PrometheusClient> {
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(f.url) ? f.url : `http://${f.url}`);
  } catch {
    throw new UserError(`invalid --url ${JSON.stringify(f.url)}`, 2, 'use a URL such as http://localhost:9090');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UserError(`invalid --url ${JSON.stringify(f.url)}: only http and https are supported`, 2);
  let bearerToken = f['bearer-token'];
  if (f['bearer-token-file']) {
    try {
      bearerToken = readFileSync(f['bearer-token-file'], 'utf8').trim();
    } catch (e) {
      throw new UserError(`cannot read --bearer-token-file: ${(e as Error).message}`);
    }
  }
  const { parseDuration } = await import('../model/duration.js');
  let timeoutMs: number;
  try {
    timeoutMs = parseDuration(f['http-timeout']);
  } catch (e) {
    throw new UserError(`invalid --http-timeout: ${(e as Error).message}`, 2);
  }
  return new PrometheusClient({
    url: url.toString(),
    basicAuth: f.user !== undefined ? { username: f.user, password: f.password ?? '' } : undefined,
    bearerToken,
    timeoutMs,
  });
}

/** An API client for the flags: the server at --url, or a TSDB opened in-process with --data-dir. */
export async function apiFromFlags(f: ServerFlagValues): Promise<{
  client: PrometheusClient;
  close(): Promise<void>;
  /** With --data-dir: the time span of the data (ms), null when empty. */
  span?: { min: number; max: number } | null;
}> {
  if (f['data-dir'] !== undefined) {
    const { openLocalApi } = await import('./local-api.js');
    return openLocalApi(f['data-dir']);
  }
  return { client: await clientFromFlags(f), close: async () => {} };
}

/** Turns client failures (server down, error answers) into one clear message. */
export function explainClientError(e: unknown): unknown {
  if (e instanceof ConnectionError) return new UserError(e.message);
  if (e instanceof ApiError) {
    if (e.status === 401 || e.status === 403)
      return new UserError(
        `the server refused the request: ${e.message}`,
        1,
        'pass --user/--password or --bearer-token (or --bearer-token-file)',
      );
    return new UserError(`the server answered ${e.status} (${e.errorType}): ${e.message}`);
  }
  return e;
}

/** Flags of `promctl query series|labels|values`, named like promtool query series/labels. */
export const matchFlags = {
  ...queryServerFlags,
  match: Flags.string({
    char: 'm',
    summary: 'Series selector, e.g. \'{job="node"}\' (repeatable; series matching any are used).',
    multiple: true,
  }),
  start: Flags.string({ summary: 'Start time (now, -1h, unix seconds, RFC 3339; default: all data).' }),
  end: Flags.string({ summary: 'End time (default: all data).' }),
  limit: Flags.integer({ summary: 'At most this many results (the server adds a warning when truncated).', min: 1 }),
};
