import { describe, expect, it } from 'vitest';
import { formatValue, isStaleNaN, STALE_NAN } from '../../src/lib/model/value.js';

describe('values', () => {
  it('keeps the staleness marker distinct from NaN', () => {
    expect(isStaleNaN(STALE_NAN)).toBe(true);
    expect(isStaleNaN(NaN)).toBe(false);
    expect(isStaleNaN(1)).toBe(false);
    const f = new Float64Array([STALE_NAN]); // goes through a JS double array, which quiets the NaN
    expect(isStaleNaN(f[0]!)).toBe(true);
    expect(isStaleNaN(0 / 0)).toBe(false);
  });

  it('formats floats like the Prometheus API', () => {
    expect(formatValue(1)).toBe('1');
    expect(formatValue(0.1)).toBe('0.1');
    expect(formatValue(NaN)).toBe('NaN');
    expect(formatValue(Infinity)).toBe('+Inf');
    expect(formatValue(-Infinity)).toBe('-Inf');
    expect(formatValue(1e21)).toBe('1000000000000000000000');
    expect(formatValue(1.5e-7)).toBe('0.00000015');
    expect(formatValue(-2.5e22)).toBe('-25000000000000000000000');
  });
});
