/** Built-in dashboards for the common setup: the host (node_exporter), an application, the server. */
import type { Dashboard } from './model.js';

const inst = '{instance=~"$instance"}';

export const nodePreset: Dashboard = {
  title: 'Node',
  range: '1h',
  refresh: '5s',
  variables: [{ name: 'instance', query: 'label_values(node_uname_info, instance)', includeAll: true }],
  rows: [
    {
      panels: [
        {
          title: 'CPU usage',
          type: 'timeseries',
          unit: 'percent',
          min: 0,
          max: 100,
          queries: [
            {
              expr: `100 - (avg by (instance) (irate(node_cpu_seconds_total{mode="idle",instance=~"$instance"}[5m])) * 100)`,
              legend: '{{instance}}',
            },
          ],
          span: 2,
        },
        {
          title: 'CPU now',
          type: 'gauge',
          unit: 'percent',
          min: 0,
          max: 100,
          thresholds: [
            { value: 0, color: 'green' },
            { value: 70, color: 'yellow' },
            { value: 90, color: 'red' },
          ],
          queries: [
            {
              expr: `100 - (avg by (instance) (irate(node_cpu_seconds_total{mode="idle",instance=~"$instance"}[5m])) * 100)`,
              legend: '{{instance}}',
              instant: true,
            },
          ],
        },
        {
          title: 'Load average',
          type: 'stat',
          decimals: 2,
          queries: [{ expr: `node_load1${inst}`, legend: '{{instance}}' }],
        },
      ],
    },
    {
      panels: [
        {
          title: 'Memory used',
          type: 'timeseries',
          unit: 'bytes',
          min: 0,
          queries: [
            {
              expr: `node_memory_MemTotal_bytes${inst} - node_memory_MemAvailable_bytes${inst}`,
              legend: '{{instance}} used',
            },
            { expr: `node_memory_MemTotal_bytes${inst}`, legend: '{{instance}} total' },
          ],
          span: 2,
        },
        {
          title: 'Disk space used',
          type: 'bar',
          unit: 'percent',
          min: 0,
          max: 100,
          thresholds: [
            { value: 0, color: 'green' },
            { value: 80, color: 'yellow' },
            { value: 90, color: 'red' },
          ],
          queries: [
            {
              expr: `100 - 100 * node_filesystem_avail_bytes{fstype!~"tmpfs|ramfs",instance=~"$instance"} / node_filesystem_size_bytes{fstype!~"tmpfs|ramfs",instance=~"$instance"}`,
              legend: '{{mountpoint}}',
              instant: true,
            },
          ],
        },
        {
          title: 'Uptime',
          type: 'stat',
          unit: 's',
          queries: [{ expr: `time() - node_boot_time_seconds${inst}`, legend: '{{instance}}' }],
        },
      ],
    },
    {
      panels: [
        {
          title: 'Network receive',
          type: 'timeseries',
          unit: 'Bps',
          queries: [
            {
              expr: `rate(node_network_receive_bytes_total{device!="lo",instance=~"$instance"}[5m])`,
              legend: '{{device}}',
            },
          ],
        },
        {
          title: 'Network transmit',
          type: 'timeseries',
          unit: 'Bps',
          queries: [
            {
              expr: `rate(node_network_transmit_bytes_total{device!="lo",instance=~"$instance"}[5m])`,
              legend: '{{device}}',
            },
          ],
        },
        {
          title: 'Disk I/O',
          type: 'timeseries',
          unit: 'Bps',
          queries: [
            { expr: `rate(node_disk_read_bytes_total${inst}[5m])`, legend: '{{device}} read' },
            { expr: `rate(node_disk_written_bytes_total${inst}[5m])`, legend: '{{device}} write' },
          ],
        },
      ],
    },
  ],
};

export const appPreset: Dashboard = {
  title: 'Application',
  range: '1h',
  refresh: '5s',
  variables: [{ name: 'job', query: 'label_values(up, job)', includeAll: true }],
  rows: [
    {
      panels: [
        {
          title: 'Request rate',
          type: 'timeseries',
          unit: 'reqps',
          queries: [
            {
              expr: 'sum by (job) (rate({__name__=~"http_requests_total|http_server_requests_seconds_count|flask_http_request_total|hello_world_total",job=~"$job"}[1m]))',
              legend: '{{job}}',
            },
          ],
          span: 2,
        },
        {
          title: 'Error rate',
          type: 'stat',
          unit: 'percentunit',
          thresholds: [
            { value: 0, color: 'green' },
            { value: 0.01, color: 'yellow' },
            { value: 0.05, color: 'red' },
          ],
          queries: [
            {
              expr: 'sum by (job) (rate({__name__=~"http_requests_total|flask_http_request_total",job=~"$job",status=~"5.."}[5m])) / sum by (job) (rate({__name__=~"http_requests_total|flask_http_request_total",job=~"$job"}[5m]))',
              legend: '{{job}}',
            },
          ],
        },
      ],
    },
    {
      panels: [
        {
          title: 'Latency p50 / p95 / p99',
          type: 'timeseries',
          unit: 's',
          queries: ['0.5', '0.95', '0.99'].map((q) => ({
            expr: `histogram_quantile(${q}, sum by (le, job) (rate({__name__=~"http_request_duration_seconds_bucket|flask_http_request_duration_seconds_bucket",job=~"$job"}[5m])))`,
            legend: `{{job}} p${Number(q) * 100}`,
          })),
          span: 2,
        },
        {
          title: 'In flight',
          type: 'stat',
          queries: [
            {
              expr: 'sum by (job) ({__name__=~"http_requests_in_flight|http_requests_in_progress",job=~"$job"})',
              legend: '{{job}}',
            },
          ],
        },
      ],
    },
    {
      panels: [
        {
          title: 'Targets',
          type: 'table',
          queries: [{ expr: 'up{job=~"$job"}', legend: '{{job}} {{instance}}', instant: true }],
        },
      ],
    },
  ],
};

export const prometheusPreset: Dashboard = {
  title: 'Prometheus server',
  range: '1h',
  refresh: '5s',
  rows: [
    {
      panels: [
        {
          title: 'Targets up',
          type: 'stat',
          thresholds: [
            { value: 0, color: 'red' },
            { value: 1, color: 'green' },
          ],
          queries: [{ expr: 'sum(up)', legend: 'up' }],
        },
        {
          title: 'Targets down',
          type: 'stat',
          thresholds: [
            { value: 0, color: 'green' },
            { value: 1, color: 'red' },
          ],
          queries: [{ expr: 'count(up == 0) or vector(0)', legend: 'down' }],
        },
        {
          title: 'Samples ingested/s',
          type: 'stat',
          unit: 'short',
          queries: [{ expr: 'sum(rate(prometheus_tsdb_head_samples_appended_total[1m]))', legend: 'samples/s' }],
        },
        {
          title: 'Head series',
          type: 'stat',
          queries: [{ expr: 'sum(prometheus_tsdb_head_series)', legend: 'series' }],
        },
      ],
    },
    {
      panels: [
        {
          title: 'Scrape duration',
          type: 'timeseries',
          unit: 's',
          queries: [{ expr: 'scrape_duration_seconds', legend: '{{job}} {{instance}}' }],
        },
        {
          title: 'Samples scraped',
          type: 'timeseries',
          queries: [{ expr: 'sum by (job) (scrape_samples_scraped)', legend: '{{job}}' }],
        },
      ],
    },
    {
      panels: [
        {
          title: 'Rule evaluation duration',
          type: 'timeseries',
          unit: 's',
          queries: [
            {
              // No rule evaluated: no data rather than NaN (0/0).
              expr: 'rate(prometheus_rule_evaluation_duration_seconds_sum[5m]) / (rate(prometheus_rule_evaluation_duration_seconds_count[5m]) > 0)',
              legend: 'avg',
            },
          ],
        },
        {
          title: 'Memory (resident)',
          type: 'timeseries',
          unit: 'bytes',
          queries: [{ expr: 'process_resident_memory_bytes{job=~"prometheus|promctl"}', legend: '{{instance}}' }],
        },
      ],
    },
  ],
};

export const PRESETS: Record<string, Dashboard> = { node: nodePreset, app: appPreset, prometheus: prometheusPreset };
