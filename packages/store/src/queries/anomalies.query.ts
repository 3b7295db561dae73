import type { Store } from '../store.ts';

/** An anomaly as stored: filter columns beside the detector's JSON document. */
export interface AnomalyRecord {
  id: string;
  version: number;
  kind: string;
  scope_key: string;
  state: string;
  severity: string;
  action: string;
  app: string;
  flow: string;
  country: string;
  prefix: string;
  asn: number;
  provider: string;
  score: number;
  cost_per_hour_usd: number;
  opened_at: number;
  updated_at: number;
  /** 0 while open. */
  resolved_at: number;
  doc: string;
}

export interface AnomalyFilters {
  state?: string;
  kind?: string;
  app?: string;
  flow?: string;
  country?: string;
  prefix?: string;
  asn?: number;
  provider?: string;
  /** Anomalies active at some point in [fromMs, toMs): opened before toMs and not resolved before fromMs. */
  fromMs?: number;
  toMs?: number;
  limit: number;
}

export const ANOMALIES_QUERY_NAME = 'anomalies';

/** 2100-01-01: "no upper bound" that DateTime64 still holds. */
const FAR_FUTURE_MS = 4_102_444_800_000;

const COLUMNS = `id, version, kind, scope_key, state, severity, action, app, flow, country, prefix, asn, provider,
  score, cost_per_hour_usd, toUnixTimestamp64Milli(opened_at) AS opened_at,
  toUnixTimestamp64Milli(updated_at) AS updated_at, toUnixTimestamp64Milli(resolved_at) AS resolved_at, doc`;

export async function saveAnomalies(store: Store, records: readonly AnomalyRecord[]): Promise<void> {
  if (records.length === 0) return;
  await store.client.insert({ table: 'anomalies', values: records as AnomalyRecord[], format: 'JSONEachRow' });
}

/** Latest versions matching the filters, most recently updated first. */
export async function listAnomalies(store: Store, filters: AnomalyFilters): Promise<AnomalyRecord[]> {
  const rs = await store.client.query({
    query: `SELECT ${COLUMNS} FROM anomalies FINAL
            WHERE ({state:String} = '' OR state = {state:String})
              AND ({kind:String} = '' OR kind = {kind:String})
              AND ({app:String} = '' OR app = {app:String})
              AND ({flow:String} = '' OR flow = {flow:String})
              AND ({country:String} = '' OR country = {country:String})
              AND ({prefix:String} = '' OR prefix = {prefix:String})
              AND ({asn:Int64} < 0 OR asn = {asn:Int64})
              AND ({provider:String} = '' OR provider = {provider:String})
              -- The SELECT aliases shadow the columns here: opened_at and resolved_at are epoch ms.
              AND opened_at < {to:Int64}
              AND (resolved_at = 0 OR resolved_at >= {from:Int64})
            ORDER BY updated_at DESC, id
            LIMIT {limit:UInt32}`,
    query_params: {
      state: filters.state ?? '',
      kind: filters.kind ?? '',
      app: filters.app ?? '',
      flow: filters.flow ?? '',
      country: filters.country ?? '',
      prefix: filters.prefix ?? '',
      asn: filters.asn ?? -1,
      provider: filters.provider ?? '',
      from: filters.fromMs ?? 0,
      to: filters.toMs ?? FAR_FUTURE_MS,
      limit: filters.limit,
    },
    format: 'JSONEachRow',
  });
  return rs.json<AnomalyRecord>();
}

export async function getAnomaly(store: Store, id: string): Promise<AnomalyRecord | undefined> {
  const rs = await store.client.query({
    query: `SELECT ${COLUMNS} FROM anomalies FINAL WHERE id = {id:String} LIMIT 1`,
    query_params: { id },
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<AnomalyRecord>();
  return row;
}
