import type { Store } from '../store.ts';

/** Distinct numbers one number block received in one minute (the block is a keyed hash). */
export interface NumberBlockMinute {
  ts: number;
  block_hash: string;
  app: string;
  flow: string;
  country: string;
  prefix: string;
  phones: number;
  sends: number;
}

export const NUMBER_BLOCKS_QUERY_NAME = 'number-blocks';

// Only blocks that reached `minPhones` distinct numbers over the whole range come back: healthy
// traffic almost never sends to two numbers of one block, so the answer stays small.
const QUERY = `
SELECT toUnixTimestamp(toStartOfMinute(ts)) * 1000 AS t, block_hash, app, flow, country, prefix,
       toUInt64(uniq(phone_hash)) AS phones, toUInt64(count()) AS sends
FROM sends_raw
WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64})
  AND block_hash IN (
    SELECT block_hash FROM sends_raw
    WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64})
    GROUP BY block_hash HAVING uniq(phone_hash) >= {min_phones:UInt32})
GROUP BY t, block_hash, app, flow, country, prefix
ORDER BY t`;

/** Per-minute distinct numbers of the blocks that received at least `minPhones` numbers in [fromMs, toMs). */
export async function numberBlockActivity(
  store: Store,
  params: { fromMs: number; toMs: number; minPhones: number },
): Promise<NumberBlockMinute[]> {
  const rs = await store.client.query({
    query: QUERY,
    query_params: { from: params.fromMs, to: params.toMs, min_phones: params.minPhones },
    format: 'JSONEachRow',
  });
  const rows = await rs.json<Omit<NumberBlockMinute, 'ts'> & { t: number }>();
  return rows.map(({ t, ...rest }) => ({ ts: t, ...rest }));
}
