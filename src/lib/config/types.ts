/**
 * The loaded prometheus.yml, as `loadConfig` / `parseConfig` return it: a plain object with the
 * snake_case keys Prometheus uses, defaults applied and globals propagated into each scrape config
 * the way Prometheus does it. Durations and sizes stay strings as written (`"15s"`, `"10MB"`):
 * parse them with `parseDuration` (src/lib/model/duration.ts) and `parseSize` (./units.ts).
 *
 * The shapes derive from the one JSON Schema in ./schema.ts; the intersections below only state
 * which fields the loader always fills in (defaults and inheritance), so that consumers need no
 * `?? default` of their own.
 */
import type { Static } from '@sinclair/typebox';
import type {
  AlertingConfigSchema,
  AlertmanagerConfigSchema,
  AuthorizationSchema,
  BasicAuthSchema,
  ConfigSchema,
  GlobalConfigSchema,
  OAuth2Schema,
  OTLPConfigSchema,
  RelabelConfigSchema,
  RemoteReadConfigSchema,
  RemoteWriteConfigSchema,
  ScrapeConfigSchema,
  StorageConfigSchema,
  TLSConfigSchema,
  TracingConfigSchema,
  TargetGroupSchema,
  sdSchemas,
} from './schema.js';

/** Scrape protocols Prometheus negotiates (case sensitive). */
export type ScrapeProtocol =
  'PrometheusProto' | 'PrometheusText0.0.4' | 'PrometheusText1.0.0' | 'OpenMetricsText0.0.1' | 'OpenMetricsText1.0.0';

/** Relabel actions, lowercased as Prometheus stores them. */
export type RelabelAction =
  | 'replace'
  | 'keep'
  | 'drop'
  | 'keepequal'
  | 'dropequal'
  | 'hashmod'
  | 'labelmap'
  | 'labeldrop'
  | 'labelkeep'
  | 'lowercase'
  | 'uppercase';

export type NameValidationScheme = 'utf8' | 'legacy';

export type TLSConfig = Static<typeof TLSConfigSchema>;
export type BasicAuth = Static<typeof BasicAuthSchema>;
export type Authorization = Static<typeof AuthorizationSchema>;
export type OAuth2 = Static<typeof OAuth2Schema>;

/**
 * A relabel_config with defaults applied: separator ';', regex '(.*)', replacement '$1',
 * action 'replace' (lowercased). `regex` is the pattern as written; compile it with
 * `Regex.compile` (src/lib/model/regex.ts), which anchors it like Prometheus.
 */
export type RelabelConfig = Omit<Static<typeof RelabelConfigSchema>, 'action'> & {
  action: RelabelAction;
  /** 0 unless set (only hashmod uses it). */
  modulus: number;
  /** '' unless set. */
  target_label: string;
};

/** One static target group (`static_configs` entry; also one element of a file_sd file). */
export type TargetGroup = Static<typeof TargetGroupSchema>;

/** The service-discovery blocks of a scrape (or Alertmanager) config, keyed as in YAML. */
export type SDConfigs = { [K in keyof typeof sdSchemas]?: Static<(typeof sdSchemas)[K]> };
export type StaticConfig = TargetGroup;
export type FileSDConfig = Static<(typeof sdSchemas)['file_sd_configs']>[number];
export type HTTPSDConfig = Static<(typeof sdSchemas)['http_sd_configs']>[number];

export type GlobalConfig = Static<typeof GlobalConfigSchema> & {
  scrape_interval: string;
  scrape_timeout: string;
  evaluation_interval: string;
  rule_query_offset: string;
  external_labels: Record<string, string>;
  metric_name_validation_scheme: NameValidationScheme;
  scrape_native_histograms: boolean;
  convert_classic_histograms_to_nhcb: boolean;
  always_scrape_classic_histograms: boolean;
  extra_scrape_metrics: boolean;
};

export type ScrapeConfig = Omit<
  Static<typeof ScrapeConfigSchema>,
  'relabel_configs' | 'metric_relabel_configs' | 'scrape_protocols'
> &
  SDConfigs & {
    job_name: string;
    /** Inherited from global when unset. */
    scrape_interval: string;
    /** Inherited: min(global scrape_timeout, scrape_interval) when unset. */
    scrape_timeout: string;
    scrape_protocols: ScrapeProtocol[];
    fallback_scrape_protocol?: ScrapeProtocol;
    /** Limits: 0 means no limit; inherited from global when unset. */
    sample_limit: number;
    target_limit: number;
    label_limit: number;
    label_name_length_limit: number;
    label_value_length_limit: number;
    keep_dropped_targets: number;
    /** Inherited from global; undefined means no limit. */
    body_size_limit?: string;
    metric_name_validation_scheme: NameValidationScheme;
    metric_name_escaping_scheme: string;
    scrape_native_histograms: boolean;
    always_scrape_classic_histograms: boolean;
    convert_classic_histograms_to_nhcb: boolean;
    extra_scrape_metrics: boolean;
    relabel_configs: RelabelConfig[];
    metric_relabel_configs: RelabelConfig[];
  };

export type AlertmanagerConfig = Omit<
  Static<typeof AlertmanagerConfigSchema>,
  'relabel_configs' | 'alert_relabel_configs'
> &
  SDConfigs & {
    relabel_configs: RelabelConfig[];
    alert_relabel_configs: RelabelConfig[];
  };

export type AlertingConfig = Omit<Static<typeof AlertingConfigSchema>, 'alertmanagers' | 'alert_relabel_configs'> & {
  alertmanagers: AlertmanagerConfig[];
  alert_relabel_configs: RelabelConfig[];
};

export type RemoteWriteConfig = Omit<Static<typeof RemoteWriteConfigSchema>, 'write_relabel_configs' | 'url'> & {
  url: string;
  write_relabel_configs: RelabelConfig[];
};

export type RemoteReadConfig = Omit<Static<typeof RemoteReadConfigSchema>, 'url' | 'required_matchers'> & {
  url: string;
  required_matchers: Record<string, string>;
};

export type StorageConfig = Static<typeof StorageConfigSchema>;
export type TracingConfig = Static<typeof TracingConfigSchema>;
export type OTLPConfig = Static<typeof OTLPConfigSchema>;

/** The raw document shape (before defaults and inheritance), e.g. for editing. */
export type RawConfig = Static<typeof ConfigSchema>;

export interface Config {
  global: GlobalConfig;
  runtime: { gogc?: number };
  alerting: AlertingConfig;
  /** Joined with the config file's folder (globs kept), like Prometheus' SetDirectory. */
  rule_files: string[];
  scrape_config_files: string[];
  /**
   * The main file's scrape configs followed by those of `scrape_config_files` (read, validated
   * and resolved against the global config, as Prometheus' GetScrapeConfigs does).
   */
  scrape_configs: ScrapeConfig[];
  storage: StorageConfig;
  tracing?: TracingConfig;
  remote_write: RemoteWriteConfig[];
  remote_read: RemoteReadConfig[];
  otlp: OTLPConfig;
}
