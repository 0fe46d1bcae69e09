import { Args, Flags } from '@oclif/core';
import type { QueryData } from '../../lib/api/types.js';
import { BaseCommand } from '../../lib/cli/base-command.js';
import { runQuery } from '../../lib/cli/query.js';
import { renderCsv, renderResult } from '../../lib/cli/render-query.js';
import { queryServerFlags } from '../../lib/cli/server-flags.js';

export default class Query extends BaseCommand<QueryData> {
  static override summary = 'Run a PromQL query against promctl or any Prometheus.';
  static override description = `An instant query by default (at --time, default now). With --start, --end or --step it runs a
range query and draws a chart with a legend (or --table). Vectors print as an aligned table; --csv prints
one column per label, --json the API's data. Times may be relative (-1h, now-30m), unix seconds or
RFC 3339. A parse error is shown with a caret under the offending text before anything is sent.
--data-dir answers from a TSDB directory (promctl's or Prometheus') with no server running.
See also: promctl query series|labels|values.`;
  static override examples = [
    `<%= config.bin %> query 'up'`,
    `<%= config.bin %> query '100 - (avg by (instance) (irate(node_cpu_seconds_total{mode="idle"}[5m])) * 100)'`,
    `<%= config.bin %> query 'rate(http_requests_total[5m])' --start -1h --step 1m`,
    `<%= config.bin %> query 'up' --url http://prometheus:9090 --csv`,
    `<%= config.bin %> query 'sum by (job) (up)' --data-dir /var/lib/prometheus/metrics2`,
  ];
  static override args = { expr: Args.string({ description: 'PromQL expression', required: true }) };
  static override flags = {
    ...queryServerFlags,
    time: Flags.string({ summary: 'Evaluation time of an instant query (now, -5m, unix seconds, RFC 3339).' }),
    start: Flags.string({ summary: 'Start of a range query (e.g. -1h).' }),
    end: Flags.string({ summary: 'End of a range query (default now).' }),
    step: Flags.string({ summary: 'Step of a range query (e.g. 15s; default: about 250 points).' }),
    csv: Flags.boolean({ summary: 'Print CSV.', exclusive: ['table'] }),
    table: Flags.boolean({ summary: 'Print range results as a table instead of a chart.' }),
    timeout: Flags.string({ summary: 'Query timeout passed to the server (e.g. 30s).' }),
  };

  async run(): Promise<QueryData> {
    const { args, flags } = await this.parse(Query);
    const res = await runQuery(args.expr, flags);
    for (const w of res.warnings) this.warnLine(w);
    for (const i of res.infos) process.stderr.write(`${this.errColor.cyan('info:')} ${i}\n`);
    if (res.hint) process.stderr.write(`${this.errColor.dim('hint:')} ${res.hint}\n`);
    if (this.jsonEnabled()) return res.data;
    if (flags.csv) process.stdout.write(renderCsv(res.data));
    else
      this.out(renderResult(res.data, { color: this.color, width: process.stdout.columns ?? 100, table: flags.table }));
    return res.data;
  }
}
