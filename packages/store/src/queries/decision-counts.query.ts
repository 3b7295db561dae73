import type { Store } from '../store.ts';

/** Decisions of one minute and scope, as the decision API counts them in memory. */
export interface DecisionCountRow {
  minute: number;
  app: string;
  flow: string;
  country: string;
  prefix: string;
  asn: number;
  provider: string;
  allowed: number;
  challenged: number;
  blocked: number;
  shadow_blocked: number;
}

/** Adds decision counts to the rollup (SummingMergeTree adds rows of the same minute and scope). */
export async function insertDecisionCounts(store: Store, rows: DecisionCountRow[]): Promise<void> {
  if (rows.length === 0) return;
  await store.client.insert({
    table: 'decisions_1m',
    values: rows.map((row) => ({ ...row, minute: Math.floor(row.minute / 1000) })),
    format: 'JSONEachRow',
  });
}
