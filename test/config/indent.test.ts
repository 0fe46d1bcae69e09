/**
 * YAML mistakes explained once, at the line that is wrong: bad indentation, unclosed quotes and
 * lists. (The parser notices them later and in its own terms, often several times.)
 */
import { describe, expect, it } from 'vitest';
import { analyzeConfigText } from '../../src/lib/config/index.js';
import { findBadIndent } from '../../src/lib/config/indent.js';

const good = `global:
  scrape_interval: 15s # comment: with a colon
  external_labels:
    site: "a # not a comment"

rule_files:
- rules/*.yml

scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['localhost:9090']
        labels: { env: prod }
  - job_name: node
    relabel_configs:
      - source_labels: [__address__,
          instance]
        regex: '(.*)'
        target_label: host
    static_configs:
      - targets:
          - localhost:9100
    params:
      module: [a]
`;

function errors(text: string) {
  const r = analyzeConfigText(text, 'p.yml');
  return r.problems.filter((p) => p.severity === 'error');
}

function broken(from: string, to: string): string {
  expect(good).toContain(from);
  return good.replace(from, to);
}

describe('YAML mistakes', () => {
  it('a valid file has no indentation findings', () => {
    expect(errors(good)).toEqual([]);
    expect(findBadIndent(good, 1000)).toBeUndefined();
  });

  it('a key indented deeper than its siblings, after a value (parsed as a multi-line scalar)', () => {
    const e = errors(
      broken(
        "    static_configs:\n      - targets: ['localhost:9090']",
        "      static_configs:\n      - targets: ['localhost:9090']",
      ),
    );
    expect(e).toHaveLength(1);
    expect(e[0]).toMatchObject({ line: 11, column: 7 });
    expect(e[0]!.message).toBe(
      'yaml: bad indentation: "static_configs:" starts in column 7, but the entries around it start in column 5 (like "job_name:" on line 10), and the line above already has a value',
    );
    expect(e[0]!.hint).toContain('start it in column 5 (4 spaces) like "job_name:" on line 10');
  });

  it('a key between two levels', () => {
    const e = errors(broken('        labels: { env: prod }', '       labels: { env: prod }'));
    expect(e).toHaveLength(1);
    expect(e[0]).toMatchObject({ line: 13, column: 8 });
    expect(e[0]!.message).toContain('column 9 (like "targets:" on line 12)');
  });

  it("a list item out of line with the others: one error, not the parser's five", () => {
    const e = errors(broken('  - job_name: node', ' - job_name: node'));
    expect(e).toHaveLength(1);
    expect(e[0]).toMatchObject({ line: 14, column: 2 });
    expect(e[0]!.message).toContain(
      'the list item "- job_name:" starts in column 2, but the entries around it start in column 3',
    );
  });

  it('an unclosed quote is reported where it opens', () => {
    const e = errors(broken('scrape_interval: 15s', 'scrape_interval: "15s'));
    expect(e).toHaveLength(1);
    expect(e[0]).toMatchObject({ line: 2, column: 20 });
    expect(e[0]!.message).toBe('yaml: the quoted string that starts here is never closed (no matching ")');
  });

  it('an unclosed flow list is reported where it opens', () => {
    const e = errors(broken('module: [a]', 'module: [a'));
    expect(e[0]).toMatchObject({ line: 24, column: 15 });
    expect(e[0]!.message).toBe('yaml: the list that starts here is never closed (no matching ])');
  });

  it('other syntax errors keep the parser message, one per line', () => {
    const e = errors('global:\n  scrape_interval: 15s\n\tfoo: bar\n');
    expect(e.length).toBeGreaterThan(0);
    expect(new Set(e.map((p) => p.line)).size).toBe(e.length);
  });
});
