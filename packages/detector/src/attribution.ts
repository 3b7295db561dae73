/**
 * Attribution: one anomaly per cause, at the smallest scope that explains it. A pumped prefix
 * lights up its country, its app's flow, the ASNs of the bot farm and the provider too; the step's
 * raw findings are pruned to the explaining scope and the rest become its contributors. Then the
 * suggested action is set from the evidence that tells pumping from its look-alikes.
 */
import type { DetectorConfig } from './detector-config.ts';
import type { DetectionContext } from './detection-context.ts';
import type { Finding } from './finding.ts';
import { cellInScope, cellOfScope, DESTINATION_LEVELS, scopeWithin, type CellScope, type Scope, type ScopeLevel } from './scope.ts';
import { hostingShare, topContributors } from './scope-composition.ts';
import { reachableSessions, type Counters } from './counters.ts';
import type { Contributor } from './finding.ts';
import { sessionBaseline } from './seasonal-baseline.ts';
import { wilsonInterval } from './statistics/wilson-interval.ts';
import { levelKey, MS_PER_MINUTE, type MinuteCell, type ScopeSeries } from './traffic-book.ts';
import { expectedUnverified, minutesOf, observedUnverified, unverified } from './unverified-sessions.ts';

/** A child scope carrying this share of its parent's excess is the explanation. */
const CHILD_EXPLAINS = 0.6;
/** A finding whose excess lies this much inside explained destinations is their echo. */
const ECHO_SHARE = 0.5;
/**
 * A country is blocked whole only when its excess is spread: its largest `NARROW_PREFIXES`
 * prefixes carry less than `NARROW_EXPLAINS` of it. Otherwise those prefixes are the scope to
 * block and the country gets a challenge.
 */
const NARROW_PREFIXES = 3;
const NARROW_EXPLAINS = 0.5;
/** Matured sessions a conversion collapse is judged on, and how far under the baseline it must be. */
const MIN_COLLAPSE_SESSIONS = 5;
const COLLAPSE_RATIO = 0.5;
/** Test names of the detectors raising volume spikes, most telling first: one finding per scope. */
const SPIKE_TESTS = ['poisson_tail', 'cusum'];

const levelOf = (finding: Finding): ScopeLevel | undefined => finding.facts.level as ScopeLevel | undefined;

/** What a finding's excess is measured in, per cell counters. */
function measure(kind: Finding['kind']): (c: Counters) => number {
  return kind === 'conversion_drop' ? (c) => reachableSessions(c) - c.verifiedSessions : (c) => c.sends;
}

/**
 * A finding's excess over its window, of the cells that pass `filter` (all by default). Sends over
 * the whole scope are read from its carried composition: a finding that stays named is weighed
 * against its parent and echoes every minute.
 */
function amount(ctx: DetectionContext, finding: Finding, filter?: (cell: MinuteCell) => boolean): number {
  if (!filter && finding.kind !== 'conversion_drop')
    return ctx.compose(finding.scope, finding.windowStartMs, finding.windowEndMs).total.sends;
  const m = measure(finding.kind);
  let total = 0;
  for (let minute = finding.windowStartMs; minute < finding.windowEndMs; minute += MS_PER_MINUTE) {
    for (const cell of ctx.book.cellsOf(minute)) {
      if (cellInScope(cell, finding.scope) && (!filter || filter(cell))) total += m(cell.counters);
    }
  }
  return total;
}

/** Among nested findings of one kind, keep the child when it explains its parent, else the parent. */
function pruneNested(ctx: DetectionContext, findings: Finding[]): Finding[] {
  const dropped = new Set<Finding>();
  // A child is weighed against each parent that holds it: its amount is taken once.
  const amounts = new Map<Finding, number>();
  const amountOf = (f: Finding) => amounts.get(f) ?? amounts.set(f, amount(ctx, f)).get(f)!;
  // A child names more fields than its parent: counted once, they spare most pairs the comparison.
  const named = new Map(findings.map((f) => [f, Object.values(f.scope).filter((v) => v !== undefined).length]));
  const keys = new Map(findings.map((f) => [f, Object.keys(f.scope).length]));
  const sorted = [...findings].sort((a, b) => keys.get(a)! - keys.get(b)!);
  for (const parent of sorted) {
    if (dropped.has(parent)) continue;
    const fields = named.get(parent)!;
    const children = findings.filter((f) => named.get(f)! > fields && !dropped.has(f) && scopeWithin(f.scope, parent.scope));
    if (children.length === 0) continue;
    const whole = Math.max(1e-9, amountOf(parent));
    const explaining = children.find((child) => amountOf(child) / whole >= CHILD_EXPLAINS);
    if (explaining) dropped.add(parent);
    else for (const child of children) dropped.add(child);
  }
  return findings.filter((f) => !dropped.has(f));
}

function inAny(scopes: readonly Scope[]): (cell: CellScope) => boolean {
  return (cell) => scopes.some((scope) => cellInScope(cell, scope));
}

/** Kinds whose scope names where the pumped traffic goes. */
const DESTINATION_KINDS: readonly Finding['kind'][] = ['volume_spike', 'conversion_drop', 'new_destination', 'sequential_numbers'];

/**
 * Prunes echoes and sets actions; returns the findings worth an anomaly. `open` are the anomalies
 * still open: a pumped destination explains a flow's conversion drop that is judged after it.
 */
export function attribute(ctx: DetectionContext, raw: Finding[], open: readonly Finding[] = []): Finding[] {
  const { config } = ctx;
  const deliveryFailures = raw.filter((f) => f.kind === 'delivery_failure' || f.kind === 'delivery_latency');
  const newDestinations = pruneNested(
    ctx,
    raw.filter((f) => f.kind === 'new_destination'),
  );
  const openDestinations = open
    .filter(
      (f) =>
        DESTINATION_KINDS.includes(f.kind) &&
        (f.scope.prefix !== undefined || (f.scope.country !== undefined && Object.keys(f.scope).length === 1)),
    )
    .map((f) => f.scope);
  const kept: Finding[] = [
    ...newDestinations,
    ...raw.filter((f) => !['volume_spike', 'conversion_drop', 'asn_concentration', 'new_destination'].includes(f.kind)),
  ];
  const hosting = (cell: MinuteCell) => ctx.asns.get(cell.asn)?.hosting === true;
  // A brute force gets each of its sessions one code from hosting IPs and never verifies: the
  // spike, drop and ASN concentration that leaves in its flow are its echo, IAM's alert and not a
  // destination to block.
  const guessedFlows = [...raw, ...open].filter((f) => f.kind === 'verify_bruteforce').map((f) => f.scope);
  const guessing = (cell: MinuteCell) => hosting(cell) && inAny(guessedFlows)(cell);
  const notGuessing = (f: Finding) => guessedFlows.length === 0 || amount(ctx, f, guessing) / Math.max(1e-9, amount(ctx, f)) < ECHO_SHARE;

  for (const kind of ['volume_spike', 'conversion_drop'] as const) {
    let ofKind = onePerScope(raw.filter((f) => f.kind === kind && notGuessing(f)));
    if (kind === 'conversion_drop') ofKind = ofKind.filter((f) => !explainedByDelivery(f, deliveryFailures));
    // New destinations already carry their own finding: their spike is not news.
    ofKind = ofKind.filter((f) => !newDestinations.some((n) => sameOrWithin(f.scope, n.scope)));
    const destinations = pruneNested(
      ctx,
      ofKind.filter((f) => DESTINATION_LEVELS.includes(levelOf(f) as ScopeLevel)),
    );
    const explained = [...destinations, ...newDestinations].map((f) => f.scope).concat(openDestinations);
    const others = pruneNested(
      ctx,
      ofKind.filter((f) => !DESTINATION_LEVELS.includes(levelOf(f) as ScopeLevel)),
    ).filter((f) => explained.length === 0 || amount(ctx, f, inAny(explained)) / Math.max(1e-9, amount(ctx, f)) < ECHO_SHARE);
    kept.push(...destinations, ...others);
  }

  const destinationScopes = kept
    .filter((f) => DESTINATION_LEVELS.includes(levelOf(f) as ScopeLevel) || f.kind === 'new_destination')
    .map((f) => f.scope)
    .concat(openDestinations);
  for (const finding of raw.filter((f) => f.kind === 'asn_concentration' && notGuessing(f))) {
    const total = amount(ctx, finding, hosting);
    const echoed = destinationScopes.length > 0 ? amount(ctx, finding, (cell) => hosting(cell) && inAny(destinationScopes)(cell)) : 0;
    if (total === 0 || echoed / total < ECHO_SHARE) kept.push(finding);
  }
  const ofCountry = seriesByCountry(ctx);
  return kept.map((finding) => withEvidence(ctx, config, ofCountry, finding));
}

/** Of findings of one kind on the same scope, the one of the most telling test. */
function onePerScope(findings: Finding[]): Finding[] {
  const rank = (f: Finding) => {
    const i = SPIKE_TESTS.indexOf(String(f.facts.test));
    return i < 0 ? SPIKE_TESTS.length : i;
  };
  const best = new Map<string, Finding>();
  for (const finding of findings) {
    const key = JSON.stringify(finding.scope);
    const held = best.get(key);
    if (!held || rank(finding) < rank(held)) best.set(key, finding);
  }
  return [...best.values()];
}

function sameOrWithin(inner: Scope, outer: Scope): boolean {
  return scopeWithin(inner, outer) || JSON.stringify(inner) === JSON.stringify(outer);
}

/** A drop in a country where a provider is failing (or delivering late) is the outage's echo, not pumping. */
function explainedByDelivery(finding: Finding, failures: readonly Finding[]): boolean {
  return failures.some(
    (failure) =>
      failure.scope.country === finding.scope.country ||
      (finding.scope.country === undefined && finding.scope.provider !== undefined && failure.scope.provider === finding.scope.provider),
  );
}

/** A prefix's or country's unverified sessions in a window, and what its baseline expected of them. */
function unverifiedExcess(
  ctx: DetectionContext,
  series: ScopeSeries,
  sum: Counters,
  fromMs: number,
  toMs: number,
): { observed: number; expected: number } {
  const baseline = sessionBaseline(ctx.book, series, toMs - MS_PER_MINUTE, ctx.nowMs);
  const live = toMs >= ctx.nowMs;
  const observed = live ? observedUnverified(ctx, series, fromMs) : unverified(sum);
  const expected = baseline
    ? expectedUnverified(baseline, minutesOf(toMs - fromMs), live ? minutesOf(ctx.config.unverifiedGraceMs) : 0)
    : 0;
  return { observed, expected };
}

interface Narrowing {
  /** The country's excess of unverified sessions and the prefixes carrying it, largest first. */
  excess: number;
  prefixes: Contributor[];
  /** Share of the excess in the largest NARROW_PREFIXES prefixes. */
  topShare: number;
}

/** A country's own series and its prefixes' with their sums over a window. */
type CountrySeries = (country: string, fromMs: number, toMs: number) => readonly (readonly [ScopeSeries, Counters])[];

/**
 * The countries' and prefixes' sums of each window, grouped by country once per window for one
 * step's attribution: an attack over a dozen countries names them all at once, and each narrowing
 * went through every scope of the window.
 */
function seriesByCountry(ctx: DetectionContext): CountrySeries {
  const byWindow = new Map<string, Map<string, [ScopeSeries, Counters][]>>();
  return (country, fromMs, toMs) => {
    const key = `${fromMs}:${toMs}`;
    let index = byWindow.get(key);
    if (!index) {
      const grouped = new Map<string, [ScopeSeries, Counters][]>();
      // forEach, not for...of: a pair for every scope of the window, at every step, was garbage.
      ctx.window(fromMs, toMs).forEach((sum, series) => {
        if (series.level !== 'prefix' && series.level !== 'country') return;
        const own = series.scope.country ?? '';
        const list = grouped.get(own);
        if (list) list.push([series, sum]);
        else grouped.set(own, [[series, sum]]);
      });
      byWindow.set(key, (index = grouped));
    }
    return index.get(country) ?? [];
  };
}

/** How a country's excess of unverified sessions splits over its prefixes (the drill-down). */
function narrowCountry(ctx: DetectionContext, ofCountry: CountrySeries, country: string, fromMs: number, toMs: number): Narrowing {
  let excess = 0;
  const parts: { value: string; count: number }[] = [];
  for (const [series, sum] of ofCountry(country, fromMs, toMs)) {
    const { observed, expected } = unverifiedExcess(ctx, series, sum, fromMs, toMs);
    if (series.level === 'country') excess = observed - expected;
    else if (observed - expected > 0) parts.push({ value: series.scope.prefix ?? '', count: observed - expected });
  }
  parts.sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
  const whole = Math.max(excess, 1e-9);
  const top = parts.slice(0, NARROW_PREFIXES).reduce((sum, p) => sum + p.count, 0);
  return {
    excess,
    prefixes: parts
      .slice(0, 5)
      .map((p) => ({ dimension: 'prefix', value: p.value, count: Number(p.count.toFixed(1)), share: Math.min(1, p.count / whole) })),
    topShare: excess > 0 ? Math.min(1, top / whole) : 1,
  };
}

/**
 * Whether the matured sessions of a destination's window collapsed: verified far under the
 * baseline (the upper bound under half of it). Pumping through residential proxies shows here
 * when its networks look like anyone's.
 */
function conversionCollapsed(ctx: DetectionContext, finding: Finding): boolean {
  const level = levelOf(finding);
  if (!DESTINATION_LEVELS.includes(level as ScopeLevel)) return false;
  const series = ctx.book.levels.get(level as ScopeLevel)?.get(levelKey(level as ScopeLevel, cellOfScope(finding.scope)));
  if (!series) return false;
  const matureEnd = Math.min(finding.windowEndMs, ctx.nowMs - ctx.config.unverifiedGraceMs);
  const matured = ctx.window(finding.windowStartMs, matureEnd).get(series);
  const baseline = sessionBaseline(ctx.book, series, ctx.nowMs - MS_PER_MINUTE, ctx.nowMs);
  if (!matured || !baseline) return false;
  const reachable = reachableSessions(matured);
  if (reachable < MIN_COLLAPSE_SESSIONS) return false;
  return wilsonInterval(matured.verifiedSessions, reachable, ctx.config.conversionZ).high < COLLAPSE_RATIO * baseline.conversion;
}

/** Contributors for the drill-down, the action the evidence supports, and why the scope is this narrow. */
function withEvidence(ctx: DetectionContext, config: DetectorConfig, ofCountry: CountrySeries, finding: Finding): Finding {
  const destinationKind = finding.kind === 'volume_spike' || finding.kind === 'conversion_drop' || finding.kind === 'new_destination';
  if (!destinationKind) return finding;
  const composition = ctx.compose(finding.scope, finding.windowStartMs, finding.windowEndMs);
  const level = levelOf(finding);
  const destination = DESTINATION_LEVELS.includes(level as ScopeLevel);
  const hosting = hostingShare(composition);
  const narrowing =
    level === 'country' && finding.scope.country
      ? narrowCountry(ctx, ofCountry, finding.scope.country, finding.windowStartMs, finding.windowEndMs)
      : undefined;
  const contributors = [
    ...(narrowing ? narrowing.prefixes : level === 'country' ? topContributors(composition, 'prefix', 3) : []),
    ...(level === 'all' || level === 'app_flow' ? topContributors(composition, 'country', 5) : []),
    ...topContributors(composition, 'asn', 3, ctx.asns),
    // Addresses a detector named itself (a farm's, known from another country) are its evidence.
    ...finding.contributors.filter((c) => c.dimension === 'ip'),
  ];
  let action = finding.action;
  let accessNetwork = false;
  const collapsed = finding.kind === 'volume_spike' && conversionCollapsed(ctx, finding);
  if (finding.kind === 'volume_spike') {
    // A campaign brings people on phones and home networks who verify; a bot farm rents servers,
    // and a proxy pool's numbers never verify.
    action = destination && (hosting >= config.hostingShareSuspicious || collapsed) ? 'block' : 'alert';
  } else if (finding.kind === 'conversion_drop' && !destination && finding.action !== 'alert') {
    // A flow-wide or network-wide drop is friction for everyone: challenge, never block. A drop on
    // one provider in a country that its destinations do not share is that provider failing its
    // users (codes late or lost): the vendor owner's alert, which no challenge would mend. So is a
    // drop on one access network alone (a carrier's or home ISP's subscribers): its sessions are
    // people, a farm behind home connections spreads over many such networks and shows at the
    // destinations it pumps, and thirty of one network's sessions converting less while a holiday
    // adds sessions is chance that extra sessions cannot tell from pumping. A hosting network's
    // drop is challenged: people rarely send from one. A drop that no extra sessions explain
    // stays the alert its detector made it.
    accessNetwork = level === 'asn' && ctx.asns.get(finding.scope.asn ?? 0)?.hosting !== true;
    action = level === 'provider_country' || accessNetwork ? 'alert' : 'challenge';
  }
  let narrowest: string;
  if (narrowing && action === 'block' && narrowing.topShare >= NARROW_EXPLAINS) {
    // Narrowest scope first: the prefixes that carry the excess are blocked on their own findings.
    action = 'challenge';
    narrowest = `its largest ${NARROW_PREFIXES} prefixes carry ${(narrowing.topShare * 100).toFixed(0)}% of its excess: those are the scopes to block, the country is challenged`;
  } else if (narrowing) {
    narrowest =
      narrowing.excess > 0
        ? `the excess is spread over its prefixes (the largest ${NARROW_PREFIXES} carry ${(narrowing.topShare * 100).toFixed(0)}%), so no narrower scope explains it`
        : 'its prefixes show no excess of unverified sessions of their own';
  } else if (level === 'prefix') {
    narrowest = 'a prefix is the narrowest destination the traffic is counted by';
  } else if (level === 'all' || level === 'app_flow') {
    const [top] = topContributors(composition, 'country', 1);
    narrowest = `no country explains it alone${top ? ` (the largest, ${top.value}, carries ${(top.share * 100).toFixed(0)}%)` : ''}`;
  } else if (accessNetwork) {
    narrowest = 'no destination explains it: one access network carries it, whose subscribers are alerted on, not challenged';
  } else {
    narrowest = `the ${level ?? 'scope'} level carries it`;
  }
  return {
    ...finding,
    action,
    contributors: finding.kind === 'new_destination' ? finding.contributors : contributors,
    facts: {
      ...finding.facts,
      hostingShare: Number(hosting.toFixed(3)),
      ...(collapsed ? { conversionCollapsed: true } : {}),
      narrowest,
      ...(ctx.guessedSessions(finding.windowStartMs, finding.windowEndMs) > 0
        ? { bruteforceSessionsLeftOut: ctx.guessedSessions(finding.windowStartMs, finding.windowEndMs) }
        : {}),
    },
  };
}
