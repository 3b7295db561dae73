import type { ConversionStat, PrefixStat, ScopeStats } from './scope-stats.ts';
import { busyNumberBlocks, scopeConversion, type Store } from '@tollgate/store';

const MINUTE_MS = 60_000;
/** Sessions younger than this may still verify: counting them would read as a conversion drop. */
const VERIFY_GRACE_MS = 10 * MINUTE_MS;
/** The recent window the risk score compares: an hour reacts to an attack within minutes of its start and holds enough sessions to judge. */
const RECENT_WINDOW_MS = 60 * MINUTE_MS;
/** The baseline before it: a week covers every weekday's pattern. */
const BASELINE_WINDOW_MS = 7 * 24 * 60 * MINUTE_MS;
/** Distinct numbers per block are counted over this window: an enumeration walks a block in minutes. */
const BLOCK_WINDOW_MS = 15 * MINUTE_MS;
/** Blocks with fewer numbers than this are left out: one number of a block says nothing. */
const MIN_BLOCK_PHONES = 2;

/**
 * Reads the per-scope statistics the risk score uses as of `nowMs`: ASN and prefix conversion
 * against their baseline with the prefix's price, and the number blocks receiving many numbers.
 * Two store queries; the decision runtime runs this in the background, and the policy backtest
 * as it replays history.
 */
export async function readScopeStats(store: Store, nowMs: number): Promise<ScopeStats> {
  const toMs = nowMs - VERIFY_GRACE_MS;
  const recentFromMs = toMs - RECENT_WINDOW_MS;
  const [conversion, blocks] = await Promise.all([
    scopeConversion(store, { fromMs: recentFromMs - BASELINE_WINDOW_MS, recentFromMs, toMs }),
    busyNumberBlocks(store, { fromMs: nowMs - BLOCK_WINDOW_MS, toMs: nowMs, minPhones: MIN_BLOCK_PHONES }),
  ]);
  const asn = new Map<number, ConversionStat>();
  const prefix = new Map<string, PrefixStat>();
  for (const row of conversion) {
    const stat = {
      recentSessions: row.recent_sessions,
      recentVerified: row.recent_verified,
      baselineSessions: row.baseline_sessions,
      baselineVerified: row.baseline_verified,
    };
    if (row.dimension === 'asn') asn.set(Number(row.key), stat);
    else prefix.set(row.key, { ...stat, priceUsd: row.price_usd });
  }
  return { asn, prefix, blocks: new Map(blocks.map((block) => [block.block_hash, block.phones])), readAtMs: nowMs };
}
