import { readFileSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { PrometheusClient } from '../api/client.js';
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

export interface ServerFlagValues {
  url: string;
  user?: string;
  password?: string;
  'bearer-token'?: string;
  'bearer-token-file'?: string;
  'http-timeout': string;
}

/** Builds an API client from the server flags, with clear errors for bad values. */
export async function clientFromFlags(f: ServerFlagValues): Promise<PrometheusClient> {
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(f.url) ? f.url : `http://${f.url}`);
  } catch {
    throw new UserError(`invalid --url ${JSON.stringify(f.url)}`, 2, 'use a URL such as http://localhost:9090');
  }
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
