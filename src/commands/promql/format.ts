import { Args, Flags } from '@oclif/core';
import { readFileSync } from 'node:fs';
import { BaseCommand } from '../../lib/cli/base-command.js';
import { UserError } from '../../lib/cli/errors.js';
import { ParseError, formatQuery } from '../../lib/promql/parser/index.js';

export interface PromqlFormatResult {
  query: string;
  formatted: string;
}

export default class PromqlFormat extends BaseCommand<PromqlFormatResult> {
  static override summary = 'Format a PromQL expression, like promtool promql format.';
  static override description = `Parses the expression with Prometheus 3.5's grammar and prints it in canonical form: sorted label
matchers, "sum by (x) (...)", durations normalised, and expressions longer than 100 characters
split over indented lines exactly as Prometheus' formatter does. A syntax or type error is printed
with its line:column and a caret under the offending text, and the command exits 1.
Pass "-" to read the expression from stdin.`;
  static override examples = [
    `<%= config.bin %> promql format 'sum(rate(http_requests_total{job="api"}[5m])) by (code)'`,
    `<%= config.bin %> promql format --oneline "$(cat query.promql)"`,
    `cat query.promql | <%= config.bin %> promql format -`,
  ];
  static override args = {
    expr: Args.string({ description: 'PromQL expression ("-" reads stdin)', required: true }),
  };
  static override flags = {
    oneline: Flags.boolean({ summary: 'Print on a single line (Prometheus String()) instead of pretty-printing.' }),
  };

  async run(): Promise<PromqlFormatResult> {
    const { args, flags } = await this.parse(PromqlFormat);
    const query = args.expr === '-' ? readFileSync(0, 'utf8') : args.expr;
    let formatted: string;
    try {
      formatted = formatQuery(query, { pretty: !flags.oneline });
    } catch (e) {
      if (e instanceof ParseError) throw new UserError(e.excerpt());
      throw e;
    }
    this.out(formatted);
    return { query, formatted };
  }
}
