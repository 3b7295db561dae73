import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createBreaker, guardAutoTrip, parseBreakerPolicy, proposeAutoTrip, type AutoTripProposal } from '../src/index.ts';
import type { AnomalyFinding } from '@tollgate/vocabulary';
import { HOUR_MS, MINUTE_MS, NOW_MS } from './fixtures/breakers.ts';

const parsed = parseBreakerPolicy(readFileSync(new URL('../examples/breaker-policy.yaml', import.meta.url), 'utf8'), 'breaker-policy.yaml');
if (!parsed.ok) throw new Error('the example policy must parse');
const POLICY = parsed.policy;

const PUMPING: AnomalyFinding = {
  id: 'anom-9',
  kind: 'conversion_drop',
  severity: 'critical',
  scope: { app: 'shop', flow: 'signup', country: 'GB', prefix: '+44 740' },
};

describe('proposeAutoTrip', () => {
  it('cuts the breaker at the rule level, keeping the app, with the rule settings', () => {
    expect(proposeAutoTrip(POLICY, PUMPING, NOW_MS)).toEqual({
      action: 'propose',
      proposal: {
        rule: 'pumping-prefix',
        anomalyId: 'anom-9',
        maxShareOfLegitTraffic: 0.05,
        spec: {
          scope: { app: 'shop', country: 'GB', prefix: '+44 740' },
          action: { kind: 'block' },
          mode: 'enforce',
          reason: { kind: 'anomaly', anomalyId: 'anom-9' },
          cooldownMs: 15 * MINUTE_MS,
          probeShare: 0.05,
          expiresAt: NOW_MS + 6 * HOUR_MS,
        },
      },
    });
  });

  it.each([
    ['a critical drop attributed to a prefix: the prefix rule', PUMPING, 'pumping-prefix'],
    [
      'a medium drop: too mild for the prefix rule, the shadow country trial',
      { ...PUMPING, severity: 'medium' },
      'country-conversion-trial',
    ],
    [
      'a critical drop with no prefix: the first rule that can cut it',
      { ...PUMPING, scope: { app: 'shop', country: 'GB' } },
      'country-conversion-trial',
    ],
    ['ASN concentration: the challenge rule', { ...PUMPING, kind: 'asn_concentration', scope: { asn: 14061 } }, 'bot-network'],
    ['a critical cost spike: the country throttle', { ...PUMPING, kind: 'cost_spike' }, 'country-cost-spike'],
  ] as const)('picks for %s', (_name, anomaly, rule) => {
    const match = proposeAutoTrip(POLICY, anomaly, NOW_MS);
    expect(match.action === 'propose' && match.proposal.rule).toBe(rule);
  });

  it.each([
    ['a kind no rule lists', { ...PUMPING, kind: 'delivery_failure' }, /no auto_trip rule covers a critical delivery_failure/],
    ['a severity below every rule', { ...PUMPING, kind: 'asn_concentration', severity: 'low', scope: { asn: 14061 } }, /no auto_trip rule/],
    ['an allowlisted app', { ...PUMPING, scope: { ...PUMPING.scope, app: 'loadtest' } }, /app "loadtest" is allowlisted/],
  ] as const)('proposes nothing for %s', (_name, anomaly, reason) => {
    expect(proposeAutoTrip(POLICY, anomaly, NOW_MS)).toEqual({ action: 'none', reason: expect.stringMatching(reason) });
  });

  it('proposes a breaker the state machine accepts', () => {
    const match = proposeAutoTrip(POLICY, PUMPING, NOW_MS);
    if (match.action !== 'propose') throw new Error(match.reason);
    expect(createBreaker({ id: 'brk-auto', ...match.proposal.spec }, NOW_MS).ok).toBe(true);
  });
});

describe('guardAutoTrip', () => {
  const proposal = (mode: 'enforce' | 'shadow'): AutoTripProposal => {
    const match = proposeAutoTrip(POLICY, PUMPING, NOW_MS);
    if (match.action !== 'propose') throw new Error(match.reason);
    return { ...match.proposal, spec: { ...match.proposal.spec, mode } };
  };

  it.each([
    ['none of the legitimate traffic', 0, { action: 'trip' }],
    ['a sliver', 0.01, { action: 'trip' }],
    ['exactly the limit', 0.05, { action: 'trip' }],
    ['just over the limit', 0.0501, { action: 'page', reason: 'blast_radius_exceeded' }],
    ['a whole country', 0.4, { action: 'page', reason: 'blast_radius_exceeded' }],
    ['an unmeasurable share', Number.NaN, { action: 'page', reason: 'blast_radius_unknown' }],
    ['a share over 1', 1.2, { action: 'page', reason: 'blast_radius_unknown' }],
  ])('an enforced breaker covering %s (%s)', (_name, share, expected) => {
    expect(guardAutoTrip(proposal('enforce'), share)).toMatchObject(expected);
  });

  it('says in the page what share the breaker would stop against the limit', () => {
    expect(guardAutoTrip(proposal('enforce'), 0.4)).toMatchObject({
      detail: expect.stringMatching(/40\.0% of recent legitimate traffic, over the 5\.0%/),
    });
  });

  it('lets a shadow breaker trip whatever its reach: it stops nothing', () => {
    expect(guardAutoTrip(proposal('shadow'), 0.9)).toEqual({ action: 'trip' });
  });
});
