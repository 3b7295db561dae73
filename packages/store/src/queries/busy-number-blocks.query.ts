import type { Store } from '../store.ts';

/** Distinct numbers one number block (a keyed hash) received in a window. */
export interface BusyNumberBlock {
  block_hash: string;
  phones: number;
}

export const BUSY_NUMBER_BLOCKS_QUERY_NAME = 'busy-number-blocks';

// Healthy traffic almost never sends to two numbers of one block in minutes, so the blocks past
// `minPhones` are few and the answer small even on a busy day.
const QUERY = `
SELECT block_hash, toUInt32(uniq(phone_hash)) AS phones
FROM sends_raw
WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64}) AND block_hash != ''
GROUP BY block_hash
HAVING phones >= {min_phones:UInt32}`;

/** The number blocks that received at least `minPhones` distinct numbers in [fromMs, toMs). */
export async function busyNumberBlocks(
  store: Store,
  params: { fromMs: number; toMs: number; minPhones: number },
): Promise<BusyNumberBlock[]> {
  const rs = await store.client.query({
    query: QUERY,
    query_params: { from: params.fromMs, to: params.toMs, min_phones: params.minPhones },
    format: 'JSONEachRow',
  });
  return rs.json<BusyNumberBlock>();
}
