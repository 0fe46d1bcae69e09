import { describe, expect, it } from 'vitest';
import { Labels } from '../../src/lib/model/labels.js';
import {
  Expander,
  expandAlertTemplate,
  parseTest,
  sprintf,
  Template,
  TemplateError,
} from '../../src/lib/template/index.js';

function run(text: string, data: unknown = {}, funcs = {}): string {
  return Template.parse('t', text, funcs, { missingKey: 'zero' }).execute(data);
}

async function prom(
  text: string,
  data: unknown = null,
  query: Record<string, [Record<string, string>, number][]> = {},
) {
  const e = new Expander('test', text, data, {
    timestamp: 1_000_000,
    externalURL: 'http://testhost:9090/path/prefix',
    queryFn: async (q) => (query[q] ?? []).map(([l, v]) => ({ labels: Labels.fromObject(l), value: v })),
  });
  return e.expand();
}

describe('Go text/template language', () => {
  it.each([
    ['plain text', {}, 'plain text'],
    ['{{ 1 }}', {}, '1'],
    ['{{ 1.5 }} {{ 1e3 }} {{ 0x10 }} {{ true }} {{ "s" }} {{ `raw` }}', {}, '1.5 1000 16 true s raw'],
    ['a {{- " b " -}} c', {}, 'a b c'],
    ['a  {{- /* comment */ -}}  b', {}, 'ab'],
    ['{{ .x }}/{{ .y.z }}', { x: 'X', y: { z: 2 } }, 'X/2'],
    ['{{ $x := 3 }}{{ $x }}{{ $x = 4 }}{{ $x }}', {}, '34'],
    ['{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}', { a: '', b: 1 }, 'B'],
    ['{{ with .a }}{{ . }}{{ else }}none{{ end }}', { a: 0 }, 'none'],
    ['{{ with $x := .a }}{{ $x }}{{ end }}', { a: 'v' }, 'v'],
    ['{{ range $i, $e := .l }}{{ $i }}:{{ $e }} {{ end }}', { l: ['a', 'b'] }, '0:a 1:b '],
    ['{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}', { m: { b: '2', a: '1' } }, 'a=1;b=2;'],
    ['{{ range .l }}x{{ else }}empty{{ end }}', { l: [] }, 'empty'],
    [
      '{{ range .l }}{{ if eq . 2 }}{{ continue }}{{ end }}{{ if eq . 4 }}{{ break }}{{ end }}{{ . }}{{ end }}',
      { l: [1n, 2n, 3n, 4n, 5n] },
      '13',
    ],
    ['{{ define "x" }}[{{ .arg0 }} {{ .arg1 }}]{{ end }}{{ template "x" (dict) }}', {}, '[a b]'],
    ['{{ block "b" . }}default {{ . }}{{ end }}', 'dot', 'default dot'],
    [
      '{{ len "héllo" }} {{ len .l }} {{ index .l 1 }} {{ index .m "k" }} {{ slice "abcdef" 1 3 }}',
      { l: [1, 2], m: { k: 'v' } },
      '6 2 2 v bc',
    ],
    ['{{ and 1 0 "x" }} {{ and 1 2 }} {{ or 0 "" }} {{ or 0 "z" }} {{ not 0 }}', {}, '0 2  z true'],
    [
      '{{ eq 1 1 }} {{ eq "a" "b" "a" }} {{ ne 1.5 2.5 }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt "b" "a" }} {{ ge 1.0 2.0 }}',
      {},
      'true true true true true true false',
    ],
    [
      '{{ html "<a href=\'x\'>&</a>" }} {{ urlquery "a b&c/d" }} {{ js "it\'s <b>" }}',
      {},
      "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt; a+b%26c%2Fd it\\'s \\u003Cb\\u003E",
    ],
    ['{{ print 1 2 "a" 3 "b" }}|{{ println 1 "a" }}', {}, '1 2a3b|1 a\n'],
    ['{{ "x" | printf "%s-%s" "y" }}', {}, 'y-x'],
    ['{{ (index .l 0).a }}', { l: [{ a: 'deep' }] }, 'deep'],
    ['{{ .m }} {{ .l }}', { m: { b: 1, a: 'x' }, l: [1, 'a'] }, 'map[a:x b:1] [1 a]'],
    ['{{ .missing }}', { present: 'x' }, ''],
    ['{{ .missing }}', { n: 1 }, '<no value>'],
  ])('%s', (text, data, want) => {
    const funcs = { dict: () => ({ arg0: 'a', arg1: 'b' }) };
    expect(run(text, data, funcs)).toBe(want);
  });

  it.each([
    ['{{', 'template: t:1: unclosed action'],
    ['{{ foo }}', 'template: t:1: function "foo" not defined'],
    ['{{ $x }}', 'template: t:1: undefined variable "$x"'],
    ['{{ if 1 }}', 'template: t:1: unexpected EOF'],
    ['a\n{{ end }}', 'template: t:2: unexpected {{end}}'],
    ['{{ break }}', 'template: t:1: {{break}} outside {{range}}'],
    ['{{ "unterminated }}', 'template: t:1: unterminated quoted string'],
  ])('parse error %s', (text, msg) => {
    expect(() => Template.parse('t', text)).toThrow(new TemplateError(msg));
  });

  it.each([
    [
      '{{ gt .v 80 }}',
      { v: 81.5 },
      'template: t:1:3: executing "t" at <gt .v 80>: error calling gt: incompatible types for comparison',
    ],
    [
      'x\n  {{ index .l 5 }}',
      { l: [1] },
      'template: t:2:5: executing "t" at <index .l 5>: error calling index: index out of range: 5',
    ],
    ['{{ .s.f }}', { s: 'str' }, 'template: t:1:5: executing "t" at <.s.f>: can\'t evaluate field f in type string'],
    [
      '{{ template "nope" }}',
      {},
      'template: t:1:12: executing "t" at <{{template "nope"}}>: template "nope" not defined',
    ],
  ])('exec error %s', (text, data, msg) => {
    const t = Template.parse('t', text, {}, { missingKey: 'zero' });
    expect(() => t.execute(data)).toThrow(new TemplateError(msg));
  });
});

describe('Go fmt verbs', () => {
  it.each([
    [
      '%d|%5d|%-5d|%05d|%x|%X|%o|%b|%+d',
      [42n, 42n, 42n, -42n, 255n, 255n, 8n, 5n, 3n],
      '42|   42|42   |-0042|ff|FF|10|101|+3',
    ],
    [
      '%f|%.2f|%8.3f|%-8.1f|%e|%.3e|%g|%G',
      [3.14159, 2.675, 3.14159, 2.5, 1234.5678, 0.000123456, 1e-7, 1e21],
      '3.141590|2.67|   3.142|2.5     |1.234568e+03|1.235e-04|1e-07|1E+21',
    ],
    ['%.0f %.0f %.0f %.1f', [0.5, 1.5, 2.5, 0.25], '0 2 2 0.2'],
    ['%s|%q|%v|%10s|%-4s|%.2s', ['a', 'b"c', 'v', 'right', 'l', 'trunc'], 'a|"b\\"c"|v|     right|l   |tr'],
    ['%t %v %v', [true, null, [1, 'x']], 'true <nil> [1 x]'],
    [
      '%.4g|%.4g|%.4g|%.4g|%g|%v',
      [1234567, 0.000012345, 100, 1.0, 100000, 1e6],
      '1.235e+06|1.234e-05|100|1|100000|1e+06',
    ],
    ['%d %s', [1.5, 2n], '%!d(float64=1.5) %!s(int=2)'],
    ['%d', [], '%!d(MISSING)'],
    ['%d', [1n, 2n], '1%!(EXTRA int=2)'],
    ['100%%', [], '100%'],
    ['%g %f %v %.4g', [Infinity, -Infinity, NaN, Infinity], '+Inf -Inf NaN +Inf'],
  ])('%s', (f, args, want) => {
    expect(sprintf(f, args)).toBe(want);
  });
});

describe("Prometheus' template functions", () => {
  it.each([
    ['{{ range . }}{{ humanize . }}:{{ end }}', [0, 1, 1234567, 0.12], '0:1:1.235M:120m:'],
    ['{{ range . }}{{ humanize . }}:{{ end }}', ['0.0', '1.0', '1234567.0', '.12'], '0:1:1.235M:120m:'],
    ['{{ range . }}{{ humanize . }}:{{ end }}', [0n, -1n, 1n, 1234567n, 9223372036854775807n], '0:-1:1:1.235M:9.223E:'],
    ['{{ range . }}{{ humanize1024 . }}:{{ end }}', [0, 1, 1048576, 0.12], '0:1:1Mi:0.12:'],
    ['{{ range . }}{{ humanize1024 . }}:{{ end }}', [0n, -1n, 1n, 1234567n], '0:-1:1:1.177Mi:'],
    [
      '{{ range . }}{{ humanizeDuration . }}:{{ end }}',
      [0, 1, 60, 3600, 86400, 86400 + 3600, -(86400 * 2 + 3600 * 3 + 60 * 4 + 5), 899.99],
      '0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:1d 1h 0m 0s:-2d 3h 4m 5s:14m 59s:',
    ],
    [
      '{{ range . }}{{ humanizeDuration . }}:{{ end }}',
      [0.1, 0.0001, 0.12345, 60.1, 60.5, 1.2345, 12.345],
      '100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:',
    ],
    [
      '{{ range . }}{{ humanize . }}:{{ humanize1024 . }}:{{ humanizeDuration . }}:{{ humanizeTimestamp . }}:{{ end }}',
      [Infinity, -Infinity, NaN],
      '+Inf:+Inf:+Inf:+Inf:-Inf:-Inf:-Inf:-Inf:NaN:NaN:NaN:NaN:',
    ],
    [
      '{{ range . }}{{ humanizeTimestamp . }}:{{ end }}',
      [0n, -1n, 1n, 1234567n],
      '1970-01-01 00:00:00 +0000 UTC:1969-12-31 23:59:59 +0000 UTC:1970-01-01 00:00:01 +0000 UTC:1970-01-15 06:56:07 +0000 UTC:',
    ],
    ['{{ range . }}{{ humanizePercentage . }}:{{ end }}', [0n, -1n, 1n, 1234567n], '0%:-100%:100%:1.235e+08%:'],
  ])('%s (case %#)', async (text, input, want) => {
    expect(await prom(text, input)).toBe(want);
  });

  it.each([
    [
      '{{ -0.22222 | humanizePercentage }}:{{ 0.0 | humanizePercentage }}:{{ 0.1234567 | humanizePercentage }}:{{ 1.23456 | humanizePercentage }}',
      '-22.22%:0%:12.35%:123.5%',
    ],
    ['{{ 1435065584.128 | humanizeTimestamp }}', '2015-06-23 13:19:44.128 +0000 UTC'],
    ['{{ (1435065584.128 | toTime).Format "2006" }} {{ (toTime 1435065584).Unix }}', '2015 1435065584'],
    ['{{ toDuration 3723.5 }} {{ toDuration 0.15 }}', '1h2m3.5s 150ms'],
    ['{{ "aa bb CC" | title }}|{{ "aa bb CC" | toUpper }}|{{ "aA bB CC" | toLower }}', 'Aa Bb CC|AA BB CC|aa bb cc'],
    ['{{ match "a+" "aa" }} {{ match "a+" "b" }}', 'true false'],
    ['{{ reReplaceAll "(a)b" "x$1" "ab" }} {{ reReplaceAll ":[0-9]+$" "" "host:9100" }}', 'xa host'],
    [
      '{{ graphLink "up" }} {{ tableLink "rate(x[5m]) > 1" }}',
      '/graph?g0.expr=up&g0.tab=0 /graph?g0.expr=rate%28x%5B5m%5D%29+%3E+1&g0.tab=1',
    ],
    ['{{ pathPrefix }} {{ externalURL }}', '/path/prefix http://testhost:9090/path/prefix'],
    ['{{ printf "%0.2f" (parseDuration "1h2m10ms") }}', '3720.01'],
    [
      '{{ "foo.example.com" | stripDomain }} {{ "foo.example.com:12345" | stripDomain }} {{ "192.0.2.1:12345" | stripDomain }}',
      'foo foo:12345 192.0.2.1:12345',
    ],
    [
      '{{ "foo.example.com:12345" | stripPort }} {{ "[2001:0DB8::1]:12345" | stripPort }} {{ "[2001:0DB8::1]::12345" | stripPort }}',
      'foo.example.com 2001:0DB8::1 [2001:0DB8::1]::12345',
    ],
    ['{{ define "x" }}{{ .arg0 }} {{ .arg1 }}{{ end }}{{ template "x" (args 1 "2") }}', '1 2'],
    ['{{ "<b>" | safeHtml }}', '<b>'],
    ['{{ now }}', '1000'],
  ])('%s', async (text, want) => {
    expect(await prom(text)).toBe(want);
  });

  it('runs queries through the injected function', async () => {
    const q = {
      metric: [
        [{ __name__: 'metric', instance: 'b' }, 21],
        [{ __name__: 'metric', instance: 'a' }, 11],
      ] as [Record<string, string>, number][],
      '1.5': [[{}, 1.5]] as [Record<string, string>, number][],
    };
    expect(
      await prom(
        '{{ range query "metric" | sortByLabel "instance" }}{{.Labels.instance}}:{{.Value}}: {{end}}',
        null,
        q,
      ),
    ).toBe('a:11: b:21: ');
    expect(await prom('{{ query "1.5" | first | value }}', null, q)).toBe('1.5');
    expect(
      await prom(
        '{{ query "metric" | first | label "instance" }}|{{ $x := query "metric" | first }}{{ $x.Labels.foo }}|',
        null,
        q,
      ),
    ).toBe('b||');
    expect(
      await prom(
        '{{ with query "metric" }}{{ . | len }}{{ end }} {{ with query "1.5" }}{{ . | first | value }}{{ end }}',
        null,
        q,
      ),
    ).toBe('2 1.5');
  });

  it('reports function errors like Prometheus', async () => {
    await expect(prom('{{ query "missing" | first }}')).rejects.toThrow(
      'error executing template test: template: test:1:21: executing "test" at <first>: error calling first: first() called on vector with no elements',
    );
    await expect(prom('{{ humanize "one" }}')).rejects.toThrow(
      'error executing template test: template: test:1:3: executing "test" at <humanize "one">: error calling humanize: strconv.ParseFloat: parsing "one": invalid syntax',
    );
    await expect(prom('{{ "one" | humanizePercentage }}')).rejects.toThrow(
      'error executing template test: template: test:1:11: executing "test" at <humanizePercentage>: error calling humanizePercentage: strconv.ParseFloat: parsing "one": invalid syntax',
    );
    await expect(prom('{{')).rejects.toThrow('error parsing template test: template: test:1: unclosed action');
    expect(() => parseTest('x', '{{ humanise $value }}')).toThrow('function "humanise" not defined');
    expect(() => parseTest('x', '{{ $labels.instance }} {{ humanize $value }}')).toThrow('undefined variable');
  });

  it('expands alert templates with $labels, $value, $externalLabels and $externalURL', async () => {
    const out = await expandAlertTemplate(
      '__alert_HighCPU',
      '{{ $labels.instance }} at {{ $value | printf "%.1f" }}% ({{ $externalLabels.cluster }}, {{ $externalURL }}){{ $labels.nope }}',
      {
        labels: Labels.fromObject({ instance: 'web-1:9100', job: 'node' }),
        externalLabels: Labels.fromObject({ cluster: 'eu' }),
        externalURL: 'http://prom:9090',
        value: 93.456,
      },
      { timestamp: 0 },
    );
    expect(out).toBe('web-1:9100 at 93.5% (eu, http://prom:9090)');
  });
});
