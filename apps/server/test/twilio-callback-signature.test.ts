import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventCounts } from '@tollgate/store';
import { openTestServer, type TestServer } from './support/test-server.ts';

const AUTH_TOKEN = 'twilio-auth-token-for-tests';
const HOST = 'tollgate.example.com';
const PATH = '/v1/providers/twilio/status';
/** The URL Twilio calls and signs: the request's own scheme and host, as the route rebuilds it. */
const CALLBACK_URL = `http://${HOST}${PATH}`;

let server: TestServer;
beforeAll(async () => {
  server = await openTestServer('twilio-signature', { twilioAuthToken: AUTH_TOKEN });
});
afterAll(() => server.close());

const callback = (sid: string) => ({
  AccountSid: 'AC0000',
  MessageSid: sid,
  MessageStatus: 'delivered',
  To: '+447400123456',
  ErrorCode: '',
});
/** The signature Twilio's own library computes for a callback: the oracle the route must agree with. */
const signedBy = (token: string, params: Record<string, string>) => twilio.getExpectedTwilioSignature(token, CALLBACK_URL, params);

async function post(params: Record<string, string>, signature: string | undefined) {
  return server.app.inject({
    method: 'POST',
    url: PATH,
    payload: new URLSearchParams(params).toString(),
    headers: {
      ...server.auth('ingest'),
      host: HOST,
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature === undefined ? {} : { 'x-twilio-signature': signature }),
    },
  });
}

describe('Twilio status callbacks with TWILIO_AUTH_TOKEN set', () => {
  it('accepts a callback signed as Twilio signs it', async () => {
    const params = callback('SMsigned1');
    const res = await post(params, signedBy(AUTH_TOKEN, params));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 1, duplicates: 0 });
  });

  it.each([
    { name: 'no X-Twilio-Signature', sid: 'SMforged1', signature: () => undefined },
    {
      name: 'a signature made with another auth token',
      sid: 'SMforged2',
      signature: (params: Record<string, string>) => signedBy('another-token', params),
    },
    {
      name: 'a signature of other fields (a failed message reported as delivered)',
      sid: 'SMforged3',
      signature: (params: Record<string, string>) => signedBy(AUTH_TOKEN, { ...params, MessageStatus: 'failed' }),
    },
    {
      name: 'a signature for another URL',
      sid: 'SMforged4',
      signature: (params: Record<string, string>) => twilio.getExpectedTwilioSignature(AUTH_TOKEN, `https://${HOST}${PATH}`, params),
    },
  ])('refuses $name with 403 TG_SIGNATURE_INVALID and stores nothing', async ({ sid, signature }) => {
    const before = (await eventCounts(server.core.store)).receipt;
    const params = callback(sid);
    const res = await post(params, signature(params));
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json()).toMatchObject({ error: { code: 'TG_SIGNATURE_INVALID' } });
    expect((await eventCounts(server.core.store)).receipt).toBe(before);
  });
});
