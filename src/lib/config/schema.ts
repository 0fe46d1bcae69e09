/**
 * The shape of prometheus.yml as one declarative JSON Schema (TypeBox builds it; ajv validates it
 * and fills in defaults; src/lib/config/types.ts derives the TypeScript types from it).
 *
 * The schema covers shape, types, formats (durations, sizes, URLs) and the defaults Prometheus
 * applies inline. Everything a schema cannot express (global → job inheritance, cross-field rules,
 * regexes, label names, mutually exclusive auth options) lives in validate.ts.
 *
 * Custom annotations (ignored by ajv, read by our own code):
 * - `goType`: the Go type Prometheus decodes the object into, for its strict-YAML wording
 *   ("field X not found in type config.plain").
 * - `nullItem`: the message Prometheus gives for a null entry in this list.
 * - `secret`: a field Prometheus prints as <secret>.
 *
 * Field lists follow Prometheus 3.5 (config/config.go, prometheus/common/config, discovery/*).
 */
import type { RootName } from './registry.js';
import { Type as T, type Static, type TOptional, type TProperties, type TSchema } from '@sinclair/typebox';

// ---------------------------------------------------------------------------------------------
// Building blocks

const obj = <P extends TProperties>(goType: string, props: P, extra: Record<string, unknown> = {}) =>
  T.Object(props, { additionalProperties: false, goType, ...extra });
const opt = <S extends TSchema>(s: S) => T.Optional(s);

/**
 * Shared subschemas get an `$id` and are referenced, so that ajv compiles each one once (the
 * HTTP client block alone is inlined into some 20 places).
 */
export const SHARED_SCHEMAS: TSchema[] = [];
const shared = <S extends TSchema>(id: string, s: S): S => {
  (s as TSchema).$id = id;
  SHARED_SCHEMAS.push(s);
  return s;
};
const ref = <S extends TSchema>(s: S) => T.Unsafe<Static<S>>({ $ref: s.$id! });

const str = () => T.String();
const secret = () => T.String({ secret: true });
const bool = () => T.Boolean();
const uint = () => T.Integer({ minimum: 0 });
const int = () => T.Integer();
const num = () => T.Number();
/** A Prometheus duration string (`30s`, `1h30m`), kept as written. */
const dur = () => T.String({ format: 'duration' });
/** A size with a unit (`10MB`), kept as written. */
const size = () => T.String({ format: 'size' });
/** A URL (net/url.Parse accepts it). */
const url = () => T.String({ format: 'prom-url' });
const strList = () => T.Array(T.String());
const strMap = () => T.Record(T.String(), T.String());
const list = <S extends TSchema>(item: S, nullItem?: string) => T.Array(item, nullItem ? { nullItem } : {});

// ---------------------------------------------------------------------------------------------
// prometheus/common/config: TLS, auth, proxy, HTTP client

export const TLSConfigSchema = shared(
  'tls_config',
  obj('config.plain', {
    ca: opt(str()),
    ca_file: opt(str()),
    ca_ref: opt(str()),
    cert: opt(str()),
    cert_file: opt(str()),
    cert_ref: opt(str()),
    key: opt(secret()),
    key_file: opt(str()),
    key_ref: opt(str()),
    server_name: opt(str()),
    insecure_skip_verify: opt(bool()),
    min_version: opt(T.String({ enum: ['TLS10', 'TLS11', 'TLS12', 'TLS13'], goEnum: 'TLS version' })),
    max_version: opt(T.String({ enum: ['TLS10', 'TLS11', 'TLS12', 'TLS13'], goEnum: 'TLS version' })),
  }),
);

export const BasicAuthSchema = shared(
  'basic_auth',
  obj('config.plain', {
    username: opt(str()),
    username_file: opt(str()),
    username_ref: opt(str()),
    password: opt(secret()),
    password_file: opt(str()),
    password_ref: opt(str()),
  }),
);

export const AuthorizationSchema = shared(
  'authorization',
  obj('config.Authorization', {
    type: opt(str()),
    credentials: opt(secret()),
    credentials_file: opt(str()),
    credentials_ref: opt(str()),
  }),
);

const proxyProps = {
  proxy_url: opt(url()),
  no_proxy: opt(str()),
  proxy_from_environment: opt(bool()),
  proxy_connect_header: opt(T.Record(T.String(), T.Array(secret()))),
};

export const OAuth2Schema = shared(
  'oauth2',
  obj('config.plain', {
    client_id: opt(str()),
    client_secret: opt(secret()),
    client_secret_file: opt(str()),
    client_secret_ref: opt(str()),
    client_certificate_key: opt(secret()),
    client_certificate_key_file: opt(str()),
    client_certificate_key_ref: opt(str()),
    client_certificate_key_id: opt(str()),
    grant_type: opt(str()),
    signature_algorithm: opt(str()),
    iss: opt(str()),
    audience: opt(str()),
    claims: opt(T.Record(T.String(), T.Unknown())),
    scopes: opt(strList()),
    token_url: opt(str()),
    endpoint_params: opt(strMap()),
    tls_config: opt(ref(TLSConfigSchema)),
    ...proxyProps,
  }),
);

const HeaderSchema = shared(
  'http_header',
  obj('config.Header', {
    values: opt(strList()),
    secrets: opt(T.Array(secret())),
    files: opt(strList()),
  }),
);

/** The fields of prometheus/common's HTTPClientConfig, inlined into many blocks. */
export const httpClientProps = {
  basic_auth: opt(ref(BasicAuthSchema)),
  authorization: opt(ref(AuthorizationSchema)),
  oauth2: opt(ref(OAuth2Schema)),
  bearer_token: opt(secret()),
  bearer_token_file: opt(str()),
  tls_config: opt(ref(TLSConfigSchema)),
  follow_redirects: T.Boolean({ default: true }),
  enable_http2: T.Boolean({ default: true }),
  http_headers: opt(T.Record(T.String(), ref(HeaderSchema))),
  ...proxyProps,
};

// ---------------------------------------------------------------------------------------------
// Relabeling (model/relabel)

export const RelabelConfigSchema = shared(
  'relabel_config',
  obj('relabel.plain', {
    source_labels: opt(strList()),
    separator: T.String({ default: ';' }),
    regex: T.String({ default: '(.*)' }),
    modulus: opt(T.Integer({ minimum: 0 })),
    target_label: opt(str()),
    replacement: T.String({ default: '$1' }),
    action: T.String({ default: 'replace' }),
  }),
);

// ---------------------------------------------------------------------------------------------
// Service discovery (discovery/*). Each block's own rules are in validate.ts.

const TargetGroupSchema = obj('targetgroup.plain', {
  targets: opt(strList()),
  labels: opt(strMap()),
});

/** A list of one SD mechanism's blocks; the block's schema is shared under the list's key. */
const sdList = <S extends TSchema>(key: string, item: S, nullItem?: string) => list(ref(shared(key, item)), nullItem);

/** SD blocks that inline an HTTP client config. */
const withHttp = <P extends TProperties>(goType: string, props: P) => obj(goType, { ...httpClientProps, ...props });

export const sdSchemas = {
  static_configs: sdList('static_configs', TargetGroupSchema, 'empty or null section in static_configs'),
  file_sd_configs: sdList(
    'file_sd_configs',
    obj('file.plain', {
      files: opt(strList()),
      refresh_interval: T.String({ format: 'duration', default: '5m' }),
    }),
  ),
  http_sd_configs: sdList(
    'http_sd_configs',
    withHttp('http.plain', {
      url: opt(url()),
      refresh_interval: T.String({ format: 'duration', default: '1m' }),
    }),
  ),
  dns_sd_configs: sdList(
    'dns_sd_configs',
    obj('dns.plain', {
      names: opt(strList()),
      refresh_interval: T.String({ format: 'duration', default: '30s' }),
      type: opt(str()),
      port: opt(int()),
    }),
  ),
  kubernetes_sd_configs: sdList(
    'kubernetes_sd_configs',
    withHttp('kubernetes.plain', {
      api_server: opt(url()),
      role: opt(str()),
      kubeconfig_file: opt(str()),
      namespaces: opt(
        obj('kubernetes.plain', {
          own_namespace: opt(bool()),
          names: opt(strList()),
        }),
      ),
      selectors: opt(
        T.Array(
          obj('kubernetes.plain', {
            role: opt(str()),
            label: opt(str()),
            field: opt(str()),
          }),
        ),
      ),
      attach_metadata: opt(obj('kubernetes.plain', { node: opt(bool()), namespace: opt(bool()) })),
    }),
  ),
  consul_sd_configs: sdList(
    'consul_sd_configs',
    withHttp('consul.plain', {
      server: T.String({ default: 'localhost:8500' }),
      path_prefix: opt(str()),
      token: opt(secret()),
      datacenter: opt(str()),
      namespace: opt(str()),
      partition: opt(str()),
      tag_separator: T.String({ default: ',' }),
      scheme: T.String({ default: 'http' }),
      username: opt(str()),
      password: opt(secret()),
      allow_stale: T.Boolean({ default: true }),
      refresh_interval: T.String({ format: 'duration', default: '30s' }),
      services: opt(strList()),
      tags: opt(strList()),
      node_meta: opt(strMap()),
      filter: opt(str()),
    }),
  ),
  ec2_sd_configs: sdList(
    'ec2_sd_configs',
    withHttp('aws.plain', {
      endpoint: opt(str()),
      region: opt(str()),
      access_key: opt(str()),
      secret_key: opt(secret()),
      profile: opt(str()),
      role_arn: opt(str()),
      refresh_interval: T.String({ format: 'duration', default: '60s' }),
      port: T.Integer({ default: 80 }),
      filters: opt(
        T.Array(
          obj('aws.plain', {
            name: opt(str()),
            values: opt(strList()),
          }),
        ),
      ),
    }),
  ),
  lightsail_sd_configs: sdList(
    'lightsail_sd_configs',
    withHttp('aws.plain', {
      endpoint: opt(str()),
      region: opt(str()),
      access_key: opt(str()),
      secret_key: opt(secret()),
      profile: opt(str()),
      role_arn: opt(str()),
      refresh_interval: T.String({ format: 'duration', default: '60s' }),
      port: T.Integer({ default: 80 }),
    }),
  ),
  azure_sd_configs: sdList(
    'azure_sd_configs',
    withHttp('azure.plain', {
      environment: T.String({ default: 'AzurePublicCloud' }),
      authentication_method: T.String({ default: 'OAuth' }),
      subscription_id: opt(str()),
      tenant_id: opt(str()),
      client_id: opt(str()),
      client_secret: opt(secret()),
      resource_group: opt(str()),
      refresh_interval: T.String({ format: 'duration', default: '5m' }),
      port: T.Integer({ default: 80 }),
    }),
  ),
  gce_sd_configs: sdList(
    'gce_sd_configs',
    obj('gce.plain', {
      project: opt(str()),
      zone: opt(str()),
      filter: opt(str()),
      refresh_interval: T.String({ format: 'duration', default: '60s' }),
      port: T.Integer({ default: 80 }),
      tag_separator: T.String({ default: ',' }),
    }),
  ),
  openstack_sd_configs: sdList(
    'openstack_sd_configs',
    obj('openstack.plain', {
      identity_endpoint: opt(str()),
      username: opt(str()),
      userid: opt(str()),
      password: opt(secret()),
      project_name: opt(str()),
      project_id: opt(str()),
      domain_name: opt(str()),
      domain_id: opt(str()),
      application_credential_name: opt(str()),
      application_credential_id: opt(str()),
      application_credential_secret: opt(secret()),
      role: opt(str()),
      region: opt(str()),
      refresh_interval: T.String({ format: 'duration', default: '60s' }),
      port: T.Integer({ default: 80 }),
      all_tenants: opt(bool()),
      tls_config: opt(ref(TLSConfigSchema)),
      availability: T.String({ default: 'public' }),
    }),
  ),
  digitalocean_sd_configs: sdList(
    'digitalocean_sd_configs',
    withHttp('digitalocean.plain', {
      port: T.Integer({ default: 80 }),
      refresh_interval: T.String({ format: 'duration', default: '60s' }),
    }),
  ),
  docker_sd_configs: sdList(
    'docker_sd_configs',
    withHttp('moby.plain', {
      host: opt(str()),
      port: T.Integer({ default: 80 }),
      host_networking_host: T.String({ default: 'localhost' }),
      match_first_network: T.Boolean({ default: true }),
      filters: opt(T.Array(obj('moby.Filter', { name: opt(str()), values: opt(strList()) }))),
      refresh_interval: T.String({ format: 'duration', default: '60s' }),
    }),
  ),
  dockerswarm_sd_configs: sdList(
    'dockerswarm_sd_configs',
    withHttp('moby.plain', {
      host: opt(str()),
      role: opt(str()),
      port: T.Integer({ default: 80 }),
      filters: opt(T.Array(obj('moby.Filter', { name: opt(str()), values: opt(strList()) }))),
      refresh_interval: T.String({ format: 'duration', default: '60s' }),
    }),
  ),
  eureka_sd_configs: sdList(
    'eureka_sd_configs',
    withHttp('eureka.plain', {
      server: opt(str()),
      refresh_interval: T.String({ format: 'duration', default: '30s' }),
    }),
  ),
  hetzner_sd_configs: sdList(
    'hetzner_sd_configs',
    withHttp('hetzner.plain', {
      role: opt(str()),
      port: T.Integer({ default: 80 }),
      refresh_interval: T.String({ format: 'duration', default: '60s' }),
      label_selector: opt(str()),
    }),
  ),
  ionos_sd_configs: sdList(
    'ionos_sd_configs',
    withHttp('ionos.plain', {
      datacenter_id: opt(str()),
      port: T.Integer({ default: 80 }),
      refresh_interval: T.String({ format: 'duration', default: '60s' }),
    }),
  ),
  kuma_sd_configs: sdList(
    'kuma_sd_configs',
    withHttp('xds.plain', {
      server: opt(str()),
      client_id: opt(str()),
      refresh_interval: T.String({ format: 'duration', default: '30s' }),
      fetch_timeout: T.String({ format: 'duration', default: '2m' }),
    }),
  ),
  linode_sd_configs: sdList(
    'linode_sd_configs',
    withHttp('linode.plain', {
      region: opt(str()),
      port: T.Integer({ default: 80 }),
      tag_separator: T.String({ default: ',' }),
      refresh_interval: T.String({ format: 'duration', default: '60s' }),
    }),
  ),
  marathon_sd_configs: sdList(
    'marathon_sd_configs',
    withHttp('marathon.plain', {
      servers: opt(strList()),
      refresh_interval: T.String({ format: 'duration', default: '30s' }),
      auth_token: opt(secret()),
      auth_token_file: opt(str()),
    }),
  ),
  nerve_sd_configs: sdList(
    'nerve_sd_configs',
    obj('zookeeper.plain', {
      servers: opt(strList()),
      paths: opt(strList()),
      timeout: T.String({ format: 'duration', default: '10s' }),
    }),
  ),
  serverset_sd_configs: sdList(
    'serverset_sd_configs',
    obj('zookeeper.plain', {
      servers: opt(strList()),
      paths: opt(strList()),
      timeout: T.String({ format: 'duration', default: '10s' }),
    }),
  ),
  nomad_sd_configs: sdList(
    'nomad_sd_configs',
    withHttp('nomad.plain', {
      allow_stale: T.Boolean({ default: true }),
      namespace: T.String({ default: 'default' }),
      refresh_interval: T.String({ format: 'duration', default: '60s' }),
      region: T.String({ default: 'global' }),
      server: opt(str()),
      tag_separator: T.String({ default: ',' }),
    }),
  ),
  ovhcloud_sd_configs: sdList(
    'ovhcloud_sd_configs',
    obj('ovhcloud.plain', {
      application_key: opt(str()),
      application_secret: opt(secret()),
      consumer_key: opt(secret()),
      service: opt(str()),
      endpoint: T.String({ default: 'ovh-eu' }),
      refresh_interval: T.String({ format: 'duration', default: '60s' }),
    }),
  ),
  puppetdb_sd_configs: sdList(
    'puppetdb_sd_configs',
    withHttp('puppetdb.plain', {
      url: opt(str()),
      query: opt(str()),
      include_parameters: opt(bool()),
      port: T.Integer({ default: 80 }),
      refresh_interval: T.String({ format: 'duration', default: '60s' }),
    }),
  ),
  scaleway_sd_configs: sdList(
    'scaleway_sd_configs',
    withHttp('scaleway.plain', {
      access_key: opt(str()),
      secret_key: opt(secret()),
      secret_key_file: opt(str()),
      project_id: opt(str()),
      role: opt(str()),
      port: T.Integer({ default: 80 }),
      api_url: T.String({ default: 'https://api.scaleway.com' }),
      zone: T.String({ default: 'fr-par-1' }),
      name_filter: opt(str()),
      tags_filter: opt(strList()),
      refresh_interval: T.String({ format: 'duration', default: '60s' }),
    }),
  ),
  stackit_sd_configs: sdList(
    'stackit_sd_configs',
    withHttp('stackit.plain', {
      endpoint: opt(str()),
      region: T.String({ default: 'eu01' }),
      project: opt(str()),
      service_account_key: opt(secret()),
      service_account_key_path: opt(str()),
      private_key: opt(secret()),
      private_key_path: opt(str()),
      credentials_file_path: opt(str()),
      port: T.Integer({ default: 80 }),
      refresh_interval: T.String({ format: 'duration', default: '60s' }),
    }),
  ),
  triton_sd_configs: sdList(
    'triton_sd_configs',
    obj('triton.plain', {
      account: opt(str()),
      role: T.String({ default: 'container' }),
      dns_suffix: opt(str()),
      endpoint: opt(str()),
      groups: opt(strList()),
      port: T.Integer({ default: 9163 }),
      refresh_interval: T.String({ format: 'duration', default: '60s' }),
      version: T.Integer({ default: 1 }),
      tls_config: opt(ref(TLSConfigSchema)),
    }),
  ),
  uyuni_sd_configs: sdList(
    'uyuni_sd_configs',
    withHttp('uyuni.plain', {
      server: opt(str()),
      username: opt(str()),
      password: opt(secret()),
      entitlement: T.String({ default: 'monitoring_entitled' }),
      separator: T.String({ default: ',' }),
      refresh_interval: T.String({ format: 'duration', default: '1m' }),
    }),
  ),
  vultr_sd_configs: sdList(
    'vultr_sd_configs',
    withHttp('vultr.plain', {
      port: T.Integer({ default: 80 }),
      refresh_interval: T.String({ format: 'duration', default: '60s' }),
    }),
  ),
};

export type SDConfigKey = keyof typeof sdSchemas;
const sdProps = Object.fromEntries((Object.keys(sdSchemas) as SDConfigKey[]).map((k) => [k, opt(sdSchemas[k])])) as {
  [K in SDConfigKey]: TOptional<(typeof sdSchemas)[K]>;
};

// ---------------------------------------------------------------------------------------------
// Top-level sections

export const GlobalConfigSchema = obj('config.plain', {
  scrape_interval: opt(dur()),
  scrape_timeout: opt(dur()),
  scrape_protocols: opt(strList()),
  evaluation_interval: opt(dur()),
  rule_query_offset: opt(dur()),
  query_log_file: opt(str()),
  scrape_failure_log_file: opt(str()),
  external_labels: opt(strMap()),
  body_size_limit: opt(size()),
  sample_limit: opt(uint()),
  target_limit: opt(uint()),
  label_limit: opt(uint()),
  label_name_length_limit: opt(uint()),
  label_value_length_limit: opt(uint()),
  keep_dropped_targets: opt(uint()),
  metric_name_validation_scheme: opt(str()),
  metric_name_escaping_scheme: opt(str()),
  scrape_native_histograms: opt(bool()),
  convert_classic_histograms_to_nhcb: opt(bool()),
  always_scrape_classic_histograms: opt(bool()),
  extra_scrape_metrics: opt(bool()),
});

export const ScrapeConfigSchema = shared(
  'scrape_config',
  obj('config.plain', {
    job_name: opt(str()),
    honor_labels: T.Boolean({ default: false }),
    honor_timestamps: T.Boolean({ default: true }),
    track_timestamps_staleness: T.Boolean({ default: false }),
    params: opt(T.Record(T.String(), strList())),
    scrape_interval: opt(dur()),
    scrape_timeout: opt(dur()),
    scrape_protocols: opt(strList()),
    fallback_scrape_protocol: opt(str()),
    scrape_native_histograms: opt(bool()),
    always_scrape_classic_histograms: opt(bool()),
    convert_classic_histograms_to_nhcb: opt(bool()),
    scrape_failure_log_file: opt(str()),
    metrics_path: T.String({ default: '/metrics' }),
    scheme: T.String({ default: 'http' }),
    enable_compression: T.Boolean({ default: true }),
    body_size_limit: opt(size()),
    sample_limit: opt(uint()),
    target_limit: opt(uint()),
    label_limit: opt(uint()),
    label_name_length_limit: opt(uint()),
    label_value_length_limit: opt(uint()),
    native_histogram_bucket_limit: opt(uint()),
    native_histogram_min_bucket_factor: opt(num()),
    keep_dropped_targets: opt(uint()),
    metric_name_validation_scheme: opt(str()),
    metric_name_escaping_scheme: opt(str()),
    extra_scrape_metrics: opt(bool()),
    ...httpClientProps,
    ...sdProps,
    relabel_configs: opt(list(ref(RelabelConfigSchema), 'empty or null target relabeling rule in scrape config')),
    metric_relabel_configs: opt(
      list(ref(RelabelConfigSchema), 'empty or null metric relabeling rule in scrape config'),
    ),
  }),
);

const SigV4Schema = obj('sigv4.plain', {
  region: opt(str()),
  access_key: opt(str()),
  secret_key: opt(secret()),
  profile: opt(str()),
  role_arn: opt(str()),
  external_id: opt(str()),
  use_fips_sts_endpoint: opt(bool()),
});

export const AlertmanagerConfigSchema = obj('config.plain', {
  ...httpClientProps,
  ...sdProps,
  sigv4: opt(SigV4Schema),
  scheme: T.String({ default: 'http' }),
  path_prefix: opt(str()),
  timeout: T.String({ format: 'duration', default: '10s' }),
  api_version: T.String({ default: 'v2' }),
  relabel_configs: opt(list(ref(RelabelConfigSchema), 'empty or null Alertmanager target relabeling rule')),
  alert_relabel_configs: opt(list(ref(RelabelConfigSchema), 'empty or null Alertmanager alert relabeling rule')),
});

export const AlertingConfigSchema = obj('config.plain', {
  alert_relabel_configs: opt(list(ref(RelabelConfigSchema), 'empty or null alert relabeling rule')),
  alertmanagers: opt(list(AlertmanagerConfigSchema, 'empty or null alertmanager config')),
});

const QueueConfigSchema = obj(
  'config.plain',
  {
    capacity: T.Integer({ default: 10000 }),
    max_shards: T.Integer({ default: 50 }),
    min_shards: T.Integer({ default: 1 }),
    max_samples_per_send: T.Integer({ default: 2000 }),
    batch_send_deadline: T.String({ format: 'duration', default: '5s' }),
    min_backoff: T.String({ format: 'duration', default: '30ms' }),
    max_backoff: T.String({ format: 'duration', default: '5s' }),
    retry_on_http_429: opt(bool()),
    sample_age_limit: opt(dur()),
  },
  { default: {} },
);

const MetadataConfigSchema = obj(
  'config.plain',
  {
    send: T.Boolean({ default: true }),
    send_interval: T.String({ format: 'duration', default: '1m' }),
    max_samples_per_send: T.Integer({ default: 2000 }),
  },
  { default: {} },
);

const AzureADSchema = obj('azuread.plain', {
  cloud: T.String({ default: 'AzurePublic' }),
  managed_identity: opt(obj('azuread.ManagedIdentityConfig', { client_id: opt(str()) })),
  oauth: opt(
    obj('azuread.OAuthConfig', { client_id: opt(str()), client_secret: opt(secret()), tenant_id: opt(str()) }),
  ),
  sdk: opt(obj('azuread.SDKConfig', { tenant_id: opt(str()) })),
  workload_identity: opt(
    obj('azuread.WorkloadIdentityConfig', {
      client_id: opt(str()),
      tenant_id: opt(str()),
      token_file_path: opt(str()),
    }),
  ),
  scope: opt(str()),
});

export const RemoteWriteConfigSchema = obj('config.plain', {
  url: opt(url()),
  remote_timeout: T.String({ format: 'duration', default: '30s' }),
  headers: opt(strMap()),
  write_relabel_configs: opt(list(ref(RelabelConfigSchema), 'empty or null relabeling rule in remote write config')),
  name: opt(str()),
  send_exemplars: opt(bool()),
  send_native_histograms: opt(bool()),
  round_robin_dns: opt(bool()),
  protobuf_message: T.String({ default: 'prometheus.WriteRequest' }),
  ...httpClientProps,
  enable_http2: T.Boolean({ default: false }),
  queue_config: QueueConfigSchema,
  metadata_config: MetadataConfigSchema,
  sigv4: opt(SigV4Schema),
  azuread: opt(AzureADSchema),
  google_iam: opt(obj('googleiam.plain', { credentials_file: opt(str()) })),
});

export const RemoteReadConfigSchema = obj('config.plain', {
  url: opt(url()),
  remote_timeout: T.String({ format: 'duration', default: '1m' }),
  chunked_read_limit: T.Integer({ minimum: 0, default: 50000000 }),
  headers: opt(strMap()),
  read_recent: opt(bool()),
  name: opt(str()),
  ...httpClientProps,
  required_matchers: opt(strMap()),
  filter_external_labels: T.Boolean({ default: true }),
});

export const StorageConfigSchema = obj('config.plain', {
  tsdb: opt(
    obj('config.plain', {
      out_of_order_time_window: opt(dur()),
      retention: opt(obj('config.TSDBRetentionConfig', { time: opt(dur()), size: opt(size()) })),
    }),
  ),
  exemplars: opt(obj('config.ExemplarsConfig', { max_exemplars: opt(int()) })),
});

export const TracingConfigSchema = obj('config.plain', {
  client_type: T.String({ default: 'grpc' }),
  endpoint: opt(str()),
  sampling_fraction: opt(num()),
  insecure: opt(bool()),
  tls_config: opt(ref(TLSConfigSchema)),
  headers: opt(strMap()),
  compression: opt(str()),
  timeout: opt(dur()),
});

export const OTLPConfigSchema = obj('config.plain', {
  promote_all_resource_attributes: opt(bool()),
  promote_resource_attributes: opt(strList()),
  ignore_resource_attributes: opt(strList()),
  translation_strategy: T.String({ default: 'UnderscoreEscapingWithSuffixes' }),
  keep_identifying_resource_attributes: opt(bool()),
  convert_histograms_to_nhcb: opt(bool()),
  promote_scope_metadata: opt(bool()),
  label_name_underscore_sanitization: opt(bool()),
  label_name_preserve_multiple_underscores: opt(bool()),
});

export const RuntimeConfigSchema = obj('config.plain', {
  gogc: opt(int()),
});

export const ConfigSchema = obj('config.plain', {
  global: opt(GlobalConfigSchema),
  runtime: opt(RuntimeConfigSchema),
  alerting: opt(AlertingConfigSchema),
  rule_files: opt(strList()),
  scrape_config_files: opt(strList()),
  scrape_configs: opt(list(ref(ScrapeConfigSchema), 'empty or null scrape config section')),
  storage: opt(StorageConfigSchema),
  tracing: opt(TracingConfigSchema),
  remote_write: opt(list(RemoteWriteConfigSchema, 'empty or null remote write config section')),
  remote_read: opt(list(RemoteReadConfigSchema, 'empty or null remote read config section')),
  otlp: opt(OTLPConfigSchema),
});

export const ScrapeConfigsFileSchema = obj('config.ScrapeConfigs', {
  scrape_configs: opt(list(ref(ScrapeConfigSchema), 'empty or null scrape config section')),
});

/** A file_sd target group (one element of a file_sd file's list). */
export const TargetGroupFileSchema = T.Array(ref(TargetGroupSchema));
export { TargetGroupSchema };

export const ROOT_SCHEMAS: Record<RootName, TSchema> = {
  config: { ...ConfigSchema, $id: 'root_config' },
  scrapeConfigsFile: { ...ScrapeConfigsFileSchema, $id: 'root_scrape_configs_file' },
  targetGroups: { ...TargetGroupFileSchema, $id: 'root_target_groups' },
  targetGroup: { $id: 'root_target_group', $ref: 'static_configs' } as unknown as TSchema,
};
