/**
 * The live dashboard's terminal: Ink renders whole frames into this stream (Ink's `debug` mode), and
 * it puts on the terminal only the lines that differ from the previous frame, each at its absolute
 * position on the alternate screen, inside one synchronized update. No frame ever clears the screen
 * (only a resize does, as the terminal has reflowed it), so nothing flickers, and a refresh that
 * changes one panel writes only that panel's lines. Independent of Ink's own cursor bookkeeping,
 * which a frame as tall as the terminal defeats.
 */
import { EventEmitter } from 'node:events';

/** The part of a terminal stream the screen needs (process.stdout satisfies it). */
export interface TerminalOut {
  write(s: string): unknown;
  columns?: number;
  rows?: number;
  on(event: 'resize', fn: () => void): unknown;
  off(event: 'resize', fn: () => void): unknown;
}

const BSU = '\x1b[?2026h'; // begin synchronized update (ignored by terminals without it)
const ESU = '\x1b[?2026l';

export class Screen extends EventEmitter {
  readonly isTTY = true;
  /** Bytes written to the terminal, and frames that changed something (for the benchmark). */
  bytes = 0;
  frames = 0;
  private prev: string[] = [];
  private clearNext = true;
  private active = false;

  constructor(private readonly out: TerminalOut) {
    super();
  }

  get columns(): number {
    return this.out.columns || 100;
  }
  get rows(): number {
    return this.out.rows || 30;
  }

  private readonly onResize = () => {
    // The terminal reflowed the old frame: start from a clean screen, then let Ink re-render.
    this.clearNext = true;
    this.emit('resize');
  };

  private put(s: string): void {
    this.bytes += Buffer.byteLength(s);
    this.out.write(s);
  }

  /** Switches to the alternate screen and hides the cursor. */
  enter(): void {
    if (this.active) return;
    this.active = true;
    this.out.on('resize', this.onResize);
    this.put('\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J');
    this.prev = [];
    this.clearNext = false;
  }

  /** Back to the normal screen, as it was before, with the cursor shown. */
  leave(): void {
    if (!this.active) return;
    this.active = false;
    this.out.off('resize', this.onResize);
    this.put('\x1b[?25h\x1b[?1049l');
  }

  /** Ink writes each whole frame here; anything without a newline passes through unchanged. */
  write(chunk: string | Uint8Array, encoding?: unknown, cb?: () => void): boolean {
    const s = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    if (s.includes('\n')) this.frame(s);
    else if (s) this.put(s);
    const done = typeof encoding === 'function' ? (encoding as () => void) : cb;
    done?.();
    return true;
  }

  /** Draws a frame: only the lines that changed. */
  frame(text: string): void {
    const lines = text.split('\n');
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    if (lines.length > this.rows) lines.length = this.rows;
    let buf = '';
    if (this.clearNext) {
      buf += '\x1b[H\x1b[2J';
      this.prev = [];
      this.clearNext = false;
    }
    const n = Math.max(lines.length, this.prev.length);
    for (let i = 0; i < n; i++) {
      const line = lines[i] ?? '';
      // Unchanged, or blank where the screen is blank already (past the previous frame).
      if (i < this.prev.length ? line === this.prev[i] : line === '') continue;
      buf += `\x1b[${i + 1};1H\x1b[2K${line}`;
    }
    this.prev = lines;
    if (!buf) return;
    this.frames++;
    this.put(BSU + buf + ESU);
  }
}
