/**
 * Relabeling, table-driven. Cases follow Prometheus' documented behaviour (docs/configuration
 * <relabel_config>) and the cases of its model/relabel tests: expected outputs there are
 * Prometheus' own (e.g. hashmod 976 for "baz" % 1000).
 */
import { describe, expect, it } from 'vitest';
import { RE2JS } from 're2js';
import { Labels } from '../../src/lib/model/labels.js';
import { Regex } from '../../src/lib/model/regex.js';
import {
  compileRelabelConfig,
  compileRelabelConfigs,
  hashmod,
  relabel,
  type RelabelConfig,
  RelabelConfigError,
} from '../../src/lib/relabel/index.js';

interface Case {
  name: string;
  input: Record<string, string>;
  rules: RelabelConfig[];
  output?: Record<string, string>;
  drop?: boolean;
}

const cases: Case[] = [
  {
    name: 'replace with ${1} template',
    input: { a: 'foo', b: 'bar', c: 'baz' },
    rules: [{ source_labels: ['a'], regex: 'f(.*)', target_label: 'd', replacement: 'ch${1}-ch${1}' }],
    output: { a: 'foo', b: 'bar', c: 'baz', d: 'choo-choo' },
  },
  {
    name: 'replace joins source labels with the separator; rules see earlier results',
    input: { a: 'foo', b: 'bar', c: 'baz' },
    rules: [
      { source_labels: ['a', 'b'], regex: 'f(.*);(.*)r', target_label: 'a', replacement: 'b${1}${2}m' },
      { source_labels: ['c', 'a'], regex: '(b).*b(.*)ba(.*)', target_label: 'd', replacement: '$1$2$2$3' },
    ],
    output: { a: 'boobam', b: 'bar', c: 'baz', d: 'boooom' },
  },
  {
    name: 'drop stops processing',
    input: { a: 'foo' },
    rules: [
      { source_labels: ['a'], regex: '.*o.*', action: 'drop' },
      { source_labels: ['a'], regex: 'f(.*)', target_label: 'd', replacement: 'ch$1-ch$1' },
    ],
    drop: true,
  },
  {
    name: 'regex is fully anchored (.*(b).* matches abc)',
    input: { a: 'abc' },
    rules: [{ source_labels: ['a'], regex: '.*(b).*', target_label: 'd', replacement: '$1' }],
    output: { a: 'abc', d: 'b' },
  },
  {
    name: 'drop without a match keeps',
    input: { a: 'foo' },
    rules: [{ source_labels: ['a'], regex: 'no-match', action: 'drop' }],
    output: { a: 'foo' },
  },
  {
    name: 'anchoring: f|o does not match foo',
    input: { a: 'foo' },
    rules: [{ source_labels: ['a'], regex: 'f|o', action: 'drop' }],
    output: { a: 'foo' },
  },
  {
    name: 'keep without a match drops',
    input: { a: 'foo' },
    rules: [{ source_labels: ['a'], regex: 'no-match', action: 'keep' }],
    drop: true,
  },
  {
    name: 'keep with a match',
    input: { a: 'foo' },
    rules: [{ source_labels: ['a'], regex: 'f.*', action: 'KEEP' }],
    output: { a: 'foo' },
  },
  {
    name: 'replace: no match, no replacement',
    input: { a: 'boo' },
    rules: [{ source_labels: ['a'], regex: 'f', target_label: 'b', replacement: 'bar' }],
    output: { a: 'boo' },
  },
  {
    name: 'replace: default regex on an absent label sets the replacement (fast path)',
    input: { a: 'boo' },
    rules: [{ target_label: 'env', replacement: 'prod' }],
    output: { a: 'boo', env: 'prod' },
  },
  {
    name: 'replace: empty result deletes the target',
    input: { a: 'foo', b: 'x' },
    rules: [{ source_labels: ['missing'], target_label: 'b' }],
    output: { a: 'foo' },
  },
  {
    name: 'replace: named groups',
    input: { __address__: 'host-1:9100' },
    rules: [
      {
        source_labels: ['__address__'],
        regex: '(?P<host>[^:]+):(?P<port>\\d+)',
        target_label: 'host',
        replacement: '${host}',
      },
    ],
    output: { __address__: 'host-1:9100', host: 'host-1' },
  },
  {
    name: 'hashmod (Prometheus: "baz" % 1000 = 976)',
    input: { a: 'foo', b: 'bar', c: 'baz' },
    rules: [{ source_labels: ['c'], target_label: 'd', action: 'hashmod', modulus: 1000 }],
    output: { a: 'foo', b: 'bar', c: 'baz', d: '976' },
  },
  {
    name: 'hashmod with a newline in the value (Prometheus: 734)',
    input: { a: 'foo\nbar' },
    rules: [{ source_labels: ['a'], target_label: 'b', action: 'hashmod', modulus: 1000 }],
    output: { a: 'foo\nbar', b: '734' },
  },
  {
    name: 'labelmap copies matching names',
    input: { a: 'foo', b1: 'bar', b2: 'baz' },
    rules: [{ regex: '(b.*)', replacement: 'bar_${1}', action: 'labelmap' }],
    output: { a: 'foo', b1: 'bar', b2: 'baz', bar_b1: 'bar', bar_b2: 'baz' },
  },
  {
    name: 'labelmap of meta labels',
    input: { a: 'foo', __meta_my_bar: 'aaa', __meta_my_baz: 'bbb', __meta_other: 'ccc' },
    rules: [{ regex: '__meta_(my.*)', replacement: '${1}', action: 'labelmap' }],
    output: { a: 'foo', __meta_my_bar: 'aaa', __meta_my_baz: 'bbb', __meta_other: 'ccc', my_bar: 'aaa', my_baz: 'bbb' },
  },
  {
    name: 'templated target label',
    input: { a: 'some-name-value' },
    rules: [{ source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', replacement: '${2}', target_label: '${1}' }],
    output: { a: 'some-name-value', name: 'value' },
  },
  {
    name: 'template referring to a missing group gives an empty replacement',
    input: { a: 'some-name-value' },
    rules: [{ source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', replacement: '${3}', target_label: '${1}' }],
    output: { a: 'some-name-value' },
  },
  {
    name: 'target label expanding to empty is skipped',
    input: { a: 'some-name-0' },
    rules: [{ source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', replacement: '${1}', target_label: '${3}' }],
    output: { a: 'some-name-0' },
  },
  {
    name: 'real-life tags parsing',
    input: { __meta_sd_tags: 'path:/secret,job:some-job,label:foo=bar' },
    rules: [
      {
        source_labels: ['__meta_sd_tags'],
        regex: '(?:.+,|^)path:(/[^,]+).*',
        replacement: '${1}',
        target_label: '__metrics_path__',
      },
      { source_labels: ['__meta_sd_tags'], regex: '(?:.+,|^)job:([^,]+).*', replacement: '${1}', target_label: 'job' },
      {
        source_labels: ['__meta_sd_tags'],
        regex: '(?:.+,|^)label:([^=]+)=([^,]+).*',
        replacement: '${2}',
        target_label: '${1}',
      },
    ],
    output: {
      __meta_sd_tags: 'path:/secret,job:some-job,label:foo=bar',
      __metrics_path__: '/secret',
      job: 'some-job',
      foo: 'bar',
    },
  },
  {
    name: 'labeldrop then replace then keep (prometheus#12283)',
    input: {
      __meta_kubernetes_pod_container_port_name: 'foo',
      __meta_kubernetes_pod_annotation_XXX_metrics_port: '9091',
    },
    rules: [
      { regex: '^__meta_kubernetes_pod_container_port_name$', action: 'labeldrop' },
      {
        source_labels: ['__meta_kubernetes_pod_annotation_XXX_metrics_port'],
        regex: '(.+)',
        replacement: 'metrics',
        target_label: '__meta_kubernetes_pod_container_port_name',
      },
      { source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: '^metrics$', action: 'keep' },
    ],
    output: {
      __meta_kubernetes_pod_annotation_XXX_metrics_port: '9091',
      __meta_kubernetes_pod_container_port_name: 'metrics',
    },
  },
  {
    name: 'labelkeep',
    input: { a: 'foo', b1: 'bar', b2: 'baz' },
    rules: [{ regex: '(b.*)', action: 'labelkeep' }],
    output: { b1: 'bar', b2: 'baz' },
  },
  {
    name: 'labeldrop',
    input: { a: 'foo', b1: 'bar', b2: 'baz' },
    rules: [{ regex: '(b.*)', action: 'labeldrop' }],
    output: { a: 'foo' },
  },
  {
    name: 'uppercase and lowercase',
    input: { foo: 'bAr123Foo' },
    rules: [
      { source_labels: ['foo'], action: 'uppercase', target_label: 'foo_uppercase' },
      { source_labels: ['foo'], action: 'lowercase', target_label: 'foo_lowercase' },
    ],
    output: { foo: 'bAr123Foo', foo_lowercase: 'bar123foo', foo_uppercase: 'BAR123FOO' },
  },
  {
    name: 'keepequal keeps when equal',
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    rules: [{ source_labels: ['__tmp_port'], action: 'keepequal', target_label: '__port1' }],
    output: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
  },
  {
    name: 'dropequal drops when equal',
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    rules: [{ source_labels: ['__tmp_port'], action: 'dropequal', target_label: '__port1' }],
    drop: true,
  },
  {
    name: 'dropequal keeps when different',
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    rules: [{ source_labels: ['__tmp_port'], action: 'dropequal', target_label: '__port2' }],
    output: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
  },
  {
    name: 'keepequal drops when different',
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    rules: [{ source_labels: ['__tmp_port'], action: 'keepequal', target_label: '__port2' }],
    drop: true,
  },
  {
    name: 'dot matches newline (Prometheus 3 (?s) flag)',
    input: { a: 'foo\nbar' },
    rules: [{ source_labels: ['a'], regex: 'foo.bar', action: 'keep' }],
    output: { a: 'foo\nbar' },
  },
  {
    name: 'keep on an absent label matches the empty string',
    input: { a: 'x' },
    rules: [{ source_labels: ['missing'], regex: '', action: 'keep' }],
    output: { a: 'x' },
  },
  {
    name: 'documented example: drop expensive metrics by name',
    input: { __name__: 'go_gc_duration_seconds', job: 'node' },
    rules: [{ source_labels: ['__name__'], regex: 'go_.*', action: 'drop' }],
    drop: true,
  },
  {
    name: 'documented example: address rewrite with the port from an annotation',
    input: { __address__: '10.0.0.1:8080', __meta_port: '9100' },
    rules: [
      {
        source_labels: ['__address__', '__meta_port'],
        regex: '([^:]+)(?::\\d+)?;(\\d+)',
        replacement: '$1:$2',
        target_label: '__address__',
      },
    ],
    output: { __address__: '10.0.0.1:9100', __meta_port: '9100' },
  },
];

/**
 * Defaults (separator ";", regex "(.*)", replacement "$1", action replace), full anchoring of every
 * regex, and what happens when replace produces a label name that is not valid: each action once
 * more, each row checked under the name validation scheme it names (Prometheus 3's utf8 default,
 * or the legacy [a-zA-Z_][a-zA-Z0-9_]* of Prometheus 2 and `metric_name_validation_scheme: legacy`).
 */
const more: (Case & { scheme?: 'utf8' | 'legacy' })[] = [
  {
    name: 'defaults: replace joins the source labels with ";" and copies them whole',
    input: { a: 'foo', b: 'bar' },
    rules: [{ source_labels: ['a', 'b'], target_label: 'x' }],
    output: { a: 'foo', b: 'bar', x: 'foo;bar' },
  },
  {
    name: 'defaults: an absent source label joins as the empty string',
    input: { a: 'foo' },
    rules: [{ source_labels: ['a', 'missing', 'a'], target_label: 'x' }],
    output: { a: 'foo', x: 'foo;;foo' },
  },
  {
    name: 'defaults: replace from nothing gives "" and deletes the target',
    input: { a: 'foo', x: 'old' },
    rules: [{ target_label: 'x' }],
    output: { a: 'foo' },
  },
  {
    name: 'separator is used between source labels and nowhere else',
    input: { a: 'foo', b: 'bar' },
    rules: [{ source_labels: ['a', 'b'], separator: '', regex: 'foob(.*)', target_label: 'x' }],
    output: { a: 'foo', b: 'bar', x: 'ar' },
  },
  {
    name: 'anchoring: keep with "f" does not match "foo"',
    input: { a: 'foo' },
    rules: [{ source_labels: ['a'], regex: 'f', action: 'keep' }],
    drop: true,
  },
  {
    name: 'anchoring: drop with "o+" does not match "foo"',
    input: { a: 'foo' },
    rules: [{ source_labels: ['a'], regex: 'o+', action: 'drop' }],
    output: { a: 'foo' },
  },
  {
    name: 'anchoring: an alternation is anchored as a whole ("foo|x" keeps "foo", not "foox")',
    input: { a: 'foox' },
    rules: [{ source_labels: ['a'], regex: 'foo|x', action: 'keep' }],
    drop: true,
  },
  {
    name: 'anchoring: replace with a partial match does nothing',
    input: { a: 'foobar' },
    rules: [{ source_labels: ['a'], regex: 'bar', target_label: 'x', replacement: 'y' }],
    output: { a: 'foobar' },
  },
  {
    name: 'anchoring: labeldrop "b" drops "b" only, not "bb"',
    input: { b: '1', bb: '2', ab: '3' },
    rules: [{ regex: 'b', action: 'labeldrop' }],
    output: { bb: '2', ab: '3' },
  },
  {
    name: 'anchoring: labelkeep "a.*" keeps names that start with a',
    input: { a: '1', ab: '2', ba: '3' },
    rules: [{ regex: 'a.*', action: 'labelkeep' }],
    output: { a: '1', ab: '2' },
  },
  {
    name: 'anchoring: labelmap "a" maps the name "a" only',
    input: { a: '1', ab: '2' },
    rules: [{ regex: 'a', replacement: 'z', action: 'labelmap' }],
    output: { a: '1', ab: '2', z: '1' },
  },
  {
    name: 'replace into an invalid legacy name (starts with a digit) is skipped under legacy',
    scheme: 'legacy',
    input: { a: '1abc' },
    rules: [{ source_labels: ['a'], regex: '(.*)', target_label: '${1}', replacement: 'v' }],
    output: { a: '1abc' },
  },
  {
    name: 'the same name is valid UTF-8, so utf8 validation (Prometheus 3) sets it',
    scheme: 'utf8',
    input: { a: '1abc' },
    rules: [{ source_labels: ['a'], regex: '(.*)', target_label: '${1}', replacement: 'v' }],
    output: { a: '1abc', '1abc': 'v' },
  },
  {
    name: 'replace into a name with a dash is skipped under legacy',
    scheme: 'legacy',
    input: { a: 'x-y' },
    rules: [{ source_labels: ['a'], target_label: 'n_${1}', replacement: 'v' }],
    output: { a: 'x-y' },
  },
  {
    name: 'replace into an empty name is skipped under either scheme',
    input: { a: '' },
    rules: [{ source_labels: ['a'], target_label: '${1}', replacement: 'v' }],
    output: {},
  },
  {
    name: 'keep: several source labels joined by the separator',
    input: { a: 'x', b: 'y' },
    rules: [{ source_labels: ['a', 'b'], separator: '/', regex: 'x/y', action: 'keep' }],
    output: { a: 'x', b: 'y' },
  },
  {
    name: 'drop: several source labels, default separator',
    input: { a: 'x', b: 'y' },
    rules: [{ source_labels: ['a', 'b'], regex: 'x;y', action: 'drop' }],
    drop: true,
  },
  {
    name: 'keepequal: joined source labels compared with the target label',
    input: { a: 'x', b: 'y', t: 'x;y' },
    rules: [{ source_labels: ['a', 'b'], target_label: 't', action: 'keepequal' }],
    output: { a: 'x', b: 'y', t: 'x;y' },
  },
  {
    name: 'dropequal: an absent source equals an absent target ("" = "")',
    input: { a: 'x' },
    rules: [{ source_labels: ['missing'], target_label: 'also_missing', action: 'dropequal' }],
    drop: true,
  },
  {
    name: 'hashmod: several source labels are hashed joined ("foo;bar")',
    input: { a: 'foo', b: 'bar' },
    rules: [{ source_labels: ['a', 'b'], target_label: 'h', modulus: 1000, action: 'hashmod' }],
    output: { a: 'foo', b: 'bar', h: hashmod('foo;bar', 1000) },
  },
  {
    name: 'lowercase/uppercase of joined labels; an absent source deletes the target',
    input: { a: 'MiXeD', b: 'Case', lo: 'old' },
    rules: [
      { source_labels: ['a', 'b'], target_label: 'lo', action: 'lowercase' },
      { source_labels: ['a', 'b'], separator: '-', target_label: 'up', action: 'uppercase' },
      { source_labels: ['missing'], target_label: 'a', action: 'lowercase' },
    ],
    output: { b: 'Case', lo: 'mixed;case', up: 'MIXED-CASE' },
  },
  {
    name: "lowercase/uppercase map code point by code point, as Go's strings.ToLower/ToUpper",
    input: { a: 'ΟΔΟΣ İ', b: 'straße ǆ' },
    rules: [
      { source_labels: ['a'], target_label: 'lo', action: 'lowercase' },
      { source_labels: ['b'], target_label: 'up', action: 'uppercase' },
    ],
    output: { a: 'ΟΔΟΣ İ', b: 'straße ǆ', lo: 'οδοσ i', up: 'STRAßE Ǆ' },
  },
  {
    name: 'labelmap keeps the original label and copies the value under the new name',
    input: { __meta_x_a: '1', __meta_x_b: '2', c: '3' },
    rules: [{ regex: '__meta_x_(.+)', action: 'labelmap' }],
    output: { __meta_x_a: '1', __meta_x_b: '2', c: '3', a: '1', b: '2' },
  },
];

describe('relabel: defaults, anchoring and label name validity', () => {
  for (const c of more) {
    it(`${c.name}${c.scheme ? ` [${c.scheme}]` : ''}`, () => {
      const rules = c.rules.map((r, i) => compileRelabelConfig(r, c.scheme ?? 'utf8', i));
      const res = relabel(Labels.fromObject(c.input), rules);
      if (c.drop) expect(res).toBeNull();
      else expect(res?.toObject()).toEqual(c.output);
    });
  }
});

describe('relabel', () => {
  for (const c of cases) {
    it(c.name, () => {
      const rules = compileRelabelConfigs(c.rules);
      const res = relabel(Labels.fromObject(c.input), rules);
      if (c.drop) expect(res).toBeNull();
      else expect(res?.toObject()).toEqual(c.output);
    });
  }

  it('returns the same Labels object when nothing changed', () => {
    const l = Labels.fromObject({ a: 'foo' });
    expect(relabel(l, compileRelabelConfigs([{ source_labels: ['a'], regex: 'x', action: 'drop' }]))).toBe(l);
  });

  it('hashmod agrees with MD5 computed independently for several moduli', () => {
    // md5("foo") = acbd18db4cc2f85cedef654fccc4a4d8; last 8 bytes 0xedef654fccc4a4d8.
    const tail = 0xedef654fccc4a4d8n;
    for (const m of [1, 2, 3, 7, 10, 1000, 65536, 4294967311]) {
      expect(hashmod('foo', m)).toBe((tail % BigInt(m)).toString());
    }
  });
});

describe('relabel config validation', () => {
  const bad: [RelabelConfig, string][] = [
    [{ action: '' }, 'relabel action cannot be empty'],
    [{ action: 'frobnicate' }, 'unknown relabel action "frobnicate"'],
    [{ action: 'replace' }, `relabel configuration for replace action requires 'target_label' value`],
    [{ action: 'lowercase' }, `requires 'target_label' value`],
    [{ action: 'hashmod', target_label: 'x' }, 'relabel configuration for hashmod requires non-zero modulus'],
    [{ action: 'uppercase', target_label: 'x', replacement: 'y' }, `'replacement' can not be set for uppercase action`],
    [
      { action: 'keepequal', source_labels: ['a'], target_label: 'b', regex: 'x' },
      "keepequal action requires only 'source_labels' and `target_label`, and no other fields",
    ],
    [
      { action: 'labeldrop', regex: 'a', source_labels: ['x'] },
      "labeldrop action requires only 'regex', and no other fields",
    ],
    [
      { action: 'labelkeep', regex: 'a', target_label: 'x' },
      "labelkeep action requires only 'regex', and no other fields",
    ],
    [{ source_labels: ['a'], regex: '(?=a)', target_label: 'b' }, 'error parsing regexp'],
    [{ source_labels: ['a'], regex: 'a(b', target_label: 'b' }, 'error parsing regexp'],
  ];
  for (const [cfg, msg] of bad) {
    it(`rejects ${JSON.stringify(cfg)}`, () => {
      expect(() => compileRelabelConfig(cfg)).toThrow(RelabelConfigError);
      expect(() => compileRelabelConfig(cfg)).toThrow(msg);
    });
  }

  it('legacy name validation rejects templates that are not label names', () => {
    expect(() =>
      compileRelabelConfig({ source_labels: ['a'], regex: '(.*)', target_label: '-${3}' }, 'legacy'),
    ).toThrow(`"-\${3}" is invalid 'target_label' for replace action`);
    expect(() =>
      compileRelabelConfig({ source_labels: ['a'], regex: '(.*)', target_label: '0${3}' }, 'legacy'),
    ).toThrow(`is invalid 'target_label'`);
    expect(() => compileRelabelConfig({ action: 'lowercase', target_label: '${3}' }, 'legacy')).toThrow(
      `"\${3}" is invalid 'target_label' for lowercase action`,
    );
    expect(compileRelabelConfig({ source_labels: ['a'], target_label: 'foo${bar}foo' }, 'legacy').targetLabel).toBe(
      'foo${bar}foo',
    );
  });

  it('applies Prometheus defaults', () => {
    const c = compileRelabelConfig({ target_label: 'x' });
    expect(c).toMatchObject({ action: 'replace', separator: ';', regexSource: '(.*)', replacement: '$1', modulus: 0 });
  });

  it('names the rule index in the error', () => {
    try {
      compileRelabelConfigs([{ target_label: 'a' }, { action: 'nope' }]);
      expect.unreachable();
    } catch (e) {
      expect((e as RelabelConfigError).index).toBe(1);
    }
  });
});

describe('regex submatches used by replace/labelmap', () => {
  // The native fast path of Regex.exec must give RE2's submatches.
  const patterns = [
    'f(.*)',
    '(b).*b(.*)ba(.*)',
    '(?P<host>[^:]+):(?P<port>\\d+)',
    '(\\d)..',
    '(a|ab)(c|bcd)(d*)',
    '(a*)(a*)',
    'x(y)?z',
    '([a-z]+)-([0-9]+)',
  ];
  const inputs = ['foo', 'boo;baz', 'h:9100', '200', 'abcd', 'aaa', 'xz', 'xyz', 'abc-123', '', 'a\nb'];
  for (const p of patterns) {
    it(p, () => {
      const re2 = RE2JS.compile(`^(?s:${p})$`);
      for (const s of inputs) {
        const m = re2.matcher(s);
        const want = m.matches() ? Array.from({ length: m.groupCount() + 1 }, (_, i) => m.group(i) ?? '') : null;
        expect(Regex.compile(p).exec(s)?.groups ?? null).toEqual(want);
      }
    });
  }
});
