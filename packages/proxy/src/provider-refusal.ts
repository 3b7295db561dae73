/**
 * Answers Tollgate gives instead of the provider, in the provider's own error shape, so the
 * error handling a service already has for the provider handles them too.
 */
import type { ChallengeKind, DecideResult } from '@tollgate/breakers';
import type { ProviderOperation, ProxyProvider } from './provider-operation.ts';

export type Refusal =
  /** No credentials, or none the provider could accept (`detail` says why): it would refuse too, so the call is not worth deciding or relaying. */
  | { kind: 'unauthenticated'; detail?: string }
  /** A SID, API key or application proxy.yaml does not list: never relayed. */
  | { kind: 'unknown_caller'; detail: string }
  /** Something the decision needs is missing or unreadable (the recipient, an X-Tollgate-* header). */
  | { kind: 'invalid'; field: string; detail: string }
  /** The decision path said no (block, or a challenge the service does not handle itself). */
  | { kind: 'decision'; result: DecideResult }
  /** The provider did not answer: it timed out or could not be reached. */
  | { kind: 'upstream_failure'; failure: 'timeout' | 'unreachable'; detail: string };

export interface RefusalResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/** The header that carries a decision and its reasons on every proxied answer that was decided. */
export const DECISION_HEADER = 'x-tollgate-decision';

const CHALLENGE_WORDS: Readonly<Record<ChallengeKind, string>> = {
  captcha: 'a CAPTCHA',
  email_code: 'a code sent by email',
  slower_cooldown: 'a longer wait before the next code',
};

/** `block; reasons=velocity_phone,breaker_block` or `challenge=captcha; reasons=risk_medium`: short enough for a header, complete enough for a log. */
export function decisionHeader(result: DecideResult): string {
  const head = result.decision === 'challenge' && result.challenge !== undefined ? `challenge=${result.challenge}` : result.decision;
  const codes = [...new Set(result.reasons.map((r) => r.code))];
  return codes.length === 0 ? head : `${head}; reasons=${codes.join(',')}`;
}

/** Twilio's codes: 60410 a blocked Verify delivery, 60203 / 60202 too many sends / checks (what Verify says itself). */
const TWILIO = {
  unauthenticated: { status: 401, code: 20003 },
  unknownCaller: { status: 403, code: 20403 },
  invalid: { status: 400, code: 60200 },
  blocked: { status: 403, code: 60410 },
  tooManySends: { status: 429, code: 60203 },
  tooManyChecks: { status: 429, code: 60202 },
  timeout: { status: 504, code: 20504 },
  unreachable: { status: 502, code: 20502 },
} as const;

/** Vonage SMS API statuses (its answers are 200 with a status per message): 4 bad credentials, 7 number barred, 1 throttled. */
const VONAGE_SMS = { unauthenticated: '4', unknownCaller: '4', invalid: '3', blocked: '7', throttled: '1', failed: '5' } as const;

export function refusalResponse(operation: ProviderOperation, refusal: Refusal): RefusalResponse {
  const headers: Record<string, string> = {};
  if (refusal.kind === 'decision') {
    headers[DECISION_HEADER] = decisionHeader(refusal.result);
    if (refusal.result.retryAfterS !== undefined) headers['retry-after'] = String(refusal.result.retryAfterS);
  }
  const shaped =
    operation.id === 'vonage_sms'
      ? vonageSms(refusal)
      : operation.provider === 'twilio'
        ? twilio(operation, refusal)
        : vonage(operation, refusal);
  return { ...shaped, headers };
}

function message(refusal: Refusal, provider: ProxyProvider): string {
  switch (refusal.kind) {
    case 'unauthenticated':
      if (refusal.detail !== undefined) return refusal.detail;
      return `No credentials: send your ${provider === 'twilio' ? 'Twilio account SID and auth token' : 'Vonage API key and secret, or application JWT'} as you would to ${provider}.`;
    case 'unknown_caller':
      return refusal.detail;
    case 'invalid':
      return refusal.detail;
    case 'upstream_failure':
      return refusal.detail;
    case 'decision': {
      const { result } = refusal;
      const why = result.reasons.map((r) => r.detail).join('; ');
      if (result.decision === 'challenge') {
        const friction = CHALLENGE_WORDS[result.challenge ?? 'captcha'];
        return `Tollgate asks for ${friction} before this code is sent (challenge=${result.challenge ?? 'captcha'}): show it to the user, then send again. ${why}`.trim();
      }
      return `Tollgate blocked this delivery: ${why || 'refused by policy'}.`;
    }
  }
}

function isThrottle(result: DecideResult): boolean {
  return result.reasons.some((r) => r.code.startsWith('velocity_') || r.code === 'breaker_throttle' || r.code.startsWith('verify_'));
}

function twilio(operation: ProviderOperation, refusal: Refusal): Omit<RefusalResponse, 'headers'> {
  const pick = (): { status: number; code: number } => {
    switch (refusal.kind) {
      case 'unauthenticated':
        return TWILIO.unauthenticated;
      case 'unknown_caller':
        return TWILIO.unknownCaller;
      case 'invalid':
        return TWILIO.invalid;
      case 'upstream_failure':
        return refusal.failure === 'timeout' ? TWILIO.timeout : TWILIO.unreachable;
      case 'decision':
        if (operation.kind === 'check') return TWILIO.tooManyChecks;
        return refusal.result.decision === 'block' && isThrottle(refusal.result) ? TWILIO.tooManySends : TWILIO.blocked;
    }
  };
  const { status, code } = pick();
  return { status, body: { code, message: message(refusal, 'twilio'), more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

/** Vonage's problem details (RFC 7807), as Verify v2 answers its errors. */
function vonage(operation: ProviderOperation, refusal: Refusal): Omit<RefusalResponse, 'headers'> {
  const pick = (): { status: number; type: string; title: string } => {
    switch (refusal.kind) {
      case 'unauthenticated':
        return { status: 401, type: 'unauthorized', title: 'Unauthorized' };
      case 'unknown_caller':
        return { status: 403, type: 'forbidden', title: 'Forbidden' };
      case 'invalid':
        return { status: 422, type: 'invalid-params', title: 'Invalid params' };
      case 'upstream_failure':
        return refusal.failure === 'timeout'
          ? { status: 504, type: 'gateway-timeout', title: 'Gateway Timeout' }
          : { status: 502, type: 'bad-gateway', title: 'Bad Gateway' };
      case 'decision':
        return operation.kind === 'check' || isThrottle(refusal.result)
          ? { status: 429, type: 'rate-limit', title: 'Rate Limit Hit' }
          : { status: 403, type: 'blocked', title: 'Request blocked' };
    }
  };
  const { status, type, title } = pick();
  return {
    status,
    body: {
      type: `https://developer.vonage.com/api-errors#${type}`,
      title,
      detail: message(refusal, 'vonage'),
      instance: crypto.randomUUID(),
    },
  };
}

/** The SMS API's own answer: HTTP 200 and a message whose status says why (401 / 403 for credentials, which are not one message's fault). */
function vonageSms(refusal: Refusal): Omit<RefusalResponse, 'headers'> {
  const pick = (): { status: number; smsStatus: string } => {
    switch (refusal.kind) {
      case 'unauthenticated':
        return { status: 401, smsStatus: VONAGE_SMS.unauthenticated };
      case 'unknown_caller':
        return { status: 403, smsStatus: VONAGE_SMS.unknownCaller };
      case 'invalid':
        return { status: 200, smsStatus: VONAGE_SMS.invalid };
      case 'upstream_failure':
        return { status: refusal.failure === 'timeout' ? 504 : 502, smsStatus: VONAGE_SMS.failed };
      case 'decision':
        return {
          status: 200,
          smsStatus: refusal.result.decision === 'block' && isThrottle(refusal.result) ? VONAGE_SMS.throttled : VONAGE_SMS.blocked,
        };
    }
  };
  const { status, smsStatus } = pick();
  return { status, body: { 'message-count': '1', messages: [{ status: smsStatus, 'error-text': message(refusal, 'vonage') }] } };
}
