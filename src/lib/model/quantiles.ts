/**
 * A summary's observations: sum, count, and quantiles over a sliding window — the newest `cap`
 * observations no older than `maxAgeMs` (client_golang's default age is 10 minutes). Quantiles are
 * exact over the window (nearest rank); with an empty window a quantile is NaN, as in Go.
 * Used by every self-metric summary (scrape intervals, query timings, rule and notification
 * durations).
 */
export class QuantileWindow {
  sum = 0;
  count = 0;
  private readonly t: Float64Array;
  private readonly v: Float64Array;
  private n = 0;
  private next = 0;

  constructor(
    private readonly maxAgeMs = 10 * 60_000,
    private readonly cap = 500,
    private readonly now: () => number = Date.now,
  ) {
    this.t = new Float64Array(cap);
    this.v = new Float64Array(cap);
  }

  observe(v: number): void {
    this.sum += v;
    this.count++;
    this.t[this.next] = this.now();
    this.v[this.next] = v;
    this.next = (this.next + 1) % this.cap;
    if (this.n < this.cap) this.n++;
  }

  /** The window's observations, sorted. */
  private sorted(): number[] {
    const from = this.now() - this.maxAgeMs;
    const win: number[] = [];
    for (let i = 0; i < this.n; i++) if (this.t[i]! >= from) win.push(this.v[i]!);
    return win.sort((a, b) => a - b);
  }

  /** Quantiles qs of the window (one sort for all). */
  quantiles(qs: readonly number[]): number[] {
    const win = this.sorted();
    // Nearest rank: the smallest observation with at least q of the window at or below it.
    return qs.map((q) =>
      win.length === 0 ? NaN : win[Math.min(win.length - 1, Math.max(0, Math.ceil(q * win.length) - 1))]!,
    );
  }

  quantile(q: number): number {
    return this.quantiles([q])[0]!;
  }
}
