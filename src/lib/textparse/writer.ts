import { isLegacyLabelName, isLegacyMetricName } from '../model/labels.js';
import type { ExposedSample, MetricFamily } from '../model/metricfamily.js';
import { formatFloatG } from '../model/value.js';

/** The Content-Type of the Prometheus text format 0.0.4. */
export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Escapes a HELP text: backslash and newline. */
export function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Escapes a label value: backslash, double quote and newline. */
export function escapeLabelValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Formats a float for the text format as client_golang does: strconv.FormatFloat(v, 'g', -1, 64). */
export const formatTextValue = formatFloatG;

function quoteName(name: string): string {
  return `"${escapeLabelValue(name)}"`;
}

function sampleLine(s: ExposedSample): string {
  const legacy = isLegacyMetricName(s.name);
  const parts: string[] = [];
  if (!legacy) parts.push(quoteName(s.name));
  s.labels.forEach((n, v) => {
    if (n === '__name__') return;
    parts.push(`${isLegacyLabelName(n) ? n : quoteName(n)}="${escapeLabelValue(v)}"`);
  });
  let line = legacy ? s.name : '';
  if (parts.length > 0) line += `{${parts.join(',')}}`;
  line += ` ${formatTextValue(s.value)}`;
  if (s.timestamp !== undefined) line += ` ${Math.round(s.timestamp)}`;
  return line;
}

/** Writes families in the Prometheus text format 0.0.4. */
export function writeTextFormat(families: Iterable<MetricFamily>): string {
  const out: string[] = [];
  for (const f of families) {
    const name = isLegacyMetricName(f.name) ? f.name : quoteName(f.name);
    if (f.help !== '') out.push(`# HELP ${name} ${escapeHelp(f.help)}`);
    const type = f.type === 'gaugehistogram' || f.type === 'info' || f.type === 'stateset' ? 'untyped' : f.type;
    out.push(`# TYPE ${name} ${type === 'unknown' ? 'untyped' : type}`);
    for (const s of f.samples) out.push(sampleLine(s));
  }
  return out.length ? out.join('\n') + '\n' : '';
}
