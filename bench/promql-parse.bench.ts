/**
 * PromQL parse (and print) time over a corpus of real-world queries: dashboard panels in the style
 * of Grafana's "Node Exporter Full" and kube-prometheus, alerting rules, histogram_quantile and SLO
 * queries, plus every expression of the promqltest scripts when ../shared/conformance is present.
 *
 * Prometheus comparison: this machine's promtool (Debian's 2.42) has no `promql format` command, so
 * there is no standalone Go parse figure to run. The closest real measurement is
 * `promtool check rules`, which parses each rule's expression once: we time it on a rule file
 * holding the corpus N times and on the same-sized file whose expressions are `vector(1)` padded
 * to the same length (same YAML bytes, same rule count), and attribute the difference to parsing
 * the real expressions. That is an estimate of Go's parse time per query, printed as such.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exprToString, parseExpr, prettify } from '../src/lib/promql/parser/index.js';

const corpus: string[] = [
  // Node Exporter Full style panels.
  '100 - (avg by (instance) (irate(node_cpu_seconds_total{mode="idle"}[5m])) * 100)',
  'sum by (mode) (irate(node_cpu_seconds_total{instance="$node",job="$job", mode!="idle"}[$__rate_interval])) / on(instance) group_left sum by (instance)((irate(node_cpu_seconds_total{instance="$node",job="$job"}[$__rate_interval])))',
  '(1 - (node_memory_MemAvailable_bytes{instance="node1:9100",job="node"} / node_memory_MemTotal_bytes{instance="node1:9100",job="node"})) * 100',
  'node_memory_MemTotal_bytes{instance="node1:9100",job="node"} - node_memory_MemFree_bytes{instance="node1:9100",job="node"} - (node_memory_Cached_bytes{instance="node1:9100",job="node"} + node_memory_Buffers_bytes{instance="node1:9100",job="node"} + node_memory_SReclaimable_bytes{instance="node1:9100",job="node"})',
  '100 - ((node_filesystem_avail_bytes{instance="node1:9100",job="node",mountpoint="/",fstype!="rootfs"} * 100) / node_filesystem_size_bytes{instance="node1:9100",job="node",mountpoint="/",fstype!="rootfs"})',
  'irate(node_network_receive_bytes_total{instance="node1:9100",job="node",device!~"lo|veth.*|docker.*|br-.*"}[5m])*8',
  'irate(node_disk_io_time_seconds_total{instance="node1:9100",job="node",device=~"(/dev/)?(mmcblk.p.+|nvme.+|rbd.+|sd.+|vd.+|xvd.+|dm-.+|md.+|dasd.+)"}[5m])',
  'node_load1{instance="node1:9100",job="node"} / count without(cpu, mode) (node_cpu_seconds_total{instance="node1:9100",job="node",mode="idle"})',
  'node_time_seconds{instance="node1:9100",job="node"} - node_boot_time_seconds{instance="node1:9100",job="node"}',
  'count(count(node_cpu_seconds_total{instance="node1:9100",job="node"}) by (cpu))',
  'rate(node_vmstat_pgpgin{instance="node1:9100",job="node"}[5m]) * 1024',
  'node_filesystem_files_free{instance="node1:9100",job="node",device!~"rootfs"}',
  'max by (instance) (node_hwmon_temp_celsius{instance="node1:9100"}) > 80',
  // kube-prometheus / kubernetes-mixin style.
  'sum(rate(container_cpu_usage_seconds_total{job="kubelet", metrics_path="/metrics/cadvisor", cluster="", namespace="default", image!=""}[5m])) by (pod)',
  'sum by (namespace, pod) (container_memory_working_set_bytes{job="kubelet", metrics_path="/metrics/cadvisor", container!="", image!=""}) / sum by (namespace, pod) (kube_pod_container_resource_limits{resource="memory"})',
  'sum(kube_pod_container_resource_requests{resource="cpu"}) / sum(kube_node_status_allocatable{resource="cpu"})',
  'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff", job="kube-state-metrics"}[5m]) >= 1',
  'sum by (namespace, pod) (max by(namespace, pod) (kube_pod_status_phase{job="kube-state-metrics", phase=~"Pending|Unknown|Failed"}) * on(namespace, pod) group_left(owner_kind) topk by(namespace, pod) (1, max by(namespace, pod, owner_kind) (kube_pod_owner{owner_kind!="Job"}))) > 0',
  'kube_deployment_spec_replicas{job="kube-state-metrics"} > kube_deployment_status_replicas_available{job="kube-state-metrics"} and (changes(kube_deployment_status_replicas_updated{job="kube-state-metrics"}[10m]) == 0)',
  '(kubelet_volume_stats_available_bytes{job="kubelet"} / kubelet_volume_stats_capacity_bytes{job="kubelet"}) < 0.03 and kubelet_volume_stats_used_bytes{job="kubelet"} > 0 unless on(namespace, persistentvolumeclaim) kube_persistentvolumeclaim_access_mode{access_mode="ReadOnlyMany"} == 1',
  'predict_linear(node_filesystem_avail_bytes{job="node-exporter",fstype!=""}[6h], 4*60*60) < 0',
  'increase(kube_pod_container_status_restarts_total{job="kube-state-metrics"}[1h]) > 3',
  'sum(rate(apiserver_request_total{job="apiserver",code=~"5.."}[5m])) / sum(rate(apiserver_request_total{job="apiserver"}[5m])) > 0.05',
  'absent(up{job="kube-state-metrics"} == 1)',
  'label_replace(kube_pod_info{node!=""}, "node_name", "$1", "node", "(.*)")',
  'count by (cluster) (count by (gitVersion, cluster) (label_replace(kubernetes_build_info{job!~"kube-dns|coredns"},"gitVersion","$1","gitVersion","(v[0-9]*.[0-9]*).*"))) > 1',
  // Histograms and SLOs.
  'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job="api"}[5m])))',
  'histogram_quantile(0.9, sum by (le, handler) (rate(prometheus_http_request_duration_seconds_bucket[5m]))) > 0.5',
  'histogram_quantile(0.95, sum(rate(grpc_server_handling_seconds_bucket{grpc_type="unary"}[5m])) by (grpc_service, grpc_method, le))',
  '1 - (sum(rate(http_request_duration_seconds_bucket{le="0.3",job="api"}[30d])) / sum(rate(http_request_duration_seconds_count{job="api"}[30d])))',
  'sum(rate(http_requests_total{job="api",code=~"5.."}[1h])) / sum(rate(http_requests_total{job="api"}[1h])) > (14.4 * (1 - 0.999))',
  'histogram_fraction(0, 0.2, rate(http_request_duration_seconds[5m]))',
  'sum by (job) (rate(http_request_duration_seconds_sum[5m])) / sum by (job) (rate(http_request_duration_seconds_count[5m]))',
  // Prometheus self-monitoring and misc alerts.
  'rate(prometheus_tsdb_reloads_failures_total[3h]) > 0',
  '(rate(prometheus_remote_storage_failed_samples_total[5m]) / (rate(prometheus_remote_storage_failed_samples_total[5m]) + rate(prometheus_remote_storage_succeeded_samples_total[5m]))) * 100 > 1',
  'min_over_time(prometheus_notifications_queue_length[10m]) > prometheus_notifications_queue_capacity',
  'up == 0',
  'time() - process_start_time_seconds < 60',
  'avg_over_time(probe_success{job="blackbox"}[1h]) * 100 < 99.9',
  'probe_ssl_earliest_cert_expiry - time() < 86400 * 30',
  'sum without (instance) (rate(process_cpu_seconds_total[5m]))',
  'topk(10, sum by (__name__) ({__name__=~".+"}))',
  'count by (job) ({__name__=~"node_.*", job=~"node.*"})',
  'sort_desc(sum by (route) (rate(http_requests_total{status!~"2.."}[10m] offset 1d)))',
  'rate(http_requests_total[5m] @ end())',
  'max_over_time(deriv(rate(distance_covered_total[5s])[30s:5s])[10m:])',
  'quantile_over_time(0.95, (sum by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[1m])))[1h:1m])',
  'abs(delta(node_hwmon_temp_celsius[10m])) > 5 or on() vector(0)',
  'clamp_min(sum(rate(errors_total[5m])), 0) / ignoring(code) group_left sum(rate(requests_total[5m]))',
  'sum(increase(job_runs_total{status="failed"}[1d])) by (job) unless sum(increase(job_runs_total{status="ok"}[1d])) by (job) > 0',
  'count_values("version", build_info)',
  'round(avg(rate(cpu_seconds_total[5m])) * 100, 0.01)',
];

const conformance: string[] = [];
const cdir = process.env.PROMCTL_CONFORMANCE_DIR
  ? join(process.env.PROMCTL_CONFORMANCE_DIR, 'promqltest')
  : new URL('../../shared/conformance/promqltest', import.meta.url).pathname;
try {
  const re = /^eval(?:_\w+)?\s+(?:instant\s+at\s+\S+|range\s+from\s+\S+\s+to\s+\S+\s+step\s+\S+)\s+(.*)$/;
  for (const f of readdirSync(cdir).filter((n) => n.endsWith('.test'))) {
    for (const line of readFileSync(join(cdir, f), 'utf8').split('\n')) {
      const m = re.exec(line.trim());
      if (m) conformance.push(m[1]!);
    }
  }
} catch {
  // Conformance data absent: the real-world corpus alone is measured.
}

// Grafana variables are not PromQL: substitute them as Grafana would before sending the query.
const realWorld = corpus.map((q) =>
  q.replaceAll('$__rate_interval', '1m').replaceAll('$node', 'node1:9100').replaceAll('$job', 'node'),
);

function measure(label: string, queries: string[], fn: (q: string) => unknown, minMs = 1500): number {
  for (let i = 0; i < 3; i++) for (const q of queries) fn(q); // warm-up
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    for (const q of queries) fn(q);
    n += queries.length;
    t = performance.now();
  }
  const us = ((t - t0) * 1000) / n;
  console.log(`${label.padEnd(48)} ${us.toFixed(2).padStart(8)} µs/query   (${n} runs)`);
  return us;
}

const avgLen = (qs: string[]) => Math.round(qs.reduce((a, q) => a + q.length, 0) / qs.length);
console.log(
  `corpus: ${realWorld.length} real-world queries (avg ${avgLen(realWorld)} chars)` +
    (conformance.length ? `, ${conformance.length} promqltest expressions (avg ${avgLen(conformance)} chars)` : ''),
);
measure('parse, real-world corpus', realWorld, (q) => parseExpr(q));
const cpuQuery = '100 - (avg by (instance) (irate(node_cpu_seconds_total{mode="idle"}[5m])) * 100)';
measure('parse, the CPU-usage query', [cpuQuery], (q) => parseExpr(q));
if (conformance.length) measure('parse, promqltest expressions', conformance, (q) => parseExpr(q));
const asts = realWorld.map((q) => parseExpr(q));
let i = 0;
measure('print String(), real-world corpus', realWorld, () => exprToString(asts[i++ % asts.length]!));
measure('print Pretty(), real-world corpus', realWorld, () => prettify(asts[i++ % asts.length]!));
measure('format (parse + Pretty), real-world corpus', realWorld, (q) => prettify(parseExpr(q)));
measure('parse error (positioned), bad queries', ['sum(rate(foo[5m]) bar)', 'foo{a=~"("}', 'rate(foo)', '1 +'], (q) => {
  try {
    parseExpr(q);
  } catch {
    /* expected */
  }
});

// ---- Prometheus comparison via promtool check rules ----------------------------------------------
const promtool = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).stdout.trim();
if (!promtool) {
  console.log('\npromtool not found: no Prometheus figure (install Debian package prometheus to compare).');
} else {
  const version = spawnSync(promtool, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
  // The real-world corpus uses no Prometheus-3-only syntax, so promtool 2.42 accepts all of it.
  const accepted = realWorld;
  const REPEAT = 400;
  const dir = mkdtempSync(join(tmpdir(), 'promql-bench-'));
  const rulesFile = (exprs: string[]) =>
    'groups:\n' +
    Array.from(
      { length: REPEAT },
      (_, g) =>
        `- name: g${g}\n  rules:\n` +
        exprs.map((e, r) => `  - record: r${r}\n    expr: ${JSON.stringify(e)}\n`).join(''),
    ).join('');
  const real = join(dir, 'real.yml');
  const base = join(dir, 'base.yml');
  writeFileSync(real, rulesFile(accepted));
  writeFileSync(base, rulesFile(accepted.map((q) => 'vector(1)'.padEnd(q.length, ' '))));
  const once = (file: string): number => {
    const t0 = performance.now();
    const r = spawnSync(promtool, ['check', 'rules', file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`promtool check rules failed:\n${r.stdout}${r.stderr}`.slice(0, 2000));
    return performance.now() - t0;
  };
  try {
    // Interleaved runs, best of 7 each: the machine is shared, so the minimum is the least noisy.
    const realTimes: number[] = [];
    const baseTimes: number[] = [];
    for (let k = 0; k < 7; k++) {
      realTimes.push(once(real));
      baseTimes.push(once(base));
    }
    const tReal = Math.min(...realTimes);
    const tBase = Math.min(...baseTimes);
    const n = accepted.length * REPEAT;
    const goUs = ((tReal - tBase) * 1000) / n;
    const oursUs = measure('promctl parse, same queries', accepted, (q) => parseExpr(q), 1000);
    console.log(
      `\n${version}: check rules on ${n} rules: ${tReal.toFixed(0)} ms with the corpus, ${tBase.toFixed(0)} ms with vector(1) padding`,
    );
    console.log(`Prometheus (Go) parse, estimated from the difference: ${goUs.toFixed(2)} µs/query`);
    console.log(
      `promctl parse: ${oursUs.toFixed(2)} µs/query → ratio promctl/Prometheus = ${(oursUs / goUs).toFixed(2)} (lower is better)`,
    );
  } catch (e) {
    console.log(`promtool comparison skipped: ${(e as Error).message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
