import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '@tollgate/client';
import { spawnServer } from './support/child-server.ts';
import { TEST_ADMIN_KEY, TEST_HMAC_KEY } from './support/test-server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-webhook-restart-'));
// The receiver listens on loopback, which webhooks reach only because the operator allows it.
const env = {
  TOLLGATE_DATA_DIR: dataDir,
  TOLLGATE_ADMIN_KEY: TEST_ADMIN_KEY,
  TOLLGATE_HMAC_KEY: TEST_HMAC_KEY,
  TOLLGATE_EGRESS_ALLOW: '127.0.0.1',
};
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

// The first retry comes within 10 s (retry-schedule.ts); the deadline leaves room for a slow machine.
const DEADLINE_MS = 45_000;
const headers = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' };

describe('webhook delivery across a crash (child process)', () => {
  it('retries a delivery the receiver refused, after the server was SIGKILLed and restarted', async () => {
    const received: { body: string; signature: string; status: number }[] = [];
    let arrived: () => void = () => undefined;
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        // Down for the first attempt, up afterwards.
        res.statusCode = received.length === 0 ? 503 : 200;
        received.push({ body, signature: String(req.headers['tollgate-signature']), status: res.statusCode });
        res.end();
        arrived();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const nextArrival = () =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no webhook arrived before the deadline')), DEADLINE_MS);
        arrived = () => {
          clearTimeout(timer);
          resolve();
        };
      });

    const first = await spawnServer(env);
    const sub = await fetch(`${first.url}/v1/webhooks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, events: ['breaker.opened'] }),
    });
    const { id: subscriptionId, secret } = (await sub.json()) as { id: string; secret: string };
    const firstAttempt = nextArrival();
    const trip = await fetch(`${first.url}/v1/breakers`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ scope: { country: 'UZ' }, action: 'block', note: 'pumping' }),
    });
    expect(trip.status).toBe(201);
    await firstAttempt;
    first.process.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    const retried = nextArrival();
    const second = await spawnServer(env);
    try {
      await retried;
      expect(received.map((r) => r.status)).toEqual([503, 200]);
      expect(received[1]!.body).toBe(received[0]!.body);
      expect(verifyWebhookSignature({ secret, header: received[1]!.signature, rawBody: received[1]!.body })).toEqual({ ok: true });
      // The receiver has answered; the server records the outcome just after: wait for it.
      const until = Date.now() + DEADLINE_MS;
      let latest: { state: string; attempts: number } | undefined;
      do {
        const log = (await (await fetch(`${second.url}/v1/webhooks/${subscriptionId}/deliveries`, { headers })).json()) as {
          state: string;
          attempts: number;
        }[];
        latest = log[0];
      } while (latest?.state === 'pending' && Date.now() < until);
      // The kill may land before the refused attempt was recorded; then the new process counts its
      // own attempt only (delivery is at least once, and the receiver above saw both).
      expect(latest?.state).toBe('delivered');
      expect(latest?.attempts).toBeGreaterThanOrEqual(1);
    } finally {
      second.process.kill('SIGTERM');
      await second.exited;
      receiver.close();
    }
  }, 120_000);
});
