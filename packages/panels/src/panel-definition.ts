/**
 * Panel definitions, read from `dashboards/*.json`: a panel names its title, the API query it reads
 * and how it is drawn, so adding a panel is editing a file. Validated on read, with the file and
 * the path of the first problem, because a dashboard that silently drops a panel is worse than one
 * that says which line is wrong.
 */
export const CHART_KINDS = ['stat', 'line', 'area', 'bar', 'table'] as const;
export type ChartKind = (typeof CHART_KINDS)[number];
/** `duration` is milliseconds (delivery latency); `text` is shown as it is (a provider, an error code). */
export const UNITS = ['count', 'money', 'percent', 'duration', 'text'] as const;
export type Unit = (typeof UNITS)[number];
export const RANGES = { '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
export type Range = keyof typeof RANGES | 'month';
/** The bucket a chart of each range asks for: per minute up to six hours, hourly up to a week, daily beyond; a chart stays a few hundred points. */
export const INTERVAL_FOR: Record<keyof typeof RANGES, '1m' | '1h' | '1d'> = {
  '1h': '1m',
  '6h': '1m',
  '24h': '1h',
  '7d': '1h',
  '30d': '1d',
};
/** How a stat panel turns its rows into one number (`ratio` divides by the panel's `denominator`). */
export const REDUCES = ['sum', 'last', 'mean', 'count', 'ratio'] as const;
export type Reduce = (typeof REDUCES)[number];

export interface PanelSeries {
  field: string;
  label: string;
  unit: Unit;
}

export interface Panel {
  id: string;
  title: string;
  description?: string;
  /** A GET on the Tollgate API: path, fixed parameters, and the time range (sent as from/to). */
  query: { path: string; params: Record<string, string>; range?: Range };
  chart: ChartKind;
  /** Dotted path to the rows in the answer (`series.0.points`); the answer itself when absent. */
  rows?: string;
  /** Field on the x axis (time `ts`, or a group `key`); the row label in tables. */
  x: string;
  /** With grouped traffic: the nested array of each row whose fields are summed. */
  totalsOf?: string;
  /**
   * With grouped series: the nested array of each group, drawn as one line per group (the groups
   * are the lines, the one series names the field and its unit): P90 latency by provider. Which
   * groups is the query's `limit` parameter (the API keeps the largest).
   */
  pivot?: string;
  series: PanelSeries[];
  /**
   * Loaded by the browser once the page is up, not while the page renders: for a slow query that
   * must not hold up a page people open first (the spend report on the overview).
   */
  defer?: boolean;
  /** Most rows shown (tables and bars): the largest come first, the long tail is left out. */
  limit?: number;
  /**
   * The series field whose largest values come first, for rows the API orders otherwise (the
   * reconciliation by month, provider and country): without it `limit` would keep the first names
   * of the alphabet. Grouped rows (`totalsOf`) come largest first by their first field anyway.
   */
  sortBy?: string;
  /** What an empty answer means for this panel ("No budgets set"); a generic line otherwise. */
  empty?: string;
  /** Stat panels: how the rows become one number (`ratio` divides by `denominator`). */
  reduce?: Reduce;
  denominator?: string;
  /**
   * Derived on read, never written in the file: the fields the panel draws (its series and a ratio's
   * denominator), with those of every panel of the same query on its page, so that they still share
   * one answer. A route that computes only the fields asked is asked for these, so a panel cannot
   * ask for less than it draws.
   */
  fields: string[];
}

export interface Dashboard {
  page: string;
  title: string;
  panels: Panel[];
}

export class PanelFileError extends Error {}

export function parseDashboard(value: unknown, file: string): Dashboard {
  const fail = (path: string, reason: string): never => {
    throw new PanelFileError(`${file}: ${path} ${reason}`);
  };
  const obj = (v: unknown, path: string) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(path, 'must be an object');
  const str = (v: unknown, path: string) => (typeof v === 'string' && v.length > 0 ? v : fail(path, 'must be a non-empty string'));
  const oneOf = <T extends string>(v: unknown, options: readonly T[], path: string): T =>
    options.includes(v as T) ? (v as T) : fail(path, `must be one of ${options.join(', ')}`);

  const root = obj(value, '(root)');
  const panels = Array.isArray(root.panels) ? root.panels : fail('panels', 'must be an array');
  const ids = new Set<string>();
  const parsed = {
    page: str(root.page, 'page'),
    title: str(root.title, 'title'),
    panels: panels.map((raw, i): Omit<Panel, 'fields'> => {
      const at = `panels[${i}]`;
      const p = obj(raw, at);
      const id = str(p.id, `${at}.id`);
      if (ids.has(id)) fail(`${at}.id`, `"${id}" is used twice`);
      ids.add(id);
      const q = obj(p.query, `${at}.query`);
      const path = str(q.path, `${at}.query.path`);
      if (!/^\/v1\/[a-z0-9/_-]+$/.test(path)) fail(`${at}.query.path`, 'must be an API path such as /v1/metrics/traffic');
      const params = q.params === undefined ? {} : obj(q.params, `${at}.query.params`);
      for (const [key, v] of Object.entries(params)) if (typeof v !== 'string') fail(`${at}.query.params.${key}`, 'must be a string');
      if (params.fields !== undefined) fail(`${at}.query.params.fields`, 'is asked for from the series (and denominator): leave it out');
      const series = Array.isArray(p.series) ? p.series : fail(`${at}.series`, 'must be an array');
      const chart = oneOf(p.chart, CHART_KINDS, `${at}.chart`);
      const panel: Omit<Panel, 'fields'> = {
        id,
        title: str(p.title, `${at}.title`),
        ...(p.description !== undefined && { description: str(p.description, `${at}.description`) }),
        query: {
          path,
          params: params as Record<string, string>,
          ...(q.range !== undefined && {
            range: oneOf<Range>(q.range, [...(Object.keys(RANGES) as Range[]), 'month'], `${at}.query.range`),
          }),
        },
        chart,
        ...(p.rows !== undefined && { rows: str(p.rows, `${at}.rows`) }),
        x: str(p.x, `${at}.x`),
        ...(p.totalsOf !== undefined && { totalsOf: str(p.totalsOf, `${at}.totalsOf`) }),
        ...(p.pivot !== undefined && { pivot: str(p.pivot, `${at}.pivot`) }),
        series: series.map((s, j) => {
          const so = obj(s, `${at}.series[${j}]`);
          return {
            field: str(so.field, `${at}.series[${j}].field`),
            label: str(so.label, `${at}.series[${j}].label`),
            unit: oneOf(so.unit ?? 'count', UNITS, `${at}.series[${j}].unit`),
          };
        }),
        ...(p.empty !== undefined && { empty: str(p.empty, `${at}.empty`) }),
        ...(p.defer !== undefined && { defer: p.defer === true ? true : fail(`${at}.defer`, 'must be true or absent') }),
        ...(p.limit !== undefined && {
          limit:
            Number.isInteger(p.limit) && (p.limit as number) > 0 ? (p.limit as number) : fail(`${at}.limit`, 'must be a positive integer'),
        }),
        ...(p.sortBy !== undefined && { sortBy: str(p.sortBy, `${at}.sortBy`) }),
        ...(p.reduce !== undefined && { reduce: oneOf<Reduce>(p.reduce, REDUCES, `${at}.reduce`) }),
        ...(p.denominator !== undefined && { denominator: str(p.denominator, `${at}.denominator`) }),
      };
      if (panel.series.length === 0) fail(`${at}.series`, 'needs at least one series');
      if (panel.sortBy !== undefined && !panel.series.some((s) => s.field === panel.sortBy))
        fail(`${at}.sortBy`, 'must be the field of one of the series');
      if (chart === 'stat' && panel.reduce === undefined) fail(`${at}.reduce`, 'is required for a stat panel');
      if (panel.reduce === 'ratio' && panel.denominator === undefined) fail(`${at}.denominator`, 'is required with reduce "ratio"');
      if (
        panel.pivot !== undefined &&
        (panel.series.length !== 1 || chart === 'stat' || chart === 'table' || panel.totalsOf !== undefined || panel.limit !== undefined)
      ) {
        fail(
          `${at}.pivot`,
          'draws one series field as a line per group: give exactly one series, a line, area or bar chart, no totalsOf, and the groups as query.params.limit',
        );
      }
      return panel;
    }),
  };
  const queryOf = ({ query }: Omit<Panel, 'fields'>) => JSON.stringify([query.path, query.range, Object.entries(query.params).sort()]);
  const drawn = new Map<string, Set<string>>();
  for (const panel of parsed.panels) drawn.set(queryOf(panel), new Set([...(drawn.get(queryOf(panel)) ?? []), ...drawnFields(panel)]));
  return { ...parsed, panels: parsed.panels.map((panel) => ({ ...panel, fields: [...drawn.get(queryOf(panel))!] })) };
}

/** The fields one panel draws: its series, and a ratio's denominator. */
export function drawnFields(panel: Pick<Panel, 'series' | 'denominator'>): string[] {
  return [...new Set([...panel.series.map((s) => s.field), ...(panel.denominator !== undefined ? [panel.denominator] : [])])];
}
