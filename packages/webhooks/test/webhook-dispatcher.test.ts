import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '@tollgate/client';
import type { Store } from '@tollgate/store';
import { openTempStore } from '@tollgate/store/testing';
import { createEgressGuard, EgressRefusedError, parseEgressAllow, type ResolvedAddress } from '@tollgate/egress';
import { createWebhookDispatcher, MAX_DELIVERY_AGE_MS } from '../src/index.ts';

interface Received {
  body: string;
  signature: string;
}

/** A receiver on loopback that answers with the statuses it is given, in order (then 200). */
function startReceiver(statuses: number[]): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ body, signature: String(req.headers['tollgate-signature']) });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, server }),
    ),
  );
}

let store: Store;
let dispose: () => Promise<void>;
beforeAll(async () => {
  ({ store, dispose } = await openTempStore('webhooks'));
});
afterAll(() => dispose());

const serverKey = Buffer.alloc(32, 9);
// The receivers listen on loopback, which deliveries reach only because the operator allows it.
const egress = createEgressGuard({ allow: parseEgressAllow('127.0.0.1') });

describe('webhook dispatcher', () => {
  it('delivers a signed event that the receiver verifies with the secret shown at subscription', async () => {
    const receiver = await startReceiver([]);
    const clock = { now: Date.parse('2026-11-20T10:00:00Z') };
    const dispatcher = createWebhookDispatcher({ store, serverKey, egress, clock: () => clock.now, random: () => 0.5 });
    const { secret, subscription } = await dispatcher.subscribe(receiver.url, ['breaker.opened']);
    await dispatcher.publish('breaker.closed', { breaker: { id: 'b0' } });
    await dispatcher.publish('breaker.opened', { breaker: { id: 'b1' } });
    await dispatcher.runDue();
    expect(receiver.received).toHaveLength(1);
    const [got] = receiver.received;
    expect(JSON.parse(got!.body)).toMatchObject({ type: 'breaker.opened', data: { breaker: { id: 'b1' } } });
    expect(verifyWebhookSignature({ secret, header: got!.signature, rawBody: got!.body, nowS: clock.now / 1000 })).toEqual({ ok: true });
    expect(verifyWebhookSignature({ secret: 'whsec_wrong', header: got!.signature, rawBody: got!.body, nowS: clock.now / 1000 }).ok).toBe(
      false,
    );
    const log = await dispatcher.deliveries(subscription.id);
    expect(log.map((d) => [d.state, d.attempts, d.last_status])).toEqual([['delivered', 1, 200]]);
    await dispatcher.stop();
    receiver.server.close();
  });

  it('retries a failing receiver with growing delays and resumes pending deliveries after a restart', async () => {
    const receiver = await startReceiver([500, 503, 500]);
    const clock = { now: Date.parse('2026-11-21T10:00:00Z') };
    const first = createWebhookDispatcher({ store, serverKey, egress, clock: () => clock.now, random: () => 0.99 });
    await first.start();
    const { subscription } = await first.subscribe(receiver.url, []);
    await first.publish('breaker.opened', { breaker: { id: 'b2' } });
    await first.runDue();
    expect(receiver.received).toHaveLength(1);
    // Not due yet: nothing is sent.
    expect(await first.runDue()).toBe(0);
    await first.stop();

    // A new process: it reloads the pending delivery from the store.
    const second = createWebhookDispatcher({ store, serverKey, egress, clock: () => clock.now, random: () => 0.99 });
    await second.start();
    const gaps: number[] = [];
    let last = clock.now;
    for (let i = 0; i < 3; i++) {
      const [pending] = (await second.deliveries(subscription.id)).filter((d) => d.state === 'pending');
      gaps.push(pending!.next_attempt_at - last);
      last = clock.now = pending!.next_attempt_at;
      await second.runDue();
    }
    expect(receiver.received).toHaveLength(4);
    expect(gaps[1]!).toBeGreaterThan(gaps[0]!);
    expect(gaps[2]!).toBeGreaterThan(gaps[1]!);
    const [done] = await second.deliveries(subscription.id);
    expect(done).toMatchObject({ state: 'delivered', attempts: 4, last_status: 200 });
    await second.stop();
    receiver.server.close();
  });

  it('gives up once a delivery would be retried more than 24 hours after it was created', async () => {
    const receiver = await startReceiver(Array(100).fill(500));
    const clock = { now: Date.parse('2026-11-22T10:00:00Z') };
    const dispatcher = createWebhookDispatcher({ store, serverKey, egress, clock: () => clock.now, random: () => 0.99 });
    const { subscription } = await dispatcher.subscribe(receiver.url, []);
    const created = clock.now;
    await dispatcher.publish('breaker.opened', {});
    for (let i = 0; i < 100; i++) {
      await dispatcher.runDue();
      const [latest] = await dispatcher.deliveries(subscription.id);
      if (latest!.state !== 'pending') break;
      clock.now = latest!.next_attempt_at;
    }
    const [final] = await dispatcher.deliveries(subscription.id);
    expect(final!.state).toBe('failed');
    expect(final!.last_error).toMatch(/gave up after \d+ attempts/);
    expect(clock.now - created).toBeLessThanOrEqual(MAX_DELIVERY_AGE_MS);
    await dispatcher.stop();
    receiver.server.close();
  });

  it.each(['http://127.0.0.1:9/hook', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]/hook'])(
    'refuses to subscribe %s without an allowlist',
    async (url) => {
      const dispatcher = createWebhookDispatcher({ store, serverKey, egress: createEgressGuard(), clock: Date.now });
      await expect(dispatcher.subscribe(url, [])).rejects.toBeInstanceOf(EgressRefusedError);
      expect(dispatcher.subscriptions()).toEqual([]);
    },
  );

  it('refuses a delivery once the subscribed name resolves to loopback, and says so in the log', async () => {
    const receiver = await startReceiver([]);
    const port = new URL(receiver.url).port;
    const answers = new Map<string, ResolvedAddress[]>([['hooks.example', [{ address: '203.0.113.20', family: 4 }]]]);
    const guard = createEgressGuard({ resolve: async (host) => answers.get(host) ?? [] });
    const clock = { now: Date.parse('2026-11-23T10:00:00Z') };
    const dispatcher = createWebhookDispatcher({ store, serverKey, egress: guard, clock: () => clock.now, random: () => 0.5 });
    const { subscription } = await dispatcher.subscribe(`http://hooks.example:${port}/hook`, []);
    answers.set('hooks.example', [{ address: '127.0.0.1', family: 4 }]);
    await dispatcher.publish('breaker.opened', { breaker: { id: 'b3' } });
    await dispatcher.runDue();
    expect(receiver.received).toHaveLength(0);
    const [refused] = await dispatcher.deliveries(subscription.id);
    expect(refused).toMatchObject({
      state: 'pending',
      attempts: 1,
      last_error: expect.stringMatching(/^refused: hooks\.example resolves to 127\.0\.0\.1, a loopback address/),
    });
    await dispatcher.stop();
    await guard.close();
    receiver.server.close();
  });
});
