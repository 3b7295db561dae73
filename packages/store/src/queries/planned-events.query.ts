import type { Store } from '../store.ts';

/** A planned event as stored; `scope` is the breakers' scope as JSON (what it touches). */
export interface PlannedEventRecord {
  id: string;
  version: number;
  kind: string;
  scope: string;
  starts_at: number;
  ends_at: number;
  volume_multiplier: number;
  /** '' when the event names no temporary owner. */
  owner: string;
  note: string;
  author: string;
  created_at: number;
}

/** Writes a planned event's new version (declared, ended early). Query name: planned_events.save. */
export async function savePlannedEvent(store: Store, record: PlannedEventRecord): Promise<void> {
  await store.client.insert({ table: 'planned_events', values: [record], format: 'JSONEachRow' });
}

/**
 * Planned events whose window overlaps [fromMs, toMs), latest versions, earliest first. In WHERE,
 * `starts_at` and `ends_at` are the select's aliases, already epoch ms. Query name: planned_events.overlapping.
 */
export async function plannedEventsBetween(store: Store, fromMs: number, toMs: number): Promise<PlannedEventRecord[]> {
  const rs = await store.client.query({
    query: `SELECT id, version, kind, scope, toUnixTimestamp64Milli(starts_at) AS starts_at, toUnixTimestamp64Milli(ends_at) AS ends_at,
                   volume_multiplier, owner, note, author, toUnixTimestamp64Milli(created_at) AS created_at
            FROM planned_events FINAL
            WHERE starts_at < {to:Int64} AND ends_at > {from:Int64}
            ORDER BY starts_at, id`,
    query_params: { from: fromMs, to: toMs },
    format: 'JSONEachRow',
  });
  return (await rs.json<PlannedEventRecord>()).map((row) => ({
    ...row,
    starts_at: Number(row.starts_at),
    ends_at: Number(row.ends_at),
    created_at: Number(row.created_at),
  }));
}
