/**
 * The exits of a farm already named. A bot farm that pumps two countries reuses its rented
 * networks across them: once one country's pumping is blocked or challenged, the hosting networks
 * it came from are known to be sending never-verified sessions right now. A second quiet country
 * that gets two sessions from those same networks, in the same app, within minutes, is far less
 * likely by chance than two sessions from any hosting networks, because people on a VPN spread
 * over every datacenter, and only their share on the farm's few networks could land there.
 *
 * The test prices that honestly: what the country's usual hosting sessions would bring from those
 * networks (its expectation times the usual hosting share of the people who verify, times those
 * networks' share of them over the last week, never below the rule of three's bound for a share
 * seen a few times or never), an exact Poisson tail, and a budget paid for every pair of farm and
 * country it could have tested this step. It names the prefixes the farm's sessions went into,
 * never a whole country: a VPN user on a big cloud shares its networks with every farm.
 *
 * The farm's addresses are the stronger evidence. A farm runs about ten servers; a person on a
 * VPN reaches one of those exact addresses only as often as the people who verify come from them.
 * So the same test is run on the addresses the named destination's never-verified hosting
 * sessions came from, where one session nobody typed a code for can be enough when the
 * addresses are ones nobody verified from.
 */
import type { HostingSessionAddressRow } from '@tollgate/store';
import { categoryOf, describeScope } from '@tollgate/vocabulary';
import type { DetectionContext } from '../detection-context.ts';
import { severityForCost, type Contributor, type Finding } from '../finding.ts';
import { plannedVolumeMultiplier } from '../planned-event.ts';
import { sessionBaseline } from '../seasonal-baseline.ts';
import { log10Tail, logPoissonTail } from '../statistics/count-tails.ts';
import { levelKey, MS_PER_DAY, MS_PER_MINUTE, type ScopeSeries } from '../traffic-book.ts';
import { expectedUnverified, minutesOf, observedUnverified, unverified } from '../unverified-sessions.ts';
import { formatOdds, MIN_HOSTING_SHARE, ON_TOP_SHARE, sessionsCostPerHourUsd, slack } from './sparse-scope.detector.ts';

/**
 * The week of committed hours the networks' (and addresses') usual share is measured over, like the
 * usual hosting share; the engine keeps hosting addresses' verified sessions by hour this long.
 */
export const USUAL_SHARE_MS = 7 * MS_PER_DAY;
/**
 * A share measured on a week of verified sessions is an estimate: with none (or a few) of them on
 * the farm's networks, the truth could still be about three in the week's total (the rule of three,
 * the 95 % upper bound of a share seen zero times). The expectation adds those three sessions, so
 * networks nobody verified from never make a VPN user's session look impossible.
 */
const SHARE_PRIOR_SESSIONS = 3;
/**
 * Two sessions from two of the farm's networks. One could be one person on a VPN starting over;
 * the networks of the book are ASNs, not addresses, so a single session from a farm's cloud says
 * too little to name a country on. The grace is not waited for: the expectation counts the young
 * minutes' sessions whole, and a person still typing would have had to pick the farm's networks.
 */
const FARM_MIN_SESSIONS = 2;
const FARM_MIN_NETWORKS = 2;

/** The hosting networks of the open billing anomalies that block or challenge a destination, in one app. */
interface Farm {
  app: string;
  networks: Set<number>;
  /** The countries it was named in (tested on their own, never here). */
  countries: Set<string>;
  /** The anomalies that named it, for the finding to link to. */
  anomalyIds: string[];
}

/** One country's (and its prefixes') sessions from one farm's networks over the window. */
interface FarmTally {
  farm: Farm;
  country: ScopeSeries;
  sessions: number;
  networks: Set<number>;
  prefixes: Map<ScopeSeries, number>;
}

/** A named anomaly, as far as this test reads it. */
type NamedAnomaly = Pick<Finding, 'kind' | 'scope' | 'action' | 'contributors' | 'windowStartMs' | 'windowEndMs'> & { id: string };

/**
 * The farms of the open anomalies: each pumping destination (a prefix or a country) blocked or
 * challenged gives the hosting networks among its contributors, grouped by the app its hosting
 * sessions came through, for as long as its anomaly is open (an attack quiet for
 * `resolveAfterQuietMs` is resolved, and says nothing about its exits now). A country is
 * challenged rather than blocked when a few of its prefixes carry the excess, on the same
 * certainty; an alert is not evidence enough.
 */
function namedFarms(ctx: DetectionContext, open: readonly NamedAnomaly[]): Map<string, Farm> {
  const farms = new Map<string, Farm>();
  for (const anomaly of open) {
    if (!stopsDestination(anomaly) || anomaly.scope.country === undefined) continue;
    const networks = anomaly.contributors
      .filter((c) => c.dimension === 'asn' && ctx.asns.get(Number(c.value))?.hosting === true)
      .map((c) => Number(c.value));
    if (networks.length === 0) continue;
    const apps = new Set<string>();
    for (let m = anomaly.windowStartMs; m < anomaly.windowEndMs; m += MS_PER_MINUTE) {
      for (const cell of ctx.book.cellsOf(m)) {
        if (cell.country !== anomaly.scope.country || (anomaly.scope.prefix !== undefined && cell.prefix !== anomaly.scope.prefix))
          continue;
        if (networks.includes(cell.asn)) apps.add(cell.app);
      }
    }
    for (const app of apps) {
      const farm = farms.get(app) ?? { app, networks: new Set<number>(), countries: new Set<string>(), anomalyIds: [] };
      for (const asn of networks) farm.networks.add(asn);
      farm.countries.add(anomaly.scope.country);
      farm.anomalyIds.push(anomaly.id);
      farms.set(app, farm);
    }
  }
  return farms;
}

/** A pumping destination (a country or a prefix) blocked or challenged: an alert is not evidence enough. */
function stopsDestination(anomaly: NamedAnomaly): boolean {
  if (categoryOf(anomaly.kind) !== 'billing' || anomaly.action === 'alert' || anomaly.scope.country === undefined) return false;
  return anomaly.scope.asn === undefined && anomaly.scope.app === undefined && anomaly.scope.provider === undefined;
}

/**
 * Of the verified sessions of the last week, the share from hosting networks (at least
 * `MIN_HOSTING_SHARE`, as in the sparse tests) and, of those, the share from a farm's networks
 * with `SHARE_PRIOR_SESSIONS` added: what the people behind VPNs usually bring from them.
 */
function usualFarmShare(week: { total: number; hosting: number; farm: number }): { hosting: number; farm: number } {
  const hosting = Math.max(MIN_HOSTING_SHARE, week.total > 0 ? week.hosting / week.total : 0);
  const farm = Math.min(1, (week.farm + SHARE_PRIOR_SESSIONS) / Math.max(SHARE_PRIOR_SESSIONS, week.hosting));
  return { hosting, farm };
}

/** The week's verified sessions of every network, of the hosting ones, and of each farm's. */
function weekOfVerified(ctx: DetectionContext, farms: Iterable<Farm>): { total: number; hosting: number; byFarm: Map<Farm, number> } {
  const week = { total: 0, hosting: 0, byFarm: new Map<Farm, number>() };
  const list = [...farms];
  for (const series of ctx.book.levels.get('asn')?.values() ?? []) {
    const asn = series.scope.asn ?? 0;
    const verified = ctx.book.spanSum(series, ctx.nowMs - USUAL_SHARE_MS, ctx.book.committedUntilMs).verifiedSessions;
    week.total += verified;
    if (ctx.asns.get(asn)?.hosting !== true) continue;
    week.hosting += verified;
    for (const farm of list) if (farm.networks.has(asn)) week.byFarm.set(farm, (week.byFarm.get(farm) ?? 0) + verified);
  }
  return week;
}

/** Each country's sessions nobody typed a code for from a farm's networks, in its app, over the window. */
function farmTallies(ctx: DetectionContext, farms: ReadonlyMap<string, Farm>, windowMs: number): FarmTally[] {
  const { book, nowMs } = ctx;
  const tallies = new Map<string, FarmTally>();
  for (let m = nowMs - windowMs; m < nowMs; m += MS_PER_MINUTE) {
    for (const cell of book.cellsOf(m)) {
      const farm = farms.get(cell.app);
      if (!farm || !farm.networks.has(cell.asn) || farm.countries.has(cell.country)) continue;
      // Sessions whose code nobody typed yet, young or old: a farm's never verify, and the few people
      // on its networks who typed theirs within seconds are not its sessions.
      const sessions = unverified(cell.counters) - ctx.guessedInCell(m, cell);
      if (sessions <= 0) continue;
      const country = book.levels.get('country')?.get(levelKey('country', cell));
      const prefix = book.levels.get('prefix')?.get(levelKey('prefix', cell));
      if (!country || !prefix) continue;
      const key = `${farm.app}|${cell.country}`;
      const tally = tallies.get(key) ?? { farm, country, sessions: 0, networks: new Set<number>(), prefixes: new Map() };
      tally.sessions += sessions;
      tally.networks.add(cell.asn);
      tally.prefixes.set(prefix, (tally.prefixes.get(prefix) ?? 0) + sessions);
      tallies.set(key, tally);
    }
  }
  return [...tallies.values()];
}

/**
 * Every step with a farm's anomaly open: each other country's sessions from its networks, then
 * from its addresses, in its app, over the shortest sparse window (a farm's sessions come at once;
 * over half an hour VPN users' sessions add up), against what the country's usual hosting sessions
 * bring from those networks or addresses, priced for every (farm, country) pair of each test.
 * Passing `farmExitAlpha`, the prefixes the sessions went into are named; the attribution blocks
 * them as it blocks any prefix pumped from hosting networks. Countries with a destination anomaly
 * open are left to their own tests, and a country named on the networks is not tested again on
 * the addresses.
 */
export function detectFarmExits(ctx: DetectionContext, open: readonly NamedAnomaly[]): Finding[] {
  const named = new Set(open.filter((a) => categoryOf(a.kind) === 'billing' && a.scope.country !== undefined).map((a) => a.scope.country));
  const findings = networkExits(ctx, open, named);
  for (const finding of findings) named.add(finding.scope.country);
  return [...findings, ...addressExits(ctx, open, named)];
}

/** The country's expectation over the window, and whether `sessions` of its own come on top of it. */
function countryExpectation(ctx: DetectionContext, country: ScopeSeries, windowMs: number, sessions: number): number | undefined {
  const { book, config, nowMs } = ctx;
  const baseline = sessionBaseline(book, country, nowMs - MS_PER_MINUTE, nowMs);
  if (!baseline) return undefined;
  const planned = plannedVolumeMultiplier(ctx.planned, country.scope, nowMs - MS_PER_MINUTE);
  const expected = expectedUnverified(baseline, minutesOf(windowMs), minutesOf(config.unverifiedGraceMs)) * planned;
  const observed = observedUnverified(ctx, country, nowMs - windowMs);
  return observed - expected * slack(expected, config.sparseSlack) < ON_TOP_SHARE * sessions ? undefined : expected;
}

/** A country's sessions from a farm priced: what was expected from the farm, the tail, and its price. */
interface ExitPricing {
  fromFarm: number;
  share: { hosting: number; farm: number };
  logTail: number;
  logP: number;
  pairs: number;
  windowMs: number;
}

/**
 * The exact tail of a country's sessions from a farm against its usual hosting sessions' part from
 * it (`week.farm`: the week's verified sessions from the farm's networks or addresses), times the
 * pairs tested; undefined when the country has no baseline, the sessions do not come on top of its
 * expectation, or the tail does not pass `farmExitAlpha`.
 */
function priceExits(
  ctx: DetectionContext,
  tally: { country: ScopeSeries; sessions: number },
  week: { total: number; hosting: number; farm: number },
  pairs: number,
  windowMs: number,
): ExitPricing | undefined {
  const { config } = ctx;
  const expected = countryExpectation(ctx, tally.country, windowMs, tally.sessions);
  if (expected === undefined) return undefined;
  const share = usualFarmShare(week);
  const fromFarm = expected * share.hosting * share.farm;
  const logTail = logPoissonTail(tally.sessions, fromFarm * slack(fromFarm, config.sparseSlack));
  const logP = logTail + Math.log(pairs);
  return logP > Math.log(config.farmExitAlpha) ? undefined : { fromFarm, share, logTail, logP, pairs, windowMs };
}

/** The test on the farm's networks: two sessions from two of them at least. */
function networkExits(ctx: DetectionContext, open: readonly NamedAnomaly[], named: ReadonlySet<string | undefined>): Finding[] {
  const farms = namedFarms(ctx, open);
  if (farms.size === 0) return [];
  const { book, config } = ctx;
  const windowMs = Math.min(...config.sparseWindowsMs);
  const tallies = farmTallies(ctx, farms, windowMs).filter(
    (t) => !named.has(t.country.scope.country) && t.sessions >= FARM_MIN_SESSIONS && t.networks.size >= FARM_MIN_NETWORKS,
  );
  if (tallies.length === 0) return [];
  const week = weekOfVerified(ctx, farms.values());
  const pairs = farms.size * (book.levels.get('country')?.size ?? 1);
  const findings: Finding[] = [];
  for (const tally of tallies) {
    const pricing = priceExits(ctx, tally, { ...week, farm: week.byFarm.get(tally.farm) ?? 0 }, pairs, windowMs);
    if (!pricing) continue;
    for (const [prefix, sessions] of tally.prefixes) findings.push(farmExitFinding(ctx, { ...pricing, tally, prefix, sessions }));
  }
  return findings;
}

/** The addresses of the open billing anomalies that block or challenge a destination, in one app. */
interface AddressFarm {
  app: string;
  /** Each address and the network it is on. */
  addresses: Map<string, number>;
  countries: Set<string>;
  anomalyIds: string[];
}

/** One country's (and its prefixes') sessions from one farm's addresses over the window. */
interface AddressTally {
  farm: AddressFarm;
  country: ScopeSeries;
  sessions: number;
  /** Sessions per address. */
  addresses: Map<string, number>;
  prefixes: Map<ScopeSeries, number>;
}

/** Whether a row of hosting sessions went into an anomaly's destination. */
function inDestination(row: HostingSessionAddressRow, scope: NamedAnomaly['scope']): boolean {
  return row.country === scope.country && (scope.prefix === undefined || row.prefix === scope.prefix);
}

/**
 * The farms' addresses: those that sent a destination's never-verified hosting sessions over its
 * anomaly's window (the part of it the engine still holds as minutes, `ADDRESS_MINUTES_MS`),
 * grouped by app, for as long as the anomaly is open. A person on a VPN among
 * them verified (or is still typing, and verifies within the window or is priced below).
 */
function addressFarms(ctx: DetectionContext, open: readonly NamedAnomaly[]): Map<string, AddressFarm> {
  const farms = new Map<string, AddressFarm>();
  for (const anomaly of open) {
    if (!stopsDestination(anomaly)) continue;
    const country = anomaly.scope.country as string;
    const apps = new Set<string>();
    for (const row of ctx.addresses.rowsIn(anomaly.windowStartMs, anomaly.windowEndMs)) {
      if (row.sessions <= row.verified || !inDestination(row, anomaly.scope)) continue;
      const farm: AddressFarm = farms.get(row.app) ?? { app: row.app, addresses: new Map(), countries: new Set(), anomalyIds: [] };
      farm.addresses.set(row.ip, row.asn);
      farm.countries.add(country);
      if (!apps.has(row.app)) farm.anomalyIds.push(anomaly.id);
      apps.add(row.app);
      farms.set(row.app, farm);
    }
  }
  return farms;
}

/** Each other country's sessions nobody typed a code for from a farm's addresses, in its app, over the window. */
function addressTallies(ctx: DetectionContext, farms: ReadonlyMap<string, AddressFarm>, windowMs: number): AddressTally[] {
  const { book, nowMs } = ctx;
  const tallies = new Map<string, AddressTally>();
  // Sessions with no code typed at all: a farm's pumped numbers get none, and a brute force's
  // wrong codes are its own finding's.
  for (const row of ctx.addresses.rowsIn(nowMs - windowMs, nowMs)) {
    const farm = farms.get(row.app);
    if (!farm || row.untyped <= 0 || !farm.addresses.has(row.ip) || farm.countries.has(row.country)) continue;
    const cell = { app: row.app, flow: '', country: row.country, prefix: row.prefix, asn: row.asn, provider: '' };
    const country = book.levels.get('country')?.get(levelKey('country', cell));
    const prefix = book.levels.get('prefix')?.get(levelKey('prefix', cell));
    if (!country || !prefix) continue;
    const key = `${farm.app}|${row.country}`;
    const tally = tallies.get(key) ?? { farm, country, sessions: 0, addresses: new Map(), prefixes: new Map() };
    tally.sessions += row.untyped;
    tally.addresses.set(row.ip, (tally.addresses.get(row.ip) ?? 0) + row.untyped);
    tally.prefixes.set(prefix, (tally.prefixes.get(prefix) ?? 0) + row.untyped);
    tallies.set(key, tally);
  }
  return [...tallies.values()];
}

/** The week's verified hosting sessions from each farm's addresses, over the same committed hours as `weekOfVerified`. */
function weekVerifiedFrom(ctx: DetectionContext, farms: readonly AddressFarm[]): Map<AddressFarm, number> {
  const fromMs = ctx.nowMs - USUAL_SHARE_MS;
  return new Map(
    farms.map((farm) => [farm, ctx.addresses.verifiedFrom(new Set(farm.addresses.keys()), fromMs, ctx.book.committedUntilMs)]),
  );
}

/**
 * The test on the farm's addresses: any number of sessions, even one, from any of them. Its
 * expectation is the country's hosting sessions times the share of the week's verified hosting
 * sessions that came from those addresses (with the rule of three's prior), so an address people
 * verify from often, a VPN exit, is as expected there as anywhere.
 */
function addressExits(ctx: DetectionContext, open: readonly NamedAnomaly[], named: ReadonlySet<string | undefined>): Finding[] {
  const { book, config, nowMs } = ctx;
  const windowMs = Math.min(...config.sparseWindowsMs);
  // Most steps with a farm named see no hosting session nobody typed a code for elsewhere.
  const elsewhere = ctx.addresses.rowsIn(nowMs - windowMs, nowMs).some((row) => row.untyped > 0 && !named.has(row.country));
  if (!elsewhere) return [];
  const farms = addressFarms(ctx, open);
  if (farms.size === 0) return [];
  const tallies = addressTallies(ctx, farms, windowMs).filter((t) => !named.has(t.country.scope.country));
  if (tallies.length === 0) return [];
  const week = weekOfVerified(ctx, []);
  const verifiedFrom = weekVerifiedFrom(ctx, [...new Set(tallies.map((t) => t.farm))]);
  const pairs = farms.size * (book.levels.get('country')?.size ?? 1);
  const findings: Finding[] = [];
  for (const tally of tallies) {
    const pricing = priceExits(ctx, tally, { ...week, farm: verifiedFrom.get(tally.farm) ?? 0 }, pairs, windowMs);
    if (!pricing) continue;
    for (const [prefix, sessions] of tally.prefixes) findings.push(addressExitFinding(ctx, { ...pricing, tally, prefix, sessions }));
  }
  return findings;
}

/** What one prefix's finding reports: the country's evidence, and this prefix's part of it. */
interface FarmExitEvidence<Tally extends { sessions: number; country: ScopeSeries }> extends ExitPricing {
  tally: Tally;
  prefix: ScopeSeries;
  sessions: number;
}

/** What a finding of either test says of its own: its unit, its evidence, its contributors and facts. */
interface ExitTerms {
  signal: string;
  unit: string;
  /** The summary between the prefix and the chance. */
  evidence: string;
  contributors: Contributor[];
  facts: Finding['facts'];
}

/** A prefix's finding of either test, alike in all but its terms. */
function exitFinding(
  ctx: DetectionContext,
  evidence: FarmExitEvidence<{ sessions: number; country: ScopeSeries }>,
  terms: ExitTerms,
): Finding {
  const { config, nowMs } = ctx;
  const { tally, prefix, sessions, fromFarm, share, logP, windowMs } = evidence;
  const costPerHourUsd = sessionsCostPerHourUsd(ctx.window(nowMs - windowMs, nowMs).get(prefix), sessions, minutesOf(windowMs));
  return {
    kind: 'volume_spike',
    scope: prefix.scope,
    severity: severityForCost(costPerHourUsd, config.severityUsdPerHour),
    action: 'alert',
    score: -log10Tail(logP),
    observed: tally.sessions,
    expected: fromFarm,
    band: { low: 0, high: fromFarm * slack(fromFarm, config.sparseSlack) },
    unit: terms.unit,
    costPerHourUsd,
    windowStartMs: nowMs - windowMs,
    windowEndMs: nowMs,
    summary:
      `${describeScope(prefix.scope)}: ${terms.evidence}; ` +
      `chance of as many for any of ${evidence.pairs} farm and country pairs 1 in ${formatOdds(logP)}`,
    contributors: terms.contributors,
    facts: {
      level: prefix.level,
      test: 'poisson_tail',
      signal: terms.signal,
      log10PValue: Number(log10Tail(logP).toFixed(2)),
      log10Tail: Number(log10Tail(evidence.logTail).toFixed(2)),
      farmPairs: evidence.pairs,
      ...terms.facts,
      countrySessions: tally.sessions,
      prefixSessions: sessions,
      usualHostingShare: Number(share.hosting.toFixed(4)),
    },
  };
}

function farmExitFinding(ctx: DetectionContext, evidence: FarmExitEvidence<FarmTally>): Finding {
  const { tally, sessions, fromFarm, share, windowMs } = evidence;
  const minutes = minutesOf(windowMs);
  const networks = [...tally.networks].sort((a, b) => a - b);
  const farmNetworks = [...tally.farm.networks].sort((a, b) => a - b);
  const countries = [...tally.farm.countries].sort();
  return exitFinding(ctx, evidence, {
    signal: 'unverified_sessions_from_named_farm',
    unit: `unverified sessions from the hosting networks of a farm named in ${countries.join(', ')} in ${minutes} min`,
    evidence:
      `${sessions} of ${tally.sessions} unverified sessions into ${tally.country.scope.country} in ${minutes} min ` +
      `came from ${networks.length} hosting networks (AS${networks.join(', AS')}) of the farm named in ${countries.join(', ')} ` +
      `in app ${tally.farm.app}, where ${fromFarm.toPrecision(2)} were expected from them ` +
      `(${(share.hosting * 100).toFixed(1)}% of verified sessions usually from hosting networks, ${(share.farm * 100).toFixed(1)}% of those from the farm's)`,
    contributors: [],
    facts: {
      farmNetworks: farmNetworks.join(','),
      farmCountries: countries.join(','),
      farmAnomalies: tally.farm.anomalyIds.join(','),
      hostingNetworks: networks.length,
      usualFarmShare: Number(share.farm.toFixed(4)),
    },
  });
}

/** The address test's finding: the addresses are its contributors, each with the sessions it sent into the country. */
function addressExitFinding(ctx: DetectionContext, evidence: FarmExitEvidence<AddressTally>): Finding {
  const { tally, sessions, fromFarm, share, windowMs } = evidence;
  const minutes = minutesOf(windowMs);
  const addresses = [...tally.addresses].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const countries = [...tally.farm.countries].sort();
  const named = `the farm named in ${countries.join(', ')}`;
  return exitFinding(ctx, evidence, {
    signal: 'unverified_sessions_from_farm_addresses',
    unit: `sessions nobody typed a code for from the addresses of a farm named in ${countries.join(', ')} in ${minutes} min`,
    evidence:
      `${sessions} of ${tally.sessions} sessions into ${tally.country.scope.country} in ${minutes} min ` +
      `nobody typed a code for came from ${addresses.length} of the ${tally.farm.addresses.size} addresses ` +
      `(${addresses.map(([ip]) => ip).join(', ')}) of ${named} in app ${tally.farm.app}, ` +
      `where ${fromFarm.toPrecision(2)} were expected from them ` +
      `(${(share.hosting * 100).toFixed(1)}% of verified sessions usually from hosting networks, ${(share.farm * 100).toFixed(2)}% of those ` +
      `from the farm's addresses, three sessions added for addresses seen rarely or never)`,
    contributors: addresses.map(([ip, count]) => ({
      dimension: 'ip',
      value: ip,
      count,
      share: count / tally.sessions,
      label: `one of ${tally.farm.addresses.size} addresses of ${named} (AS${tally.farm.addresses.get(ip)})`,
    })),
    facts: {
      farmAddresses: tally.farm.addresses.size,
      farmCountries: countries.join(','),
      farmAnomalies: tally.farm.anomalyIds.join(','),
      addresses: addresses.length,
      usualFarmShare: Number(share.farm.toFixed(6)),
    },
  });
}
