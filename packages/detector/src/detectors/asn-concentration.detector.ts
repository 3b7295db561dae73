/**
 * ASN concentration: an app's flow suddenly served to hosting networks (bot farms, datacenter
 * proxies) far beyond their usual share. When one ASN carries most of it, that ASN is the scope.
 */
import { describeScope } from '@tollgate/vocabulary';
import type { DetectionContext } from '../detection-context.ts';
import { severityForCost, type Finding } from '../finding.ts';
import { compose, hostingShare, topContributors } from '../scope-composition.ts';
import { costPerSendUsd } from '../counters.ts';
import { levelKey, MS_PER_DAY, MS_PER_MINUTE } from '../traffic-book.ts';

/** Hosting sends in the window below this are too few to matter. */
const MIN_HOSTING_SENDS = 30;
/** The share must rise this far (absolute) above the usual one... */
const MIN_SHARE_RISE = 0.25;
/** ...and one ASN carrying this much of the hosting traffic becomes the scope. */
const SINGLE_ASN_SHARE = 0.7;

/**
 * Hosting shares over the last week of committed hours: of all sends (what the flows' traffic
 * usually looks like) and of verified sessions (the people behind a VPN or an office egress,
 * measured where pumping, which does not verify, cannot inflate it).
 */
export function usualHostingShares(ctx: DetectionContext): { sends: number; verifiedSessions: number } {
  const hosting = { sends: 0, verifiedSessions: 0 };
  const total = { sends: 0, verifiedSessions: 0 };
  for (const series of ctx.book.levels.get('asn')?.values() ?? []) {
    const week = ctx.book.spanSum(series, ctx.nowMs - 7 * MS_PER_DAY, ctx.book.committedUntilMs);
    const isHosting = series.scope.asn !== undefined && ctx.asns.get(series.scope.asn)?.hosting === true;
    for (const measure of ['sends', 'verifiedSessions'] as const) {
      total[measure] += week[measure];
      if (isHosting) hosting[measure] += week[measure];
    }
  }
  return {
    sends: total.sends > 0 ? hosting.sends / total.sends : 0,
    verifiedSessions: total.verifiedSessions > 0 ? hosting.verifiedSessions / total.verifiedSessions : 0,
  };
}

export function detectAsnConcentration(ctx: DetectionContext, usualShare: number): Finding[] {
  const { book, config, nowMs } = ctx;
  const fromMs = nowMs - config.longWindowMs;
  const minutes = config.longWindowMs / MS_PER_MINUTE;
  const findings: Finding[] = [];
  // One pass over the window's cells finds the flows with enough hosting traffic to look closer at.
  const hostingByFlow = new Map<string, number>();
  for (let m = fromMs; m < nowMs; m += MS_PER_MINUTE) {
    for (const cell of book.cellsOf(m)) {
      if (!ctx.asns.get(cell.asn)?.hosting) continue;
      const key = levelKey('app_flow', cell);
      hostingByFlow.set(key, (hostingByFlow.get(key) ?? 0) + cell.counters.sends);
    }
  }
  for (const [key, hostingSends] of hostingByFlow) {
    const series = book.levels.get('app_flow')?.get(key);
    if (!series || hostingSends < MIN_HOSTING_SENDS) continue;
    const composition = compose(book, ctx.asns, series.scope, fromMs, nowMs);
    const share = hostingShare(composition);
    if (composition.hostingSends < MIN_HOSTING_SENDS || share < usualShare + MIN_SHARE_RISE) continue;
    const hostingAsns = topContributors(composition, 'asn', 10, ctx.asns).filter((c) => ctx.asns.get(Number(c.value))?.hosting);
    const top = hostingAsns[0];
    const single = top !== undefined && top.count >= SINGLE_ASN_SHARE * composition.hostingSends;
    const scope = single ? { ...series.scope, asn: Number(top.value) } : series.scope;
    const costPerHourUsd = (composition.hostingSends / minutes) * 60 * costPerSendUsd(composition.total);
    findings.push({
      kind: 'asn_concentration',
      scope,
      severity: severityForCost(costPerHourUsd, config.severityUsdPerHour),
      action: 'challenge',
      score: (share - usualShare) * 10,
      observed: share,
      expected: usualShare,
      band: { low: 0, high: usualShare + MIN_SHARE_RISE },
      unit: 'share of sends from hosting networks',
      costPerHourUsd,
      windowStartMs: fromMs,
      windowEndMs: nowMs,
      summary: `${describeScope(scope)}: ${(share * 100).toFixed(0)}% of ${composition.total.sends} sends from hosting networks (usually ${(usualShare * 100).toFixed(0)}%)`,
      contributors: hostingAsns.slice(0, 5),
      facts: { hostingSends: composition.hostingSends, asns: hostingAsns.length },
    });
  }
  return findings;
}
