/**
 * `promctl init`: a commented, valid prometheus.yml for the user's situation, and the pure
 * validators the flags and the interactive form share (host:port, durations, job names).
 */
import { parseDuration } from '../model/duration.js';
import { parseConfig } from './load.js';

export interface InitJob {
  name: string;
  targets: string[];
}

export interface InitOptions {
  scrapeInterval: string;
  evaluationInterval: string;
  jobs: InitJob[];
  alertmanagers: string[];
  ruleFiles: string[];
}

/** The common set-ups `--preset` offers. */
export const PRESETS: Record<string, InitJob & { comment: string }> = {
  prometheus: {
    name: 'prometheus',
    targets: ['localhost:9090'],
    comment: 'The monitoring server itself (promctl serve or Prometheus).',
  },
  node: {
    name: 'node',
    targets: ['localhost:9100'],
    comment: 'Host metrics: node_exporter (or promctl exporter node) on :9100.',
  },
  python_app: {
    name: 'python_app',
    targets: ['localhost:5000'],
    comment: 'An instrumented application, e.g. Flask with prometheus_client on :5000.',
  },
};

export const DEFAULT_INIT: InitOptions = {
  scrapeInterval: '15s',
  evaluationInterval: '15s',
  jobs: [PRESETS.prometheus!],
  alertmanagers: [],
  ruleFiles: [],
};

/** null when valid, else what is wrong. Hostnames, IPv4 and [IPv6] with a port 1-65535. */
export function validateHostPort(s: string): string | null {
  const v = s.trim();
  if (v === '') return 'enter host:port, e.g. localhost:9100';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v))
    return `${v} is a URL: enter only host:port (scheme and path are set on the job)`;
  if (v.includes('/')) return `${v} contains "/": enter only host:port`;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d+)$/.exec(v);
  if (!m) return v.includes(':') ? `${v} is not host:port` : `${v} has no port: enter host:port, e.g. ${v}:9100`;
  const host = m[1]!;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return `port ${m[2]} is out of range (1-65535)`;
  if (!host.startsWith('[') && !/^[a-zA-Z0-9]([a-zA-Z0-9._-]*[a-zA-Z0-9])?$/.test(host))
    return `${host} is not a valid host name`;
  return null;
}

/** null when valid. A Prometheus duration, not zero. */
export function validateDurationInput(s: string): string | null {
  const v = s.trim();
  if (v === '') return 'enter a duration such as 15s, 1m or 1h30m';
  try {
    if (parseDuration(v) === 0) return 'the interval must be greater than 0';
  } catch {
    return `${v} is not a duration: use a number and a unit (ms, s, m, h, d), e.g. 15s, 1m, 1h30m`;
  }
  return null;
}

/** null when valid. Job names become the `job` label: keep them short and without spaces. */
export function validateJobName(s: string): string | null {
  const v = s.trim();
  if (v === '') return 'enter a job name, e.g. node';
  if (!/^[a-zA-Z_][a-zA-Z0-9_.-]*$/.test(v))
    return `${v}: use letters, digits, "_", "-" and "." (starting with a letter or "_")`;
  return null;
}

/** Parses `NAME=HOST:PORT[,HOST:PORT]` (the --job flag). */
export function parseJobSpec(spec: string): InitJob {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`--job ${spec}: expected NAME=HOST:PORT[,HOST:PORT], e.g. node=localhost:9100`);
  const name = spec.slice(0, eq).trim();
  const nameErr = validateJobName(name);
  if (nameErr) throw new Error(`--job ${spec}: ${nameErr}`);
  const targets = spec
    .slice(eq + 1)
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (targets.length === 0) throw new Error(`--job ${spec}: no targets after "="`);
  for (const t of targets) {
    const e = validateHostPort(t);
    if (e) throw new Error(`--job ${spec}: ${e}`);
  }
  return { name, targets };
}

const q = (s: string) => (/^[a-zA-Z0-9_./*-]+$/.test(s) && !/^[0-9.]+$/.test(s) ? s : JSON.stringify(s));
const qt = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Renders the config text. Throws when the options do not make a valid config. */
export function renderInitConfig(o: InitOptions, now: Date = new Date()): string {
  const errs = [validateDurationInput(o.scrapeInterval), validateDurationInput(o.evaluationInterval)].filter(Boolean);
  if (errs.length) throw new Error(errs.join('; '));
  const names = new Set<string>();
  for (const j of o.jobs) {
    if (names.has(j.name)) throw new Error(`job ${j.name} is given twice: job names must be unique`);
    names.add(j.name);
  }
  const L: string[] = [];
  L.push(`# Prometheus configuration, written by promctl init on ${now.toISOString().slice(0, 10)}.`);
  L.push('# Check it:        promctl check config <this file>   (or: promtool check config)');
  L.push('# Add a target:    promctl target add JOB HOST:PORT');
  L.push('# Reference:       https://prometheus.io/docs/prometheus/latest/configuration/configuration/');
  L.push('');
  L.push('global:');
  L.push(`  scrape_interval: ${o.scrapeInterval} # how often targets are scraped (Prometheus' default: 1m)`);
  L.push('  # scrape_timeout: 10s # per-scrape timeout; must not exceed scrape_interval');
  L.push(`  evaluation_interval: ${o.evaluationInterval} # how often rules are evaluated (default: 1m)`);
  L.push('');
  if (o.alertmanagers.length > 0) {
    L.push('# Where alerts are sent.');
    L.push('alerting:');
    L.push('  alertmanagers:');
    L.push('    - static_configs:');
    L.push(`        - targets: [${o.alertmanagers.map(qt).join(', ')}]`);
  } else {
    L.push('# Where alerts are sent (uncomment once an Alertmanager runs):');
    L.push('# alerting:');
    L.push('#   alertmanagers:');
    L.push('#     - static_configs:');
    L.push("#         - targets: ['localhost:9093']");
  }
  L.push('');
  if (o.ruleFiles.length > 0) {
    L.push('# Recording and alerting rules (paths are relative to this file; "*" globs allowed).');
    L.push('rule_files:');
    for (const r of o.ruleFiles) L.push(`  - ${q(r)}`);
  } else {
    L.push('# Recording and alerting rules (paths relative to this file), e.g.:');
    L.push('# rule_files:');
    L.push('#   - rules/*.yml');
  }
  L.push('');
  L.push('# What to scrape: one entry per job; each target is host:port.');
  if (o.jobs.length === 0) {
    L.push('scrape_configs: []');
  } else {
    L.push('scrape_configs:');
    o.jobs.forEach((j, i) => {
      if (i > 0) L.push('');
      const preset = Object.values(PRESETS).find((p) => p.name === j.name);
      if (preset) L.push(`  # ${preset.comment}`);
      L.push(`  - job_name: ${q(j.name)}`);
      L.push('    static_configs:');
      L.push(`      - targets: [${j.targets.map(qt).join(', ')}]`);
    });
  }
  const text = L.join('\n') + '\n';
  parseConfig(text, 'prometheus.yml', { resolvePaths: false }); // throws ConfigError if we got it wrong
  return text;
}
