/**
 * Differential test of the template language against Prometheus' real Go templates: alert
 * annotations exercising pipelines, control structures, Go fmt verbs and Prometheus' functions are
 * expanded by promctl; the expansions are written as a promtool unit test's exp_annotations, and
 * `promtool test rules` (2.42) must accept them byte for byte.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Labels } from '../../src/lib/model/labels.js';
import { expandAlertTemplate } from '../../src/lib/template/prometheus.js';
import { which } from '../support/procs.js';

const promtool = which('promtool');
if (!promtool) console.warn('template-diff: skipping: promtool not installed');

/** Templates over the alert `X{instance="web-1.example.com:8080", job="api", path="/a b"}` with value $value. */
const TEMPLATES = [
  '{{ $value }} {{ $labels.instance }} {{ $labels.missing }}|{{ .Value }}',
  '{{ $value | humanize }} {{ $value | humanize1024 }} {{ $value | humanizePercentage }}',
  '{{ $value | humanizeDuration }} {{ 0.000123 | humanizeDuration }} {{ 93784 | humanizeDuration }}',
  '{{ $value | humanizeTimestamp }} {{ 1435065584.128 | humanizeTimestamp }}',
  '{{ printf "%.2f|%5.1f|%-8.3e|%g|%v|%d|%x|%q|%s|%08.3f|%+d" $value $value $value $value $value 42 255 "q\\"" "s" 3.14159 7 }}',
  '{{ printf "%.0f %.0f %.0f %.1f %.2f %.3g %e" 0.5 1.5 2.5 0.25 1.005 1234.5 0 }}',
  '{{ if gt $value 100.0 }}big{{ else if gt $value 10.0 }}medium{{ else }}small{{ end }}',
  '{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}',
  '{{ with $labels.job }}job {{ . }}{{ end }}{{ with $labels.nope }}x{{ else }} no nope{{ end }}',
  '{{ $labels.instance | stripPort }} {{ $labels.instance | reReplaceAll "\\\\..*" "" }} {{ reReplaceAll "(a+)" "<$1>" "baaac" }}',
  '{{ $labels.job | toUpper }} {{ "HeLLo World" | toLower }} {{ "hello wide world" | title }}',
  '{{ match "^web-[0-9]" $labels.instance }} {{ match "^db" $labels.instance }}',
  '{{ graphLink "rate(x[5m])" }} {{ tableLink "up == 0" }}',
  '{{ len $labels }} {{ index $labels "job" }} {{ len "héllo" }} {{ slice "abcdef" 1 4 }}',
  '{{ and 1 0 }} {{ or 0 "" "z" }} {{ not true }} {{ eq $labels.job "api" "web" }} {{ ne 1 2 }} {{ le 2 2 }}',
  '{{ html "<b>&\'" }} {{ urlquery $labels.path }} {{ js "it\'s <x>" }}',
  '{{ print 1 2 "a" 3 }}|{{ println "x" 1 }}|{{ $value | printf "%06.2f" }}',
  '{{- /* comment */ -}} trimmed {{- " inner " -}} end',
  '{{ define "t" }}[{{ . }}]{{ end }}{{ template "t" $labels.job }}{{ template "t" (args 1 "x").arg1 }}',
  '{{ $x := 1 }}{{ range $i, $e := (args "a" "b") }}{{ $x = $i }}{{ end }}{{ $x }}',
  // (promtool 2.42 passes no external URL to the externalURL/pathPrefix functions: not comparable there.)
  '{{ $externalLabels.cluster }} {{ $externalURL }}',
  '{{ 1e6 }} {{ 123456.0 }} {{ 1e21 }} {{ 0.000012 }} {{ -0.0 }} {{ 3 }} {{ 0x1F }}',
  '{{ printf "%T %T %T %T" 1 1.5 "s" true }} {{ printf "%v %v" (args 1) true }}',
  '{{ printf "%d|%s|%5.2q|%x|%X|%o|%b|%c|%U" }}{{ printf "%d %d" 1 }}{{ printf "%d" 1 2 }}',
  '{{ printf "%x %X %q %v" "hi" "hi" "say hi" (args 1 "a") }}',
  '{{ printf "%5t|%-5t|%v" true false nil }}',
  // Errors: the annotation carries the error text, which must match Go's too.
  '{{ gt $value 80 }}',
  '{{ $labels.instance.foo }}',
  '{{ humanize "abc" }}',
  '{{ len 3 }}',
  '{{ slice "abc" 2 1 }}',
  '{{ index $labels 1 }}',
  '{{ template "nope" }}',
  '{{ first (args) }}',
  '{{ range $value }}x{{ end }}',
  '{{ $value.Foo }}',
];

const VALUES = [0, 0.5, 12.3456, 1234.5678, 93784.25, 1e9, 1435065584.128];

describe.skipIf(!promtool)('templates: same expansions as Prometheus', () => {
  it('expands like Go text/template with Prometheus functions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'promctl-tmpl-diff-'));
    const labels = Labels.fromObject({ instance: 'web-1.example.com:8080', job: 'api', path: '/a b' });
    let rules = 'groups:\n  - name: t\n    rules:\n';
    let tests = '';
    const series: string[] = [];
    for (const [vi, v] of VALUES.entries()) {
      series.push(
        `      - series: 'x{instance="web-1.example.com:8080", job="api", path="/a b", v="${vi}"}'\n        values: '${v}x5'`,
      );
    }
    for (const [i, text] of TEMPLATES.entries()) {
      rules += `      - alert: T${i}\n        expr: x\n        annotations:\n          a: ${JSON.stringify(text)}\n`;
      tests += `      - eval_time: 1m\n        alertname: T${i}\n        exp_alerts:\n`;
      for (const [vi, v] of VALUES.entries()) {
        const l = labels.builder().set('v', String(vi)).labels();
        const out = await expandAlertTemplate(
          `__alert_T${i}`,
          text,
          {
            labels: l.builder().set('__name__', 'x').labels(),
            externalLabels: Labels.fromObject({ cluster: 'eu1' }),
            externalURL: 'http://prom.example:9090/prefix',
            value: v,
          },
          { timestamp: 60_000, externalURL: 'http://prom.example:9090/prefix' },
        ).catch((e: Error) => `<error expanding template: ${e.message}>`);
        tests += `          - exp_labels: ${JSON.stringify({ ...l.toObject(), __name__: undefined })}\n            exp_annotations: { a: ${JSON.stringify(out)} }\n`;
      }
    }
    writeFileSync(join(dir, 'rules.yml'), rules);
    writeFileSync(
      join(dir, 't.test.yml'),
      `rule_files: [rules.yml]\ntests:\n  - interval: 1m\n    external_labels: { cluster: eu1 }\n    external_url: http://prom.example:9090/prefix\n    input_series:\n${series.join('\n')}\n    alert_rule_test:\n${tests}`,
    );
    const res = spawnSync(promtool!, ['test', 'rules', 't.test.yml'], { cwd: dir, encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });
});
