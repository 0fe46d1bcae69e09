/**
 * promctl's oclif help: command descriptions are written as paragraphs wrapped in the source at
 * about 100 columns; oclif wraps each source line again to the terminal width, which leaves ragged
 * half-lines. This help class joins the lines of each paragraph first (keeping blank lines, list
 * items and indented blocks as written), so oclif's own wrapping gives even paragraphs.
 */
import { Help, type Command } from '@oclif/core';

const KEEP_BREAK_BEFORE = /^(\s|[-*•] |[|$]|\d+[.)]\s)/;

/** Joins the hard-wrapped lines of each paragraph into one line. */
export function reflow(text: string): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const prev = out.length > 0 ? out[out.length - 1]! : '';
    if (line.trim() !== '' && prev.trim() !== '' && !KEEP_BREAK_BEFORE.test(line) && !/^\s/.test(prev)) {
      out[out.length - 1] = `${prev.trimEnd()} ${line.trim()}`;
    } else {
      out.push(line);
    }
  }
  return out.join('\n');
}

export default class PromctlHelp extends Help {
  protected override formatCommand(command: Command.Loadable): string {
    const description = command.description === undefined ? undefined : reflow(command.description);
    return super.formatCommand({ ...command, description });
  }
}
