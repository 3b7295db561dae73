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
import {
  describeMaturedExpectation,
  maturedHostingExpectation,
  type MaturedHostingExpectation,
} from '../statistics/matured-hosting-expectation.ts';
import { levelKey, MS_PER_MINUTE, type ScopeSeries } from '../traffic-book.ts';
import { expectedUnverified, minutesOf, observedUnverified, unverified } from '../unverified-sessions.ts';

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
const HOSTING_MIN_NETWORKS = 2;
/**
 * Pumped sessions come on top of a scope's usual ones: at least half of the hosting sessions must
 * be excess over the scope's whole expectation. An account farm on rented servers or an office
 * moving behind a VPN replaces usual traffic instead, and is the ASN concentration's to raise.
 */
const HOSTING_ON_TOP_SHARE = 0.5;

/** Unverified sessions of one scope and window from hosting networks, how many networks sent them, and how many are past the grace. */
interface HostingTally {
  sessions: number;
  networks: Set<number>;
  /**
   * Of them, past their grace and still not verified: at least one must be, since two people on a
   * VPN who ask for codes into the same quiet prefix a minute apart are both still typing.
   */
  matured: number;
  /** The networks those came from (matured minutes are read first, so this is `networks` then). */
  maturedNetworks: number;
}

/** The most surprising window of one scope: its tail probability and what it was computed on. */
interface Tail {
  logP: number;
  observed: number;
  expected: number;
  windowMs: number;
  /** Set when the tail is that of the sessions from hosting networks alone. */
  hosting?: { networks: number; share: number };
  /** Set when it is that of those past their grace, against the matured minutes alone. */
  matured?: MaturedHostingExpectation;
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
  const fromHostingNetworks = (series: ScopeSeries) => hosting.get(longest)?.get(series)?.networks.size ?? 0;
  const findings: Finding[] = [];
  for (const [series, recent] of ctx.window(nowMs - longest, nowMs)) {
    if (series.level !== 'prefix' && series.level !== 'country') continue;
    if (recent.sessions < config.sparseMinSessions && fromHostingNetworks(series) < HOSTING_MIN_NETWORKS) continue;
    const baseline = sessionBaseline(book, series, nowMs - MS_PER_MINUTE, nowMs);
    if (!baseline) continue;
    const best = mostSurprising(ctx, series, baseline, hosting, hostingShare);
    if (best) findings.push(sparseFinding(ctx, series, baseline, best));
  }
  return findings;
}

/** One pass over the cells of the longest window: per window, each prefix's and country's unverified sessions from hosting networks. */
function hostingTallies(ctx: DetectionContext, windowsMs: readonly number[]): Map<number, Map<ScopeSeries, HostingTally>> {
  const { book, nowMs } = ctx;
  const graceFrom = nowMs - ctx.config.unverifiedGraceMs;
  const tallies = new Map(windowsMs.map((windowMs) => [windowMs, new Map<ScopeSeries, HostingTally>()]));
  for (let m = nowMs - Math.max(...windowsMs); m < nowMs; m += MS_PER_MINUTE) {
    for (const cell of book.cellsOf(m)) {
      if (ctx.asns.get(cell.asn)?.hosting !== true) continue;
      const young = m >= graceFrom;
      const counted = young ? reachableSessions(cell.counters) : unverified(cell.counters);
      const sessions = counted - ctx.guessedInCell(m, cell);
      if (sessions <= 0) continue;
      for (const level of ['prefix', 'country'] as const) {
        const series = book.levels.get(level)?.get(levelKey(level, cell));
        if (!series) continue;
        for (const [windowMs, bySeries] of tallies) {
          if (m < nowMs - windowMs) continue;
          const tally = bySeries.get(series) ?? { sessions: 0, networks: new Set<number>(), matured: 0, maturedNetworks: 0 };
          tally.sessions += sessions;
          tally.networks.add(cell.asn);
          if (!young) {
            tally.matured += sessions;
            tally.maturedNetworks = tally.networks.size;
          }
          bySeries.set(series, tally);
        }
      }
    }
  }
  return tallies;
}

/** The window and signal with the smallest tail probability within its alpha (`sparseAlpha`, `sparseHostingAlpha`), if any. */
function mostSurprising(
  ctx: DetectionContext,
  series: ScopeSeries,
  baseline: SessionBaseline,
  hosting: Map<number, Map<ScopeSeries, HostingTally>>,
  hostingShare: number,
): Tail | undefined {
  const { config, nowMs } = ctx;
  const graceMinutes = minutesOf(config.unverifiedGraceMs);
  const planned = plannedVolumeMultiplier(ctx.planned, series.scope, nowMs - MS_PER_MINUTE);
  let best: Tail | undefined;
  const consider = (tail: Tail) => {
    const logAlpha = Math.log(tail.hosting ? config.sparseHostingAlpha : config.sparseAlpha);
    if (tail.logP <= logAlpha && (!best || tail.logP < best.logP)) best = tail;
  };
  for (const windowMs of config.sparseWindowsMs) {
    const expected = expectedUnverified(baseline, minutesOf(windowMs), graceMinutes) * planned;
    const observed = observedUnverified(ctx, series, nowMs - windowMs);
    if (observed >= config.sparseMinSessions) {
      consider({ logP: logPoissonTail(observed, expected * slack(expected, config.sparseSlack)), observed, expected, windowMs });
    }
    const tally = hosting.get(windowMs)?.get(series);
    if (!tally || tally.sessions < HOSTING_MIN_SESSIONS || tally.networks.size < HOSTING_MIN_NETWORKS || tally.matured < 1) continue;
    if (observed - expected * slack(expected, config.sparseSlack) < HOSTING_ON_TOP_SHARE * tally.sessions) continue;
    const fromHosting = expected * hostingShare;
    consider({
      logP: logPoissonTail(tally.sessions, fromHosting * slack(fromHosting, config.sparseSlack)),
      observed: tally.sessions,
      expected: fromHosting,
      windowMs,
      hosting: { networks: tally.networks.size, share: hostingShare },
    });
    if (tally.matured < HOSTING_MIN_SESSIONS || tally.maturedNetworks < HOSTING_MIN_NETWORKS) continue;
    const minutes = minutesOf(windowMs) - graceMinutes;
    const maturedSums = ctx.window(nowMs - windowMs, nowMs - config.unverifiedGraceMs).get(series);
    const usual = { sessionsPerMinute: baseline.sessionsPerMinute * planned, conversion: baseline.conversion, hostingShare };
    const matured = maturedHostingExpectation(usual, {
      minutes,
      sessions: maturedSums ? reachableSessions(maturedSums) : 0,
      hostingUnverified: tally.matured,
    });
    consider({
      logP: logPoissonTail(tally.matured, matured.expected * slack(matured.expected, config.sparseSlack)),
      observed: tally.matured,
      expected: matured.expected,
      windowMs,
      hosting: { networks: tally.maturedNetworks, share: hostingShare },
      matured,
    });
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
  const what = best.hosting
    ? `${best.matured ? 'past their grace and ' : ''}unverified sessions from ${best.hosting.networks} hosting networks`
    : 'unverified sessions';
  const share = best.hosting ? `, ${(best.hosting.share * 100).toFixed(1)}% of them usually from hosting networks` : '';
  const matured = best.matured ? `; ${describeMaturedExpectation(best.matured)}` : '';
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
      `${describeScope(series.scope)}: ${best.observed} ${what} in ${minutes} min where ${best.matured ? best.expected.toPrecision(2) : best.expected.toFixed(best.hosting ? 4 : 2)} were expected ` +
      `(${(baseline.sessionsPerMinute * 60).toFixed(2)} sessions an hour at this hour of the week, ${(baseline.conversion * 100).toFixed(0)}% verifying${share}; ` +
      `${baseline.ownSamples} own same-hour samples shrunk toward ${parent}${matured}); chance under that expectation 1 in ${formatOdds(best.logP)}`,
    contributors: [],
    facts: {
      level: series.level,
      test: 'poisson_tail',
      signal: best.matured
        ? 'matured_unverified_sessions_from_hosting'
        : best.hosting
          ? 'unverified_sessions_from_hosting'
          : 'unverified_sessions',
      log10PValue: Number((best.logP / Math.LN10).toFixed(2)),
      expectedSessionsPerHour: Number((baseline.sessionsPerMinute * 60).toFixed(4)),
      ownSessionsPerHour: Number(baseline.ownSessionsPerHour.toFixed(4)),
      ownSamples: baseline.ownSamples,
      parent: baseline.parent,
      parentShare: Number(baseline.share.toPrecision(3)),
      expectedConversion: Number(baseline.conversion.toFixed(3)),
      baseline: baseline.method,
      ...(best.hosting ? { hostingNetworks: best.hosting.networks, usualHostingShare: Number(best.hosting.share.toFixed(4)) } : {}),
      ...(best.matured
        ? { maturedMinutes: best.matured.minutes, maturedSessionsExpected: Number(best.matured.sessions.toPrecision(3)) }
        : {}),
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
