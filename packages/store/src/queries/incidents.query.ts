import type { Store } from '../store.ts';

/** An incident's state at one version (times in epoch ms, 0 for "not yet"). */
export interface IncidentRecord {
  id: string;
  version: number;
  group_key: string;
  route_path: string;
  owner: string;
  title: string;
  severity: string;
  state: string;
  /** JSON array of the incident's anomalies. */
  anomalies: string;
  opened_at: number;
  updated_at: number;
  acknowledged_at: number;
  acknowledged_by: string;
  resolved_at: number;
  resolved_by: string;
  spend_usd: number;
  prevented_usd: number;
  escalated_levels: number;
}

/** One timeline entry; `detail` is the entry's own fields as JSON. */
export interface IncidentTimelineRecord {
  incident_id: string;
  seq: number;
  at: number;
  actor: string;
  type: string;
  detail: string;
}

export interface IncidentFilter {
  /** Empty or absent: every owner. */
  owner?: string;
  /** Empty or absent: every state. */
  state?: string;
  /** Only incidents not resolved (what the desk reloads after a restart). */
  unresolved?: boolean;
  severity?: string;
  /** Incidents holding an anomaly of one of these kinds (the dashboard's kind and category filters). */
  kinds?: readonly string[];
  /** Incidents holding an anomaly of this app. */
  app?: string;
  /** Opened at or after / before, epoch ms. */
  fromMs?: number;
  toMs?: number;
  limit: number;
}

const INCIDENT_COLUMNS = `id, version, group_key, route_path, owner, title, severity, state, anomalies,
  toUnixTimestamp64Milli(opened_at) AS opened_at, toUnixTimestamp64Milli(updated_at) AS updated_at,
  toUnixTimestamp64Milli(acknowledged_at) AS acknowledged_at, acknowledged_by,
  toUnixTimestamp64Milli(resolved_at) AS resolved_at, resolved_by, spend_usd, prevented_usd, escalated_levels`;

/** Writes incidents' new versions. Query name: incidents.save. */
export async function saveIncidents(store: Store, records: IncidentRecord[]): Promise<void> {
  if (records.length === 0) return;
  await store.client.insert({ table: 'incidents', values: records, format: 'JSONEachRow' });
}

/** The latest version of one incident. Query name: incidents.by_id. */
export async function incidentById(store: Store, id: string): Promise<IncidentRecord | undefined> {
  const rs = await store.client.query({
    query: `SELECT ${INCIDENT_COLUMNS} FROM incidents FINAL WHERE id = {id:String}`,
    query_params: { id },
    format: 'JSONEachRow',
  });
  return (await rs.json<IncidentRecord>())[0];
}

/**
 * Incidents newest first, optionally one owner's or in one state: auth and billing incidents in
 * one list, as the dashboard shows them. Query name: incidents.list.
 */
export async function listIncidents(store: Store, filter: IncidentFilter): Promise<IncidentRecord[]> {
  // The kind and app live in the anomalies' JSON: incidents are few, so reading it beats a column per label.
  const rs = await store.client.query({
    query: `SELECT ${INCIDENT_COLUMNS} FROM incidents FINAL
            WHERE ({owner:String} = '' OR owner = {owner:String}) AND ({state:String} = '' OR state = {state:String})
              AND ({unresolved:UInt8} = 0 OR state != 'resolved')
              AND ({severity:String} = '' OR severity = {severity:String})
              AND (empty({kinds:Array(String)}) OR arrayExists(a -> has({kinds:Array(String)}, JSONExtractString(a, 'kind')), JSONExtractArrayRaw(anomalies)))
              AND ({app:String} = '' OR arrayExists(a -> JSONExtractString(a, 'scope', 'app') = {app:String}, JSONExtractArrayRaw(anomalies)))
              AND opened_at >= {from:Int64} AND opened_at < {to:Int64}
            ORDER BY opened_at DESC, id LIMIT {limit:UInt32}`,
    query_params: {
      owner: filter.owner ?? '',
      state: filter.state ?? '',
      unresolved: filter.unresolved ? 1 : 0,
      severity: filter.severity ?? '',
      kinds: filter.kinds ?? [],
      app: filter.app ?? '',
      from: filter.fromMs ?? 0,
      to: filter.toMs ?? Number.MAX_SAFE_INTEGER,
      limit: filter.limit,
    },
    format: 'JSONEachRow',
  });
  return rs.json<IncidentRecord>();
}

/** Appends timeline entries; re-writing an entry with the same (incident_id, seq) is harmless. Query name: incident_timeline.append. */
export async function appendIncidentTimeline(store: Store, records: IncidentTimelineRecord[]): Promise<void> {
  if (records.length === 0) return;
  await store.client.insert({ table: 'incident_timeline', values: records, format: 'JSONEachRow' });
}

/** One incident's timeline in order. Query name: incident_timeline.of_incident. */
export async function incidentTimeline(store: Store, incidentId: string): Promise<IncidentTimelineRecord[]> {
  const rs = await store.client.query({
    query: `SELECT incident_id, seq, toUnixTimestamp64Milli(at) AS at, actor, type, detail
            FROM incident_timeline FINAL WHERE incident_id = {id:String} ORDER BY seq`,
    query_params: { id: incidentId },
    format: 'JSONEachRow',
  });
  return rs.json<IncidentTimelineRecord>();
}

/**
 * When each of `incidentIds` first had a timeline entry of `type` (e.g. its first breaker trip):
 * what response times are measured from. Query name: incident_timeline.first_of_type.
 */
export async function firstTimelineEntries(store: Store, type: string, incidentIds: readonly string[]): Promise<Map<string, number>> {
  if (incidentIds.length === 0) return new Map();
  const rs = await store.client.query({
    query: `SELECT incident_id, toUnixTimestamp64Milli(min(at)) AS first_at FROM incident_timeline FINAL
            WHERE type = {type:String} AND incident_id IN {ids:Array(String)} GROUP BY incident_id`,
    query_params: { type, ids: incidentIds },
    format: 'JSONEachRow',
  });
  return new Map((await rs.json<{ incident_id: string; first_at: number }>()).map((row) => [row.incident_id, Number(row.first_at)]));
}
