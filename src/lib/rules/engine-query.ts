/**
 * Prometheus' EngineQueryFunc: a QueryFunc over the PromQL engine and a Queryable. Scalars become
 * a one-sample vector with empty labels; other result types are an error.
 */
import { Labels } from '../model/labels.js';
import type { Engine } from '../promql/engine/engine.js';
import type { Queryable } from '../storage/interface.js';
import type { QueryFunc, RuleSample } from './types.js';

export function engineQueryFunc(engine: Engine, queryable: Queryable): QueryFunc {
  return async (expr: string, t: number): Promise<RuleSample[]> => {
    const res = await engine.instantQuery(queryable, expr, t);
    const v = res.value;
    switch (v.type) {
      case 'vector':
        return v.samples.map((s) => ({ metric: s.metric, t: s.t, v: s.v }));
      case 'scalar':
        return [{ metric: Labels.EMPTY, t: v.t, v: v.v }];
      default:
        throw new Error('rule result is not a vector or scalar');
    }
  };
}
