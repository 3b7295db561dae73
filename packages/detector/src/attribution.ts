/**
 * Attribution: one anomaly per cause, at the smallest scope that explains it. A pumped prefix
 * lights up its country, its app's flow, the ASNs of the bot farm and the provider too; the step's
 * raw findings are pruned to the explaining scope and the rest become its contributors. Then the
 * suggested action is set from the evidence that tells pumping from its look-alikes.
 */
import type { DetectorConfig } from './detector-config.ts';
import type { DetectionContext } from './detection-context.ts';
import type { Finding } from './finding.ts';
import { cellInScope, DESTINATION_LEVELS, scopeWithin, type CellScope, type Scope, type ScopeLevel } from './scope.ts';
import { compose, hostingShare, topContributors } from './scope-composition.ts';
import { reachableSessions, type Counters } from './counters.ts';
import { MS_PER_MINUTE, type MinuteCell } from './traffic-book.ts';

/** A child scope carrying this share of its parent's excess is the explanation. */
const CHILD_EXPLAINS = 0.6;
/** A finding whose excess lies this much inside explained destinations is their echo. */
const ECHO_SHARE = 0.5;

const levelOf = (finding: Finding): ScopeLevel | undefined => finding.facts.level as ScopeLevel | undefined;

/** What a finding's excess is measured in, per cell counters. */
function measure(kind: Finding['kind']): (c: Counters) => number {
  return kind === 'conversion_drop' ? (c) => reachableSessions(c) - c.verifiedSessions : (c) => c.sends;
}

/** A finding's excess over its window, of the cells that pass `filter` (all by default). */
function amount(ctx: DetectionContext, finding: Finding, filter: (cell: MinuteCell) => boolean = () => true): number {
  const m = measure(finding.kind);
  let total = 0;
  for (let minute = finding.windowStartMs; minute < finding.windowEndMs; minute += MS_PER_MINUTE) {
    for (const cell of ctx.book.cellsOf(minute)) {
      if (cellInScope(cell, finding.scope) && filter(cell)) total += m(cell.counters);
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
  const sorted = [...findings].sort((a, b) => Object.keys(a.scope).length - Object.keys(b.scope).length);
  for (const parent of sorted) {
    if (dropped.has(parent)) continue;
    const children = findings.filter((f) => f !== parent && !dropped.has(f) && scopeWithin(f.scope, parent.scope));
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
  const newDestinations = pruneNested(ctx, raw.filter((f) => f.kind === 'new_destination'));
  const openDestinations = open
    .filter((f) => DESTINATION_KINDS.includes(f.kind) && (f.scope.prefix !== undefined || (f.scope.country !== undefined && Object.keys(f.scope).length === 1)))
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
    let ofKind = raw.filter((f) => f.kind === kind && notGuessing(f));
    if (kind === 'conversion_drop') ofKind = ofKind.filter((f) => !explainedByDelivery(f, deliveryFailures));
    // New destinations already carry their own finding: their spike is not news.
    ofKind = ofKind.filter((f) => !newDestinations.some((n) => sameOrWithin(f.scope, n.scope)));
    const destinations = pruneNested(ctx, ofKind.filter((f) => DESTINATION_LEVELS.includes(levelOf(f) as ScopeLevel)));
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
  return kept.map((finding) => withEvidence(ctx, config, finding));
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

/** Contributors for the drill-down, and the action the evidence supports. */
function withEvidence(ctx: DetectionContext, config: DetectorConfig, finding: Finding): Finding {
  if (finding.kind !== 'volume_spike' && finding.kind !== 'conversion_drop') return finding;
  const composition = compose(ctx.book, ctx.asns, finding.scope, finding.windowStartMs, finding.windowEndMs);
  const level = levelOf(finding);
  const hosting = hostingShare(composition);
  const contributors = [
    ...(level === 'country' ? topContributors(composition, 'prefix', 3) : []),
    ...(level === 'all' || level === 'app_flow' ? topContributors(composition, 'country', 5) : []),
    ...topContributors(composition, 'asn', 3, ctx.asns),
  ];
  let action = finding.action;
  if (finding.kind === 'volume_spike') {
    // A campaign brings people on phones and home networks; a bot farm rents servers.
    const destination = DESTINATION_LEVELS.includes(level as ScopeLevel);
    action = destination && hosting >= config.hostingShareSuspicious ? 'block' : 'alert';
  } else if (!DESTINATION_LEVELS.includes(level as ScopeLevel)) {
    // A flow-wide or network-wide drop is friction for everyone: challenge, never block.
    action = 'challenge';
  }
  return { ...finding, action, contributors, facts: { ...finding.facts, hostingShare: Number(hosting.toFixed(3)) } };
}
