import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnServer } from './support/child-server.ts';
import { TEST_HMAC_KEY } from './support/test-server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-start-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const DEADLINE_MS = 60_000;
const POLL_MS = 100;

/** Polls until `check` returns a value, failing after the deadline: a condition, not a sleep. */
async function eventually<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  const until = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

describe('npm start (tollgate start)', () => {
  it('prints its URLs and a generated admin key, feeds demo traffic, logs no phone number, and drains on SIGTERM', async () => {
    // Two hours of demo backfill instead of the two days npm start writes: the same path, in seconds.
    const server = await spawnServer(
      {
        TOLLGATE_DATA_DIR: dataDir,
        TOLLGATE_HMAC_KEY: TEST_HMAC_KEY,
        TOLLGATE_ADMIN_KEY: '',
        LOG_LEVEL: 'debug',
        TOLLGATE_DEMO_BACKFILL_HOURS: '2',
      },
      'start',
    );
    const adminKey = readFileSync(join(dataDir, 'admin.key'), 'utf8').trim();
    expect(server.output()).toContain(adminKey);
    expect(server.output()).toMatch(/API docs\s+http:\/\/127\.0\.0\.1:\d+\/docs/);
    const headers = { authorization: `Bearer ${adminKey}` };

    const sends = await eventually(async () => {
      const res = await fetch(`${server.url}/v1/metrics/traffic?interval=1d&from=${Date.now() - 2 * 3_600_000}`, { headers });
      const body = (await res.json()) as { series: { points: { sends: number }[] }[] };
      const total = body.series.flatMap((s) => s.points).reduce((n, p) => n + p.sends, 0);
      return total > 0 ? total : undefined;
    }, 'demo traffic in the query API');
    expect(sends).toBeGreaterThan(0);

    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const docs = await fetch(`${server.url}/docs/json`);
    expect(((await docs.json()) as { paths: Record<string, unknown> }).paths).toHaveProperty(['/v1/events/send']);
    const metrics = await fetch(`${server.url}/metrics`, { headers });
    expect(await metrics.text()).toMatch(/tollgate_events_accepted_total\{kind="send"\} \d+/);

    // A rejected phone and a Vonage GET callback (phone in the query string) must not reach the log.
    await fetch(`${server.url}/v1/events/send`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          event_id: 'x',
          ts: Date.now(),
          app: 'a',
          flow: 'login',
          session_id: 's',
          phone: '+15005550199',
          ip: '1.2.3.4',
          provider: 'p',
          status: 'accepted',
          cost: 0,
        },
      ]),
    });
    await fetch(`${server.url}/v1/providers/vonage/dlr?msisdn=447400123456&messageId=m1&status=delivered`, { headers });
    // Failed requests are the ones the server logs (request-log.test.ts): this one, refused for want of a key, must be logged without its phone.
    expect((await fetch(`${server.url}/v1/providers/vonage/dlr?msisdn=447400123456&messageId=m2&status=delivered`)).status).toBe(401);

    server.process.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    // The banner shows the admin key on purpose; the structured log lines must not.
    const log = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .join('\n');
    expect(log).toMatch(/"msg":"request completed"/);
    expect(log).not.toMatch(/5005550199|7400123456/);
    expect(log).not.toContain(adminKey);
  }, 120_000);
});
