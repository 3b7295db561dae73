/**
 * The caller's provider credentials and its end users' account ids pass through the proxy and stay
 * nowhere: `tollgate serve` runs as a child process at debug level with the provider SDKs pointed at
 * it, then its whole output and every table of its store are searched for them. And a proxy.yaml with a mistake stops the
 * start with file and line.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import twilio from 'twilio';
import { Vonage } from '@vonage/server-sdk';
import { openCore } from '@tollgate/core';
import { spawnServer } from './support/child-server.ts';
import { RIGHT_CODE, startProviderStandIn, type ProviderStandIn } from './support/provider-stand-in.ts';
import { RULES_DIR, TEST_ADMIN_KEY, TEST_HMAC_KEY } from './support/test-server.ts';

const SERVICE = `VA${'a'.repeat(32)}`;
const ACCOUNT = `AC${'c'.repeat(32)}`;
const AUTH_TOKEN = 'tw-secret-5f1c9e0a7d2b';
const VONAGE_KEY = 'a1b2c3d4';
const VONAGE_SECRET = 'vg-secret-88e0c4d1f3a9';
/** An end user's account id as a service sends it in X-Tollgate-Account-Id: kept only as a keyed hash. */
const END_USER_ACCOUNT = 'jane.doe+otp@example.com';
const PROXY_FIXTURE = fileURLToPath(new URL('./fixtures/proxy.fixture.yaml', import.meta.url));
const WAIT_DEADLINE_MS = 15_000;
const WAIT_POLL_MS = 100;

const dirs: string[] = [];
let standIn: ProviderStandIn;

function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tollgate-${label}-`));
  dirs.push(dir);
  return dir;
}

/** The shipped rules with the tests' proxy.yaml (or the given text) in place of the shipped one. */
function rulesDir(proxyYaml: string): string {
  const dir = tempDir('proxy-rules');
  cpSync(RULES_DIR, dir, { recursive: true });
  writeFileSync(join(dir, 'proxy.yaml'), proxyYaml);
  return dir;
}

beforeAll(async () => {
  standIn = await startProviderStandIn();
});
afterAll(async () => {
  await standIn?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('provider proxy in a real server process', () => {
  it("keeps the caller's Authorization and secrets, and the end user's account id, out of the log and out of every table", async () => {
    const dataDir = tempDir('proxy-secrets');
    const server = await spawnServer({
      TOLLGATE_DATA_DIR: dataDir,
      TOLLGATE_ADMIN_KEY: TEST_ADMIN_KEY,
      TOLLGATE_HMAC_KEY: TEST_HMAC_KEY,
      TOLLGATE_RULES_DIR: rulesDir(readFileSync(PROXY_FIXTURE, 'utf8')),
      // The stand-in provider listens on loopback, which the egress guard refuses unless allowed.
      TOLLGATE_EGRESS_ALLOW: '127.0.0.1',
      TOLLGATE_UPSTREAM_TWILIO_VERIFY: standIn.url,
      TOLLGATE_UPSTREAM_TWILIO_API: standIn.url,
      TOLLGATE_UPSTREAM_VONAGE_API: standIn.url,
      TOLLGATE_UPSTREAM_VONAGE_REST: standIn.url,
      LOG_LEVEL: 'debug',
    });
    let sessionId: string;
    try {
      const client = twilio(ACCOUNT, AUTH_TOKEN);
      client.verify.baseUrl = `${server.url}/twilio/verify`;
      client.api.baseUrl = `${server.url}/twilio/api`;
      const verification = await client.verify.v2.services(SERVICE).verifications.create({ to: '+447400140001', channel: 'sms' });
      sessionId = verification.sid;
      await client.verify.v2.services(SERVICE).verificationChecks.create({ verificationSid: sessionId, code: RIGHT_CODE });
      await client.messages.create({ to: '+447400140002', from: '+15005550006', body: 'Your code is 123456' });
      const vonage = new Vonage({ apiKey: VONAGE_KEY, apiSecret: VONAGE_SECRET }, { restHost: `${server.url}/vonage` });
      await vonage.sms.send({ to: '447400140003', from: 'Shop', text: 'Your code is 123456' });
      // The SMS API's legacy form: key and secret in the body.
      const legacy = await fetch(`${server.url}/vonage/sms/json`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-tollgate-account-id': END_USER_ACCOUNT },
        body: new URLSearchParams({
          api_key: VONAGE_KEY,
          api_secret: VONAGE_SECRET,
          to: '447400140004',
          from: 'Shop',
          text: 'code 1',
        }).toString(),
      });
      // A refused call (400) gets a log line: with the credentials and the account id it carried.
      const refused = await fetch(`${server.url}/twilio/verify/v2/Services/${SERVICE}/Verifications`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${ACCOUNT}:${AUTH_TOKEN}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          'x-tollgate-account-id': END_USER_ACCOUNT,
          'x-tollgate-flow': 'checkout',
        },
        body: new URLSearchParams({ To: '+447400140005', Channel: 'sms' }).toString(),
      });
      expect(refused.status).toBe(400);
      expect(legacy.status).toBe(200);
      // Relayed, not refused in the SMS API's shape: the account header was read.
      expect(((await legacy.json()) as { messages: { status: string }[] }).messages[0]?.status).toBe('0');
      // The provider did hear the secrets: they were relayed, not dropped.
      expect(
        standIn.heard.some((r) => r.headers.authorization === `Basic ${Buffer.from(`${ACCOUNT}:${AUTH_TOKEN}`).toString('base64')}`),
      ).toBe(true);
      expect(standIn.heard.some((r) => r.body.includes(VONAGE_SECRET))).toBe(true);
      // Recording happens after the answer: wait until the events are stored before stopping.
      const deadline = Date.now() + WAIT_DEADLINE_MS;
      for (;;) {
        const res = await fetch(
          `${server.url}/v1/metrics/traffic?interval=1d&fields=sends&app=proxy-shop&from=${Date.now() - 86_400_000}`,
          { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } },
        );
        const { series } = (await res.json()) as { series: { points: { sends: number }[] }[] };
        const sends = series.flatMap((s) => s.points).reduce((sum, p) => sum + p.sends, 0);
        if (sends >= 4) break;
        if (Date.now() > deadline) throw new Error(`proxied sends not stored within ${WAIT_DEADLINE_MS} ms (saw ${sends})`);
        await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
      }
    } finally {
      server.process.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }

    const neverKept = [
      AUTH_TOKEN,
      VONAGE_SECRET,
      Buffer.from(`${ACCOUNT}:${AUTH_TOKEN}`).toString('base64'),
      Buffer.from(`${VONAGE_KEY}:${VONAGE_SECRET}`).toString('base64'),
      END_USER_ACCOUNT,
    ];
    const output = server.output();
    // The refused request was logged, just not its secrets nor the account id.
    expect(output).toContain(`"path":"/twilio/verify/v2/Services/${SERVICE}/Verifications"`);
    for (const secret of neverKept) expect(output).not.toContain(secret);

    const core = await openCore({ TOLLGATE_DATA_DIR: dataDir, TOLLGATE_HMAC_KEY: TEST_HMAC_KEY });
    try {
      const tables = await (
        await core.store.client.query({ query: 'SELECT name FROM system.tables WHERE database = currentDatabase()', format: 'JSONEachRow' })
      ).json<{ name: string }>();
      expect(tables.map((t) => t.name)).toContain('sends_raw');
      let stored = '';
      for (const { name } of tables) {
        const rs = await core.store.client.query({
          query: 'SELECT * FROM {table:Identifier}',
          query_params: { table: name },
          format: 'TabSeparated',
        });
        stored += await rs.text();
      }
      expect(stored).toContain(sessionId);
      for (const secret of neverKept) expect(stored).not.toContain(secret);
    } finally {
      await core.close();
    }
  });

  it('refuses to start on a proxy.yaml with a mistake, naming its file and line', async () => {
    const broken = 'twilio:\n  services:\n    VAnot-a-sid:\n      app: shop\n      flow: checkout\n';
    const dir = rulesDir(broken);
    const start = spawnServer({
      TOLLGATE_DATA_DIR: tempDir('proxy-broken'),
      TOLLGATE_ADMIN_KEY: TEST_ADMIN_KEY,
      TOLLGATE_HMAC_KEY: TEST_HMAC_KEY,
      TOLLGATE_RULES_DIR: dir,
    });
    const error = await start.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toContain(`${join(dir, 'proxy.yaml')}:3 twilio.services.VAnot-a-sid`);
    expect(error?.message).toContain(`${join(dir, 'proxy.yaml')}:5 twilio.services.VAnot-a-sid.flow`);
  });
});
