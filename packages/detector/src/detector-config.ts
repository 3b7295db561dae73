/**
 * Every threshold of the detector, with the reason for its default. One object so a backtest can
 * replay history under a changed value and a deployment can override it.
 */
export interface Budget {
  /** Spend of this scope (all keys given must match) is held against `monthlyUsd`. */
  scope: { app?: string; country?: string; provider?: string };
  monthlyUsd: number;
}

export interface DetectorConfig {
  /** Conversion of a window is judged only once its sessions had this long to verify. */
  verifyMaturityMs: number;
  /** Short and long windows for volume: a burst shows in minutes, a ramp in half an hour. */
  shortWindowMs: number;
  longWindowMs: number;
  /** Matured sessions judged for conversion. */
  conversionWindowMs: number;
  /** A spike must be this many standard deviations out... */
  spikeZ: number;
  /** ...this many times the expectation... */
  spikeRatio: number;
  /** ...and carry at least this many extra sends in the short and long windows. */
  minExcessSendsShort: number;
  minExcessSendsLong: number;
  /**
   * Sparse scopes (prefixes, countries) are tested every minute over each of `sparseWindowsMs`:
   * their sessions nobody typed a code for (the expectation takes those younger than `unverifiedGraceMs` whole) against the
   * exact Poisson tail at up to `sparseSlack` times the shrunk hour-of-week expectation. A finding needs
   * a tail probability of at most `sparseAlpha` and at least `sparseMinSessions` sessions.
   */
  sparseWindowsMs: number[];
  unverifiedGraceMs: number;
  sparseAlpha: number;
  /** The same test on the unverified sessions from hosting networks alone (both its forms) needs at most this. */
  sparseHostingAlpha: number;
  /**
   * The hosting tests over two or more countries at once (`statistics/pooled-tail.ts`), once the
   * choice of those countries among all is paid for, need at most this.
   */
  sparsePooledAlpha: number;
  /**
   * The test of a country's sessions from the hosting networks of a farm blocked elsewhere in the
   * same app, while that anomaly is open (`detectors/farm-exits.detector.ts`), once every pair of farm and
   * country is paid for, needs at most this.
   */
  farmExitAlpha: number;
  sparseMinSessions: number;
  sparseSlack: number;
  /**
   * The same test on the unverified sessions from access networks nobody verified from into the
   * scope's country in the last week (`familiar-networks.ts`), over each of these windows, at
   * `sparseAlpha`.
   */
  unfamiliarWindowsMs: number[];
  /**
   * Trends: a Poisson CUSUM over the last `trendSpanMs` of matured minutes, testing a rise of the
   * unverified sessions to `trendRatio` times the seasonal expectation (and at least
   * `trendFloorPerMinute` more a minute, the least rate it takes seriously), raised while the sum
   * is over `trendThreshold` (log-likelihood units), has reached its peak within the last
   * `trendRisingMs`, and those minutes alone reach `trendRisingThreshold`. Once over the
   * threshold, a `trendRisingMs` with no more unverified sessions than expected ends the run and
   * restarts the sum.
   */
  trendRisingMs: number;
  trendRisingThreshold: number;
  trendSpanMs: number;
  trendRatio: number;
  trendFloorPerMinute: number;
  /** The same least rate for a whole country's trend. */
  trendCountryFloorPerMinute: number;
  trendThreshold: number;
  /** A conversion drop needs this many reachable sessions in the window. */
  minConversionSessions: number;
  /** Wilson bounds at this z (2.58: 99 %). */
  conversionZ: number;
  /** The window's upper bound must sit this far (absolute) under the baseline conversion. */
  minConversionDrop: number;
  /** Share of a scope's window traffic from hosting ASNs that makes a spike look like a bot farm. */
  hostingShareSuspicious: number;
  /** Top-3 ASN share of a spike's excess that makes it look like a bot farm. */
  asnConcentrationSuspicious: number;
  /** Sends a new destination needs before it is judged. */
  minNewDestinationSends: number;
  /** Distinct numbers one number block may receive in `blockWindowMs` before it is enumeration. */
  blockDistinctNumbers: number;
  blockWindowMs: number;
  /** Failed verifications in `verifyWindowMs` per session, IP and phone that are brute force. */
  verifyFailuresPerSession: number;
  verifyFailuresPerIp: number;
  verifyFailuresPerPhone: number;
  verifyWindowMs: number;
  /** Failure share of a provider in a country that is an incident (and its minimum sends). */
  deliveryFailureShare: number;
  minDeliverySends: number;
  deliveryWindowMs: number;
  /**
   * Delivery latency: the P90 of the messages sent in `latencyWindowMs` (judged once they are
   * `latencyMaturityMs` old) against the hour-of-week P90, with at least `minLatencyDelivered`
   * delivered messages in the window and `minLatencyHourDelivered` in each baseline hour. The P90
   * is too high when, at 99 %, more than a tenth of the messages took longer than the usual P90
   * times `latencyRatio`, plus at least `minLatencyRiseMs`.
   */
  latencyWindowMs: number;
  latencyMaturityMs: number;
  minLatencyDelivered: number;
  minLatencyHourDelivered: number;
  latencyRatio: number;
  minLatencyRiseMs: number;
  /** Billed against estimated cost, beyond this relative tolerance, over `billingWindowMs`. */
  billingTolerance: number;
  minBilledMessages: number;
  billingWindowMs: number;
  /** Cost spikes (cost per send moving, not volume) need this much extra money per hour. */
  minCostSpikeUsdPerHour: number;
  budgets: Budget[];
  /** USD per hour at which a finding is medium, high, critical. */
  severityUsdPerHour: { medium: number; high: number; critical: number };
  /** An open anomaly that has not been seen for this long is resolved. */
  resolveAfterQuietMs: number;
}

const MINUTE = 60_000;

export const DEFAULT_DETECTOR_CONFIG: DetectorConfig = {
  // Most people type a code within a few minutes; ten leaves the stragglers time to verify.
  verifyMaturityMs: 10 * MINUTE,
  shortWindowMs: 5 * MINUTE,
  longWindowMs: 30 * MINUTE,
  conversionWindowMs: 30 * MINUTE,
  // Five sigma and twice normal: hourly noise and a busy Monday stay below, a pumping wave does not.
  spikeZ: 5,
  spikeRatio: 2,
  minExcessSendsShort: 25,
  minExcessSendsLong: 60,
  // A burst shows in 3 minutes, a wave in 10, a trickle into a prefix seen once a month in 30; the
  // trend takes over beyond (a longer window keeps seeing an attack for as long after it stopped).
  sparseWindowsMs: [3 * MINUTE, 10 * MINUTE, 30 * MINUTE],
  // Most people type a code within a minute or two of receiving it.
  unverifiedGraceMs: 2 * MINUTE,
  // About a hundred thousand scope-window tests a day at a few hundred sends a minute: one in a
  // million each keeps chance findings under one a week, and the discrete tail is stricter still.
  sparseAlpha: 1e-6,
  // The hosting tests (the window's hosting sessions, and those past their grace against the
  // matured minutes alone) run on every scope with two hosting networks in a window (most
  // countries and busy prefixes, every minute) and their findings go straight to a block: one in a
  // hundred million each keeps chance blocks of people on a VPN to about one in fifty days at a
  // million scope-windows a day, and still names a prefix that sees a session a day at two bot
  // sessions.
  sparseHostingAlpha: 1e-8,
  // The pooled tests are one per step and form over the shortest window (two a minute, 2,880 a
  // day), each already priced for every choice of countries it could have made: one in a million
  // each keeps chance blocks of people on a VPN to about one in a year, fewer than the tests of
  // single scopes make.
  sparsePooledAlpha: 1e-6,
  // The farm-exit test runs only while a farm's anomaly is open (each attack and the quarter hour
  // after it, a few hundred minutes a week), priced for every pair of farm and country it could
  // name: one in a million keeps its chance blocks of people on a VPN to about one in decades.
  farmExitAlpha: 1e-6,
  // Two sessions can be one person starting over; three in a sparse prefix cannot.
  sparseMinSessions: 3,
  // The excess must pass half again the expectation (from one expected session up): seasonal
  // baselines are that far off some hours.
  sparseSlack: 1.5,
  // A proxy pool's sessions into a sparse prefix show in ten minutes; a ramp through home
  // connections abroad, which starts at a session or two an hour, gathers its first few in one or
  // two hours, where its unverified sessions as a whole are still within the hour's noise.
  unfamiliarWindowsMs: [10 * MINUTE, 30 * MINUTE, 60 * MINUTE, 120 * MINUTE],
  // Two hours of matured minutes: a ramp over a working day has doubled its scope well within them.
  trendSpanMs: 120 * MINUTE,
  // Pumped sessions never verify: where nine in ten people verify, the 40-100 % more sessions of a
  // ramp's first hour are 5-11 times the usual unverified ones. A rise to four times is the
  // reference between them; a campaign or a holiday, whose people verify, stays far below it.
  trendRatio: 4,
  // Three unverified sessions an hour is the least a trend of its own is worth; below, the tail test.
  trendFloorPerMinute: 0.05,
  // A country's count is the sum of all its prefixes', so a trend of its own is worth less: where
  // nearly everyone verifies (0.5-1 unverified sessions an hour), the prefix's floor tested a rise
  // on five times the true expectation and a ramp through the country's own networks, which only
  // the trend sees, waited 15-30 minutes longer. Chance runs at the threshold stayed none
  // (bench/RESULTS.md, "Ramps: what the first finding waits for").
  trendCountryFloorPerMinute: 0.01,
  // ln(1e6): a false run about once in a million scope-minutes, under one a week over the hundred
  // or so scopes busy enough to run one. Counted over eight simulated days of every country and
  // prefix, runs outside any labelled event were none here, 0-1 at ln(1e5), 3-7 at ln(1e4) and
  // 31-37 at ln(1e3) (bench/RESULTS.md): a slow ramp at a quiet hour gains minutes, not hours,
  // from a lower one.
  trendThreshold: Math.log(1e6),
  // The last quarter hour must be twenty times likelier under the rise: an attack that stopped
  // leaves a sum that decays slowly but no longer grows by that much. A quarter hour at or under
  // the expectation ends a run that crossed: the sum restarts from zero.
  trendRisingMs: 15 * MINUTE,
  trendRisingThreshold: Math.log(20),
  // Hundreds of scopes are tested every minute: 99.9 % bounds and a drop of ten points keep the
  // false alarms of that many tests rare; thirty sessions is the least such a bound can judge.
  minConversionSessions: 30,
  conversionZ: 3.29,
  minConversionDrop: 0.1,
  hostingShareSuspicious: 0.5,
  asnConcentrationSuspicious: 0.8,
  minNewDestinationSends: 20,
  // A block is a thousand numbers; people rarely share one, bots walk through it.
  blockDistinctNumbers: 10,
  blockWindowMs: 30 * MINUTE,
  // Services commonly allow five attempts per session; more failures than that is guessing.
  verifyFailuresPerSession: 6,
  verifyFailuresPerIp: 20,
  verifyFailuresPerPhone: 10,
  verifyWindowMs: 15 * MINUTE,
  deliveryFailureShare: 0.3,
  minDeliverySends: 30,
  deliveryWindowMs: 15 * MINUTE,
  // Fifteen minutes like delivery failures; receipts come back within a minute, two leave room.
  latencyWindowMs: 15 * MINUTE,
  latencyMaturityMs: 2 * MINUTE,
  // Thirty messages is the least a bound on a tenth can judge; a baseline hour needs as many.
  minLatencyDelivered: 30,
  minLatencyHourDelivered: 30,
  // Twice the usual P90 and ten seconds more: an OTP that takes ten seconds longer is one the user
  // starts to wait for, and hourly jitter of the P90 stays well under double.
  latencyRatio: 2,
  minLatencyRiseMs: 10_000,
  billingTolerance: 0.15,
  minBilledMessages: 100,
  billingWindowMs: 24 * 60 * MINUTE,
  minCostSpikeUsdPerHour: 5,
  budgets: [],
  severityUsdPerHour: { medium: 5, high: 25, critical: 100 },
  resolveAfterQuietMs: 15 * MINUTE,
};
