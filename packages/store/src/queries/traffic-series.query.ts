import type { Store } from '../store.ts';
import type { ScopeCounters } from './detector-traffic.query.ts';

export const TRAFFIC_DIMENSIONS = ['country', 'prefix', 'asn', 'provider', 'app', 'flow'] as const;
export type TrafficDimension = (typeof TRAFFIC_DIMENSIONS)[number];

export type TrafficFilters = Partial<Record<TrafficDimension, string>>;

/** The measures a grouped series may pick its largest groups by. */
export const TRAFFIC_RANK_MEASURES = ['sends', 'cost_est_usd', 'cost_billed_usd'] as const;
export type TrafficRankMeasure = (typeof TRAFFIC_RANK_MEASURES)[number];

export interface TrafficSeriesParams {
  fromMs: number;
  toMs: number;
  intervalMinutes: number;
  groupBy?: TrafficDimension;
  /** At most this many groups (the largest by `rankBy` in the range). */
  limit: number;
  /**
   * The measure that picks the largest groups: sends unless told. A chart of cost ranks by cost,
   * or a quiet country at $0.40 a send hides behind busy ones at $0.01.
   */
  rankBy?: TrafficRankMeasure;
  filters: TrafficFilters;
}

export interface TrafficPoint extends ScopeCounters {
  ts: number;
  key: string;
  phones: number;
}

/** A measure of TRAFFIC_MEASURES, as a point names it. */
export type TrafficMeasure = Exclude<keyof TrafficPoint, 'ts' | 'key'>;

export const TRAFFIC_SERIES_QUERY_NAME = 'traffic-series';

const MINUTE_MS = 60_000;

/** A traffic rollup: its time column, the minutes one row spans and the dimensions it keeps. */
export interface TrafficRollup {
  table: 'traffic_1d' | 'traffic_1h' | 'traffic_1m';
  time: 'day' | 'hour' | 'minute';
  grainMinutes: number;
  dimensions: readonly TrafficDimension[];
  /**
   * The table's leading sort key when it numbers blocks of time (migration 012), and the block's
   * length. ClickHouse matches a range on the time column to the time column itself, later in the
   * key, and reads every granule; the same range in block numbers lets it skip to the blocks asked.
   */
  block?: { key: string; ms: number };
}

/**
 * Coarsest first. The hourly and daily tables (migration 012) drop asn and flow: at the dashboard's
 * volumes a minute of every scope holds about one send, so only fewer scopes make fewer rows.
 */
export const TRAFFIC_ROLLUPS: readonly TrafficRollup[] = [
  { table: 'traffic_1d', time: 'day', grainMinutes: 1440, dimensions: ['app', 'country', 'prefix', 'provider'] },
  {
    table: 'traffic_1h',
    time: 'hour',
    grainMinutes: 60,
    dimensions: ['app', 'country', 'prefix', 'provider'],
    block: { key: 'intDiv(toUInt32(hour), 21600)', ms: 21_600_000 },
  },
  { table: 'traffic_1m', time: 'minute', grainMinutes: 1, dimensions: TRAFFIC_DIMENSIONS },
];

/** Epoch-ms ranges [fromMs, toMs) of one rollup's rows that a series reads. */
export interface RollupSpan {
  rollup: TrafficRollup;
  ranges: [number, number][];
}

/**
 * Which rows of which rollup answer a series: the whole days of the range from the daily table, the
 * whole hours left at its edges from the hourly table, the minutes left from traffic_1m. A coarser
 * table serves only when its grain divides the bucket (an hour never straddles two buckets; a read
 * without buckets, `intervalMinutes` absent, may use every table) and it
 * keeps every dimension the query filters or groups on (and `dimensions`, the ones it reads besides).
 * No row straddles an instant of `cuts` (each is taken to its minute), so a condition on a row's
 * start time splits the range there. The minutes read are those of the minute path: from the
 * minute of `fromMs` up to the last minute starting before `toMs`.
 */
export function rollupSpans(
  params: Pick<TrafficSeriesParams, 'fromMs' | 'toMs' | 'groupBy' | 'filters'> & {
    intervalMinutes?: number;
    dimensions?: readonly TrafficDimension[];
    cuts?: readonly number[];
  },
  rollups: readonly TrafficRollup[] = TRAFFIC_ROLLUPS,
): RollupSpan[] {
  const needed = [
    ...Object.keys(params.filters).filter((d) => params.filters[d as TrafficDimension]),
    ...(params.groupBy ? [params.groupBy] : []),
    ...(params.dimensions ?? []),
  ];
  const usable = rollups.filter(
    (r) => (params.intervalMinutes ?? 0) % r.grainMinutes === 0 && needed.every((d) => r.dimensions.includes(d as TrafficDimension)),
  );
  const [from, to] = [floorTo(params.fromMs, MINUTE_MS), -floorTo(-params.toMs, MINUTE_MS)];
  const bounds = [
    from,
    ...[...new Set((params.cuts ?? []).map((cut) => floorTo(cut, MINUTE_MS)))]
      .filter((cut) => cut > from && cut < to)
      .sort((a, b) => a - b),
    to,
  ];
  let left: [number, number][] = bounds.slice(1).map((end, i): [number, number] => [bounds[i]!, end]);
  const spans: RollupSpan[] = [];
  for (const rollup of usable) {
    const grainMs = rollup.grainMinutes * MINUTE_MS;
    const ranges: [number, number][] = [];
    const rest: [number, number][] = [];
    for (const [from, to] of left) {
      const start = -floorTo(-from, grainMs);
      const end = floorTo(to, grainMs);
      if (start >= end) {
        rest.push([from, to]);
        continue;
      }
      ranges.push([start, end]);
      if (from < start) rest.push([from, start]);
      if (end < to) rest.push([end, to]);
    }
    if (ranges.length > 0) spans.push({ rollup, ranges });
    left = rest;
  }
  return spans;
}

function floorTo(ms: number, stepMs: number): number {
  return Math.floor(ms / stepMs) * stepMs;
}

/** The traffic rollups' measures as GET /v1/metrics/traffic names them (the Grafana panels read the same). */
export const TRAFFIC_MEASURES: Readonly<Record<string, string>> = {
  sends: 'toUInt64(sum(sends))',
  failed_sends: 'toUInt64(sum(failed_sends))',
  phones: 'toUInt64(uniqMerge(phones))',
  sessions: 'toUInt64(sum(sessions_started))',
  verified_sessions: 'toUInt64(sum(sessions_verified))',
  verify_attempts: 'toUInt64(sum(verify_attempts))',
  verify_failures: 'toUInt64(sum(verify_failures))',
  cost_est_usd: 'round(sum(cost_est_usd), 6)',
  cost_billed_usd: 'round(sum(cost_billed_usd), 6)',
  billed_messages: 'toUInt64(sum(billed_messages))',
  receipts_delivered: 'toUInt64(sum(receipts_delivered))',
  receipts_failed: 'toUInt64(sum(receipts_failed))',
};

/** Whether `name` is a measure of TRAFFIC_MEASURES (its own key: `constructor` is not a measure). */
export function isTrafficMeasure(name: string): name is TrafficMeasure {
  return Object.hasOwn(TRAFFIC_MEASURES, name);
}

/**
 * The rollup column each measure aggregates (`sends` of `toUInt64(sum(sends))`): the rows read select
 * only the columns of the measures asked, so a query without `phones` never reads its distinct-count
 * states. Every expression aggregates one column, which is what the match relies on.
 */
const MEASURE_COLUMN: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(TRAFFIC_MEASURES).map(([name, expression]) => {
    const column = /\w+\((\w+)\)/.exec(expression)?.[1];
    if (column === undefined) throw new Error(`TRAFFIC_MEASURES.${name} aggregates no column: ${expression}`);
    return [name, column];
  }),
);

const BUCKET = `toUnixTimestamp(toStartOfInterval(minute, toIntervalMinute({step:UInt32}))) * 1000 AS ts`;

/**
 * One SELECT per rollup read, their rows in one shape (time as `minute`, the group as `key`, then
 * `columns`). Table and column names come from TRAFFIC_ROLLUPS and TRAFFIC_DIMENSIONS or the
 * caller's code, never from input; every value is a bound parameter. Only the filters given are
 * written, so a query without filters is one ClickHouse can serve from traffic_1m's minute-ordered
 * projection. asn is compared as text so one binding type serves all filters.
 */
export function rollupRows(
  spans: RollupSpan[],
  params: Pick<TrafficSeriesParams, 'filters' | 'groupBy'>,
  columns: string,
  queryParams: Record<string, unknown>,
): string {
  const filters = TRAFFIC_DIMENSIONS.filter((d) => params.filters[d]).map((d) => {
    queryParams[`f_${d}`] = params.filters[d];
    return d === 'asn' ? `toString(asn) = {f_asn:String}` : `${d} = {f_${d}:String}`;
  });
  const key = params.groupBy ? 'toString({dim:Identifier})' : "''";
  return spans
    .map(({ rollup, ranges }, s) => {
      const within = ranges.map(([from, to], r) => {
        queryParams[`s${s}_${r}_from`] = from;
        queryParams[`s${s}_${r}_to`] = to;
        const [start, end] = [`fromUnixTimestamp64Milli({s${s}_${r}_from:Int64})`, `fromUnixTimestamp64Milli({s${s}_${r}_to:Int64})`];
        let blocks = '';
        if (rollup.block) {
          queryParams[`s${s}_${r}_first`] = Math.floor(from / rollup.block.ms);
          queryParams[`s${s}_${r}_last`] = Math.floor((to - 1) / rollup.block.ms);
          blocks = `${rollup.block.key} BETWEEN {s${s}_${r}_first:Int64} AND {s${s}_${r}_last:Int64} AND `;
        }
        return `(${blocks}${rollup.time} >= ${start} AND ${rollup.time} < ${end})`;
      });
      const where = [`(${within.join(' OR ')})`, ...filters].join(' AND ');
      return `SELECT ${rollup.time} AS minute, ${key} AS key, ${columns} FROM ${rollup.table} WHERE ${where}`;
    })
    .join('\nUNION ALL\n');
}

/**
 * Traffic per time bucket (and per group when asked): whole days and hours from the daily and hourly
 * rollups where they can answer, minutes from traffic_1m for the rest. The answer is the one
 * traffic_1m alone gives (the coarser tables hold the same sums, and the phones' distinct-count states merged);
 * `rollups` narrows the tables that may answer, which is how the tests hold the two paths side by side.
 * `measures` names the measures computed (all when absent): a point holds those and nothing else,
 * and the grouped query reads the `rankBy` measure (sends by default) besides, to keep the largest groups.
 */
export async function trafficSeries<M extends TrafficMeasure = TrafficMeasure>(
  store: Store,
  params: TrafficSeriesParams & { measures?: readonly M[] },
  rollups: readonly TrafficRollup[] = TRAFFIC_ROLLUPS,
): Promise<Pick<TrafficPoint, 'ts' | 'key' | M>[]> {
  const names = params.measures === undefined ? Object.keys(TRAFFIC_MEASURES) : [...new Set(params.measures)];
  // The route refuses unknown names with a 400; here they are a caller's mistake, and never reach SQL.
  const unknown = names.filter((name) => !isTrafficMeasure(name));
  if (unknown.length > 0) throw new Error(`trafficSeries: ${unknown.join(', ')} are not TRAFFIC_MEASURES`);
  if (names.length === 0) throw new Error('trafficSeries: no measure asked');
  const queryParams: Record<string, unknown> = { step: params.intervalMinutes, limit: params.limit, dim: params.groupBy ?? 'app' };
  const spans = rollupSpans(params, rollups);
  if (spans.length === 0) return [];
  // The ranking measure is a name of TRAFFIC_RANK_MEASURES, never input text.
  const rankBy = params.rankBy ?? 'sends';
  const columns = [...new Set([...names.map((name) => MEASURE_COLUMN[name]), ...(params.groupBy ? [MEASURE_COLUMN[rankBy]] : [])])].join(
    ', ',
  );
  const measures = names.map((name) => `${TRAFFIC_MEASURES[name]} AS ${name}`).join(',\n  ');
  const rows = rollupRows(spans, params, columns, queryParams);
  const query = params.groupBy
    ? `WITH rows AS (${rows})
       SELECT ${BUCKET}, key, ${measures}
       FROM rows
       WHERE key IN (SELECT key FROM rows GROUP BY key ORDER BY ${TRAFFIC_MEASURES[rankBy]} DESC, key LIMIT {limit:UInt32})
       GROUP BY ts, key
       ORDER BY ts, key`
    : `SELECT ${BUCKET}, key, ${measures} FROM (${rows}) GROUP BY ts, key ORDER BY ts`;
  const rs = await store.client.query({ query, query_params: queryParams, format: 'JSONEachRow' });
  return rs.json<Pick<TrafficPoint, 'ts' | 'key' | M>>();
}
