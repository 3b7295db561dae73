/**
 * What the store knows about the scopes a request falls in, as the risk score reads it: each
 * ASN's and destination prefix's recent conversion against its own baseline, the prefix's price,
 * and the number blocks that received many distinct numbers lately. The server refreshes these in
 * the background (decision-runtime.ts); the hot path only looks them up.
 */

/** Sessions and verified sessions of one scope, recently and over its baseline period. */
export interface ConversionStat {
  recentSessions: number;
  recentVerified: number;
  baselineSessions: number;
  baselineVerified: number;
}

export interface PrefixStat extends ConversionStat {
  /** Mean estimated cost of one recent send to the prefix, USD. */
  priceUsd: number;
}

export interface ScopeStats {
  asn: ReadonlyMap<number, ConversionStat>;
  /** Keyed by the collectors' prefix ("+44 740"). */
  prefix: ReadonlyMap<string, PrefixStat>;
  /** Distinct numbers per number-block hash in the recent window; only blocks with several. */
  blocks: ReadonlyMap<string, number>;
  /** When the statistics were read (epoch ms), 0 before the first read. */
  readAtMs: number;
}

export const EMPTY_SCOPE_STATS: ScopeStats = { asn: new Map(), prefix: new Map(), blocks: new Map(), readAtMs: 0 };

/**
 * Fewer sessions than this on either side and a conversion rate says little: 20 recent sessions
 * put one standard error near 9 points at 80 % conversion, small beside the halving we look for.
 */
export const MIN_SESSIONS_FOR_CONVERSION = 20;

/**
 * The conversion a scope without a baseline is held to: legitimate OTP sessions verify 80-93 % of
 * the time across countries (simulator catalogue, from public CPaaS conversion reports). Pumping
 * favours destinations nobody sent to before, so "no baseline" must not mean "no opinion".
 */
export const TYPICAL_CONVERSION = 0.8;

/**
 * How far recent conversion fell below the baseline (or below TYPICAL_CONVERSION when the scope
 * has too little history), as a share of it: 0 when it did not fall or the recent sessions are
 * too few to say.
 */
export function conversionDrop(stat: ConversionStat | undefined): number {
  if (stat === undefined || stat.recentSessions < MIN_SESSIONS_FOR_CONVERSION) return 0;
  const baseline = stat.baselineSessions < MIN_SESSIONS_FOR_CONVERSION ? TYPICAL_CONVERSION : stat.baselineVerified / stat.baselineSessions;
  if (baseline <= 0) return 0;
  const recent = stat.recentVerified / stat.recentSessions;
  return Math.max(0, (baseline - recent) / baseline);
}
