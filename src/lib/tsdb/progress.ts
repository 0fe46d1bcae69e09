/** A one-line progress indicator on stderr (only when stderr is a terminal). */
export function progressLine(label: string): { update(done: number, total: number): void; done(): void } {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  return {
    update(done: number, total: number) {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
      process.stderr.write(`\r${label} ${pct}%`);
    },
    done() {
      if (tty && last) process.stderr.write('\r\x1b[K');
    },
  };
}
