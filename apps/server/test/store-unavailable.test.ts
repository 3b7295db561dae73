import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventCounts } from '@tollgate/store';
import { openTestServer, type TestServer } from './support/test-server.ts';
import { ndjson, sendEvent } from '@tollgate/events/testing';

let server: TestServer;
beforeAll(async () => {
  server = await openTestServer('store-unavailable');
});
afterAll(() => server.close());

/**
 * The real store refusing writes: a table constraint no row meets, as a full disk or a read-only
 * replica would refuse them. Reads and the rest of the store keep working.
 */
async function refuseSends(refuse: boolean): Promise<void> {
  await server.core.store.client.command({
    query: refuse
      ? 'ALTER TABLE sends_raw ADD CONSTRAINT refuse_every_row CHECK 0'
      : 'ALTER TABLE sends_raw DROP CONSTRAINT refuse_every_row',
  });
}

const post = (body: string) =>
  server.app.inject({
    method: 'POST',
    url: '/v1/events/send',
    payload: body,
    headers: { ...server.auth('ingest'), 'content-type': 'application/x-ndjson' },
  });

describe('a collector whose store refuses the write', () => {
  it('answers 503 TG_STORE_UNAVAILABLE with Retry-After, acknowledges nothing, and takes the same batch in full once the store is back', async () => {
    const batch = ndjson([sendEvent(1), sendEvent(2), sendEvent(3)]);
    await refuseSends(true);
    const refused = await post(batch);
    expect(refused.statusCode, refused.body).toBe(503);
    expect(refused.json()).toMatchObject({ error: { code: 'TG_STORE_UNAVAILABLE' } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await eventCounts(server.core.store)).send).toBe(0);

    await refuseSends(false);
    // Nothing of the refused batch was remembered as acknowledged: the retry counts every event, none as a duplicate.
    const retried = await post(batch);
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json()).toMatchObject({ accepted: 3, duplicates: 0, rejected: [] });
    expect((await eventCounts(server.core.store)).send).toBe(3);
  });
});
