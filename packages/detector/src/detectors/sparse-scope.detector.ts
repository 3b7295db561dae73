/**
 * Sparse scopes in minutes: prefixes and countries whose usual traffic is a few sessions an hour
 * or less, tested every minute with the exact Poisson tail of their unverified sessions against
 * their hour-of-week expectation shrunk toward the parent scope. Two or three pumped sessions a
 * minute into a prefix that sees one a day are certain within minutes, long before they move a
 * country's or the app's volume, and long before a conversion window closes.
 */
import { describeScope } from '@tollgate/vocabulary';
import { costPerSendUsd, reachableSessions, type Counters } from '../counters.ts';
import type { DetectionContext } from '../detection-context.ts';
import { severityForCost, type Finding } from '../finding.ts';
import { plannedVolumeMultiplier } from '../planned-event.ts';
import { sessionBaseline, type SessionBaseline } from '../seasonal-baseline.ts';
import { log10Tail, logPoissonTail } from '../statistics/count-tails.ts';
import {
  describeMaturedExpectation,
  maturedHostingExpectation,
  type MaturedHostingExpectation,
} from '../statistics/matured-hosting-expectation.ts';
import { pooledTail, type PoolMember, type PooledTail } from '../statistics/pooled-tail.ts';
import { levelKey, MS_PER_MINUTE, type ScopeSeries } from '../traffic-book.ts';
import { longWindows } from '../long-windows.ts';
import type { UnfamiliarStep, UnfamiliarTally } from '../unfamiliar-tallies.ts';
import { expectedUnverified, minutesOf, observedUnverified, untypedSessions, unverified } from '../unverified-sessions.ts';

/**
 * Legitimate users come from access networks; a few are behind a VPN or an office egress that
 * resolves to a hosting provider. Below one in a hundred, a week's share says more about networks
 * the enrichment missed than about the users: the expectation never assumes fewer than that.
 */
export const MIN_HOSTING_SHARE = 0.01;
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
export const ON_TOP_SHARE = 0.5;
/**
 * People reach their own country's numbers from its carriers and home ISPs, and the few who do not
 * (travellers, a new carrier's first customers) verify like anyone, which makes their network
 * familiar at once. Two in a hundred of a scope's unverified sessions from networks nobody
 * verified from in a week is more than those leave: the expectation never assumes fewer.
 */
const UNFAMILIAR_SHARE = 0.02;

/** Where a tally's sessions come from: hosting networks, or access networks unfamiliar to the destination country. */
type Source = 'hosting' | 'unfamiliar';
const SIGNALS: Record<Source, string> = {
  hosting: 'unverified_sessions_from_hosting',
  unfamiliar: 'unverified_sessions_from_unfamiliar_networks',
};

/** Unverified sessions of one scope and window from one source, from how many networks, and how many are past the grace. */
interface SourceTally {
  sessions: number;
  networks: number;
  /**
   * Of them, past their grace and still not verified: at least one must be while there are only
   * two, since two people on a VPN who ask for codes into the same quiet prefix a minute apart
   * are both still typing. A third session from the networks is no such pair, grace or not.
   */
  matured: number;
}

/** A hosting tally as it is summed: the networks themselves. */
interface HostingTally {
  sessions: number;
  networks: Set<number>;
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
  /** Set when the tail is that of the sessions from one source alone. */
  source?: { kind: Source; networks: number; share: number };
  /** Set when it is that of the hosting sessions past their grace, against the matured minutes alone. */
  matured?: MaturedHostingExpectation;
}

/**
 * Every minute, each prefix and country with sessions is tested over each window twice: all its
 * unverified sessions against the shrunk hour-of-week expectation, and those from hosting
 * networks against that expectation times the usual hosting share of the people who verify
 * (`usualHostingShare`, over the last week: a VPN user verifies like anyone, a bot farm does not,
 * so past attacks do not raise it). The second names a bot farm's prefix at its second session.
 * A scope whose sessions from networks unfamiliar to its country count (`unfamiliarCounts`) is
 * tested on them too, over longer windows, at the steps their tallies change.
 */
export function detectSparseScopes(ctx: DetectionContext, usualHostingShare: number): Finding[] {
  const { book, config, nowMs } = ctx;
  const longest = Math.max(...config.sparseWindowsMs);
  const hostingShare = Math.max(MIN_HOSTING_SHARE, usualHostingShare);
  const hosting = hostingTallies(ctx, config.sparseWindowsMs);
  // The longest window's tally holds every shorter one's.
  const hostingLongest = hosting.get(longest);
  const unfamiliar = ctx.unfamiliar();
  const unfamiliarDue = countingScopes(ctx, unfamiliar);
  const findings: Finding[] = [];
  const named = new Set<ScopeSeries>();
  for (const [series, recent] of ctx.window(nowMs - longest, nowMs)) {
    if (series.level !== 'prefix' && series.level !== 'country') continue;
    const testUnfamiliar = unfamiliarDue.has(series);
    if (
      recent.sessions < config.sparseMinSessions &&
      (hostingLongest?.get(series)?.networks.size ?? 0) < SOURCE_MIN_NETWORKS &&
      !testUnfamiliar
    ) {
      continue;
    }
    const baseline = sessionBaseline(book, series, nowMs - MS_PER_MINUTE, nowMs);
    if (!baseline) continue;
    const best = mostSurprising(ctx, series, baseline, hosting, hostingShare, testUnfamiliar ? unfamiliar : undefined);
    if (!best) continue;
    findings.push(sparseFinding(ctx, series, baseline, best));
    named.add(series);
    if (best.source?.kind === 'unfamiliar') unfamiliar.named(series);
  }
  findings.push(...pooledHostingFindings(ctx, hosting, hostingShare, named));
  return findings;
}

/** Per window, each prefix's and country's unverified sessions from hosting networks. */
type HostingTallies = Map<number, Map<ScopeSeries, HostingTally>>;

/** One pass over the cells of the longest window: per window, each prefix's and country's unverified sessions from hosting networks. */
function hostingTallies(ctx: DetectionContext, windowsMs: readonly number[]): HostingTallies {
  const { book, nowMs } = ctx;
  const graceFrom = nowMs - ctx.config.unverifiedGraceMs;
  const tallies: HostingTallies = new Map(windowsMs.map((windowMs) => [windowMs, new Map<ScopeSeries, HostingTally>()]));
  for (let m = nowMs - Math.max(...windowsMs); m < nowMs; m += MS_PER_MINUTE) {
    for (const cell of book.cellsOf(m)) {
      if (ctx.asns.get(cell.asn)?.hosting !== true) continue;
      const young = m >= graceFrom;
      // Like the plain count, the tail counts the sessions nobody typed a code for, young or old,
      // against an expectation that takes the young whole: a launch's first people on a VPN who
      // typed their codes within seconds are no farm, however few sessions the country has seen.
      const sessions = unverified(cell.counters) - ctx.guessedInCell(m, cell);
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

/**
 * The prefixes and countries due at this step (their tallies changed) with a window whose
 * unfamiliar tally counts. Checked before a scope is tested at all, since a ramp spread over a
 * country puts a few such sessions into each of its prefixes for hours.
 */
function countingScopes(ctx: DetectionContext, unfamiliar: UnfamiliarStep): Set<ScopeSeries> {
  const counting = new Set<ScopeSeries>();
  for (const series of unfamiliar.due) {
    if (series.level !== 'prefix' && series.level !== 'country') continue;
    for (const windowMs of ctx.config.unfamiliarWindowsMs) {
      if (!unfamiliarCounts(ctx, unfamiliar.tally(series, windowMs))) continue;
      counting.add(series);
      break;
    }
  }
  return counting;
}

/**
 * Whether a window's sessions from unfamiliar networks are enough to test: three from two networks,
 * and still arriving (an hour or two of them is a ramp while they still arrive, and only the
 * memory of an attack that ended once they stopped).
 */
function unfamiliarCounts(ctx: DetectionContext, tally: UnfamiliarTally | undefined): tally is UnfamiliarTally {
  return tally !== undefined && tally.sessions >= ctx.config.sparseMinSessions && tally.networks >= SOURCE_MIN_NETWORKS && tally.arriving;
}

/** Whether a hosting tally is worth a tail: the checks that need no count of all the scope's sessions. */
function hostingCounts(ctx: DetectionContext, tally: HostingTally | undefined): boolean {
  if (!tally || tally.sessions < HOSTING_MIN_SESSIONS || tally.networks.size < SOURCE_MIN_NETWORKS) return false;
  return tally.matured >= 1 || tally.sessions >= ctx.config.sparseMinSessions;
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
    source: { kind, networks: tally.networks, share },
  };
}

/**
 * The tail of a scope's hosting sessions past their grace against its matured minutes alone
 * (`statistics/matured-hosting-expectation.ts`): the whole window's expectation counts the young
 * minutes' sessions whole, which hides a farm's first two into a small country.
 */
function maturedHostingTail(
  ctx: DetectionContext,
  tally: HostingTally,
  windowMs: number,
  hostingShare: number,
  matured: MaturedHostingExpectation,
): Tail {
  const { config } = ctx;
  return {
    logP: logPoissonTail(tally.matured, matured.expected * slack(matured.expected, config.sparseSlack)),
    observed: tally.matured,
    expected: matured.expected,
    windowMs,
    source: { kind: 'hosting', networks: tally.maturedNetworks, share: hostingShare },
    matured,
  };
}

/** What a scope's matured minutes of a window leave unverified from hosting networks by chance. */
function maturedExpectation(
  ctx: DetectionContext,
  series: ScopeSeries,
  baseline: SessionBaseline,
  tally: HostingTally,
  windowMs: number,
  hostingShare: number,
  planned: number,
): MaturedHostingExpectation {
  const { config, nowMs } = ctx;
  const maturedSums = ctx.window(nowMs - windowMs, nowMs - config.unverifiedGraceMs).get(series);
  const usual = { sessionsPerMinute: baseline.sessionsPerMinute * planned, conversion: baseline.conversion, hostingShare };
  return maturedHostingExpectation(usual, {
    minutes: minutesOf(windowMs) - minutesOf(config.unverifiedGraceMs),
    sessions: maturedSums ? reachableSessions(maturedSums) : 0,
    hostingUnverified: tally.matured,
  });
}

/** The more surprising of the best so far and a new tail, if the new one is within its alpha. */
function moreSurprising(ctx: DetectionContext, best: Tail | undefined, tail: Tail | undefined): Tail | undefined {
  if (!tail) return best;
  const logAlpha = Math.log(tail.source?.kind === 'hosting' ? ctx.config.sparseHostingAlpha : ctx.config.sparseAlpha);
  return tail.logP <= logAlpha && (!best || tail.logP < best.logP) ? tail : best;
}

/**
 * The window and signal with the smallest tail probability within its alpha (`sparseAlpha`,
 * `sparseHostingAlpha`), if any: all unverified sessions, those from hosting networks, and, given
 * `unfamiliar`, those from networks unfamiliar to the destination country (over longer windows
 * too: a ramp through home connections abroad gathers its first few sessions over an hour or two).
 */
function mostSurprising(
  ctx: DetectionContext,
  series: ScopeSeries,
  baseline: SessionBaseline,
  hosting: HostingTallies,
  hostingShare: number,
  unfamiliar: UnfamiliarStep | undefined,
): Tail | undefined {
  const { config, nowMs } = ctx;
  const graceMinutes = minutesOf(config.unverifiedGraceMs);
  const planned = plannedVolumeMultiplier(ctx.planned, series.scope, nowMs - MS_PER_MINUTE);
  let best: Tail | undefined;
  for (const windowMs of config.sparseWindowsMs) {
    const expected = expectedUnverified(baseline, minutesOf(windowMs), graceMinutes) * planned;
    const untyped = untypedSessions(ctx, series, nowMs - windowMs);
    if (untyped >= config.sparseMinSessions) {
      const logP = logPoissonTail(untyped, expected * slack(expected, config.sparseSlack));
      best = moreSurprising(ctx, best, { logP, observed: untyped, expected, windowMs });
    }
    const tally = hosting.get(windowMs)?.get(series);
    if (tally && hostingCounts(ctx, tally)) {
      const counted = { sessions: tally.sessions, networks: tally.networks.size, matured: tally.matured };
      const observed = observedUnverified(ctx, series, nowMs - windowMs);
      const tail = sourceTail(ctx, 'hosting', counted, windowMs, expected, observed, hostingShare);
      best = moreSurprising(ctx, best, tail);
      if (tail && tally.matured >= HOSTING_MIN_SESSIONS && tally.maturedNetworks >= SOURCE_MIN_NETWORKS) {
        const matured = maturedExpectation(ctx, series, baseline, tally, windowMs, hostingShare, planned);
        best = moreSurprising(ctx, best, maturedHostingTail(ctx, tally, windowMs, hostingShare, matured));
      }
    }
  }
  if (!unfamiliar) return best;
  // All the scope's sessions over the long windows are counted only once a tally passes the rest.
  let over: Map<number, number> | undefined;
  for (const windowMs of config.unfamiliarWindowsMs) {
    // Sessions of a verify brute force are in the kept tallies: counted afresh without them while there are any.
    const guessed = ctx.guessedSessions(nowMs - windowMs, nowMs) > 0;
    const tally = guessed ? unfamiliar.recount(series, windowMs, ctx.guessedInCell) : unfamiliar.tally(series, windowMs);
    if (!unfamiliarCounts(ctx, tally)) continue;
    over ??= longWindows(ctx, series, config.unfamiliarWindowsMs);
    const expected = expectedUnverified(baseline, minutesOf(windowMs), graceMinutes) * planned;
    best = moreSurprising(ctx, best, sourceTail(ctx, 'unfamiliar', tally, windowMs, expected, over.get(windowMs) ?? 0, UNFAMILIAR_SHARE));
  }
  return best;
}

/** The finding of a scope's most surprising window, with what was expected and why. */
function sparseFinding(ctx: DetectionContext, series: ScopeSeries, baseline: SessionBaseline, best: Tail): Finding {
  const { book, config, nowMs } = ctx;
  const minutes = minutesOf(best.windowMs);
  // The long windows of unfamiliar networks are summed for this one scope, not for every scope.
  const sums =
    best.source?.kind === 'unfamiliar'
      ? book.windowSum(series, nowMs - best.windowMs, nowMs)
      : ctx.window(nowMs - best.windowMs, nowMs).get(series);
  const costPerHourUsd = sessionsCostPerHourUsd(sums, best.observed - best.expected, minutes);
  const parent = baseline.parent === 'country' ? `its country's hour-of-week profile` : 'the whole traffic';
  const { source } = best;
  const what = !source
    ? 'unverified sessions'
    : source.kind === 'hosting'
      ? `${best.matured ? 'past their grace and ' : ''}unverified sessions from ${source.networks} hosting networks`
      : `unverified sessions from ${source.networks} networks nobody verified from into ${series.scope.country} in the last week`;
  const share = !source
    ? ''
    : source.kind === 'hosting'
      ? `, ${(source.share * 100).toFixed(1)}% of them usually from hosting networks`
      : `, at most ${(source.share * 100).toFixed(0)}% of them from networks its own people have not used`;
  const matured = best.matured ? `; ${describeMaturedExpectation(best.matured)}` : '';
  const planned = plannedVolumeMultiplier(ctx.planned, series.scope, nowMs - MS_PER_MINUTE);
  return {
    kind: 'volume_spike',
    scope: series.scope,
    severity: severityForCost(costPerHourUsd, config.severityUsdPerHour),
    action: 'alert',
    score: -log10Tail(best.logP),
    observed: best.observed,
    expected: best.expected,
    band: { low: 0, high: best.expected * slack(best.expected, config.sparseSlack) },
    unit: `${what} in ${minutes} min`,
    costPerHourUsd,
    windowStartMs: nowMs - best.windowMs,
    windowEndMs: nowMs,
    summary:
      `${describeScope(series.scope)}: ${best.observed} ${what} in ${minutes} min where ${best.matured ? best.expected.toPrecision(2) : best.expected.toFixed(source ? 4 : 2)} were expected ` +
      `(${(baseline.sessionsPerMinute * 60).toFixed(2)} sessions an hour at this hour of the week, ${(baseline.conversion * 100).toFixed(0)}% verifying${share}; ` +
      `${baseline.ownSamples} own same-hour samples shrunk toward ${parent}${matured}); chance under that expectation 1 in ${formatOdds(best.logP)}`,
    contributors: [],
    facts: {
      level: series.level,
      test: 'poisson_tail',
      signal: best.matured ? 'matured_unverified_sessions_from_hosting' : source ? SIGNALS[source.kind] : 'unverified_sessions',
      log10PValue: Number(log10Tail(best.logP).toFixed(2)),
      expectedSessionsPerHour: Number((baseline.sessionsPerMinute * 60).toFixed(4)),
      ownSessionsPerHour: Number(baseline.ownSessionsPerHour.toFixed(4)),
      ownSamples: baseline.ownSamples,
      parent: baseline.parent,
      parentShare: Number(baseline.share.toPrecision(3)),
      expectedConversion: Number(baseline.conversion.toFixed(3)),
      baseline: baseline.method,
      ...(source?.kind === 'hosting' ? { hostingNetworks: source.networks, usualHostingShare: Number(source.share.toFixed(4)) } : {}),
      ...(source?.kind === 'unfamiliar' ? { unfamiliarNetworks: source.networks, unfamiliarShare: source.share } : {}),
      ...(best.matured
        ? { maturedMinutes: best.matured.minutes, maturedSessionsExpected: Number(best.matured.sessions.toPrecision(3)) }
        : {}),
      ...(planned > 1 ? { plannedMultiplier: planned } : {}),
    },
  };
}

/** A country's hosting sessions of one window, as one member of a pool. */
interface PoolEntry {
  series: ScopeSeries;
  tally: HostingTally;
}

/** What a pool counts of its countries' hosting sessions: all in the window, or those past their grace. */
type PoolForm = 'window' | 'matured';

/** A pool within `sparsePooledAlpha`, with the form it was counted in (always over the shortest window). */
interface PassedPool {
  pool: PooledTail<PoolEntry>;
  form: PoolForm;
}

/**
 * The hosting tests pooled over countries. A bot farm that splits a burst over two countries gives
 * each what a slow attack gives it, too few sessions to be certain of for minutes, but the same
 * datacenter networks sending never-verified sessions into two quiet countries at once is what
 * people on a VPN almost never do. Over the shortest window (the farm's sessions come at once;
 * over half an hour, VPN users' sessions into a few quiet countries add up too), every country
 * whose hosting sessions come on top of its usual ones is a member, with what chance brings it
 * (all of them against the window's expectation, and those past their grace against its matured
 * minutes); the pool least likely by
 * chance, priced for every choice of as many of the countries (`statistics/pooled-tail.ts`), names
 * the countries it needs once it passes `sparsePooledAlpha`. Each is named by the prefixes its
 * hosting sessions went into, so the breakers act there and never on a whole country or the app.
 * Only countries not named this step on their own evidence are pooled: the test is for the first
 * minutes, before any of them is certain alone.
 */
function pooledHostingFindings(
  ctx: DetectionContext,
  hosting: HostingTallies,
  hostingShare: number,
  named: ReadonlySet<ScopeSeries>,
): Finding[] {
  const { book, config, nowMs } = ctx;
  const universe = book.levels.get('country')?.size ?? 0;
  const graceMinutes = minutesOf(config.unverifiedGraceMs);
  const windowMs = Math.min(...config.sparseWindowsMs);
  // A country its own sessions already name is left out: pooled with it, any VPN user's session
  // into another quiet country would look as rare as the attack, and be named on its evidence.
  const alreadyNamed = new Set([...named].map((series) => series.scope.country));
  const all: PoolMember<PoolEntry>[] = [];
  const matured: PoolMember<PoolEntry>[] = [];
  for (const [series, tally] of hosting.get(windowMs) ?? []) {
    if (series.level !== 'country' || alreadyNamed.has(series.scope.country)) continue;
    const baseline = sessionBaseline(book, series, nowMs - MS_PER_MINUTE, nowMs);
    if (!baseline) continue;
    const planned = plannedVolumeMultiplier(ctx.planned, series.scope, nowMs - MS_PER_MINUTE);
    const expected = expectedUnverified(baseline, minutesOf(windowMs), graceMinutes) * planned;
    const observed = observedUnverified(ctx, series, nowMs - windowMs);
    if (observed - expected * slack(expected, config.sparseSlack) < ON_TOP_SHARE * tally.sessions) continue;
    const item = { series, tally };
    const fromHosting = expected * hostingShare;
    all.push({ item, observed: tally.sessions, expected: fromHosting * slack(fromHosting, config.sparseSlack) });
    if (tally.matured === 0) continue;
    const fromMatured = maturedExpectation(ctx, series, baseline, tally, windowMs, hostingShare, planned).expected;
    matured.push({ item, observed: tally.matured, expected: fromMatured * slack(fromMatured, config.sparseSlack) });
  }
  const pools: [PoolForm, PooledTail<PoolEntry> | undefined][] = [
    [
      'window',
      pooledTail(all, universe, (pool) => {
        const sessions = pool.reduce((sum, m) => sum + m.item.tally.sessions, 0);
        const hasMatured = pool.some((m) => m.item.tally.matured > 0);
        return (
          sessions >= HOSTING_MIN_SESSIONS &&
          poolNetworks(pool, 'window') >= SOURCE_MIN_NETWORKS &&
          (hasMatured || sessions >= config.sparseMinSessions)
        );
      }),
    ],
    [
      'matured',
      pooledTail(matured, universe, (pool) => {
        const sessions = pool.reduce((sum, m) => sum + m.item.tally.matured, 0);
        return sessions >= HOSTING_MIN_SESSIONS && poolNetworks(pool, 'matured') >= SOURCE_MIN_NETWORKS;
      }),
    ],
  ];
  let found: PassedPool | undefined;
  for (const [form, pool] of pools) {
    if (pool && pool.logP <= Math.log(config.sparsePooledAlpha) && (!found || pool.logP < found.pool.logP)) found = { pool, form };
  }
  if (!found) return [];
  const countries = new Set(found.pool.needed.map((m) => m.item.series.scope.country));
  const findings: Finding[] = [];
  for (const [series, tally] of hosting.get(windowMs) ?? []) {
    if (series.level !== 'prefix' || !countries.has(series.scope.country) || named.has(series)) continue;
    const counted = found.form === 'matured' ? tally.matured : tally.sessions;
    if (counted > 0) findings.push(pooledFinding(ctx, series, counted, found, windowMs, universe, hostingShare));
  }
  return findings;
}

/**
 * The hosting networks a pool's sessions came from. The matured minutes are read first into each
 * tally, so the networks of those past their grace are the first `maturedNetworks` of its set.
 */
function poolNetworks(pool: readonly PoolMember<PoolEntry>[], form: PoolForm): number {
  const networks = new Set<number>();
  for (const { item } of pool) {
    const all = [...item.tally.networks];
    for (const asn of form === 'matured' ? all.slice(0, item.tally.maturedNetworks) : all) networks.add(asn);
  }
  return networks.size;
}

/** The finding of one prefix a pooled test named: the pool's evidence, and this prefix's part of it. */
function pooledFinding(
  ctx: DetectionContext,
  prefix: ScopeSeries,
  counted: number,
  found: PassedPool,
  windowMs: number,
  universe: number,
  hostingShare: number,
): Finding {
  const { config, nowMs } = ctx;
  const { pool, form } = found;
  const minutes = minutesOf(windowMs);
  const costPerHourUsd = sessionsCostPerHourUsd(ctx.window(nowMs - windowMs, nowMs).get(prefix), counted, minutes);
  const what = `${form === 'matured' ? 'past their grace and ' : ''}unverified sessions from hosting networks`;
  const networks = poolNetworks(pool.members, form);
  const parts = pool.members
    .map((m) => `${m.observed} into ${m.item.series.scope.country} where ${m.expected.toPrecision(2)} were expected`)
    .join(', ');
  const countries = pool.members.map((m) => m.item.series.scope.country).join(',');
  return {
    kind: 'volume_spike',
    scope: prefix.scope,
    severity: severityForCost(costPerHourUsd, config.severityUsdPerHour),
    action: 'alert',
    score: -log10Tail(pool.logP),
    observed: pool.observed,
    expected: pool.expected,
    band: { low: 0, high: pool.expected },
    unit: `${what} into ${pool.members.length} countries at once in ${minutes} min`,
    costPerHourUsd,
    windowStartMs: nowMs - windowMs,
    windowEndMs: nowMs,
    summary:
      `${describeScope(prefix.scope)}: ${counted} of ${pool.observed} ${what} (${networks} networks) into ${pool.members.length} countries ` +
      `in the same ${minutes} min: ${parts}${form === 'matured' ? ', counted over the minutes past the grace alone' : ''} ` +
      `(${(hostingShare * 100).toFixed(1)}% of sessions usually from hosting networks); chance of as many into any ` +
      `${pool.members.length} of the ${universe} countries 1 in ${formatOdds(pool.logP)}`,
    contributors: [],
    facts: {
      level: prefix.level,
      test: 'poisson_tail',
      signal: form === 'matured' ? 'pooled_matured_unverified_sessions_from_hosting' : 'pooled_unverified_sessions_from_hosting',
      log10PValue: Number(log10Tail(pool.logP).toFixed(2)),
      log10PooledTail: Number(log10Tail(pool.logTail).toFixed(2)),
      pooledCountries: countries,
      pooledOf: universe,
      prefixSessions: counted,
      hostingNetworks: networks,
      usualHostingShare: Number(hostingShare.toFixed(4)),
    },
  };
}

/** What `sessions` of a scope's window cost an hour, at its sends per session and cost per send. */
export function sessionsCostPerHourUsd(sums: Counters | undefined, sessions: number, minutes: number): number {
  const sendsPerSession = sums && sums.sessions > 0 ? sums.sends / sums.sessions : 1;
  return (sessions / minutes) * 60 * sendsPerSession * (sums ? costPerSendUsd(sums) : 0);
}

/**
 * The factor on the expectation the tail is taken at. Hour-of-week baselines are off by tens of
 * percent from hour to hour, which a busy scope's exact tail would call certain; that error is on
 * the rate, so it matters as the expected count grows and fades out below one expected session,
 * where the count's own randomness is the whole story.
 */
export function slack(expected: number, full: number): number {
  return 1 + (full - 1) * Math.min(1, expected);
}

export function formatOdds(logP: number): string {
  const odds = Math.exp(-logP);
  return odds >= 1e6 ? `10^${Math.round(-log10Tail(logP))}` : Math.round(odds).toLocaleString('en-US');
}
