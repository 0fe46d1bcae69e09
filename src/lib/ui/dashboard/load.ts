/** Loads dashboard YAML files, validated against the schema, with file:line:column errors. */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { isNode, LineCounter, parseDocument, type Node } from 'yaml';
import { dashboardSchema, type Dashboard } from './model.js';

export class DashboardError extends Error {
  override readonly name = 'DashboardError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

let validate: ReturnType<Ajv['compile']> | undefined;

function nodeAt(doc: ReturnType<typeof parseDocument>, path: string): Node | undefined {
  const parts = path
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  for (let n = parts.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(parts.slice(0, n), true);
    if (isNode(node)) return node;
  }
  return undefined;
}

function describe(e: ErrorObject): string {
  switch (e.keyword) {
    case 'additionalProperties':
      return `unknown field ${JSON.stringify((e.params as { additionalProperty: string }).additionalProperty)}`;
    case 'required':
      return `missing field ${JSON.stringify((e.params as { missingProperty: string }).missingProperty)}`;
    case 'enum':
      return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'pattern':
      return e.instancePath.endsWith('/query')
        ? 'must be label_values(metric, label) or label_values(label)'
        : 'must be a duration such as 30s, 5m or 1h';
    default:
      return e.message ?? 'is invalid';
  }
}

/** Parses and validates dashboard YAML text; throws DashboardError listing every problem. */
export function parseDashboard(text: string, filename = 'dashboard.yml'): Dashboard {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const where = (offset: number) => {
    const p = lc.linePos(offset);
    return `${filename}:${p.line}:${p.col}`;
  };
  if (doc.errors.length)
    throw new DashboardError(doc.errors.map((e) => `${where(e.pos[0])}: ${e.message.split('\n')[0]}`));
  const data: unknown = doc.toJS();
  validate ??= new Ajv({ allErrors: true, useDefaults: true, strict: false }).compile(dashboardSchema);
  if (!validate(data)) {
    const problems = (validate.errors ?? []).map((e) => {
      const node = nodeAt(doc, e.instancePath);
      const at = node?.range ? where(node.range[0]) : filename;
      const field = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '(top level)';
      return `${at}: ${field}: ${describe(e)}`;
    });
    throw new DashboardError([...new Set(problems)]);
  }
  return data as Dashboard;
}

export function loadDashboardFile(path: string): Dashboard {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DashboardError([
      `${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message}`,
    ]);
  }
  return parseDashboard(text, path);
}
