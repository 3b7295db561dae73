/**
 * Sparse scopes in minutes: prefixes and countries whose usual traffic is a few sessions an hour
 * or less, tested every minute with the exact Poisson tail of their unverified sessions against
 * their hour-of-week expectation shrunk toward the parent scope. Two or three pumped sessions a
 * minute into a prefix that sees one a day are certain within minutes, long before they move a
 * country's or the app's volume, and long before a conversion window closes.
 */
import { describeScope } from '@tollgate/vocabulary';
import { costPerSendUsd, reachableSessions } from '../counters.ts';
import type { DetectionContext } from '../detection-context.ts';
import { severityForCost, type Finding } from '../finding.ts';
import { plannedVolumeMultiplier } from '../planned-event.ts';
import { sessionBaseline, type SessionBaseline } from '../seasonal-baseline.ts';
import { logPoissonTail } from '../statistics/count-tails.ts';
import { levelKey, MS_PER_MINUTE, type MinuteCell, type ScopeSeries } from '../traffic-book.ts';
import { expectedUnverified, minutesOf, observedUnverified, observedUnverifiedByMinute, unverified } from '../unverified-sessions.ts';

/**
 * Legitimate users come from access networks; a few are behind a VPN or an office egress that
 * resolves to a hosting provider. Below one in a hundred, a week's share says more about networks
 * the enrichment missed than about the users: the expectation never assumes fewer than that.
 */
const MIN_HOSTING_SHARE = 0.01;
/**
 * Never-verified sessions from hosting networks are evidence at two, where any sessions need
 * three, but only from at least two networks: two from one network can be one person on a VPN
 * starting over, two from two datacenters into a prefix that sees a session a day are a farm.
 */
const HOSTING_MIN_SESSIONS = 2;
/** Sessions from unfamiliar networks take two of them too: one can be one traveller starting over. */
const SOURCE_MIN_NETWORKS = 2;
/**
 * Pumped sessions come on top of a scope's usual ones: at least half of the hosting (or
 * unfamiliar) sessions must be excess over the scope's whole expectation. An account farm on
 * rented servers or an office moving behind a VPN replaces usual traffic instead, and is the ASN
 * concentration's to raise.
 */
const ON_TOP_SHARE = 0.5;
/**
 * People reach their own country's numbers from its carriers and home ISPs, and the few who do not
 * (travellers, a new carrier's first customers) verify like anyone, which makes their network
 * familiar at once. Two in a hundred of a scope's unverified sessions from networks nobody
 * verified from in a week is more than those leave: the expectation never assumes fewer.
 */
const UNFAMILIAR_SHARE = 0.02;

/** Sessions from unfamiliar networks must have come within the last this-many-th part of their window. */
const STILL_ARRIVING_PARTS = 4;

/** Where a tally's sessions come from: hosting networks, or access networks unfamiliar to the destination country. */
type Source = 'hosting' | 'unfamiliar';
const SIGNALS: Record<Source, string> = {
  hosting: 'unverified_sessions_from_hosting',
  unfamiliar: 'unverified_sessions_from_unfamiliar_networks',
};

/** Unverified sessions of one scope and window from one source, how many networks sent them, and how many are past the grace. */
interface SourceTally {
  sessions: number;
  networks: Set<number>;
  /**
   * Of them, past their grace and still not verified: at least one must be while there are only
   * two, since two people on a VPN who ask for codes into the same quiet prefix a minute apart
   * are both still typing. A third session from the networks is no such pair, grace or not.
   */
  matured: number;
  /** The latest minute with one of them. */
  lastMs: number;
}

/** The most surprising window of one scope: its tail probability and what it was computed on. */
interface Tail {
  logP: number;
  observed: number;
  expected: number;
  windowMs: number;
  /** Set when the tail is that of the sessions from one source alone. */
  source?: { kind: Source; networks: number; share: number };
}

/**
 * Every minute, each prefix and country with sessions is tested over each window twice: all its
 * unverified sessions against the shrunk hour-of-week expectation, and those from hosting
 * networks against that expectation times the usual hosting share of the people who verify
 * (`usualHostingShare`, over the last week: a VPN user verifies like anyone, a bot farm does not,
 * so past attacks do not raise it). The second names a bot farm's prefix at its second session.
 */
export function detectSparseScopes(ctx: DetectionContext, usualHostingShare: number): Finding[] {
  const { book, config, nowMs } = ctx;
  const longest = Math.max(...config.sparseWindowsMs);
  const hostingShare = Math.max(MIN_HOSTING_SHARE, usualHostingShare);
  const hosting = hostingTallies(ctx, config.sparseWindowsMs);
  const unfamiliar = unfamiliarTallies(ctx, config.unfamiliarWindowsMs);
  // The longest window's tally holds every shorter one's.
  const hostingLongest = hosting.get(longest);
  const unfamiliarCounting = countingScopes(ctx, unfamiliar);
  const findings: Finding[] = [];
  for (const [series, recent] of ctx.window(nowMs - longest, nowMs)) {
    if (series.level !== 'prefix' && series.level !== 'country') continue;
    if (
      recent.sessions < config.sparseMinSessions &&
      (hostingLongest?.get(series)?.networks.size ?? 0) < SOURCE_MIN_NETWORKS &&
      !unfamiliarCounting.has(series)
    )
      continue;
    const baseline = sessionBaseline(book, series, nowMs - MS_PER_MINUTE, nowMs);
    if (!baseline) continue;
    const best = mostSurprising(ctx, series, baseline, { hosting, unfamiliar }, hostingShare);
    if (best) findings.push(sparseFinding(ctx, series, baseline, best));
  }
  return findings;
}

/** Per window, each prefix's and country's tally of one source. */
type Tallies = Map<number, Map<ScopeSeries, SourceTally>>;

function emptyTallies(windowsMs: readonly number[]): Tallies {
  return new Map(windowsMs.map((windowMs) => [windowMs, new Map<ScopeSeries, SourceTally>()]));
}

/** One pass over the cells of the longest window: per window, each prefix's and country's unverified sessions from hosting networks. */
function hostingTallies(ctx: DetectionContext, windowsMs: readonly number[]): Tallies {
  const { book, nowMs } = ctx;
  const tallies = emptyTallies(windowsMs);
  for (let m = nowMs - Math.max(...windowsMs); m < nowMs; m += MS_PER_MINUTE) {
    for (const cell of book.cellsOf(m)) if (ctx.asns.get(cell.asn)?.hosting === true) tallyCell(ctx, tallies, m, cell);
  }
  return tallies;
}

/**
 * The same tallies of the sessions from access networks nobody verified from into their country
 * in the last week. Unknown networks (no client address) are no evidence, and hosting ones are the
 * test above's. Familiarity is asked once per country and network, and only the cells of the
 * unfamiliar ones are read: a step costs the networks of the last two hours, not their cells.
 */
function unfamiliarTallies(ctx: DetectionContext, windowsMs: readonly number[]): Tallies {
  const tallies = emptyTallies(windowsMs);
  for (const network of ctx.cellsByNetwork(ctx.nowMs - Math.max(...windowsMs))) {
    if (ctx.asns.get(network.asn)?.hosting === true || ctx.familiarNetwork(network.country, network.asn)) continue;
    for (const [m, cells] of network.minutes) for (const cell of cells) tallyCell(ctx, tallies, m, cell);
  }
  return tallies;
}

/** Adds one cell's unverified sessions (young ones whole, brute-force guesses left out) to its prefix's and country's tallies of each window it falls in. */
function tallyCell(ctx: DetectionContext, tallies: Tallies, m: number, cell: MinuteCell): void {
  const { book, nowMs } = ctx;
  const young = m >= nowMs - ctx.config.unverifiedGraceMs;
  const counted = young ? reachableSessions(cell.counters) : unverified(cell.counters);
  if (counted <= 0) return;
  const sessions = counted - ctx.guessedInCell(m, cell);
  if (sessions <= 0) return;
  for (const level of ['prefix', 'country'] as const) {
    const series = book.levels.get(level)?.get(levelKey(level, cell));
    if (!series) continue;
    for (const [windowMs, bySeries] of tallies) {
      if (m < nowMs - windowMs) continue;
      const tally = bySeries.get(series);
      if (!tally) {
        bySeries.set(series, { sessions, networks: new Set([cell.asn]), matured: young ? 0 : sessions, lastMs: m });
        continue;
      }
      tally.sessions += sessions;
      tally.networks.add(cell.asn);
      if (!young) tally.matured += sessions;
      // The cells of a network come by minute, but the networks do not.
      if (m > tally.lastMs) tally.lastMs = m;
    }
  }
}

/** The scopes with a window whose unfamiliar tally is enough to test (`unfamiliarTallyCounts`). */
function countingScopes(ctx: DetectionContext, tallies: Tallies): Set<ScopeSeries> {
  const counting = new Set<ScopeSeries>();
  for (const [windowMs, bySeries] of tallies) {
    for (const [series, tally] of bySeries) if (unfamiliarTallyCounts(tally, windowMs, ctx)) counting.add(series);
  }
  return counting;
}

/**
 * Whether a window's sessions from unfamiliar networks are enough to test: three from two networks,
 * and still arriving. An hour or two of them is a ramp while they still arrive; once none came in
 * the window's last quarter, the window only remembers an attack that ended. Checked before a
 * scope is tested at all, since a ramp spread over a country puts a few such sessions into each of
 * its prefixes for hours.
 */
function unfamiliarTallyCounts(tally: SourceTally | undefined, windowMs: number, ctx: DetectionContext): boolean {
  return (
    tally !== undefined &&
    tally.sessions >= ctx.config.sparseMinSessions &&
    tally.networks.size >= SOURCE_MIN_NETWORKS &&
    tally.lastMs >= ctx.nowMs - windowMs / STILL_ARRIVING_PARTS
  );
}

/** Whether a source's tally is worth a tail: the checks that need no count of all the scope's sessions. */
function sourceTallyCounts(ctx: DetectionContext, kind: Source, tally: SourceTally | undefined, windowMs: number): tally is SourceTally {
  const { config } = ctx;
  const minSessions = kind === 'hosting' ? HOSTING_MIN_SESSIONS : config.sparseMinSessions;
  if (!tally || tally.sessions < minSessions || tally.networks.size < SOURCE_MIN_NETWORKS) return false;
  if (tally.matured < 1 && tally.sessions < config.sparseMinSessions) return false;
  return kind !== 'unfamiliar' || unfamiliarTallyCounts(tally, windowMs, ctx);
}

/**
 * The tail of a source's sessions against `share` of the scope's expectation, if they come on top
 * of its usual sessions (`observed` of them all in the window).
 */
function sourceTail(
  ctx: DetectionContext,
  kind: Source,
  tally: SourceTally,
  windowMs: number,
  expected: number,
  observed: number,
  share: number,
): Tail | undefined {
  const { config } = ctx;
  if (observed - expected * slack(expected, config.sparseSlack) < ON_TOP_SHARE * tally.sessions) return undefined;
  const fromIt = expected * share;
  return {
    logP: logPoissonTail(tally.sessions, fromIt * slack(fromIt, config.sparseSlack)),
    observed: tally.sessions,
    expected: fromIt,
    windowMs,
    source: { kind, networks: tally.networks.size, share },
  };
}

/** The more surprising of the best so far and a new tail, if the new one is within its alpha. */
function moreSurprising(ctx: DetectionContext, best: Tail | undefined, tail: Tail | undefined): Tail | undefined {
  if (!tail) return best;
  const logAlpha = Math.log(tail.source?.kind === 'hosting' ? ctx.config.sparseHostingAlpha : ctx.config.sparseAlpha);
  return tail.logP <= logAlpha && (!best || tail.logP < best.logP) ? tail : best;
}

/**
 * The window and signal with the smallest tail probability within its alpha (`sparseAlpha`,
 * `sparseHostingAlpha`), if any: all unverified sessions, those from hosting networks, and those
 * from networks unfamiliar to the destination country (over longer windows too: a ramp through home
 * connections abroad gathers its first few sessions over an hour or two).
 */
function mostSurprising(
  ctx: DetectionContext,
  series: ScopeSeries,
  baseline: SessionBaseline,
  tallies: Record<Source, Tallies>,
  hostingShare: number,
): Tail | undefined {
  const { config, nowMs } = ctx;
  const graceMinutes = minutesOf(config.unverifiedGraceMs);
  const planned = plannedVolumeMultiplier(ctx.planned, series.scope, nowMs - MS_PER_MINUTE);
  let best: Tail | undefined;
  for (const windowMs of config.sparseWindowsMs) {
    const expected = expectedUnverified(baseline, minutesOf(windowMs), graceMinutes) * planned;
    const observed = observedUnverified(ctx, series, nowMs - windowMs);
    if (observed >= config.sparseMinSessions) {
      const logP = logPoissonTail(observed, expected * slack(expected, config.sparseSlack));
      best = moreSurprising(ctx, best, { logP, observed, expected, windowMs });
    }
    const tally = tallies.hosting.get(windowMs)?.get(series);
    if (sourceTallyCounts(ctx, 'hosting', tally, windowMs)) {
      best = moreSurprising(ctx, best, sourceTail(ctx, 'hosting', tally, windowMs, expected, observed, hostingShare));
    }
  }
  // All the scope's sessions over the long windows are counted only once a tally passes the rest.
  let observedOver: Map<number, number> | undefined;
  for (const windowMs of config.unfamiliarWindowsMs) {
    const tally = tallies.unfamiliar.get(windowMs)?.get(series);
    if (!sourceTallyCounts(ctx, 'unfamiliar', tally, windowMs)) continue;
    observedOver ??= observedUnverifiedByMinute(ctx, series, config.unfamiliarWindowsMs);
    const expected = expectedUnverified(baseline, minutesOf(windowMs), graceMinutes) * planned;
    const observed = observedOver.get(windowMs) ?? 0;
    best = moreSurprising(ctx, best, sourceTail(ctx, 'unfamiliar', tally, windowMs, expected, observed, UNFAMILIAR_SHARE));
  }
  return best;
}

/** The finding of a scope's most surprising window, with what was expected and why. */
function sparseFinding(ctx: DetectionContext, series: ScopeSeries, baseline: SessionBaseline, best: Tail): Finding {
  const { config, nowMs } = ctx;
  const minutes = minutesOf(best.windowMs);
  const sums = ctx.window(nowMs - best.windowMs, nowMs).get(series);
  const excessSessions = best.observed - best.expected;
  const sendsPerSession = sums && sums.sessions > 0 ? sums.sends / sums.sessions : 1;
  const costPerHourUsd = (excessSessions / minutes) * 60 * sendsPerSession * (sums ? costPerSendUsd(sums) : 0);
  const parent = baseline.parent === 'country' ? `its country's hour-of-week profile` : 'the whole traffic';
  const { source } = best;
  const what = !source
    ? 'unverified sessions'
    : source.kind === 'hosting'
      ? `unverified sessions from ${source.networks} hosting networks`
      : `unverified sessions from ${source.networks} networks nobody verified from into ${series.scope.country} in the last week`;
  const share = !source
    ? ''
    : source.kind === 'hosting'
      ? `, ${(source.share * 100).toFixed(1)}% of them usually from hosting networks`
      : `, at most ${(source.share * 100).toFixed(0)}% of them from networks its own people have not used`;
  const planned = plannedVolumeMultiplier(ctx.planned, series.scope, nowMs - MS_PER_MINUTE);
  return {
    kind: 'volume_spike',
    scope: series.scope,
    severity: severityForCost(costPerHourUsd, config.severityUsdPerHour),
    action: 'alert',
    score: -best.logP / Math.LN10,
    observed: best.observed,
    expected: best.expected,
    band: { low: 0, high: best.expected * slack(best.expected, config.sparseSlack) },
    unit: `${what} in ${minutes} min`,
    costPerHourUsd,
    windowStartMs: nowMs - best.windowMs,
    windowEndMs: nowMs,
    summary:
      `${describeScope(series.scope)}: ${best.observed} ${what} in ${minutes} min where ${best.expected.toFixed(source ? 4 : 2)} were expected ` +
      `(${(baseline.sessionsPerMinute * 60).toFixed(2)} sessions an hour at this hour of the week, ${(baseline.conversion * 100).toFixed(0)}% verifying${share}; ` +
      `${baseline.ownSamples} own same-hour samples shrunk toward ${parent}); chance under that expectation 1 in ${formatOdds(best.logP)}`,
    contributors: [],
    facts: {
      level: series.level,
      test: 'poisson_tail',
      signal: source ? SIGNALS[source.kind] : 'unverified_sessions',
      log10PValue: Number((best.logP / Math.LN10).toFixed(2)),
      expectedSessionsPerHour: Number((baseline.sessionsPerMinute * 60).toFixed(4)),
      ownSessionsPerHour: Number(baseline.ownSessionsPerHour.toFixed(4)),
      ownSamples: baseline.ownSamples,
      parent: baseline.parent,
      parentShare: Number(baseline.share.toPrecision(3)),
      expectedConversion: Number(baseline.conversion.toFixed(3)),
      baseline: baseline.method,
      ...(source?.kind === 'hosting' ? { hostingNetworks: source.networks, usualHostingShare: Number(source.share.toFixed(4)) } : {}),
      ...(source?.kind === 'unfamiliar' ? { unfamiliarNetworks: source.networks, unfamiliarShare: source.share } : {}),
      ...(planned > 1 ? { plannedMultiplier: planned } : {}),
    },
  };
}

/**
 * The factor on the expectation the tail is taken at. Hour-of-week baselines are off by tens of
 * percent from hour to hour, which a busy scope's exact tail would call certain; that error is on
 * the rate, so it matters as the expected count grows and fades out below one expected session,
 * where the count's own randomness is the whole story.
 */
function slack(expected: number, full: number): number {
  return 1 + (full - 1) * Math.min(1, expected);
}

function formatOdds(logP: number): string {
  const odds = Math.exp(-logP);
  return odds >= 1e6 ? `10^${Math.round(-logP / Math.LN10)}` : Math.round(odds).toLocaleString('en-US');
}
