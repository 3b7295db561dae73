import { TRAFFIC_MEASURES } from '@tollgate/store';
import type { PanelSql, PanelSqlRequest } from './grafana-dashboard.ts';

/**
 * The ClickHouse SQL behind a dashboard panel, for teams that read Tollgate's tables from Grafana
 * (grafana-clickhouse-datasource). A panel names the API route it reads on the web dashboard; this
 * maps that route and the fields it shows onto the table the route itself reads, with the data
 * source's macros for the time range ($__timeFilter, $__timeInterval). Nothing here runs on the
 * request path: the generated dashboards are files in dashboards/grafana/.
 */

interface RollupSource {
  kind: 'rollup';
  table: string;
  /** Field name → aggregate expression, as the API route names and computes it. */
  measures: Readonly<Record<string, string>>;
  /** `group_by` values → column. */
  groups: Readonly<Record<string, string>>;
  /** Fields the route computes outside this table, and how. */
  computed?: Readonly<Record<string, string>>;
}

interface RecordSource {
  kind: 'records';
  /** SELECT ... FROM ... (latest versions), without ORDER BY; `{filters}` is replaced by the WHERE. */
  select: string;
  fields: readonly string[];
  /** Query parameters the route takes → a condition over the selected columns. */
  filters: Readonly<Record<string, (value: string) => string | undefined>>;
  orderBy: string;
}

const SCOPE_GROUPS = {
  country: 'country',
  prefix: 'prefix',
  asn: 'toString(asn)',
  provider: 'provider',
  app: 'app',
  flow: 'flow',
} as const;
const share = (part: string) => `round(sum(${part}) / greatest(sum(receipts), 1), 4)`;
const quantile = (i: number) => `round(quantilesTDigestMerge(0.5, 0.9, 0.99)(latency_ms)[${i}])`;
const STATE = (states: readonly string[]) => (value: string) => (states.includes(value) ? `state = '${value}'` : undefined);

const SOURCES: Readonly<Record<string, RollupSource | RecordSource>> = {
  '/v1/metrics/traffic': {
    kind: 'rollup',
    table: 'traffic_1m',
    measures: {
      ...TRAFFIC_MEASURES,
      conversion: `round(${TRAFFIC_MEASURES.verified_sessions} / greatest(${TRAFFIC_MEASURES.sessions}, 1), 4)`,
    },
    groups: SCOPE_GROUPS,
  },
  '/v1/metrics/decisions': {
    kind: 'rollup',
    table: 'decisions_1m',
    measures: {
      allowed: 'toUInt64(sum(allowed))',
      challenged: 'toUInt64(sum(challenged))',
      blocked: 'toUInt64(sum(blocked))',
      shadow_blocked: 'toUInt64(sum(shadow_blocked))',
    },
    groups: SCOPE_GROUPS,
    computed: {
      saved_usd:
        "prices each blocked send at the traffic rollup's cost per send to its prefix in that hour, or the latest hour of the day before with a send",
    },
  },
  '/v1/metrics/delivery': {
    kind: 'rollup',
    table: 'delivery_1m',
    measures: {
      receipts: 'toUInt64(sum(receipts))',
      delivered: 'toUInt64(sum(delivered))',
      undelivered: 'toUInt64(sum(undelivered))',
      failed: 'toUInt64(sum(failed))',
      unknown: 'toUInt64(sum(unknown))',
      delivered_share: share('delivered'),
      undelivered_share: share('undelivered'),
      failed_share: share('failed'),
      unknown_share: share('unknown'),
      p50_ms: quantile(1),
      p90_ms: quantile(2),
      p99_ms: quantile(3),
    },
    groups: { provider: 'provider', country: 'country', carrier: 'carrier', app: 'app' },
  },
  // Records keep the API's field names (the anomaly and breaker documents), so one panel file serves both.
  '/v1/anomalies': {
    kind: 'records',
    select: `SELECT opened_at AS openedAt, kind, severity, state, action, JSONExtractString(doc, 'summary') AS summary,
       round(cost_per_hour_usd, 2) AS costPerHourUsd
FROM (SELECT * FROM anomalies FINAL)
WHERE $__timeFilter(opened_at){filters}`,
    fields: ['openedAt', 'kind', 'severity', 'state', 'action', 'summary', 'costPerHourUsd'],
    filters: { state: STATE(['open', 'resolved']) },
    orderBy: 'openedAt DESC',
  },
  '/v1/breakers': {
    kind: 'records',
    select: `SELECT updated_at AS updatedAt, id, state, JSONExtractString(doc, 'action', 'kind') AS action, JSONExtractString(doc, 'mode') AS mode,
       JSONExtractRaw(doc, 'scope') AS scope, JSONExtractString(doc, 'reason', 'kind') AS reason
FROM (SELECT * FROM breakers FINAL)
WHERE 1{filters}`,
    fields: ['updatedAt', 'id', 'state', 'action', 'mode', 'scope', 'reason'],
    filters: {
      state: (value) => (value === 'active' ? "state IN ('open', 'half_open')" : STATE(['open', 'half_open', 'closed'])(value)),
    },
    orderBy: 'updatedAt DESC',
  },
};

/**
 * The SQL for a panel, or why there is none (a route that reads files rather than tables, such as
 * the spend report's budgets, or a field the route computes outside ClickHouse).
 */
export function grafanaSql(query: PanelSqlRequest): PanelSql {
  const source = SOURCES[query.path];
  if (source === undefined) return { ok: false, reason: `${query.path} is computed by the Tollgate server, not read from one table` };
  return source.kind === 'rollup' ? rollupSql(source, query) : recordSql(source, query);
}

function rollupSql(source: RollupSource, query: PanelSqlRequest): PanelSql {
  const fields = query.ratio ? [query.ratio.numerator, query.ratio.denominator] : query.fields;
  const computed = fields.find((field) => source.computed?.[field] !== undefined);
  if (computed !== undefined) return { ok: false, reason: `the server computes ${computed}: it ${source.computed?.[computed]}` };
  const missing = fields.filter((field) => source.measures[field] === undefined);
  if (missing.length > 0) return { ok: false, reason: `${query.path} has no ${missing.join(', ')} in ClickHouse` };
  const groupName = query.params.group_by;
  const group = groupName === undefined ? undefined : source.groups[groupName];
  if (groupName !== undefined && group === undefined) return { ok: false, reason: `${query.path} cannot group by ${groupName}` };
  const measures = query.ratio
    ? `round(${source.measures[query.ratio.numerator]} / greatest(${source.measures[query.ratio.denominator]}, 1), 4) AS ${query.ratio.numerator}`
    : fields.map((field) => `${source.measures[field]} AS ${field}`).join(', ');
  const where = `FROM ${source.table}\nWHERE $__timeFilter(minute)`;
  // The fields are named as the API names them, which are also column names: without this setting
  // `sum(receipts)` in a share would read the alias `receipts` (an aggregate) instead of the column.
  const settings = '\nSETTINGS prefer_column_name_to_alias = 1';
  const limit = query.limit ?? (query.params.limit === undefined ? undefined : Number(query.params.limit));
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
    return { ok: false, reason: `limit must be a positive whole number, not ${limit}` };
  switch (query.form) {
    case 'timeseries':
      if (group === undefined)
        return {
          ok: true,
          format: 'timeseries',
          sql: `SELECT $__timeInterval(minute) AS time, ${measures}\n${where}\nGROUP BY time\nORDER BY time${settings}`,
        };
      // One line per group: the largest groups over the range, as the API keeps them.
      return {
        ok: true,
        format: 'timeseries',
        sql: `SELECT $__timeInterval(minute) AS time, ${group} AS ${groupName}, ${measures}\n${where}${
          limit
            ? ` AND ${group} IN (SELECT ${group} ${where} GROUP BY ${group} ORDER BY ${source.measures[fields[0] as string]} DESC LIMIT ${limit})`
            : ''
        }\nGROUP BY time, ${groupName}\nORDER BY time${settings}`,
      };
    case 'totals':
      return {
        ok: true,
        format: 'table',
        sql: `SELECT ${group ?? "'all'"} AS ${groupName ?? 'scope'}, ${measures}\n${where}\nGROUP BY ${group ?? 'scope'}\nORDER BY ${source.measures[fields[0] as string]} DESC${limit ? `\nLIMIT ${limit}` : ''}${settings}`,
      };
    case 'single':
      return { ok: true, format: 'table', sql: `SELECT ${measures}\n${where}${settings}` };
    case 'rows':
      return { ok: false, reason: `${query.path} is a rollup: draw it as a series, totals or a single value` };
  }
}

function recordSql(source: RecordSource, query: PanelSqlRequest): PanelSql {
  const conditions: string[] = [];
  for (const [param, value] of Object.entries(query.params)) {
    const filter = source.filters[param];
    const condition = filter?.(value);
    if (condition === undefined) return { ok: false, reason: `${query.path} has no filter ${param}=${value} in ClickHouse` };
    conditions.push(condition);
  }
  const missing = query.fields.filter((field) => !source.fields.includes(field));
  if (missing.length > 0) return { ok: false, reason: `${query.path} has no ${missing.join(', ')} in ClickHouse` };
  const select = source.select.replace('{filters}', conditions.map((c) => ` AND ${c}`).join(''));
  return { ok: true, format: 'table', sql: `${select}\nORDER BY ${source.orderBy}\nLIMIT ${query.limit ?? 100}` };
}
