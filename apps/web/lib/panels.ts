import { fieldsToAsk, monthBounds, pivotRows, shapeRows, type Row } from './chart-data.ts';
import { drawnFields, RANGES, type Panel, type PanelSeries } from '@tollgate/panels';

// The panel files' schema lives in @tollgate/panels, shared with the Grafana dashboards made from them.
export {
  CHART_KINDS,
  INTERVAL_FOR,
  PanelFileError,
  RANGES,
  REDUCES,
  UNITS,
  parseDashboard,
  type ChartKind,
  type Dashboard,
  type Panel,
  type PanelSeries,
  type Range,
  type Reduce,
  type Unit,
} from '@tollgate/panels';

// Routes that compute only the fields asked (`fields`): a distinct count no panel draws costs nothing.
const FIELD_SELECTING_PATHS: ReadonlySet<string> = new Set(['/v1/metrics/traffic']);
// The measures the traffic route can pick its largest groups by (`rank_by`).
const RANK_MEASURES: ReadonlySet<string> = new Set(['sends', 'cost_est_usd', 'cost_billed_usd']);

/**
 * What a grouped panel's largest groups are picked by: the measure it shows first. A spend chart
 * ranked by sends would show the cheap busy countries and leave out the expensive quiet one.
 */
export function rankMeasure(panel: Panel): string | undefined {
  if (panel.query.params.group_by === undefined || !FIELD_SELECTING_PATHS.has(panel.query.path)) return undefined;
  return [panel.sortBy, ...panel.series.map((s) => s.field)].find((field) => field !== undefined && RANK_MEASURES.has(field));
}

/**
 * The API URL (path and query) a panel reads at `nowMs`; `overrides` are the page's filters. A route
 * that computes only the fields asked gets the panel's `fields` (those of every panel of its query).
 */
export function panelRequest(panel: Panel, nowMs: number, overrides: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams(panel.query.params);
  if (FIELD_SELECTING_PATHS.has(panel.query.path)) params.set('fields', fieldsToAsk(panel.fields).join(','));
  const rankBy = rankMeasure(panel);
  if (rankBy !== undefined && !params.has('rank_by')) params.set('rank_by', rankBy);
  const range = panel.query.range;
  if (range !== undefined) {
    const fromMs = range === 'month' ? monthBounds(nowMs).startMs : nowMs - RANGES[range];
    params.set('from', String(fromMs));
    params.set('to', String(nowMs));
  }
  for (const [key, value] of Object.entries(overrides)) if (value) params.set(key, value);
  const query = params.toString();
  return query ? `${panel.query.path}?${query}` : panel.query.path;
}

/** The rows a panel draws from its query's answer: the series fields (and denominator), largest first by `sortBy`, capped at `limit`. */
export function panelRows(panel: Panel, answer: unknown): Row[] {
  if (panel.pivot !== undefined)
    return pivotRows(answer, { rowsPath: panel.rows, x: panel.x, field: panel.series[0]!.field, nested: panel.pivot });
  return shapeRows(answer, {
    rowsPath: panel.rows,
    x: panel.x,
    fields: drawnFields(panel),
    totalsOf: panel.totalsOf,
    sortBy: panel.sortBy,
  }).slice(0, panel.limit);
}

/** What a panel's chart draws: its series, or with `pivot` one per group found in the rows, in the unit of its one series. */
export function drawnSeries(panel: Panel, rows: Row[]): PanelSeries[] {
  if (panel.pivot === undefined) return panel.series;
  const { unit } = panel.series[0]!;
  return Object.keys(rows[0] ?? {})
    .filter((key) => key !== panel.x)
    .map((key) => ({ field: key, label: key, unit }));
}
