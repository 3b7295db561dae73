import type { Store } from '../store.ts';

/** What the enrichment said about an ASN seen in sends: its organisation and whether it is a hosting network. */
export interface AsnProfile {
  asn: number;
  org: string;
  hosting: boolean;
}

export const ASN_PROFILES_QUERY_NAME = 'asn-profiles';

const QUERY = `
SELECT asn, any(asn_org) AS org, max(asn_hosting) AS hosting
FROM sends_raw
WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64}) AND asn != 0
GROUP BY asn`;

/** The ASNs that sent in [fromMs, toMs) with their organisation and hosting flag. */
export async function asnProfiles(store: Store, params: { fromMs: number; toMs: number }): Promise<AsnProfile[]> {
  const rs = await store.client.query({
    query: QUERY,
    query_params: { from: params.fromMs, to: params.toMs },
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ asn: number; org: string; hosting: number }>();
  return rows.map((row) => ({ asn: row.asn, org: row.org, hosting: row.hosting === 1 }));
}
