import { alterTarget, distributedSelect, SHARDING_KEYS } from '../cluster-ddl.ts';
import { clusterOf } from '../store-config.ts';
import type { Store } from '../store.ts';

const SEND_MINUTE = 'toStartOfMinute(if(toUnixTimestamp64Milli(send_ts) > 0, send_ts, ts))';

/** The views that feed traffic_1m, with the expression of the minute each one counts a row in. */
const TRAFFIC_VIEWS = [
  { view: 'traffic_1m_sends_mv', table: 'sends_raw', minute: 'toStartOfMinute(ts)' },
  { view: 'traffic_1m_verifies_mv', table: 'verifies_raw', minute: SEND_MINUTE },
  { view: 'traffic_1m_billing_mv', table: 'billing_raw', minute: SEND_MINUTE },
  { view: 'traffic_1m_receipts_mv', table: 'receipts_raw', minute: SEND_MINUTE },
] as const;

/** Every rollup table and the views that feed it. */
const ROLLUPS = [
  { target: 'traffic_1m', views: TRAFFIC_VIEWS },
  { target: 'delivery_1m', views: [{ view: 'delivery_1m_mv', table: 'receipts_raw', minute: SEND_MINUTE }] },
] as const;

/**
 * The hourly and daily traffic (migration 012), finest first: each is fed by a view over the one
 * before it, so re-inserting minutes also adds them to hours and days that already counted the
 * minutes left in place. `of` is the hour or day of a minute as ClickHouse writes it.
 */
const TRAFFIC_CASCADE = [
  { target: 'traffic_1h', view: 'traffic_1h_mv', time: 'hour', of: (minute: string) => `${minute.slice(0, 13)}:00:00` },
  { target: 'traffic_1d', view: 'traffic_1d_mv', time: 'day', of: (minute: string) => `${minute.slice(0, 10)} 00:00:00` },
] as const;

/**
 * Rebuilds the rollup minutes touched by raw rows ingested since `sinceMs`.
 *
 * ClickHouse commits a raw part and the parts of its materialized views one after the other, so a
 * process killed in between leaves raw rows that the rollup never counted; the client got no
 * answer, retries, and its retry is (rightly) a duplicate. After an unclean stop the server calls
 * this for the last moments before the crash: it deletes those minutes from each rollup and
 * re-aggregates them from the raw tables with the views' own SELECTs (read from the catalogue,
 * so the definition lives in one place). Then the hours and days holding those minutes are rebuilt
 * whole from the repaired minutes, finest first. Returns the number of minutes rebuilt (in traffic_1m).
 */
export async function repairRollups(store: Store, sinceMs: number): Promise<number> {
  let rebuilt = 0;
  for (const { target, views } of ROLLUPS) {
    const minutes = new Set<string>();
    for (const { table, minute } of views) {
      const rs = await store.client.query({
        query: `SELECT DISTINCT toString(${minute}) AS m FROM {table:Identifier} WHERE ingested_at >= fromUnixTimestamp64Milli({since:Int64})`,
        query_params: { table, since: sinceMs },
        format: 'JSONCompactEachRow',
      });
      for (const [m] of await rs.json<[string]>()) minutes.add(m);
    }
    if (minutes.size === 0) continue;
    const list = [...minutes];
    await rebuild(
      store,
      target,
      'minute',
      views.map((v) => v.view),
      list,
    );
    if (target === 'traffic_1m') {
      rebuilt = list.length;
      for (const { target: coarser, view, time, of } of TRAFFIC_CASCADE)
        await rebuild(store, coarser, time, [view], [...new Set(list.map(of))]);
    }
  }
  return rebuilt;
}

/** Deletes the rows of `target` at these times and inserts them again from its views. */
async function rebuild(store: Store, target: string, time: string, views: readonly string[], times: string[]): Promise<void> {
  const alter = alterTarget(clusterOf(store.config));
  await store.client.command({
    query: `ALTER TABLE {target:Identifier}${alter.onCluster} DELETE WHERE {time:Identifier} IN {times:Array(DateTime)}`,
    query_params: { target: alter.table(target), time, times },
    clickhouse_settings: { mutations_sync: '2' },
  });
  for (const view of views) {
    const rs = await store.client.query({
      query: `SELECT any(t.as_select) AS as_select, arraySort((n, p) -> p, groupArray(c.name), groupArray(c.position)) AS columns
              FROM system.tables AS t INNER JOIN system.columns AS c ON c.database = t.database AND c.table = t.name
              WHERE t.database = currentDatabase() AND t.name = {view:String}`,
      query_params: { view },
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ as_select: string; columns: string[] }>();
    if (!row?.as_select) throw new Error(`rollup view ${view} is missing: run \`tollgate migrate\``);
    // The view's SELECT and column names are schema text from our own migrations, not input. On a
    // cluster it reads one node's local tables; the distributed names read every shard. A view
    // writes only the columns it counts, by name, as ClickHouse does for the view itself.
    const select = distributedSelect(row.as_select, Object.keys(SHARDING_KEYS));
    await store.client.command({
      query: `INSERT INTO {target:Identifier} (${row.columns.map((c) => `\`${c}\``).join(', ')}) SELECT * FROM (${select}) WHERE {time:Identifier} IN {times:Array(DateTime)}`,
      query_params: { target, time, times },
    });
  }
}

/** When the last raw row of any kind was ingested (0 for an empty store). */
export async function lastIngestedAt(store: Store): Promise<number> {
  let latest = 0;
  for (const { table } of TRAFFIC_VIEWS) {
    const rs = await store.client.query({
      query: 'SELECT toUnixTimestamp64Milli(max(ingested_at)) AS t FROM {table:Identifier}',
      query_params: { table },
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ t: number }>();
    latest = Math.max(latest, row?.t ?? 0);
  }
  return latest;
}
