import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestServer, type TestServer } from './support/test-server.ts';
import { sendEvent } from '@tollgate/events/testing';

let server: TestServer;
beforeAll(async () => {
  // A buffer of one event: a second batch arriving while the first is being written is refused.
  server = await openTestServer('backpressure', { maxPendingEvents: 1 });
});
afterAll(() => server.close());

describe('backpressure', () => {
  it('answers 429 with Retry-After while the store catches up, and takes the retry', async () => {
    const post = (i: number) =>
      server.app.inject({
        method: 'POST',
        url: '/v1/events/send',
        headers: { ...server.auth('ingest'), 'content-type': 'application/json' },
        payload: JSON.stringify([sendEvent(i)]),
      });
    const answers = await Promise.all([post(1), post(2), post(3)]);
    const refused = answers.filter((a) => a.statusCode === 429);
    expect(answers.filter((a) => a.statusCode === 200).length).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const answer of refused) {
      expect(answer.headers['retry-after']).toBe('1');
      expect(answer.json().error.code).toBe('TG_OVERLOADED');
    }
    // Nothing refused was stored; once the writer is idle the retry is taken.
    for (const i of [1, 2, 3]) expect((await post(i)).statusCode).toBe(200);
    const rs = await server.core.store.client.query({ query: 'SELECT count() AS n FROM sends_raw', format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ n: 3 }]);
  });
});
