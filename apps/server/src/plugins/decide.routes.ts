import type { FastifyInstance } from 'fastify';
import { FLOWS, ipSubnet, isValidIp } from '@tollgate/events';
import { CHALLENGE_KINDS, SIGNAL_NAMES, type Decider, type DecideResult, type DecisionRisk } from '@tollgate/breakers';
import { requireScope } from '../auth/require-scope.ts';
import type { Keyring } from '@tollgate/access';
import type { Identity } from '@tollgate/core';
import type { DecisionCounter } from '../decisions/decision-counter.ts';
import { accountIdTooLong, END_USER_FIELDS, IDENTIFIER, MAX_ACCOUNT_ID_BYTES } from '../decisions/end-user-fields.ts';
import { TollgateError } from '../errors.ts';
import { ERROR_RESPONSES } from './ingest-response.schema.ts';
import { parseDecideBody } from './decide-body.parser.ts';

interface DecideBody {
  action?: 'send' | 'verify';
  app: string;
  flow: (typeof FLOWS)[number];
  phone?: string;
  ip: string;
  session_id?: string;
  account_id?: string;
  device_id?: string;
  user_agent?: string;
  timezone?: string;
  platform?: string;
  provider?: string;
}

/**
 * Largest decision body: the fields' limits add up to under 2 KB of text, and a client escaping
 * every character as \uXXXX sends six bytes for one. Past this the body is refused unread (413)
 * rather than parsed to be refused by the schema, on the route every service calls.
 */
const DECIDE_BODY_LIMIT_BYTES = 16 * 1024;

const DECIDE_SCHEMA = {
  summary: 'Decide whether an OTP may be sent, or a code may be tried',
  tags: ['decisions'],
  description:
    'Scope `decide`. `action: "send"` (the default): ask before every OTP send. `block`: do not send; `challenge`: add ' +
    'the friction named in `challenge` (captcha, email_code, slower_cooldown) before sending; `allow`: send. `risk` gives ' +
    'the score (0-100), its tier (low allows, medium challenges, high blocks; thresholds per app and flow in the policy ' +
    'file) and the signals that weighed in with their weights. `action: "verify"`: ask before checking a code the user ' +
    'entered (`session_id` required); attempts per session, IP and phone back off exponentially and lock out. ' +
    '`retry_after_s` says when asking again can give a milder answer.',
  body: {
    type: 'object',
    required: ['app', 'flow', 'ip'],
    properties: {
      action: {
        type: 'string',
        enum: ['send', 'verify'],
        default: 'send',
        description: 'send (default): may an OTP be sent; verify: may a code be tried',
      },
      app: { ...IDENTIFIER, maxLength: 64 },
      flow: { type: 'string', enum: [...FLOWS] },
      phone: { type: 'string', maxLength: 32, description: 'E.164 recipient; hashed, never stored. Required for send.' },
      ip: { type: 'string', maxLength: 64 },
      session_id: { ...IDENTIFIER, description: 'the verification session; required for verify' },
      ...END_USER_FIELDS,
      provider: { ...IDENTIFIER, maxLength: 64 },
    },
  },
  response: {
    200: {
      type: 'object',
      required: ['decision', 'reasons', 'breakers'],
      properties: {
        decision: { type: 'string', enum: ['allow', 'challenge', 'block'] },
        reasons: {
          type: 'array',
          items: {
            type: 'object',
            properties: { code: { type: 'string' }, detail: { type: 'string' }, breaker_id: { type: 'string' } },
          },
        },
        breakers: { type: 'array', items: { type: 'string' } },
        retry_after_s: { type: 'integer' },
        challenge: {
          type: 'string',
          enum: [...CHALLENGE_KINDS],
          description: 'the friction to show; present when the decision is challenge',
        },
        risk: {
          type: 'object',
          description: 'the risk score of a send (absent for verify and when scoring is off)',
          required: ['score', 'tier', 'signals'],
          properties: {
            score: { type: 'integer', minimum: 0, maximum: 100 },
            tier: { type: 'string', enum: ['low', 'medium', 'high'] },
            signals: {
              type: 'array',
              items: {
                type: 'object',
                required: ['name', 'value', 'weight', 'detail'],
                properties: {
                  name: { type: 'string', enum: [...SIGNAL_NAMES] },
                  value: { type: 'number', description: 'strength, 0-1' },
                  weight: { type: 'number', description: 'points at full strength' },
                  detail: { type: 'string' },
                },
              },
            },
          },
        },
        shadow: {
          type: 'array',
          items: { type: 'object', properties: { breaker_id: { type: 'string' }, would_be: { type: 'string' } } },
        },
      },
    },
    ...ERROR_RESPONSES,
  },
};

interface DecideRouteOptions {
  keyring: Keyring;
  identity: Identity;
  decider: Decider;
  counter: DecisionCounter;
  hashAccount: (accountId: string) => string;
}

/**
 * `POST /v1/decide`: may this OTP be sent? Answered from memory (breakers kept in sync with the
 * store, velocity counters in process), never from a store query, and counted per minute and scope.
 * The route's JSON parser is its own (`parseDecideBody`), in this plugin's scope only.
 */
export async function decideRoutes(app: FastifyInstance, opts: DecideRouteOptions): Promise<void> {
  const answer = decisionAnswerer(opts);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseDecideBody);
  app.post<{ Body: DecideBody }>(
    '/v1/decide',
    { onRequest: requireScope(opts.keyring, 'decide'), bodyLimit: DECIDE_BODY_LIMIT_BYTES, schema: DECIDE_SCHEMA },
    // A synchronous handler: fastify sends what it returns and hands what it throws to the error
    // handler, with no promise to make and settle on every decision.
    (request) => answer(request.body),
  );
}

/** The route's work on a validated body: the checks the schema cannot make, then the decision, counted. */
function decisionAnswerer({ identity, decider, counter, hashAccount }: DecideRouteOptions): (body: DecideBody) => DecideResponse {
  function normalizedPhone(raw: string) {
    const phone = identity.phones.normalize(raw);
    if (!phone.ok) {
      const [problem] = phone.problems;
      throw new TollgateError('TG_REQUEST_INVALID', { field: 'phone', message: `phone: ${problem?.reason ?? 'not a valid E.164 number'}` });
    }
    return phone.value;
  }

  function verify(body: DecideBody): DecideResponse {
    if (body.session_id === undefined) {
      throw new TollgateError('TG_REQUEST_INVALID', {
        field: 'session_id',
        message: 'session_id: required for action verify (attempts are counted per session).',
      });
    }
    const phone = body.phone === undefined ? undefined : normalizedPhone(body.phone);
    return responseBody(
      decider.decideVerify({
        app: body.app,
        flow: body.flow,
        sessionId: body.session_id,
        ip: body.ip,
        phoneHash: phone === undefined ? undefined : identity.hasher.phone(phone.e164),
      }),
    );
  }

  function send(body: DecideBody): DecideResponse {
    if (body.phone === undefined) {
      throw new TollgateError('TG_REQUEST_INVALID', {
        field: 'phone',
        message: 'phone: required for action send (the E.164 number the code goes to).',
      });
    }
    const phone = normalizedPhone(body.phone);
    if (body.account_id !== undefined && accountIdTooLong(body.account_id)) {
      throw new TollgateError('TG_REQUEST_INVALID', {
        field: 'account_id',
        message: `account_id: at most ${MAX_ACCOUNT_ID_BYTES} bytes in UTF-8: send the account's id, not its profile.`,
      });
    }
    const network = identity.asn.lookup(body.ip);
    const asn = network?.asn ?? 0;
    const result = decider.decide({
      app: body.app,
      flow: body.flow,
      phoneHash: identity.hasher.phone(phone.e164),
      country: phone.country,
      prefix: phone.prefix,
      asn,
      hosting: network?.hosting,
      phoneBlock: phone.block,
      provider: body.provider,
      ip: body.ip,
      ipSubnet: ipSubnet(body.ip),
      sessionId: body.session_id,
      accountHash: body.account_id === undefined ? undefined : hashAccount(body.account_id),
      deviceId: body.device_id,
      userAgent: body.user_agent,
      timezone: body.timezone,
      platform: body.platform,
    });
    let shadowBlocked = false;
    for (const s of result.shadow) if (s.wouldBe === 'block') shadowBlocked = true;
    counter.count(
      { app: body.app, flow: body.flow, country: phone.country, prefix: phone.prefix, asn, provider: body.provider ?? '' },
      result.decision,
      shadowBlocked,
    );
    return responseBody(result);
  }

  return (body) => {
    if (!isValidIp(body.ip)) {
      throw new TollgateError('TG_REQUEST_INVALID', {
        field: 'ip',
        message: 'ip: not an IPv4 or IPv6 address (e.g. 203.0.113.7 or 2001:db8::1).',
      });
    }
    return body.action === 'verify' ? verify(body) : send(body);
  };
}

interface DecideResponse {
  decision: DecideResult['decision'];
  reasons: { code: string; detail: string; breaker_id?: string }[];
  breakers: string[];
  retry_after_s?: number;
  challenge?: DecideResult['challenge'];
  risk?: DecisionRisk;
  shadow?: { breaker_id: string; would_be: string }[];
}

/**
 * The wire form of a decision. Plain assignments and loops rather than conditional spreads and
 * callbacks: this runs on every request, and each spread is a throwaway object.
 */
function responseBody(result: DecideResult): DecideResponse {
  const reasons: DecideResponse['reasons'] = [];
  for (const r of result.reasons)
    reasons.push(r.breakerId ? { code: r.code, detail: r.detail, breaker_id: r.breakerId } : { code: r.code, detail: r.detail });
  const body: DecideResponse = { decision: result.decision, reasons, breakers: result.breakers };
  if (result.retryAfterS !== undefined) body.retry_after_s = result.retryAfterS;
  if (result.challenge !== undefined) body.challenge = result.challenge;
  // The decider's risk has the wire's shape already: passed through, not copied.
  if (result.risk !== undefined) body.risk = result.risk;
  if (result.shadow.length > 0) {
    body.shadow = [];
    for (const s of result.shadow) body.shadow.push({ breaker_id: s.breakerId, would_be: s.wouldBe });
  }
  return body;
}
