import type { AutoTripProposal } from './auto-trip-proposal.ts';

export type TripGuard = { action: 'trip' } | { action: 'page'; reason: 'blast_radius_exceeded' | 'blast_radius_unknown'; detail: string };

/**
 * Whether an automatic breaker may trip on its own or needs a person. `recentTrafficShare` is the
 * share (0..1) of recent legitimate traffic (verified sessions) the proposed scope covers, which
 * the caller measures in the store. Past the policy's limit a false positive would lock out real
 * users at scale, so the proposal pages instead; a share that cannot be measured pages too, since
 * an unknown blast radius is not a small one. Shadow breakers stop nothing and always trip.
 */
export function guardAutoTrip(proposal: AutoTripProposal, recentTrafficShare: number): TripGuard {
  if (proposal.spec.mode === 'shadow') return { action: 'trip' };
  const limit = proposal.maxShareOfLegitTraffic;
  if (!(recentTrafficShare >= 0 && recentTrafficShare <= 1)) {
    return {
      action: 'page',
      reason: 'blast_radius_unknown',
      detail: `rule ${proposal.rule}: the share of legitimate traffic in scope could not be measured (got ${recentTrafficShare})`,
    };
  }
  if (recentTrafficShare <= limit) return { action: 'trip' };
  return {
    action: 'page',
    reason: 'blast_radius_exceeded',
    detail: `rule ${proposal.rule}: the breaker would cover ${percent(recentTrafficShare)} of recent legitimate traffic, over the ${percent(limit)} an automatic breaker may stop`,
  };
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}
