import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  breakerAudit,
  breakersChangedSince,
  insertDecisionCounts,
  listWebhookSubscriptions,
  pendingWebhookDeliveries,
  saveBreaker,
  saveWebhookDeliveries,
  saveWebhookSubscription,
  webhookDeliveriesOf,
  type Store,
  type WebhookDeliveryRecord,
} from '../src/index.ts';
import { openTempStore } from '../src/testing/temp-store.ts';

let store: Store;
let dispose: () => Promise<void>;
beforeAll(async () => {
  ({ store, dispose } = await openTempStore('breakers'));
});
afterAll(() => dispose());

const T0 = Date.parse('2026-11-20T10:00:00Z');
const audit = (version: number, to: string) => ({
  ts: T0 + version,
  breaker_id: 'b1',
  version,
  event: 'trip',
  from_state: 'closed',
  to_state: to,
  actor: 'alice',
  detail: '{}',
});

describe('breaker state and audit', () => {
  it('reads the latest version of each breaker and keeps every audit entry', async () => {
    await saveBreaker(store, { id: 'b1', version: 1, state: 'open', updated_at: T0 + 1, doc: '{"v":1}' }, audit(1, 'open'));
    await saveBreaker(store, { id: 'b1', version: 2, state: 'closed', updated_at: T0 + 2, doc: '{"v":2}' }, audit(2, 'closed'));
    await saveBreaker(
      store,
      { id: 'b2', version: 1, state: 'open', updated_at: T0 + 3, doc: '{"v":1}' },
      { ...audit(1, 'open'), breaker_id: 'b2' },
    );
    expect((await breakersChangedSince(store, 0)).map((b) => [b.id, b.version, b.doc])).toEqual([
      ['b1', 2, '{"v":2}'],
      ['b2', 1, '{"v":1}'],
    ]);
    expect((await breakersChangedSince(store, T0 + 3)).map((b) => b.id)).toEqual(['b2']);
    expect((await breakerAudit(store, 'b1')).map((a) => [a.version, a.to_state])).toEqual([
      [1, 'open'],
      [2, 'closed'],
    ]);
  });

  it('adds decision counts of the same minute and scope', async () => {
    const row = {
      minute: T0,
      app: 'shop',
      flow: 'login',
      country: 'GB',
      prefix: '+44 740',
      asn: 1,
      provider: 'twilio',
      allowed: 5,
      challenged: 1,
      blocked: 2,
      shadow_blocked: 0,
    };
    await insertDecisionCounts(store, [row, { ...row, blocked: 3 }]);
    const rs = await store.client.query({ query: 'SELECT sum(allowed) AS a, sum(blocked) AS b FROM decisions_1m', format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ a: 10, b: 5 }]);
  });
});

describe('webhook subscriptions and deliveries', () => {
  it('lists live subscriptions and the pending and logged deliveries at their latest state', async () => {
    await saveWebhookSubscription(store, {
      id: 's1',
      version: 1,
      url: 'http://127.0.0.1:1/hook',
      events: ['breaker.opened'],
      created_at: T0,
      deleted: 0,
    });
    await saveWebhookSubscription(store, { id: 's2', version: 1, url: 'http://127.0.0.1:1/x', events: [], created_at: T0, deleted: 0 });
    await saveWebhookSubscription(store, { id: 's2', version: 2, url: 'http://127.0.0.1:1/x', events: [], created_at: T0, deleted: 1 });
    expect((await listWebhookSubscriptions(store)).map((s) => s.id)).toEqual(['s1']);
    const delivery: WebhookDeliveryRecord = {
      id: 'd1',
      version: 1,
      subscription_id: 's1',
      event_id: 'e1',
      event_type: 'breaker.opened',
      body: '{}',
      state: 'pending',
      attempts: 0,
      next_attempt_at: T0,
      last_status: 0,
      last_error: '',
      created_at: T0,
      updated_at: T0,
    };
    await saveWebhookDeliveries(store, [delivery, { ...delivery, id: 'd2' }]);
    await saveWebhookDeliveries(store, [{ ...delivery, version: 2, state: 'delivered', attempts: 1, last_status: 200 }]);
    expect((await pendingWebhookDeliveries(store)).map((d) => d.id)).toEqual(['d2']);
    expect((await webhookDeliveriesOf(store, 's1', 10)).map((d) => [d.id, d.state]).sort()).toEqual([
      ['d1', 'delivered'],
      ['d2', 'pending'],
    ]);
  });
});
