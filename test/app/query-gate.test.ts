import { describe, expect, it } from 'vitest';
import { QueryGate } from '../../src/lib/app/serve.js';

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe('QueryGate', () => {
  it('serves timers and I/O between queries that arrive together', async () => {
    const gate = new QueryGate(20);
    const events: string[] = [];
    const queries = [1, 2, 3].map((i) =>
      gate.run(async () => {
        events.push(`q${i}`);
        busy(20);
        return i;
      }),
    );
    setTimeout(() => events.push('timer'), 0);
    expect(await Promise.all(queries)).toEqual([1, 2, 3]);
    // The timer (a scrape, say) did not wait for all three queries.
    expect(events.indexOf('timer')).toBeLessThan(events.indexOf('q3'));
  });

  it('admits at most max queries, in order, and keeps going after a failure', async () => {
    const gate = new QueryGate(1);
    const order: number[] = [];
    const failing = gate.run(async () => {
      order.push(0);
      throw new Error('boom');
    });
    const ok = [1, 2].map((i) =>
      gate.run(async () => {
        order.push(i);
        return i;
      }),
    );
    await expect(failing).rejects.toThrow('boom');
    expect(await Promise.all(ok)).toEqual([1, 2]);
    expect(order).toEqual([0, 1, 2]);
  });
});
