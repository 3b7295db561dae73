import type { FastifyInstance } from 'fastify';
import { FLOWS, ipSubnet, isValidIp } from '@tollgate/events';
import type { Decider, DecideResult } from '@tollgate/breakers';
import { requireScope } from '../auth/require-scope.ts';
import type { Keyring } from '../auth/keyring.ts';
import type { Identity } from '../core.ts';
import type { DecisionCounter } from '../decisions/decision-counter.ts';
import { TollgateError } from '../errors.ts';
import { ERROR_RESPONSES } from './ingest-response.schema.ts';

interface DecideBody {
  app: string;
  flow: (typeof FLOWS)[number];
  phone: string;
  ip: string;
  session_id?: string;
  device_id?: string;
  provider?: string;
}

const IDENTIFIER = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[^\\u0000-\\u001F\\u007F-\\u009F]*$' } as const;

/**
 * `POST /v1/decide`: may this OTP be sent? Answered from memory (breakers kept in sync with the
 * store, velocity counters in process), never from a store query, and counted per minute and scope.
 */
export async function decideRoutes(
  app: FastifyInstance,
  opts: { keyring: Keyring; identity: Identity; decider: Decider; counter: DecisionCounter },
): Promise<void> {
  const { identity, decider, counter } = opts;
  app.post<{ Body: DecideBody }>(
    '/v1/decide',
    {
      onRequest: requireScope(opts.keyring, 'decide'),
      schema: {
        summary: 'Decide whether an OTP may be sent',
        tags: ['decisions'],
        description:
          'Scope `decide`. Ask before every OTP send. `block`: do not send; `challenge`: add friction (captcha, email code) ' +
          'before sending; `allow`: send. `retry_after_s` says when asking again can give a milder answer.',
        body: {
          type: 'object',
          required: ['app', 'flow', 'phone', 'ip'],
          properties: {
            app: { ...IDENTIFIER, maxLength: 64 },
            flow: { type: 'string', enum: [...FLOWS] },
            phone: { type: 'string', maxLength: 32, description: 'E.164 recipient; hashed, never stored' },
            ip: { type: 'string', maxLength: 64 },
            session_id: IDENTIFIER,
            device_id: IDENTIFIER,
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
                items: { type: 'object', properties: { code: { type: 'string' }, detail: { type: 'string' }, breaker_id: { type: 'string' } } },
              },
              breakers: { type: 'array', items: { type: 'string' } },
              retry_after_s: { type: 'integer' },
              shadow: {
                type: 'array',
                items: { type: 'object', properties: { breaker_id: { type: 'string' }, would_be: { type: 'string' } } },
              },
            },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const body = request.body;
      const phone = identity.phones.normalize(body.phone);
      if (!phone.ok) {
        const [problem] = phone.problems;
        throw new TollgateError('TG_REQUEST_INVALID', { field: 'phone', message: `phone: ${problem?.reason ?? 'not a valid E.164 number'}` });
      }
      if (!isValidIp(body.ip)) {
        throw new TollgateError('TG_REQUEST_INVALID', { field: 'ip', message: 'ip: not an IPv4 or IPv6 address (e.g. 203.0.113.7 or 2001:db8::1).' });
      }
      const asn = identity.asn.lookup(body.ip)?.asn ?? 0;
      const result = decider.decide({
        app: body.app,
        flow: body.flow,
        phoneHash: identity.hasher.phone(phone.value.e164),
        country: phone.value.country,
        prefix: phone.value.prefix,
        asn,
        provider: body.provider,
        ip: body.ip,
        ipSubnet: ipSubnet(body.ip),
        sessionId: body.session_id,
        deviceId: body.device_id,
      });
      counter.count(
        { app: body.app, flow: body.flow, country: phone.value.country, prefix: phone.value.prefix, asn, provider: body.provider ?? '' },
        result.decision,
        result.shadow.some((s) => s.wouldBe === 'block'),
      );
      return responseBody(result);
    },
  );
}

interface DecideResponse {
  decision: DecideResult['decision'];
  reasons: { code: string; detail: string; breaker_id?: string }[];
  breakers: string[];
  retry_after_s?: number;
  shadow?: { breaker_id: string; would_be: string }[];
}

/**
 * The wire form of a decision. Plain assignments and loops rather than conditional spreads and
 * callbacks: this runs on every request, and each spread is a throwaway object.
 */
function responseBody(result: DecideResult): DecideResponse {
  const reasons: DecideResponse['reasons'] = [];
  for (const r of result.reasons) reasons.push(r.breakerId ? { code: r.code, detail: r.detail, breaker_id: r.breakerId } : { code: r.code, detail: r.detail });
  const body: DecideResponse = { decision: result.decision, reasons, breakers: result.breakers };
  if (result.retryAfterS !== undefined) body.retry_after_s = result.retryAfterS;
  if (result.shadow.length > 0) {
    body.shadow = [];
    for (const s of result.shadow) body.shadow.push({ breaker_id: s.breakerId, would_be: s.wouldBe });
  }
  return body;
}
