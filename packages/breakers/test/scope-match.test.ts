import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBreakerIndex, transition } from '../src/index.ts';
import { scopeCovers, type Scope, type ScopeAttributes } from '@tollgate/vocabulary';
import { NOW_MS, openBreaker } from './fixtures/breakers.ts';
import { REQUEST } from './fixtures/requests.ts';

describe('scopeCovers', () => {
  it.each<[string, Scope, boolean]>([
    ['the exact prefix', { prefix: '+44 740' }, true],
    ['the country and prefix', { country: 'GB', prefix: '+44 740' }, true],
    ['the whole country', { country: 'GB' }, true],
    ['the app and flow', { app: 'shop', flow: 'login' }, true],
    ['the ASN', { asn: 5089 }, true],
    ['the provider', { provider: 'twilio' }, true],
    ['every key at once', { app: 'shop', flow: 'login', country: 'GB', prefix: '+44 740', asn: 5089, provider: 'twilio' }, true],
    ['another prefix of the same country', { prefix: '+44 741' }, false],
    ['another country', { country: 'FR' }, false],
    ['the prefix in another app', { app: 'bank', prefix: '+44 740' }, false],
    ['another flow', { flow: 'signup' }, false],
    ['another ASN', { asn: 16509 }, false],
    ['another provider', { provider: 'vonage' }, false],
  ])('a request is covered by a scope naming %s: %s', (_name, scope, covered) => {
    expect(scopeCovers(scope, REQUEST)).toBe(covered);
  });

  it('does not apply a provider breaker when the service has not named its provider', () => {
    const { provider: _omitted, ...withoutProvider } = REQUEST;
    expect(scopeCovers({ provider: 'twilio' }, withoutProvider)).toBe(false);
    expect(scopeCovers({ country: 'GB' }, withoutProvider)).toBe(true);
  });
});

describe('createBreakerIndex', () => {
  it('finds the breakers covering a request among keys of every kind', () => {
    const breakers = [
      openBreaker({ id: 'prefix', scope: { prefix: '+44 740' } }),
      openBreaker({ id: 'other-prefix', scope: { prefix: '+44 741' } }),
      openBreaker({ id: 'asn-in-app', scope: { asn: 5089, app: 'shop' } }),
      openBreaker({ id: 'asn-other-app', scope: { asn: 5089, app: 'bank' } }),
      openBreaker({ id: 'country', scope: { country: 'GB' } }),
      openBreaker({ id: 'flow', scope: { flow: 'login' } }),
      openBreaker({ id: 'provider', scope: { provider: 'twilio' } }),
    ];
    const ids = createBreakerIndex(breakers)
      .matching(REQUEST)
      .map((breaker) => breaker.id);
    expect(ids.sort()).toEqual(['asn-in-app', 'country', 'flow', 'prefix', 'provider']);
  });

  it('leaves closed breakers out', () => {
    const reset = transition(openBreaker({ id: 'reset' }), { type: 'reset', actor: 'bob', note: 'campaign' }, NOW_MS);
    if (!reset.ok) throw new Error(reset.error.message);
    const index = createBreakerIndex([reset.breaker, openBreaker({ id: 'live' })]);
    expect(index.size).toBe(1);
    expect(index.matching(REQUEST).map((breaker) => breaker.id)).toEqual(['live']);
  });

  it('lets a breaker whose scope names nothing cover every request, as its scope says', () => {
    const everywhere = { ...openBreaker({ id: 'everywhere' }), scope: {} };
    const ids = createBreakerIndex([everywhere, openBreaker({ id: 'fr', scope: { country: 'FR' } })])
      .matching(REQUEST)
      .map((breaker) => breaker.id);
    expect(ids).toEqual(['everywhere']);
  });

  /** Few values per key, so random scopes and requests collide often. */
  const values = {
    app: fc.constantFrom('shop', 'bank'),
    flow: fc.constantFrom('login', 'signup'),
    country: fc.constantFrom('GB', 'FR'),
    prefix: fc.constantFrom('+44 740', '+44 741', '+33 612'),
    asn: fc.constantFrom(5089, 16509),
    provider: fc.constantFrom('twilio', 'vonage'),
  };
  const scopeArb: fc.Arbitrary<Scope> = fc.record(values, { requiredKeys: [] }).filter((scope) => Object.keys(scope).length > 0);
  const requestArb: fc.Arbitrary<ScopeAttributes> = fc.record(values, { requiredKeys: ['app', 'flow', 'country', 'prefix', 'asn'] });

  it('answers exactly what a scan of every breaker would', () => {
    fc.assert(
      fc.property(fc.array(scopeArb, { maxLength: 60 }), fc.array(requestArb, { minLength: 1, maxLength: 20 }), (scopes, requests) => {
        const breakers = scopes.map((scope, n) => openBreaker({ id: `b${n}`, scope }));
        const index = createBreakerIndex(breakers);
        for (const request of requests) {
          const expected = breakers.filter((breaker) => scopeCovers(breaker.scope, request)).map((breaker) => breaker.id);
          expect(
            index
              .matching(request)
              .map((breaker) => breaker.id)
              .sort(),
          ).toEqual(expected.sort());
        }
      }),
    );
  });
});
