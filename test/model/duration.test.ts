import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/lib/model/duration.js';

describe('durations', () => {
  it('parses Prometheus durations', () => {
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('15s')).toBe(15_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1y')).toBe(365 * 86_400_000);
    expect(parseDuration('2w1d')).toBe(15 * 86_400_000);
  });
  it('rejects the rest', () => {
    for (const bad of ['', '1', '1.5s', '30m1h', '-1s', 's', '1 h', '1hh']) expect(() => parseDuration(bad)).toThrow();
  });
  it('formats like model.Duration.String', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(15_000)).toBe('15s');
    expect(formatDuration(1500)).toBe('1s500ms');
    expect(formatDuration(8 * 86_400_000)).toBe('1w1d');
  });
});
