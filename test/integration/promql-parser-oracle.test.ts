/**
 * The PromQL parser and printer against a real Prometheus (Debian's 2.42) as an oracle, through its
 * /api/v1/format_query endpoint (Prometheus' own parser + Pretty printer, what `promtool promql
 * format` prints):
 * - every promqltest expression Prometheus 2.42 accepts formats identically (after re-parsing
 *   Prometheus' output, because Prometheus 3 prints numbers without exponents: 1.2e+07 → 12000000);
 * - expressions 2.42 rejects are Prometheus 3 syntax (duration arithmetic, numeric offsets, new
 *   functions): they are listed, not hidden;
 * - ~100 malformed queries give exactly Prometheus' error text (line:col and message), apart from a
 *   listed set of deliberate Prometheus 2 → 3 differences.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExpr, prettify } from '../../src/lib/promql/parser/index.js';
import { normalize } from '../promql/parser/roundtrip.js';
import { conformanceDir } from '../support/conformance.js';
import { freePort, startProc, which, type Proc } from '../support/procs.js';

const badQueries = [
  'topk(5,== foo)',
  'label_replace(up, "a", "$1",bool "b", "x")',
  'label_replace(up, "a"( "$1", "b", "x")',
  'topk(5, max_over_time:(foo[5m]))',
  'rate(sum(x) bar)',
  'sum by (job) (rate(http_requests_total(job="api")))',
  'sum(foo bar)',
  'sum by (a) foo',
  'sum by foo (x)',
  'sum by (a b) (x)',
  'sum by (1) (x)',
  'sum without (a,) (x)',
  'sum(rate(foo bar))',
  'rate(foo bar)',
  '(foo bar)',
  'foo bar',
  '1 +',
  'foo{a}',
  'foo{a=}',
  'foo{a="b" c="d"}',
  'foo{,}',
  'foo{1}',
  'foo[5m',
  'foo[5m x]',
  'foo[5m 1]',
  'foo[5m:1m',
  'foo[5m:1m 2]',
  'foo[5m:x]',
  'foo[:5m]',
  'foo[5m::1m]',
  'foo offset',
  'foo offset bar',
  'foo offset 5',
  'foo @',
  'foo @ bar',
  'foo @ start',
  'foo @ start(',
  'foo @ start() @ end()',
  'foo @ 1 offset 5m @ 2',
  '1 @ 5',
  'sum(foo) offset 5m',
  'rate(foo)',
  'rate(foo[5m]',
  'topk(foo)',
  'topk(1, 2, foo)',
  'count_values(1, foo)',
  'quantile("a", foo)',
  'abs()',
  'abs(foo, bar)',
  'round(foo, 1, 2)',
  'label_join(foo)',
  'label_replace(foo, "a", "b", "c")',
  'histogram_quantile(foo, bar)',
  'vector(foo)',
  'scalar(1)',
  'time(1)',
  'foo and 1',
  '1 and foo',
  'foo + bool 1',
  '1 > 1',
  'foo == on(a) 1',
  'foo * group_left bar',
  'foo * on(a) group_left(a) bar',
  'foo and on(a) group_left bar',
  '"foo" + 1',
  '-"foo"',
  'foo[5m] + 1',
  '-foo[5m]',
  '{}',
  '{a=""}',
  '{a=~".*"}',
  'foo{__name__="bar"}',
  'foo{a=~"("}',
  'foo{a!~"*"}',
  'unknown_func(foo)',
  'sum()',
  'foo[5m] offset 1m offset 2m',
  'foo offset 1m [5m]',
  'foo @ 1 [5m]',
  '(foo)[5m]',
  'rate(foo[5m])[5m]',
  'foo[0s]',
  'foo[5m:0s]',
  'foo[1.5m]',
  'foo[5m1h]',
  'foo[5y1hs]',
  '"unterminated',
  "'\\q'",
  '"\\u12"',
  '`raw',
  'foo # comment',
  '# only a comment',
  'foo{a="b"} # trailing',
  'sum by () (foo)',
  'sum(foo) by ()',
  '1 2',
  'foo)',
  'foo]',
  'foo}',
  'foo=bar',
  'foo!bar',
  'foo ! bar',
  'foo =~ bar',
  'foo $ bar',
  'foo[5m] @ start() offset 1m',
  'max_over_time(foo[5m:1m] @ end())',
  'foo offset -5m',
  'foo offset 5m5s',
  '-1 ^ 2',
  '2 ^ -1',
  'foo ^ bar ^ baz',
  '1 - 2 - 3',
];

/** Queries whose error text differs from Prometheus 2.42 on purpose (Prometheus 3 behaviour). */
const knownDifferences = new Map<string, string>([
  [
    'foo[5m x]',
    'Prometheus 2 lexed any letter inside brackets as ":" (foo[5m x] == foo[5m:]); promctl rejects it like current Prometheus',
  ],
  ['foo[5m:x]', 'same lexer change: 2.x says "unexpected colon \'x\'"'],
  ['foo[:5m]', 'Prometheus 3 lexes brackets as duration expressions ("unexpected colon before duration")'],
  ['foo offset', 'Prometheus 3 offsets take numbers and duration expressions: "expected number or duration"'],
  ['foo offset bar', 'same as above'],
  ['foo offset 5', 'Prometheus 3 accepts a number of seconds as offset'],
  ['foo{a=~"("}', 'Prometheus 3 anchors regexes as ^(?s:...)$ (dot matches newline)'],
  ['foo[1.5m]', 'newer prometheus/common duration parser wording ("unknown unit")'],
  ['foo[5y1hs]', 'newer prometheus/common duration parser wording ("unknown unit")'],
]);

const longQueries = [
  'sum by (job, instance) (rate(http_requests_total{job="api-server",code=~"5..",handler!~"/debug.*"}[5m])) / ignoring (code) group_left sum by (job, instance) (rate(http_requests_total{job="api-server"}[5m])) > bool 0.05',
  'histogram_quantile(0.99, sum by (le, service) (rate(request_duration_seconds_bucket{service="checkout", environment="production", cluster="eu-west-1"}[5m])))',
  '100 - (avg by (instance) (irate(node_cpu_seconds_total{mode="idle",instance=~"node-exporter-prod-eu-west-1-.*:9100"}[5m])) * 100)',
  'sum by (namespace, pod) (max by(namespace, pod) (kube_pod_status_phase{job="kube-state-metrics", phase=~"Pending|Unknown|Failed"}) * on(namespace, pod) group_left(owner_kind) topk by(namespace, pod) (1, max by(namespace, pod, owner_kind) (kube_pod_owner{owner_kind!="Job"}))) > 0',
  '(kubelet_volume_stats_available_bytes{job="kubelet"} / kubelet_volume_stats_capacity_bytes{job="kubelet"}) < 0.03 and kubelet_volume_stats_used_bytes{job="kubelet"} > 0 unless on(namespace, persistentvolumeclaim) kube_persistentvolumeclaim_access_mode{access_mode="ReadOnlyMany"} == 1',
  'count by (cluster) (count by (gitVersion, cluster) (label_replace(kubernetes_build_info{job!~"kube-dns|coredns"},"gitVersion","$1","gitVersion","(v[0-9]*.[0-9]*).*"))) > 1',
  'max_over_time(rate(some_very_long_metric_name_that_goes_on_and_on_total{label_one="value one",label_two="value two"}[5m])[1h:1m] offset 1d)',
  '-sum(rate(some_very_long_metric_name_that_goes_on_and_on_total{label_one="value one",label_two="value two"}[5m] @ 1700000000))',
];

const prometheus = which('prometheus');
const EVAL = /^eval(?:_\w+)?\s+(?:instant\s+at\s+\S+|range\s+from\s+\S+\s+to\s+\S+\s+step\s+\S+)\s+(.*)$/;

describe.skipIf(!prometheus)('PromQL parser vs Prometheus (format_query oracle)', () => {
  let proc: Proc;
  let base = '';
  let dir = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'promctl-oracle-'));
    writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\n');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    proc = await startProc(
      prometheus!,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { readyUrl: `${base}/-/ready` },
    );
  });
  afterAll(async () => {
    await proc?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function format(q: string): Promise<{ ok: true; out: string } | { ok: false; err: string }> {
    const res = await fetch(`${base}/api/v1/format_query`, { method: 'POST', body: new URLSearchParams({ query: q }) });
    const j = (await res.json()) as { status: string; data?: string; error?: string };
    if (j.status === 'success') return { ok: true, out: j.data! };
    return { ok: false, err: j.error!.replace(/^invalid parameter "query": /, '') };
  }

  it('formats every expression like Prometheus', async () => {
    const queries = [...longQueries];
    const cdir = conformanceDir('promqltest');
    if (cdir) {
      for (const f of readdirSync(cdir).filter((n) => n.endsWith('.test'))) {
        for (const line of readFileSync(join(cdir, f), 'utf8').split('\n')) {
          const m = EVAL.exec(line.trim());
          if (m) queries.push(m[1]!);
        }
      }
    }
    let identical = 0;
    let equivalent = 0;
    const rejectedBy2 = new Map<string, number>();
    const mismatches: string[] = [];
    for (const q of new Set(queries)) {
      const prom = await format(q);
      const ours = prettify(parseExpr(q)); // every one of them is valid Prometheus 3.5
      if (!prom.ok) {
        const kind = prom.err.replace(/^\d+:\d+: parse error: /, '').replace(/"[^"]*"/g, '"…"');
        rejectedBy2.set(kind, (rejectedBy2.get(kind) ?? 0) + 1);
        continue;
      }
      if (prom.out === ours) identical++;
      else if (JSON.stringify(normalize(parseExpr(prom.out))) === JSON.stringify(normalize(parseExpr(q)))) equivalent++;
      else mismatches.push(`${q}\n  prometheus: ${prom.out}\n  promctl:    ${ours}`);
    }
    console.log(
      `format_query oracle: ${identical} identical, ${equivalent} equivalent (number notation only), ${mismatches.length} different; ` +
        `rejected by Prometheus 2.42 (Prometheus 3 syntax): ${[...rejectedBy2].map(([k, n]) => `${n}× ${k}`).join('; ')}`,
    );
    expect(mismatches).toEqual([]);
    expect(identical).toBeGreaterThan(1000);
  });

  it("reports malformed queries with Prometheus' positions and wording", async () => {
    const differences: string[] = [];
    let same = 0;
    for (const q of badQueries) {
      const prom = await format(q);
      let ours: string;
      try {
        ours = 'OK ' + prettify(parseExpr(q));
      } catch (e) {
        ours = 'ERR ' + (e as Error).message;
      }
      const expected = prom.ok ? 'OK ' + prom.out : 'ERR ' + prom.err;
      if (expected === ours) same++;
      else if (!knownDifferences.has(q)) differences.push(`${q}\n  prometheus: ${expected}\n  promctl:    ${ours}`);
    }
    console.log(
      `error oracle: ${same}/${badQueries.length} identical, ${knownDifferences.size} known Prometheus 2 → 3 differences`,
    );
    expect(differences).toEqual([]);
    expect(same).toBe(badQueries.length - knownDifferences.size);
  });
});
