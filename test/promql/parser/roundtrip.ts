import { Matcher } from '../../../src/lib/model/matcher.js';
import type { Expr } from '../../../src/lib/promql/parser/index.js';

/**
 * A position-free, plain-JSON view of an AST for equality checks: matchers become their sorted
 * string forms, functions their name.
 */
export function normalize(e: Expr): unknown {
  return JSON.parse(
    JSON.stringify(e, (key, value: unknown) => {
      if (key === 'pos') return undefined;
      if (value instanceof Matcher) return value.toString();
      // The printer sorts matchers (as Prometheus does), so order is not significant.
      if (key === 'matchers' && Array.isArray(value)) return value.map(String).sort();
      if (key === 'func' && value && typeof value === 'object') return (value as { name: string }).name;
      if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
      if (typeof value === 'number' && Object.is(value, -0)) return '-0';
      return value;
    }),
  );
}
