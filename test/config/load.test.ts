import { describe, expect, it } from 'vitest';
import { analyzeConfigText, ConfigError, parseConfig, renderProblem } from '../../src/lib/config/index.js';

const errorsOf = (text: string, opts = {}) =>
  analyzeConfigText(text, '/etc/prometheus/prometheus.yml', opts)
    .problems.filter((p) => p.severity === 'error')
    .map((p) => p.message);

describe('defaults and inheritance (Prometheus semantics)', () => {
  it('applies global defaults to an empty file and to an empty global block', () => {
    for (const text of ['', 'global:\n']) {
      const c = parseConfig(text);
      expect(c.global.scrape_interval).toBe('1m');
      expect(c.global.scrape_timeout).toBe('10s');
      expect(c.global.evaluation_interval).toBe('1m');
      expect(c.global.metric_name_validation_scheme).toBe('utf8');
      expect(c.scrape_configs).toEqual([]);
      expect(c.otlp.translation_strategy).toBe('UnderscoreEscapingWithSuffixes');
    }
  });

  it('propagates global settings into each scrape config', () => {
    const c = parseConfig(`
global:
  scrape_interval: 15s
  sample_limit: 1000
  body_size_limit: 10MB
  scrape_protocols: [PrometheusText0.0.4]
scrape_configs:
  - job_name: a
    static_configs: [{targets: ['localhost:9090']}]
  - job_name: b
    scrape_interval: 5s
    sample_limit: 7
`);
    const [a, b] = c.scrape_configs;
    expect(a!.scrape_interval).toBe('15s');
    expect(a!.scrape_timeout).toBe('10s');
    expect(a!.sample_limit).toBe(1000);
    expect(a!.body_size_limit).toBe('10MB');
    expect(a!.scrape_protocols).toEqual(['PrometheusText0.0.4']);
    expect(a!.metrics_path).toBe('/metrics');
    expect(a!.scheme).toBe('http');
    expect(a!.honor_timestamps).toBe(true);
    expect(a!.honor_labels).toBe(false);
    expect(a!.enable_compression).toBe(true);
    expect(a!.follow_redirects).toBe(true);
    expect(a!.enable_http2).toBe(true);
    expect(a!.metric_name_escaping_scheme).toBe('allow-utf-8');
    // a timeout defaults to min(global timeout, interval)
    expect(b!.scrape_interval).toBe('5s');
    expect(b!.scrape_timeout).toBe('5s');
    expect(b!.sample_limit).toBe(7);
  });

  it('chooses the default scrape protocols from scrape_native_histograms', () => {
    const c = parseConfig('scrape_configs:\n  - job_name: a\n  - job_name: b\n    scrape_native_histograms: true\n');
    expect(c.scrape_configs[0]!.scrape_protocols[0]).toBe('OpenMetricsText1.0.0');
    expect(c.scrape_configs[1]!.scrape_protocols[0]).toBe('PrometheusProto');
  });

  it('fills relabel defaults and lowercases actions', () => {
    const c = parseConfig(`
scrape_configs:
  - job_name: a
    relabel_configs:
      - source_labels: [__address__]
        target_label: instance
      - action: LabelDrop
        regex: tmp_.*
`);
    const [r1, r2] = c.scrape_configs[0]!.relabel_configs;
    expect(r1).toMatchObject({ separator: ';', regex: '(.*)', replacement: '$1', action: 'replace', modulus: 0 });
    expect(r2!.action).toBe('labeldrop');
  });

  it('moves bearer_token into authorization like prometheus/common', () => {
    const c = parseConfig('scrape_configs:\n  - job_name: a\n    bearer_token_file: /token\n');
    expect(c.scrape_configs[0]!.authorization).toEqual({ type: 'Bearer', credentials_file: '/token' });
    expect(c.scrape_configs[0]!.bearer_token_file).toBeUndefined();
  });

  it('joins relative paths with the config folder', () => {
    const c = parseConfig(
      `
rule_files: [rules/*.yml, /abs/x.yml]
scrape_configs:
  - job_name: a
    tls_config: {ca_file: ca.pem}
    file_sd_configs: [{files: [sd/*.json]}]
`,
      '/etc/prometheus/prometheus.yml',
    );
    expect(c.rule_files).toEqual(['/etc/prometheus/rules/*.yml', '/abs/x.yml']);
    expect(c.scrape_configs[0]!.tls_config!.ca_file).toBe('/etc/prometheus/ca.pem');
    expect(c.scrape_configs[0]!.file_sd_configs![0]!.files).toEqual(['/etc/prometheus/sd/*.json']);
  });

  it('expands environment variables in external label values only', () => {
    const c = parseConfig('global:\n  external_labels:\n    a: ${X}\n    b: x$$y\n    c: $UNSET\n', 'p.yml', {
      env: { X: 'v' },
    });
    expect(c.global.external_labels).toEqual({ a: 'v', b: 'x$y', c: '' });
  });

  it('reads YAML the way go-yaml v2 does', () => {
    const c = parseConfig(
      `
defaults: &d
  scrape_interval: 30s
scrape_configs:
  - job_name: 123
    honor_labels: yes
    static_configs:
      - targets: [localhost:9090]
        labels: {rack: 7}
`.replace('defaults: &d\n  scrape_interval: 30s\n', ''),
    );
    const sc = c.scrape_configs[0]!;
    expect(sc.job_name).toBe('123');
    expect(sc.honor_labels).toBe(true);
    expect(sc.static_configs![0]!.labels).toEqual({ rack: '7' });
  });

  it('supports anchors, aliases and merge keys', () => {
    const c = parseConfig(`
scrape_configs:
  - &base
    job_name: a
    scrape_interval: 30s
    static_configs: [{targets: ['h:1']}]
  - <<: *base
    job_name: b
`);
    expect(c.scrape_configs.map((s) => [s.job_name, s.scrape_interval])).toEqual([
      ['a', '30s'],
      ['b', '30s'],
    ]);
  });
});

describe('errors: Prometheus wording, positions, all at once', () => {
  it('reports every problem of a file with line and column', () => {
    const text = `global:
  scrape_intervl: 15s
scrape_configs:
  - job_name: a
    scrape_interval: 10s
    scrape_timeout: 20s
  - job_name: a
    metric_relabel_configs:
      - regex: '(?=x)'
        action: drop
`;
    const r = analyzeConfigText(text, 'p.yml');
    expect(r.config).toBeNull();
    const errs = r.problems.filter((p) => p.severity === 'error');
    const byMsg = (s: string) => errs.find((p) => p.message.includes(s));
    expect(byMsg('field scrape_intervl not found in type config.plain')).toMatchObject({ line: 2, column: 3 });
    expect(byMsg('field scrape_intervl')!.hint).toBe('did you mean scrape_interval?');
    expect(byMsg('scrape timeout greater than scrape interval for scrape config with job name "a"')).toMatchObject({
      line: 6,
      column: 21,
    });
    expect(byMsg('found multiple scrape configs with job name "a"')).toMatchObject({ line: 7, column: 15 });
    expect(byMsg('error parsing regexp')).toMatchObject({ line: 9, column: 16 });
  });

  it('renders the offending line with a caret', () => {
    const text = 'global:\n  scrape_interval: 15 seconds\n';
    const r = analyzeConfigText(text, 'p.yml');
    const out = renderProblem(r.problems[0]!, text);
    expect(out).toBe(
      [
        'p.yml:2:20: error: not a valid duration string: "15 seconds"',
        ' 2 |   scrape_interval: 15 seconds',
        '   |                    ^',
        ' hint: a duration is a number and a unit (ms, s, m, h, d, w, y), largest first: 15s, 1m, 1h30m',
      ].join('\n'),
    );
  });

  it('parseConfig throws a ConfigError carrying every problem', () => {
    try {
      parseConfig('scrape_configs:\n  - job_name: ""\n  - foo: 1\n', 'x.yml');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const ce = e as ConfigError;
      expect(ce.problems.map((p) => p.message)).toEqual(
        expect.arrayContaining(['job_name is empty', 'field foo not found in type config.plain']),
      );
      expect(ce.message).toMatch(/^x\.yml:\d+:\d+: /);
    }
  });

  const cases: [string, string, string][] = [
    [
      'duplicate job',
      'scrape_configs:\n  - job_name: p\n  - job_name: p\n',
      'found multiple scrape configs with job name "p"',
    ],
    [
      'repeated key',
      'scrape_configs: []\nscrape_configs: []\n',
      'field scrape_configs already set in type config.plain',
    ],
    [
      'label value bytes',
      'global:\n  external_labels:\n    a: !!binary "/w=="\n',
      '"\\xff" is not a valid label value',
    ],
    [
      'bad base64',
      'global:\n  external_labels:\n    a: !!binary "@@"\n',
      '!!binary value contains invalid base64 data',
    ],
    ['size without unit', 'global:\n  body_size_limit: 100\n', 'units: unknown unit  in 100'],
    ['bad duration', 'global:\n  scrape_interval: 1x\n', 'not a valid duration string: "1x"'],
    [
      'global timeout',
      'global:\n  scrape_interval: 5s\n  scrape_timeout: 6s\n',
      'global scrape timeout greater than scrape interval',
    ],
    ['uint given a string', 'global:\n  sample_limit: "10"\n', 'cannot unmarshal !!str `10` into uint'],
    ['list for a string', 'scrape_configs:\n  - job_name: [a]\n', 'unmarshal errors'],
    [
      'replace without target',
      'scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - source_labels: [x]\n',
      "relabel configuration for replace action requires 'target_label' value",
    ],
    [
      'hashmod modulus',
      'scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - {action: hashmod, target_label: t}\n',
      'relabel configuration for hashmod requires non-zero modulus',
    ],
    [
      'unknown action',
      'scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - {action: rename}\n',
      'unknown relabel action "rename"',
    ],
    [
      'empty action',
      'scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - {action: ""}\n',
      'relabel action cannot be empty',
    ],
    [
      'labeldrop extras',
      'scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - {action: labeldrop, regex: x, target_label: y}\n',
      "labeldrop action requires only 'regex', and no other fields",
    ],
    [
      'keepequal extras',
      'scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - {action: keepequal, source_labels: [a], target_label: b, regex: x}\n',
      "keepequal action requires only 'source_labels' and `target_label`, and no other fields",
    ],
    [
      'legacy target label',
      'global:\n  metric_name_validation_scheme: legacy\nscrape_configs:\n  - job_name: a\n    relabel_configs:\n      - {action: lowercase, source_labels: [a], target_label: 42lab}\n',
      '"42lab" is invalid \'target_label\' for lowercase action',
    ],
    [
      'backreference',
      'scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - {regex: "(a)\\\\1", action: keep}\n',
      'error parsing regexp',
    ],
    [
      'basic auth and bearer',
      'scrape_configs:\n  - job_name: a\n    basic_auth: {username: u}\n    bearer_token: t\n',
      'at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured',
    ],
    [
      'basic auth and authorization',
      'scrape_configs:\n  - job_name: a\n    basic_auth: {username: u}\n    authorization: {credentials: t}\n',
      'at most one of basic_auth, oauth2 & authorization must be configured',
    ],
    [
      'authorization basic',
      'scrape_configs:\n  - job_name: a\n    authorization: {type: Basic, credentials: t}\n',
      'authorization type cannot be set to "basic", use "basic_auth" instead',
    ],
    [
      'oauth2 without client id',
      'scrape_configs:\n  - job_name: a\n    oauth2: {client_secret: s, token_url: "http://x"}\n',
      'oauth2 client_id must be configured',
    ],
    [
      'tls cert without key',
      'scrape_configs:\n  - job_name: a\n    tls_config: {cert_file: c.pem}\n',
      'exactly one of key or key_file must be configured when a client certificate is configured',
    ],
    [
      'tls version',
      'scrape_configs:\n  - job_name: a\n    tls_config: {min_version: TLS14}\n',
      'unknown TLS version: TLS14',
    ],
    [
      'scrape protocol',
      'scrape_configs:\n  - job_name: a\n    scrape_protocols: [prometheusproto]\n',
      'scrape_protocols: unknown scrape protocol prometheusproto, supported: [OpenMetricsText0.0.1 OpenMetricsText1.0.0 PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0] for scrape config with job name "a"',
    ],
    [
      'remote write message',
      'remote_write:\n  - url: http://x/\n    protobuf_message: io.prometheus.writet.v2.Request\n',
      'invalid protobuf_message value: unknown type for remote write protobuf message io.prometheus.writet.v2.Request, supported: prometheus.WriteRequest, io.prometheus.write.v2.Request',
    ],
    [
      'remote write header',
      'remote_write:\n  - url: http://x/\n    headers: {Authorization: x}\n',
      'authorization header must be changed via the basic_auth, authorization, oauth2, sigv4, azuread or google_iam parameter',
    ],
    [
      'remote read reserved header',
      'remote_read:\n  - url: http://x/\n    headers: {X-Prometheus-Remote-Write-Version: "1"}\n',
      'X-Prometheus-Remote-Write-Version is a reserved header. It must not be changed',
    ],
    [
      'tracing compression',
      'tracing:\n  endpoint: x:4317\n  compression: foo\n',
      'invalid compression type foo provided, valid options: gzip',
    ],
    ['tracing endpoint', 'tracing:\n  client_type: http\n', 'tracing endpoint must be set'],
    [
      'alertmanager v1',
      'alerting:\n  alertmanagers:\n    - api_version: v1\n',
      'expected Alertmanager api version to be one of [v2] but got v1',
    ],
    ['bad URL', 'remote_write:\n  - url: "://x"\n', 'parse "://x": missing protocol scheme'],
    [
      'file_sd name',
      'scrape_configs:\n  - job_name: a\n    file_sd_configs: [{files: [targets.txt]}]\n',
      'path name "targets.txt" is not valid for file discovery',
    ],
    [
      'dns type',
      'scrape_configs:\n  - job_name: a\n    dns_sd_configs: [{names: [x], type: A}]\n',
      'a port is required in DNS-SD configs for all record types except SRV',
    ],
    [
      'k8s selector role',
      'scrape_configs:\n  - job_name: a\n    kubernetes_sd_configs:\n      - role: endpoints\n        selectors: [{role: node}]\n',
      'endpoints role supports only pod, service, endpoints selectors',
    ],
    [
      'k8s kubeconfig + own namespace',
      'scrape_configs:\n  - job_name: a\n    kubernetes_sd_configs:\n      - role: pod\n        kubeconfig_file: k\n        namespaces: {own_namespace: true}\n',
      "cannot use 'kubeconfig_file' and 'namespaces.own_namespace' simultaneously",
    ],
    [
      'marathon servers',
      'scrape_configs:\n  - job_name: a\n    marathon_sd_configs: [{auth_token: x}]\n',
      'marathon_sd: must contain at least one Marathon server',
    ],
    ['eureka server', 'scrape_configs:\n  - job_name: a\n    eureka_sd_configs: [{}]\n', 'empty or null eureka server'],
    [
      'puppetdb query',
      'scrape_configs:\n  - job_name: a\n    puppetdb_sd_configs: [{url: "http://x"}]\n',
      'query missing',
    ],
    [
      'scaleway secret',
      'scrape_configs:\n  - job_name: a\n    scaleway_sd_configs: [{role: instance, project_id: p, access_key: a}]\n',
      'one of secret_key & secret_key_file must be configured',
    ],
    [
      'openstack availability',
      'scrape_configs:\n  - job_name: a\n    openstack_sd_configs: [{role: instance, region: r, availability: invalid}]\n',
      'unknown availability invalid, must be one of admin, internal or public',
    ],
    ['ionos', 'scrape_configs:\n  - job_name: a\n    ionos_sd_configs: [{}]\n', "datacenter id can't be empty"],
    [
      'ovh secret',
      'scrape_configs:\n  - job_name: a\n    ovhcloud_sd_configs: [{application_key: k, consumer_key: c, service: vps}]\n',
      'application secret can not be empty',
    ],
    [
      'uyuni',
      'scrape_configs:\n  - job_name: a\n    uyuni_sd_configs: [{username: u, password: p}]\n',
      'Uyuni SD configuration requires server host',
    ],
    [
      'empty target relabel',
      'scrape_configs:\n  - job_name: a\n    relabel_configs:\n      -\n',
      'empty or null target relabeling rule',
    ],
    [
      'empty rw relabel',
      'remote_write:\n  - url: http://x\n    write_relabel_configs:\n      -\n',
      'empty or null relabeling rule in remote write config',
    ],
    [
      'empty am relabel',
      'alerting:\n  alertmanagers:\n    - relabel_configs:\n        -\n',
      'empty or null Alertmanager target relabeling rule',
    ],
    [
      'utf8 escaping conflict',
      'scrape_configs:\n  - job_name: a\n    metric_name_validation_scheme: legacy\n    metric_name_escaping_scheme: allow-utf-8\n',
      'utf8 metric names requested but validation scheme is not set to UTF8',
    ],
    ['agent mode', 'rule_files: [a.yml]\n', 'field rule_files is not allowed in agent mode'],
  ];
  it.each(cases)('%s', (name, text, want) => {
    const errs = errorsOf(text, name === 'agent mode' ? { agentMode: true } : {});
    expect(errs.join('\n')).toContain(want);
  });
});

describe('bad input never crashes', () => {
  it('binary garbage', () => {
    const r = analyzeConfigText('\u0000\u0001\u0002PK\u0003', 'x.yml');
    expect(r.config).toBeNull();
    expect(r.problems[0]!.message).toBe('yaml: control characters are not allowed');
  });
  it('YAML syntax errors carry positions', () => {
    const r = analyzeConfigText('scrape_configs:\n  - job_name: a\n   static_configs: []\n', 'x.yml');
    expect(r.config).toBeNull();
    expect(r.problems[0]!.line).toBeGreaterThan(1);
  });
  it('a document that is not a mapping', () => {
    expect(errorsOf('- a\n- b\n')[0]).toContain('cannot unmarshal !!seq into config.plain');
    expect(errorsOf('hello\n')[0]).toContain('cannot unmarshal !!str `hello` into config.plain');
  });
  it('alias bombs are cut off', () => {
    let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 9; i++)
      text += `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]\n`;
    const r = analyzeConfigText(text, 'x.yml');
    expect(r.config).toBeNull();
    expect(r.problems.map((p) => p.message).join('\n')).toContain('yaml: document contains excessive aliasing');
  });
  it('unknown tags are tolerated like go-yaml (with a warning)', () => {
    const r = analyzeConfigText('scrape_configs:\n  - job_name: !custom a\n', 'x.yml');
    expect(r.config).not.toBeNull();
    expect(r.problems.some((p) => p.severity === 'warning')).toBe(true);
  });
});
