import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../lib/cli/base-command.js';
import { ExitCode, UserError } from '../../lib/cli/errors.js';
import type { Labels } from '../../lib/model/labels.js';
import { Matcher } from '../../lib/model/matcher.js';
import { formatValue } from '../../lib/model/value.js';
import { dumpSamples } from '../../lib/tsdb/tools.js';

export interface DumpResult {
  series: { labels: Record<string, string>; samples: [number, string][] }[];
  samples: number;
  warnings: string[];
}

export default class TsdbDump extends BaseCommand<DumpResult> {
  static override summary = 'Dump samples of a TSDB data directory (blocks and WAL), like promtool tsdb dump.';
  static override examples = [
    '<%= config.bin %> tsdb dump data/',
    `<%= config.bin %> tsdb dump data/ --match 'up{job="node"}' --min-time 1700000000000`,
  ];
  static override args = {
    dir: Args.string({ description: 'Data directory.', default: 'data/' }),
  };
  static override flags = {
    match: Flags.string({ summary: 'Series selector, e.g. up{job="node"} (repeatable).', multiple: true }),
    'min-time': Flags.string({ summary: 'Lowest timestamp to dump (ms since epoch, or RFC 3339).' }),
    'max-time': Flags.string({ summary: 'Highest timestamp to dump (ms since epoch, or RFC 3339).' }),
  };

  async run(): Promise<DumpResult> {
    const { args, flags } = await this.parse(TsdbDump);
    const matchers = (flags.match ?? []).flatMap(parseSelector);
    const json = this.jsonEnabled();
    const result: DumpResult = { series: [], samples: 0, warnings: [] };
    let cur: Labels | null = null;
    let buf = '';
    const flush = (): void => {
      if (buf) process.stdout.write(buf);
      buf = '';
    };
    const res = await dumpSamples(
      args.dir,
      (labels, t, v) => {
        if (json) {
          if (cur !== labels) {
            cur = labels;
            result.series.push({ labels: labels.toObject(), samples: [] });
          }
          result.series[result.series.length - 1]!.samples.push([t, formatValue(v)]);
        } else {
          buf += `${labels.toString()} ${formatValue(v)} ${t}\n`;
          if (buf.length > 1 << 16) flush();
        }
      },
      {
        matchers,
        mint: parseTime(flags['min-time'], -Number.MAX_SAFE_INTEGER),
        maxt: parseTime(flags['max-time'], Number.MAX_SAFE_INTEGER),
        logger: { info: () => {}, warn: (m) => this.warnLine(m) },
      },
    );
    flush();
    result.samples = res.samples;
    result.warnings = res.warnings;
    for (const w of res.warnings) this.warnLine(w);
    return result;
  }
}

function parseTime(s: string | undefined, dflt: number): number {
  if (s === undefined) return dflt;
  if (/^-?\d+$/.test(s)) return Number(s);
  const t = Date.parse(s);
  if (Number.isNaN(t))
    throw new UserError(`invalid time ${JSON.stringify(s)}: use milliseconds or RFC 3339`, ExitCode.usage);
  return t;
}

/** Parses a series selector `name{a="b", c=~"d"}` into matchers. */
export function parseSelector(sel: string): Matcher[] {
  const m = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(?:\{(.*)\})?\s*$/s.exec(sel);
  if (!m || (!m[1] && m[2] === undefined))
    throw new UserError(`invalid series selector ${JSON.stringify(sel)}`, ExitCode.usage);
  const out: Matcher[] = [];
  if (m[1]) out.push(new Matcher('=', '__name__', m[1]));
  const body = m[2] ?? '';
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*|"(?:[^"\\]|\\.)*")\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/gy;
  let pos = 0;
  while (pos < body.length) {
    re.lastIndex = pos;
    const x = re.exec(body);
    if (!x) {
      if (body.slice(pos).trim() === '') break;
      throw new UserError(
        `invalid series selector ${JSON.stringify(sel)} near ${JSON.stringify(body.slice(pos))}`,
        ExitCode.usage,
      );
    }
    const name = x[1]!.startsWith('"') ? (JSON.parse(x[1]!) as string) : x[1]!;
    const value = JSON.parse(`"${x[3]!}"`) as string;
    try {
      out.push(new Matcher(x[2] as '=' | '!=' | '=~' | '!~', name, value));
    } catch (e) {
      throw new UserError(`invalid matcher in ${JSON.stringify(sel)}: ${(e as Error).message}`, ExitCode.usage);
    }
    pos = re.lastIndex;
    if (x[4] === '') break;
  }
  if (!out.length) throw new UserError(`series selector ${JSON.stringify(sel)} has no matchers`, ExitCode.usage);
  return out;
}
