/**
 * A page that Slack refused is not lost when the server dies: an incident's trigger is enqueued
 * while Slack is down, the server process retrying it is SIGKILLed, and the next process delivers
 * it, once, and records it on the incident's timeline.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeApi, type ReceivedRequest } from '@tollgate/alerting/testing';
import { spawnServer } from './support/child-server.ts';
import { openTestServer, TEST_ADMIN_KEY, TEST_HMAC_KEY } from './support/test-server.ts';

const DEADLINE_MS = 45_000;
let slackUp = false;
/** Trigger messages Slack accepted: the page must arrive exactly once. */
const delivered: ReceivedRequest[] = [];
const slack = await startFakeApi((request) => {
  if (!slackUp) return { status: 503, body: { ok: false, error: 'service_unavailable' } };
  if (request.path === '/api/chat.postMessage') delivered.push(request);
  return { status: 200, body: { ok: true, channel: 'C0FRAUD', ts: '1764000000.000100' } };
});
let dataDir = '';
afterAll(async () => {
  await slack.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/**
 * Resolves once the stand-in has seen a request passing `test`; past the deadline it fails with
 * `waitingFor` and the requests that did come, instead of hanging.
 */
async function requestWhere(waitingFor: string, test: (request: ReceivedRequest) => boolean): Promise<ReceivedRequest> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const found = slack.received.find(test);
    if (found) return found;
    const leftMs = deadline - Date.now();
    const seen = () => slack.received.map((r) => r.path).join(', ') || 'none';
    if (leftMs <= 0) throw new Error(`Slack never got ${waitingFor} within ${DEADLINE_MS} ms (requests: ${seen()})`);
    await slack.requests(slack.received.length + 1, leftMs).catch(() => {
      throw new Error(`Slack never got ${waitingFor} within ${DEADLINE_MS} ms (requests: ${seen()})`);
    });
  }
}

describe('notification outbox across a crash (child process)', () => {
  it('delivers the Slack trigger after the server that kept failing was SIGKILLed and restarted', async () => {
    const slackEnv = {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_API_URL: `${slack.url}api/`,
      PAGERDUTY_EVENTS_SERVER: '127.0.0.1:9',
      TOLLGATE_DASHBOARD_URL: 'https://tollgate.example.com',
    };
    // An incident whose group_wait has passed, written by a server that then stops cleanly.
    let now = Date.now() - 60_000;
    const seed = await openTestServer('notification-restart', { keepData: true, clock: () => now, alertingEnv: slackEnv });
    dataDir = seed.dataDir;
    const [opened] = await seed.alerting.desk.observe([
      {
        id: 'an_restart1',
        kind: 'volume_spike',
        severity: 'high',
        state: 'open',
        scope: { country: 'UZ' },
        action: 'block',
        summary: 'Sends to UZ at 9x the usual',
        costPerHourUsd: 42,
        observed: 900,
        expected: 100,
        openedAt: now,
        updatedAt: now,
      },
    ]);
    const incidentId = opened!.incidentId!;
    now = Date.now();
    await seed.alerting.tick();
    await requestWhere("the first server's attempt at the trigger", (request) => request.path === '/api/chat.postMessage');
    await seed.close();

    const env = {
      TOLLGATE_DATA_DIR: dataDir,
      TOLLGATE_ADMIN_KEY: TEST_ADMIN_KEY,
      TOLLGATE_HMAC_KEY: TEST_HMAC_KEY,
      PD_FRAUD_KEY: 'test-pd-fraud',
      PD_IAM_KEY: 'test-pd-iam',
      ...slackEnv,
    };
    const failing = await spawnServer(env);
    const attemptsBefore = slack.received.length;
    // The first server's retry comes due within seconds: the child tries it, and fails again.
    await slack.requests(attemptsBefore + 1, DEADLINE_MS);
    failing.process.kill('SIGKILL');
    expect(await failing.exited).toBe('SIGKILL');

    slackUp = true;
    const second = await spawnServer(env);
    try {
      await requestWhere('the trigger from the restarted server', () => delivered.length > 0);
      expect(delivered[0]!.body.channel).toBe('#fraud-oncall');
      expect(String(delivered[0]!.body.text)).toContain('Sends to UZ at 9x the usual');
      const deadline = Date.now() + DEADLINE_MS;
      let timeline: Array<{ type: string; channel?: string }> = [];
      while (!timeline.some((entry) => entry.type === 'notified' && entry.channel === 'slack')) {
        if (Date.now() > deadline)
          throw new Error(`the delivery never reached the timeline: ${JSON.stringify(timeline)}\n${second.output()}`);
        const res = await fetch(`${second.url}/v1/incidents/${incidentId}`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
        timeline = ((await res.json()) as { timeline: typeof timeline }).timeline;
      }
      expect(delivered).toHaveLength(1);
    } finally {
      second.process.kill('SIGTERM');
      await second.exited;
    }
  }, 120_000);
});
