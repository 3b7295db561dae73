/**
 * What a refused send would have cost: the average cost of a send to its prefix in the same hour,
 * or in the latest hour of the day before that had one. A breaker that holds a prefix shut for
 * hours leaves it no sends of its own, and its refusals still saved money.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SendRow } from '@tollgate/events';
import { decisionSeries, insertDecisionCounts, insertRows, scopeMoney, type Store } from '../src/index.ts';
import { openTempStore } from '../src/testing/temp-store.ts';
import { sendRow } from '../src/testing/event-rows.ts';

const T0 = Date.parse('2026-11-20T10:00:00Z');
const HOUR = 3_600_000;

let store: Store;
let dispose: () => Promise<void>;
beforeAll(async () => {
  ({ store, dispose } = await openTempStore('refusal-prices'));
  await insertRows(store, 'send', [
    send('a', T0 + 60_000, '+44 740', 0.03),
    send('b', T0 + 120_000, '+44 740', 0.05),
    // Two days before: too old to price anything in the window.
    send('c', T0 - 48 * HOUR, '+44 741', 0.5),
    // Later than the refusals it could price: a price never reaches back in time.
    send('d', T0 + 3 * HOUR, '+44 742', 0.9),
  ]);
  await insertDecisionCounts(store, [
    blocked(T0 + 30 * 60_000, '+44 740', 3),
    // Two hours on, the prefix has no sends of its own (a breaker holds it): priced at 10:00's 0.04.
    blocked(T0 + 2 * HOUR + 5 * 60_000, '+44 740', 2),
    blocked(T0 + 2 * HOUR, '+44 741', 7),
    blocked(T0 + 2 * HOUR, '+44 742', 11),
  ]);
});
afterAll(() => dispose());

describe('the money refused sends would have cost', () => {
  it('prices each hour at its own or the latest earlier priced hour of the prefix', async () => {
    const points = await decisionSeries(store, { fromMs: T0, toMs: T0 + 4 * HOUR, intervalMinutes: 60 });
    expect(points.map((p) => [(p.ts - T0) / HOUR, p.blocked, p.saved_usd])).toEqual([
      [0, 3, 0.12],
      [2, 20, 0.08],
    ]);
  });

  it('gives an incident the same prevented money', async () => {
    const money = await scopeMoney(store, { fromMs: T0, toMs: T0 + 4 * HOUR, scopes: [{ country: 'GB' }] });
    expect(money.preventedUsd).toBeCloseTo(0.2, 6);
    expect(money.spendUsd).toBeCloseTo(0.03 + 0.05 + 0.9, 6);
  });
});

function blocked(minute: number, prefix: string, count: number) {
  return {
    minute,
    app: 'shop',
    flow: 'login',
    country: 'GB',
    prefix,
    asn: 1,
    provider: 'twilio',
    allowed: 0,
    challenged: 0,
    blocked: count,
    shadow_blocked: 0,
  };
}

function send(id: string, ts: number, prefix: string, cost: number): SendRow {
  return sendRow(id, ts, { prefix, asn: 1, cost, cost_usd: cost });
}
