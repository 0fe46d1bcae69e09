import { describe, expect, it } from 'vitest';
import { expandTemplate, Regex } from '../../src/lib/model/regex.js';
import { Matcher } from '../../src/lib/model/matcher.js';

describe('Regex (RE2, fully anchored)', () => {
  const cases: [string, string, boolean][] = [
    ['foo', 'foo', true],
    ['foo', 'foobar', false],
    ['foo|bar', 'bar', true],
    ['fo.*', 'foobar', true],
    ['.*bar', 'foobar', true],
    ['.*oba.*', 'foobar', true],
    ['.*', '', true],
    ['.+', '', false],
    ['a.b', 'a\nb', true], // Prometheus 3: dot matches newline
    ['(?i)FOO', 'foo', true],
    ['[0-9]+', '123', true],
    ['[0-9]+', '12a', false],
    ['(a|b)c', 'bc', true],
    ['', '', true],
    ['', 'x', false],
  ];
  for (const [re, s, want] of cases) {
    it(`${re} ~ ${JSON.stringify(s)} = ${want}`, () => expect(Regex.compile(re).matches(s)).toBe(want));
  }

  it('rejects what RE2 rejects', () => {
    expect(Regex.validate('(?=foo)')).not.toBeNull();
    expect(Regex.validate('(a)\\1')).not.toBeNull();
    expect(Regex.validate('a++')).not.toBeNull();
    expect(Regex.validate('[')).not.toBeNull();
    expect(Regex.validate('(?P<name>x)')).toBeNull();
  });

  it('captures and expands Go templates', () => {
    const m = Regex.compile('(?P<host>[^:]+):(\\d+)').exec('example.org:9100')!;
    expect(m.groups).toEqual(['example.org:9100', 'example.org', '9100']);
    expect(m.named.host).toBe('example.org');
    expect(expandTemplate('${1}-$2', m.groups, m.named)).toBe('example.org-9100');
    expect(expandTemplate('$host', m.groups, m.named)).toBe('example.org');
    expect(expandTemplate('$1x', m.groups, m.named)).toBe(''); // "1x" is the group name, as in Go
    expect(expandTemplate('$$1', m.groups, m.named)).toBe('$1');
    expect(expandTemplate('$9', m.groups, m.named)).toBe('');
  });
});

describe('Matcher', () => {
  it('matches all four types', () => {
    expect(new Matcher('=', 'a', 'x').matches('x')).toBe(true);
    expect(new Matcher('!=', 'a', 'x').matches('x')).toBe(false);
    expect(new Matcher('=~', 'a', 'x|y').matches('y')).toBe(true);
    expect(new Matcher('!~', 'a', 'x|y').matches('z')).toBe(true);
    expect(new Matcher('=~', 'a', '.*').matchesEmpty()).toBe(true);
    expect(new Matcher('=~', 'a', 'x|y').toString()).toBe('a=~"x|y"');
  });
});

describe('Regex native fast path agrees with RE2', () => {
  const patterns = [
    'node_(cpu|memory)_[a-z_]+',
    'a.c',
    '[^a]+',
    '(?P<x>\\d+)\\.(\\w+)',
    'foo\\-bar',
    '\\bword\\b.*',
    '(a|ab)*c', // nested: stays on re2js
    '(?i)abc', // inline flag: stays on re2js
    '\\s+x',
    '[[:alpha:]]+',
    'x{2,3}',
    'é.ü',
    '😀+',
  ];
  const inputs = [
    'node_cpu_seconds',
    'node_disk',
    'abc',
    'a\nc',
    'bbb',
    '12.ab',
    'foo-bar',
    'word and',
    'abababc',
    'ABC',
    ' \tx',
    '\vx',
    'abc',
    'xx',
    'xxxx',
    'éaü',
    'é😀ü',
    '😀😀',
    '',
  ];
  for (const p of patterns) {
    it(p, async () => {
      const { RE2JS } = await import('re2js');
      const ref = RE2JS.compile(`^(?s:${p})$`);
      const r = Regex.compile(p);
      for (const s of inputs) expect([p, s, r.matches(s)]).toEqual([p, s, ref.matches(s)]);
    });
  }
});
