import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionSeries, type Store } from '@tollgate/store';
import { openTempStore } from '@tollgate/store/testing';
import { createDecisionCounter, type DecisionScope } from '../src/decisions/decision-counter.ts';

const MINUTE_MS = 60_000;
const START_MS = Date.parse('2026-11-20T10:00:00Z');
const UK: DecisionScope = { app: 'shop', flow: 'login', country: 'GB', prefix: '+44 74', asn: 2856, provider: 'twilio' };
const UK_OTHER_ASN: DecisionScope = { ...UK, asn: 5089 };
const PK: DecisionScope = { app: 'shop', flow: 'signup', country: 'PK', prefix: '+92 321', asn: 59257, provider: '' };

let store: Store;
let dispose: () => Promise<void>;

beforeAll(async () => {
  ({ store, dispose } = await openTempStore('decision-counter'));
});
afterAll(() => dispose());

async function totals(fromMs: number): Promise<{ allowed: number; challenged: number; blocked: number; shadow_blocked: number }> {
  const points = await decisionSeries(store, { fromMs, toMs: fromMs + 60 * MINUTE_MS, intervalMinutes: 60 });
  const sum = { allowed: 0, challenged: 0, blocked: 0, shadow_blocked: 0 };
  for (const p of points) {
    sum.allowed += p.allowed;
    sum.challenged += p.challenged;
    sum.blocked += p.blocked;
    sum.shadow_blocked += p.shadow_blocked;
  }
  return sum;
}

describe('decision counter', () => {
  it('stores one row per minute and scope, with every decision counted once', async () => {
    let now = START_MS;
    const counter = createDecisionCounter({ store, clock: () => now });
    counter.count(UK, 'allow', false);
    counter.count(UK, 'allow', true);
    counter.count(UK_OTHER_ASN, 'challenge', false);
    counter.count(PK, 'block', false);
    now += MINUTE_MS;
    counter.count(UK, 'allow', false);
    expect(await counter.flush()).toBe(4);
    expect(await counter.flush()).toBe(0);
    expect(await totals(START_MS)).toEqual({ allowed: 3, challenged: 1, blocked: 1, shadow_blocked: 1 });
  });

  it('keeps the counts of a failed flush, adds later decisions of the same scope to them, and stores them once', async () => {
    const hourMs = START_MS + 3 * 60 * MINUTE_MS;
    const counter = createDecisionCounter({ store, clock: () => hourMs });
    counter.count(UK, 'allow', false);
    counter.count(PK, 'block', false);
    await store.client.command({ query: 'RENAME TABLE decisions_1m TO decisions_1m_away' });
    try {
      await expect(counter.flush()).rejects.toThrow();
    } finally {
      await store.client.command({ query: 'RENAME TABLE decisions_1m_away TO decisions_1m' });
    }
    counter.count(UK, 'allow', false);
    counter.count(UK, 'challenge', false);
    expect(await counter.flush()).toBe(2);
    expect(await totals(hourMs)).toEqual({ allowed: 2, challenged: 1, blocked: 1, shadow_blocked: 0 });
  });

  it('keeps a row per scope among thousands of scopes that differ in one field each', async () => {
    const minuteMs = START_MS + 6 * 60 * MINUTE_MS;
    const counter = createDecisionCounter({ store, clock: () => minuteMs });
    const scopes: DecisionScope[] = [];
    for (let n = 0; n < 1_000; n++) {
      scopes.push({ ...UK, asn: n }, { ...UK, prefix: `+44 ${n}` }, { ...PK, app: `shop-${n}` }, { ...PK, provider: `p${n}` });
    }
    for (const scope of scopes) counter.count(scope, 'allow', false);
    for (const scope of scopes.slice(0, 500)) counter.count(scope, 'block', false);
    expect(await counter.flush()).toBe(scopes.length);
    expect(await totals(minuteMs)).toEqual({ allowed: scopes.length, challenged: 0, blocked: 500, shadow_blocked: 0 });
  });
});
