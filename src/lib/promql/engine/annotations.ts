/** Prometheus 3 annotations (util/annotations) with their exact wording. */
import { goQuote } from '../../model/labels.js';
import { formatFloatG } from '../../model/value.js';
import type { PositionRange } from '../parser/ast.js';
import type { Annotation } from './types.js';

const W = 'PromQL warning: ';
const I = 'PromQL info: ';

export class Annotations {
  readonly list: Annotation[] = [];
  private readonly seen = new Set<string>();

  add(kind: 'warning' | 'info', message: string, pos?: PositionRange): void {
    const full = (kind === 'warning' ? W : I) + message;
    const key = `${full}\x00${pos?.start ?? ''}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push({ kind, message: full, ...(pos ? { pos } : {}) });
  }

  warnings(): string[] {
    return this.list.filter((a) => a.kind === 'warning').map((a) => a.message);
  }

  infos(): string[] {
    return this.list.filter((a) => a.kind === 'info').map((a) => a.message);
  }

  possibleNonCounter(metric: string, pos?: PositionRange): void {
    this.add(
      'info',
      `metric might not be a counter, name does not end in _total/_sum/_count/_bucket: ${goQuote(metric)}`,
      pos,
    );
  }

  invalidQuantile(q: number, pos?: PositionRange): void {
    this.add('warning', `quantile value should be between 0 and 1, got ${formatFloatG(q)}`, pos);
  }

  invalidRatio(got: number, capped: number, pos?: PositionRange): void {
    this.add(
      'warning',
      `ratio value should be between -1 and 1, got ${formatFloatG(got)}, capping to ${formatFloatG(capped)}`,
      pos,
    );
  }

  badBucketLabel(metric: string, le: string, pos?: PositionRange): void {
    this.add(
      'warning',
      `bucket label "le" is missing or has a malformed value of ${goQuote(le)}${forMetric(metric)}`,
      pos,
    );
  }

  forcedMonotonicity(metric: string, pos?: PositionRange): void {
    this.add(
      'info',
      `input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)${forMetric(metric)}`,
      pos,
    );
  }
}

function forMetric(name: string): string {
  return name === '' ? '' : ` for metric name ${goQuote(name)}`;
}

/**
 * Prometheus' Annotations.AsStrings(query, maxWarnings, maxInfos), as the HTTP API renders them:
 * annotations with a position get ` (line:col)` of their start in `query` (byte columns, 1-based),
 * and beyond the limits a final `N more warning annotations omitted` line. 0 means no limit.
 */
export function annotationsAsStrings(
  list: readonly Annotation[],
  query: string,
  maxWarnings = 0,
  maxInfos = 0,
): { warnings: string[]; infos: string[] } {
  const warnings: string[] = [];
  const infos: string[] = [];
  let warnSkipped = 0;
  let infoSkipped = 0;
  for (const a of list) {
    let text = a.message;
    if (a.pos && query !== '' && a.pos.start > query.length) text += ' (invalid position)';
    else if (a.pos && query !== '') {
      const before = Buffer.from(query.slice(0, a.pos.start), 'utf8');
      const lastBreak = before.lastIndexOf(0x0a);
      let line = 0;
      for (const b of before) if (b === 0x0a) line++;
      text += ` (${line + 1}:${before.length - lastBreak})`;
    }
    if (a.kind === 'info') {
      if (maxInfos === 0 || infos.length < maxInfos) infos.push(text);
      else infoSkipped++;
    } else if (maxWarnings === 0 || warnings.length < maxWarnings) warnings.push(text);
    else warnSkipped++;
  }
  if (warnSkipped > 0) warnings.push(`${warnSkipped} more warning annotations omitted`);
  if (infoSkipped > 0) infos.push(`${infoSkipped} more info annotations omitted`);
  return { warnings, infos };
}
