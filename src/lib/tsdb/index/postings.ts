/**
 * Postings (sorted lists of series ids) and the matcher → postings resolution shared by the head
 * and persisted blocks, following Prometheus' PostingsForMatchers: matchers that do not match the
 * empty string intersect, matchers that do (e.g. `a!="x"`, `a=~"x|"`, `a=""`) subtract.
 */
import type { Matcher } from '../../model/matcher.js';

export type Postings = ArrayLike<number>;

export const EMPTY: Postings = new Float64Array(0);

/** The index a matcher resolves against. All lists are sorted ascending with no duplicates. */
export interface PostingsIndex {
  /** Every value of a label name (any order). */
  labelValues(name: string): Iterable<string>;
  /** Series with name=value. */
  postings(name: string, value: string): Postings;
  /** Every series. */
  allPostings(): Postings;
}

export function intersect(a: Postings, b: Postings): Postings {
  const out = new Float64Array(Math.min(a.length, b.length));
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out[n++] = x;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out.subarray(0, n);
}

export function subtract(a: Postings, b: Postings): Postings {
  if (b.length === 0) return a;
  const out = new Float64Array(a.length);
  let j = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    while (j < b.length && b[j]! < x) j++;
    if (j < b.length && b[j] === x) continue;
    out[n++] = x;
  }
  return out.subarray(0, n);
}

export function union(lists: Postings[]): Postings {
  if (lists.length === 0) return EMPTY;
  if (lists.length === 1) return lists[0]!;
  let total = 0;
  for (const l of lists) total += l.length;
  const all = new Float64Array(total);
  let o = 0;
  for (const l of lists) {
    for (let i = 0; i < l.length; i++) all[o++] = l[i]!;
  }
  all.sort();
  let n = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) all[n++] = all[i]!;
  return all.subarray(0, n);
}

/** The values of `name` the matcher accepts (using literal fast paths where possible). */
function matchingValues(ix: PostingsIndex, m: Matcher, accept: boolean): string[] {
  const set = m.re?.literalSet();
  if (accept && m.type === '=~' && set) return [...set].filter((v) => v !== '');
  if (accept && m.type === '=') return m.value === '' ? [] : [m.value];
  if (!accept && m.type === '!=') return m.value === '' ? [] : [m.value];
  if (!accept && m.type === '!~' && set) return [...set].filter((v) => v !== '');
  const prefix = m.re?.literalPrefix();
  const out: string[] = [];
  for (const v of ix.labelValues(m.name)) {
    if (prefix != null && m.type === '=~' && !v.startsWith(prefix)) {
      if (!accept) out.push(v);
      continue;
    }
    if (m.matches(v) === accept) out.push(v);
  }
  return out;
}

function valuesPostings(ix: PostingsIndex, name: string, values: string[]): Postings {
  return union(values.map((v) => ix.postings(name, v)));
}

/** Series ids matching all matchers (an empty matcher list selects nothing). */
export function postingsForMatchers(ix: PostingsIndex, matchers: readonly Matcher[]): Postings {
  if (matchers.length === 0) return EMPTY;
  const pos: Postings[] = [];
  const neg: Postings[] = [];
  for (const m of matchers) {
    if (m.matchesEmpty()) {
      // Drop series whose value for the label fails the matcher.
      const bad = matchingValues(ix, m, false);
      if (bad.length) neg.push(valuesPostings(ix, m.name, bad));
    } else {
      const good = matchingValues(ix, m, true);
      pos.push(valuesPostings(ix, m.name, good));
    }
  }
  let res: Postings;
  if (pos.length === 0) res = ix.allPostings();
  else {
    pos.sort((a, b) => a.length - b.length);
    res = pos[0]!;
    for (let i = 1; i < pos.length && res.length > 0; i++) res = intersect(res, pos[i]!);
  }
  for (const n of neg) {
    if (res.length === 0) break;
    res = subtract(res, n);
  }
  return res;
}
