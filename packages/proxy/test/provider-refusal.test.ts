import { describe, expect, it } from 'vitest';
import type { DecideResult } from '@tollgate/breakers';
import { OPERATIONS } from '../src/provider-operation.ts';
import { decisionHeader, refusalResponse, type Refusal } from '../src/provider-refusal.ts';

const blocked: DecideResult = {
  decision: 'block',
  reasons: [{ code: 'breaker_block', detail: 'breaker b1 blocks country ID', breakerId: 'b1' }],
  breakers: ['b1'],
  shadow: [],
};
const throttled: DecideResult = {
  decision: 'block',
  reasons: [{ code: 'velocity_phone', detail: '5 sends to this phone in 1h' }],
  breakers: [],
  retryAfterS: 600,
  shadow: [],
};
const challenged: DecideResult = {
  decision: 'challenge',
  challenge: 'email_code',
  reasons: [{ code: 'risk_medium', detail: 'risk 52' }],
  breakers: [],
  shadow: [],
};
const checks: DecideResult = {
  decision: 'block',
  reasons: [{ code: 'verify_session', detail: '5 attempts' }],
  breakers: [],
  retryAfterS: 4,
  shadow: [],
};

describe("refusals in the provider's own shape", () => {
  it.each<[string, keyof typeof OPERATIONS, Refusal, number, Record<string, unknown>]>([
    ['a blocked Verify send', 'twilioVerification', { kind: 'decision', result: blocked }, 403, { code: 60410, status: 403 }],
    ['a throttled Verify send', 'twilioVerification', { kind: 'decision', result: throttled }, 429, { code: 60203, status: 429 }],
    ['a refused Verify check', 'twilioVerificationCheck', { kind: 'decision', result: checks }, 429, { code: 60202, status: 429 }],
    ['an unlisted Twilio account', 'twilioMessage', { kind: 'unknown_caller', detail: 'add it' }, 403, { code: 20403, message: 'add it' }],
    ['a Twilio timeout', 'twilioMessage', { kind: 'upstream_failure', failure: 'timeout', detail: 'no answer' }, 504, { code: 20504 }],
    [
      'a blocked Vonage Verify request',
      'vonageVerifyRequest',
      { kind: 'decision', result: blocked },
      403,
      { title: 'Request blocked', type: 'https://developer.vonage.com/api-errors#blocked' },
    ],
    ['a throttled Vonage Verify request', 'vonageVerifyRequest', { kind: 'decision', result: throttled }, 429, { title: 'Rate Limit Hit' }],
    [
      'an unlisted Vonage key on Verify',
      'vonageVerifyRequest',
      { kind: 'unknown_caller', detail: 'add it' },
      403,
      { title: 'Forbidden', detail: 'add it' },
    ],
    ['a blocked Vonage SMS', 'vonageSms', { kind: 'decision', result: blocked }, 200, { 'message-count': '1' }],
    ['an unlisted Vonage key on SMS', 'vonageSms', { kind: 'unknown_caller', detail: 'add it' }, 403, { 'message-count': '1' }],
  ])('%s', (_label, operation, refusal, status, body) => {
    const response = refusalResponse(OPERATIONS[operation], refusal);
    expect(response.status).toBe(status);
    expect(response.body).toMatchObject(body);
  });

  it('names the challenge in the message and the header, and gives Retry-After when the wait is known', () => {
    const challenge = refusalResponse(OPERATIONS.twilioVerification, { kind: 'decision', result: challenged });
    expect((challenge.body as { message: string }).message).toContain('a code sent by email');
    expect(challenge.headers['x-tollgate-decision']).toBe('challenge=email_code; reasons=risk_medium');
    const throttle = refusalResponse(OPERATIONS.twilioVerification, { kind: 'decision', result: throttled });
    expect(throttle.headers['retry-after']).toBe('600');
  });

  it("answers a blocked SMS with the SMS API's barred-number status, which the Vonage SDK raises", () => {
    const response = refusalResponse(OPERATIONS.vonageSms, { kind: 'decision', result: blocked });
    expect(response.body).toMatchObject({ messages: [{ status: '7' }] });
    expect(decisionHeader(blocked)).toBe('block; reasons=breaker_block');
  });
});
