import { describe, expect, it } from 'vitest';
import { reflow } from '../../src/lib/cli/help.js';

describe('help reflow', () => {
  it('joins the hard-wrapped lines of a paragraph', () => {
    expect(reflow('Flags are named like Prometheus. Without\n--config.file it runs\nthe default.')).toBe(
      'Flags are named like Prometheus. Without --config.file it runs the default.',
    );
  });
  it('keeps paragraphs, list items and indented blocks', () => {
    const text =
      'First para\nwraps here.\n\nList:\n- one\n- two\n  continued\n\n  $ promctl serve\n  $ promctl query up';
    expect(reflow(text)).toBe(
      'First para wraps here.\n\nList:\n- one\n- two\n  continued\n\n  $ promctl serve\n  $ promctl query up',
    );
  });
});
