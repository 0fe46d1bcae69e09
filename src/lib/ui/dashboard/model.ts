/**
 * The dashboard file format (YAML): rows of panels, each with PromQL queries, a legend template,
 * a unit and thresholds, plus variables filled from label values. One JSON Schema is the source of
 * the shape (validated by ajv with positioned errors); the types below follow it.
 */

export type PanelType = 'timeseries' | 'stat' | 'gauge' | 'bar' | 'table' | 'text' | 'unsupported';

export interface Threshold {
  /** The color from this value upwards. */
  value: number;
  color: string;
}

export interface PanelQuery {
  expr: string;
  /** Legend template, e.g. `{{instance}}`. */
  legend?: string;
  /** Instant query (tables, gauges) rather than a range query. */
  instant?: boolean;
}

export interface Panel {
  title: string;
  type: PanelType;
  queries: PanelQuery[];
  unit?: string;
  decimals?: number;
  min?: number;
  max?: number;
  thresholds?: Threshold[];
  /** Relative width within the row (default 1). */
  span?: number;
  /** For text panels and placeholders. */
  text?: string;
}

export interface Row {
  title?: string;
  /** Height in terminal lines (default: share of the screen). */
  height?: number;
  panels: Panel[];
}

export interface Variable {
  name: string;
  /** `label_values(metric, label)` or `label_values(label)`. */
  query: string;
  /** Include an "All" value that matches everything (`.*`). */
  includeAll?: boolean;
  default?: string;
}

export interface Dashboard {
  title: string;
  /** Default time range, e.g. `1h`. */
  range?: string;
  /** Default refresh interval, e.g. `5s`. */
  refresh?: string;
  variables?: Variable[];
  rows: Row[];
}

const threshold = {
  type: 'object',
  additionalProperties: false,
  required: ['value', 'color'],
  properties: { value: { type: 'number' }, color: { type: 'string' } },
};

export const dashboardSchema = {
  $id: 'promctl-dashboard',
  type: 'object',
  additionalProperties: false,
  required: ['title', 'rows'],
  properties: {
    title: { type: 'string', minLength: 1 },
    range: { type: 'string', pattern: '^[0-9]+(ms|s|m|h|d|w|y)$' },
    refresh: { type: 'string', pattern: '^[0-9]+(ms|s|m|h|d|w|y)$' },
    variables: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'query'],
        properties: {
          name: { type: 'string', pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' },
          query: { type: 'string', pattern: '^\\s*label_values\\(' },
          includeAll: { type: 'boolean' },
          default: { type: 'string' },
        },
      },
    },
    rows: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['panels'],
        properties: {
          title: { type: 'string' },
          height: { type: 'integer', minimum: 3 },
          panels: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['title', 'type'],
              properties: {
                title: { type: 'string' },
                type: { enum: ['timeseries', 'stat', 'gauge', 'bar', 'table', 'text', 'unsupported'] },
                queries: {
                  type: 'array',
                  items: {
                    type: 'object',
                    additionalProperties: false,
                    required: ['expr'],
                    properties: {
                      expr: { type: 'string', minLength: 1 },
                      legend: { type: 'string' },
                      instant: { type: 'boolean' },
                    },
                  },
                  default: [],
                },
                unit: { type: 'string' },
                decimals: { type: 'integer', minimum: 0, maximum: 10 },
                min: { type: 'number' },
                max: { type: 'number' },
                thresholds: { type: 'array', items: threshold },
                span: { type: 'number', exclusiveMinimum: 0 },
                text: { type: 'string' },
              },
            },
          },
        },
      },
    },
  },
} as const;
