/**
 * The PromQL function table of Prometheus 3.5 (promql/parser/functions.go): name, argument types,
 * variadic count and return type. `variadic`: 0 = exactly argTypes.length arguments; n > 0 = the last
 * n argument types are optional; -1 = the last argument type repeats without limit.
 * `experimental` functions need `--enable-feature=promql-experimental-functions` in Prometheus;
 * promctl accepts them by default (see ParseOptions.enableExperimentalFunctions).
 */

import type { ValueType } from './ast.js';

export interface FunctionDef {
  readonly name: string;
  readonly argTypes: readonly ValueType[];
  readonly variadic: number;
  readonly returnType: ValueType;
  readonly experimental: boolean;
}

function fn(
  name: string,
  argTypes: ValueType[],
  returnType: ValueType,
  variadic = 0,
  experimental = false,
): FunctionDef {
  return Object.freeze({ name, argTypes: Object.freeze(argTypes), variadic, returnType, experimental });
}

const LIST: FunctionDef[] = [
  fn('abs', ['vector'], 'vector'),
  fn('absent', ['vector'], 'vector'),
  fn('absent_over_time', ['matrix'], 'vector'),
  fn('acos', ['vector'], 'vector'),
  fn('acosh', ['vector'], 'vector'),
  fn('asin', ['vector'], 'vector'),
  fn('asinh', ['vector'], 'vector'),
  fn('atan', ['vector'], 'vector'),
  fn('atanh', ['vector'], 'vector'),
  fn('avg_over_time', ['matrix'], 'vector'),
  fn('ceil', ['vector'], 'vector'),
  fn('changes', ['matrix'], 'vector'),
  fn('clamp', ['vector', 'scalar', 'scalar'], 'vector'),
  fn('clamp_max', ['vector', 'scalar'], 'vector'),
  fn('clamp_min', ['vector', 'scalar'], 'vector'),
  fn('cos', ['vector'], 'vector'),
  fn('cosh', ['vector'], 'vector'),
  fn('count_over_time', ['matrix'], 'vector'),
  fn('days_in_month', ['vector'], 'vector', 1),
  fn('day_of_month', ['vector'], 'vector', 1),
  fn('day_of_week', ['vector'], 'vector', 1),
  fn('day_of_year', ['vector'], 'vector', 1),
  fn('deg', ['vector'], 'vector'),
  fn('delta', ['matrix'], 'vector'),
  fn('deriv', ['matrix'], 'vector'),
  fn('double_exponential_smoothing', ['matrix', 'scalar', 'scalar'], 'vector', 0, true),
  fn('exp', ['vector'], 'vector'),
  fn('floor', ['vector'], 'vector'),
  fn('histogram_avg', ['vector'], 'vector'),
  fn('histogram_count', ['vector'], 'vector'),
  fn('histogram_fraction', ['scalar', 'scalar', 'vector'], 'vector'),
  fn('histogram_quantile', ['scalar', 'vector'], 'vector'),
  fn('histogram_stddev', ['vector'], 'vector'),
  fn('histogram_stdvar', ['vector'], 'vector'),
  fn('histogram_sum', ['vector'], 'vector'),
  fn('hour', ['vector'], 'vector', 1),
  fn('idelta', ['matrix'], 'vector'),
  fn('increase', ['matrix'], 'vector'),
  fn('info', ['vector', 'vector'], 'vector', 1, true),
  fn('irate', ['matrix'], 'vector'),
  fn('label_join', ['vector', 'string', 'string', 'string'], 'vector', -1),
  fn('label_replace', ['vector', 'string', 'string', 'string', 'string'], 'vector'),
  fn('last_over_time', ['matrix'], 'vector'),
  fn('ln', ['vector'], 'vector'),
  fn('log10', ['vector'], 'vector'),
  fn('log2', ['vector'], 'vector'),
  fn('mad_over_time', ['matrix'], 'vector', 0, true),
  fn('max_over_time', ['matrix'], 'vector'),
  fn('min_over_time', ['matrix'], 'vector'),
  fn('minute', ['vector'], 'vector', 1),
  fn('month', ['vector'], 'vector', 1),
  fn('pi', [], 'scalar'),
  fn('predict_linear', ['matrix', 'scalar'], 'vector'),
  fn('present_over_time', ['matrix'], 'vector'),
  fn('quantile_over_time', ['scalar', 'matrix'], 'vector'),
  fn('rad', ['vector'], 'vector'),
  fn('rate', ['matrix'], 'vector'),
  fn('resets', ['matrix'], 'vector'),
  fn('round', ['vector', 'scalar'], 'vector', 1),
  fn('scalar', ['vector'], 'scalar'),
  fn('sgn', ['vector'], 'vector'),
  fn('sin', ['vector'], 'vector'),
  fn('sinh', ['vector'], 'vector'),
  fn('sort', ['vector'], 'vector'),
  fn('sort_by_label', ['vector', 'string'], 'vector', -1, true),
  fn('sort_by_label_desc', ['vector', 'string'], 'vector', -1, true),
  fn('sort_desc', ['vector'], 'vector'),
  fn('sqrt', ['vector'], 'vector'),
  fn('stddev_over_time', ['matrix'], 'vector'),
  fn('stdvar_over_time', ['matrix'], 'vector'),
  fn('sum_over_time', ['matrix'], 'vector'),
  fn('tan', ['vector'], 'vector'),
  fn('tanh', ['vector'], 'vector'),
  fn('time', [], 'scalar'),
  fn('timestamp', ['vector'], 'vector'),
  fn('ts_of_last_over_time', ['matrix'], 'vector', 0, true),
  fn('ts_of_max_over_time', ['matrix'], 'vector', 0, true),
  fn('ts_of_min_over_time', ['matrix'], 'vector', 0, true),
  fn('vector', ['scalar'], 'vector'),
  fn('year', ['vector'], 'vector', 1),
];

/** All functions by name. */
export const FUNCTIONS: ReadonlyMap<string, FunctionDef> = new Map(LIST.map((f) => [f.name, f]));

/** Looks a function up by name. */
export function getFunction(name: string): FunctionDef | undefined {
  return FUNCTIONS.get(name);
}
