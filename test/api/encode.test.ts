import { describe, expect, it } from 'vitest';
import { errorJson, jsonString, resultJson, successJson, timestampJson } from '../../src/lib/api/encode.js';
import { Labels } from '../../src/lib/model/labels.js';

// Expected strings are what Prometheus 2.42 answered on this machine for the same queries.
describe('API JSON encoding (byte-for-byte with Prometheus)', () => {
  it('writes sample timestamps with the ms fraction spelled out', () => {
    expect(timestampJson(1500)).toBe('1.500');
    expect(timestampJson(1050)).toBe('1.050');
    expect(timestampJson(2000)).toBe('2');
    expect(timestampJson(1001)).toBe('1.001');
    expect(timestampJson(-1001)).toBe('-1.001');
    expect(timestampJson(1795605663315)).toBe('1795605663.315');
  });

  it('encodes vectors, matrices and scalars', () => {
    expect(resultJson({ type: 'vector', samples: [{ metric: Labels.EMPTY, t: 1500, v: 1 }] })).toBe(
      '{"resultType":"vector","result":[{"metric":{},"value":[1.500,"1"]}]}',
    );
    expect(
      resultJson({
        type: 'matrix',
        series: [{ metric: Labels.EMPTY, ts: [1500, 2000, 2500], vs: [1, 1, 1] }],
      }),
    ).toBe('{"resultType":"matrix","result":[{"metric":{},"values":[[1.500,"1"],[2,"1"],[2.500,"1"]]}]}');
    expect(resultJson({ type: 'scalar', t: 1500, v: 1e21 })).toBe(
      '{"resultType":"scalar","result":[1.5,"1000000000000000000000"]}',
    );
    expect(resultJson({ type: 'scalar', t: 1050, v: 1e-7 })).toBe(
      '{"resultType":"scalar","result":[1.05,"0.0000001"]}',
    );
    expect(
      resultJson({
        type: 'vector',
        samples: [{ metric: Labels.fromObject({ __name__: 'up', job: 'a<b' }), t: 0, v: NaN }],
      }),
    ).toBe('{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"a\\u003cb"},"value":[0,"NaN"]}]}');
  });

  it('wraps envelopes', () => {
    expect(successJson('[]', ['w'], [])).toBe('{"status":"success","data":[],"warnings":["w"]}');
    expect(errorJson('bad_data', 'invalid parameter "end": end timestamp must not be before start time')).toBe(
      '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"end\\": end timestamp must not be before start time"}',
    );
    expect(jsonString('&')).toBe('"\\u0026"');
  });
});
