import type { Dashboard, Panel, Range, Unit } from './panel-definition.ts';

/**
 * An importable Grafana dashboard (grafana-clickhouse-datasource) made from the same panel file as a
 * page of the web dashboard: same titles, fields, units and ranges, each panel's SQL given by
 * `grafanaSql` (grafana-sql.ts). A panel the store cannot express in SQL (the spend report's budgets live in
 * a file, not in ClickHouse) becomes a text panel that says why and where to see it.
 */

/** What a panel asks the store for (`grafanaSql` in grafana-sql.ts answers it). */
export interface PanelSqlRequest {
  path: string;
  params: Readonly<Record<string, string>>;
  fields: readonly string[];
  form: 'timeseries' | 'totals' | 'single' | 'rows';
  ratio?: { numerator: string; denominator: string };
  limit?: number;
}

export type PanelSql = { ok: true; sql: string; format: 'timeseries' | 'table' } | { ok: false; reason: string };

export const DATASOURCE_INPUT = 'DS_CLICKHOUSE';
const DATASOURCE = { type: 'grafana-clickhouse-datasource', uid: `\${${DATASOURCE_INPUT}}` } as const;
// The data source's result formats (its Format enum).
const FORMAT = { timeseries: 0, table: 1 } as const;
const GRAFANA_UNIT: Readonly<Record<Unit, string>> = {
  count: 'short',
  money: 'currencyUSD',
  percent: 'percentunit',
  duration: 'ms',
  text: 'string',
};
const TIME_FROM: Readonly<Record<Range, string>> = { '1h': '1h', '6h': '6h', '24h': '24h', '7d': '7d', '30d': '30d', month: 'now/M' };
const GRID_COLUMNS = 24;

/** The request for one panel: its fields, and how its rows are shaped (one number, per time, per group, records). */
export function panelSqlRequest(panel: Panel): PanelSqlRequest {
  const fields = panel.series.map((s) => s.field);
  const form =
    panel.chart === 'stat'
      ? 'single'
      : panel.pivot !== undefined || panel.x === 'ts'
        ? 'timeseries'
        : panel.totalsOf !== undefined || panel.x === 'key'
          ? 'totals'
          : 'rows';
  return {
    path: panel.query.path,
    params: panel.query.params,
    fields,
    form,
    ...(panel.reduce === 'ratio' &&
      panel.denominator !== undefined && { ratio: { numerator: fields[0] as string, denominator: panel.denominator } }),
    ...(panel.limit !== undefined && { limit: panel.limit }),
  };
}

export interface GrafanaDashboardJson {
  __inputs: unknown[];
  __requires: unknown[];
  title: string;
  uid: string;
  tags: string[];
  time: { from: string; to: string };
  refresh: string;
  schemaVersion: number;
  panels: Record<string, unknown>[];
}

export function grafanaDashboard(dashboard: Dashboard, sqlFor: (request: PanelSqlRequest) => PanelSql): GrafanaDashboardJson {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const panels = dashboard.panels.map((panel, index) => {
    const stat = panel.chart === 'stat';
    const w = stat ? 6 : 12;
    const h = stat ? 4 : 9;
    if (x + w > GRID_COLUMNS) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos = { x, y, w, h };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return grafanaPanel(panel, index + 1, gridPos, sqlFor(panelSqlRequest(panel)), dashboard.page);
  });
  return {
    __inputs: [
      {
        name: DATASOURCE_INPUT,
        label: 'ClickHouse (Tollgate)',
        description: 'The ClickHouse database Tollgate writes to',
        type: 'datasource',
        pluginId: DATASOURCE.type,
        pluginName: 'ClickHouse',
      },
    ],
    __requires: [
      { type: 'datasource', id: DATASOURCE.type, name: 'ClickHouse', version: '4.0.0' },
      { type: 'grafana', id: 'grafana', name: 'Grafana', version: '10.0.0' },
    ],
    title: `Tollgate — ${dashboard.title}`,
    uid: `tollgate-${dashboard.page}`,
    tags: ['tollgate', 'generated'],
    time: { from: 'now-24h', to: 'now' },
    refresh: '1m',
    schemaVersion: 39,
    panels,
  };
}

function grafanaPanel(panel: Panel, id: number, gridPos: Record<string, number>, sql: PanelSql, page: string): Record<string, unknown> {
  const common = { id, title: panel.title, gridPos, ...(panel.description !== undefined && { description: panel.description }) };
  if (!sql.ok) {
    return {
      ...common,
      type: 'text',
      options: { mode: 'markdown', content: `Not in ClickHouse: ${sql.reason}. This panel is on the Tollgate dashboard's ${page} page.` },
    };
  }
  const units = new Set(panel.series.map((s) => s.unit));
  return {
    ...common,
    type: grafanaType(panel),
    datasource: DATASOURCE,
    ...(panel.query.range !== undefined && { timeFrom: TIME_FROM[panel.query.range] }),
    fieldConfig: {
      defaults: {
        ...(units.size === 1 && { unit: GRAFANA_UNIT[panel.series[0]!.unit] }),
        ...(panel.chart === 'area' && { custom: { fillOpacity: 25 } }),
        ...(panel.chart === 'bar' && panel.x === 'ts' && { custom: { drawStyle: 'bars', fillOpacity: 80 } }),
      },
      overrides: panel.series.map((s) => ({
        matcher: { id: 'byName', options: s.field },
        properties: [
          { id: 'displayName', value: s.label },
          { id: 'unit', value: GRAFANA_UNIT[s.unit] },
        ],
      })),
    },
    options:
      panel.chart === 'stat'
        ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'none', graphMode: 'none' }
        : {},
    targets: [
      {
        refId: 'A',
        datasource: DATASOURCE,
        editorType: 'sql',
        queryType: sql.format === 'timeseries' ? 'timeseries' : 'table',
        format: FORMAT[sql.format],
        rawSql: sql.sql,
      },
    ],
  };
}

function grafanaType(panel: Panel): string {
  switch (panel.chart) {
    case 'stat':
      return 'stat';
    case 'table':
      return 'table';
    case 'bar':
      return panel.x === 'ts' ? 'timeseries' : 'barchart';
    default:
      return 'timeseries';
  }
}
