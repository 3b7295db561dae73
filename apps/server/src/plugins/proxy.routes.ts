import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DecideResult, Decider } from '@tollgate/breakers';
import { FLOWS, isValidIp, twilioStatusToReceipt, type Flow, type NormalizedPhone } from '@tollgate/events';
import { createCappedMap } from '@tollgate/vocabulary';
import type { Ingestor } from '@tollgate/ingest';
import {
  bindCaller,
  CALLER_LIST_PATHS,
  DECISION_HEADER,
  decisionHeader,
  forwardTarget,
  OPERATIONS,
  readCredentials,
  readTwilioMessage,
  readTwilioVerification,
  readVonageSms,
  readVonageVerifyCheck,
  readVonageVerifyRequest,
  refusalResponse,
  relayedEvents,
  STATUS_CALLBACK_PATH,
  statusCallbackUrl,
  type CallerBinding,
  type Params,
  type ProviderOperation,
  type ProxyCall,
  type Refusal,
  type RelayOutcome,
} from '@tollgate/proxy';
import type { Identity } from '../core.ts';
import type { DecisionCounter } from '../decisions/decision-counter.ts';
import { decideProxiedSend } from '../decisions/proxied-decision.ts';
import { createProxyRecorder } from '../proxy-recorder.ts';
import type { ProxyRuntime } from '../proxy-runtime.ts';

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
/** Headers of the caller's request the provider needs; anything else (cookies, Tollgate's own) stays here. */
const FORWARDED_HEADERS = ['authorization', 'content-type', 'accept', 'accept-charset', 'user-agent'] as const;
const FLOW_HEADER = 'x-tollgate-flow';
const CLIENT_IP_HEADER = 'x-tollgate-client-ip';
/**
 * Recent Verify sessions per app and phone (Twilio reuses a pending verification's SID for ten
 * minutes), so a resend meets the session ladder, and Vonage request ids' numbers, so a check's
 * verify event names its phone. Bounded: attackers choose the numbers.
 */
const SESSION_MEMORY = 200_000;

interface RawBody {
  text: string;
  type: 'form' | 'json' | 'none';
}

const PROVIDER_ANSWER = {
  description:
    "The provider's own answer, passed back untouched (or Tollgate's refusal in the provider's error shape, with X-Tollgate-Decision)",
  type: 'object',
  additionalProperties: true,
} as const;

/**
 * The provider proxy: Twilio Verify v2, Twilio Messages, Vonage Verify v2 and the Vonage SMS API
 * in the providers' own shapes, so pointing an SDK's base URL at Tollgate is the whole change.
 * Each send is decided like `POST /v1/decide`, relayed with the caller's own credentials, and
 * recorded as events; callers are the SIDs, keys and applications proxy.yaml lists, nobody else.
 * The credentials authenticate the caller to the provider: Tollgate forwards them and keeps nothing.
 */
export async function proxyRoutes(
  app: FastifyInstance,
  opts: {
    proxy: ProxyRuntime;
    identity: Identity;
    decider: Decider;
    counter: DecisionCounter;
    ingestor: Ingestor;
    publicUrl?: string;
    clock?: () => number;
  },
): Promise<void> {
  const { proxy, identity, decider, counter, ingestor } = opts;
  const clock = opts.clock ?? Date.now;
  const verifySessions = createCappedMap<string>(SESSION_MEMORY);
  const requestPhones = createCappedMap<string>(SESSION_MEMORY);
  const recorder = createProxyRecorder({
    ingestor,
    onProblem: (problem) => app.log.warn(problem, 'proxied events not recorded'),
  });

  // Provider bodies are relayed as they came: kept as text, read here only for the fields a decision needs.
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser([FORM, JSON_TYPE], { parseAs: 'string' }, (request, body, done) =>
    done(null, {
      text: body as string,
      type: (request.headers['content-type'] ?? '').startsWith(FORM) ? 'form' : 'json',
    } satisfies RawBody),
  );
  app.addHook('onClose', () => recorder.close());

  const baseUrl = (request: FastifyRequest) => opts.publicUrl ?? `${request.protocol}://${request.host}`;

  function send(reply: FastifyReply, refusal: Refusal, operation: ProviderOperation) {
    const response = refusalResponse(operation, refusal);
    return reply.status(response.status).headers(response.headers).send(response.body);
  }

  function upstreamUrl(operation: ProviderOperation, request: FastifyRequest, prefix: string): string {
    return `${proxy.upstreams[operation.upstream]}${request.url.slice(prefix.length)}`;
  }

  function forwardedHeaders(request: FastifyRequest): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_HEADERS) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    return headers;
  }

  function relayAnswer(reply: FastifyReply, outcome: Extract<RelayOutcome, { ok: true }>, decision: DecideResult | undefined) {
    reply.status(outcome.status).headers(outcome.headers);
    if (decision !== undefined) reply.header(DECISION_HEADER, decisionHeader(decision));
    return reply.send(outcome.body);
  }

  /** The optional refinements: X-Tollgate-Flow and X-Tollgate-Client-Ip. */
  function refinements(
    request: FastifyRequest,
    binding: CallerBinding,
  ): { ok: true; flow: Flow; clientIp: string | undefined } | { ok: false; refusal: Refusal } {
    const flowHeader = request.headers[FLOW_HEADER];
    const flow = typeof flowHeader === 'string' ? FLOWS.find((f) => f === flowHeader) : binding.flow;
    if (flow === undefined) {
      return {
        ok: false,
        refusal: {
          kind: 'invalid',
          field: FLOW_HEADER,
          detail: `X-Tollgate-Flow must be one of ${FLOWS.join(', ')} (or left out for the flow proxy.yaml gives).`,
        },
      };
    }
    const ipHeader = request.headers[CLIENT_IP_HEADER];
    const clientIp = typeof ipHeader === 'string' ? ipHeader.trim() : undefined;
    if (clientIp !== undefined && !isValidIp(clientIp)) {
      return {
        ok: false,
        refusal: {
          kind: 'invalid',
          field: CLIENT_IP_HEADER,
          detail: "X-Tollgate-Client-Ip must be the end user's IPv4 or IPv6 address (e.g. 203.0.113.7).",
        },
      };
    }
    return { ok: true, flow, clientIp };
  }

  function normalizedPhone(raw: string | undefined): NormalizedPhone | undefined {
    if (raw === undefined) return undefined;
    const phone = identity.phones.normalize(raw.startsWith('+') ? raw : `+${raw}`);
    return phone.ok ? phone.value : undefined;
  }

  /** Everything a proxied call goes through: who, decide, relay, record. `body` is what is relayed. */
  async function handle(request: FastifyRequest, reply: FastifyReply, call: ProxyCall, prefix: string, body: string | undefined) {
    const { operation } = call;
    if (readCredentials(request.headers.authorization).kind === 'none' && !call.bodyCredentials)
      return send(reply, { kind: 'unauthenticated' }, operation);
    const binding = bindCaller(proxy.config, call);
    if (binding === undefined) {
      const detail =
        call.caller === undefined
          ? `Tollgate relays only for the callers listed in proxy.yaml, and this request names none it can read.`
          : `Tollgate does not relay for ${call.caller.id}: add it under ${CALLER_LIST_PATHS[call.caller.list]} in proxy.yaml with its app and flow.`;
      return send(reply, { kind: 'unknown_caller', detail }, operation);
    }
    const refined = refinements(request, binding);
    if (!refined.ok) return send(reply, refined.refusal, operation);
    const { flow, clientIp } = refined;
    const nowMs = clock();
    let decision: DecideResult | undefined;
    let phone: NormalizedPhone | undefined;
    let sessionKey: string | undefined;
    // A code sent by email (or checked for an address) costs no carrier fee and has no number to decide on: relayed as it is.
    const byEmail = call.channel === 'email' || call.phone?.includes('@') === true;
    if (operation.kind === 'send' && !byEmail) {
      phone = normalizedPhone(call.phone);
      if (phone === undefined) {
        const field = operation.provider === 'twilio' ? 'To' : 'to';
        return send(
          reply,
          {
            kind: 'invalid',
            field,
            detail: `${field}: not a valid phone number in E.164 (e.g. +447700900123): Tollgate decides per number before it relays.`,
          },
          operation,
        );
      }
      const phoneHash = identity.hasher.phone(phone.e164);
      sessionKey = `${binding.app}\u0000${phoneHash}`;
      decision = decideProxiedSend(
        { identity, decider, counter },
        {
          app: binding.app,
          flow,
          phone,
          phoneHash,
          clientIp,
          provider: operation.provider,
          sessionId: operation.id === 'twilio_verification' ? verifySessions.get(sessionKey) : undefined,
        },
      );
    } else if (operation.kind === 'check' && !byEmail) {
      phone = normalizedPhone(call.phone ?? (call.sessionId === undefined ? undefined : requestPhones.get(call.sessionId)));
      const phoneHash = phone === undefined ? undefined : identity.hasher.phone(phone.e164);
      const sessionId =
        call.sessionId ??
        (phoneHash === undefined ? undefined : (verifySessions.get(`${binding.app}\u0000${phoneHash}`) ?? `phone:${phoneHash}`));
      if (sessionId === undefined) {
        return send(
          reply,
          {
            kind: 'invalid',
            field: 'To',
            detail: 'To or VerificationSid: required to check a code (attempts are counted per verification).',
          },
          operation,
        );
      }
      decision = decider.decideVerify({ app: binding.app, flow, sessionId, ip: clientIp ?? '', phoneHash });
    }
    if (decision !== undefined && (decision.decision === 'block' || (decision.decision === 'challenge' && !binding.handlesChallenges))) {
      return send(reply, { kind: 'decision', result: decision }, operation);
    }
    const outcome = await proxy.relay.relay({
      operation,
      url: upstreamUrl(operation, request, prefix),
      method: request.method === 'GET' ? 'GET' : 'POST',
      headers: forwardedHeaders(request),
      body,
    });
    if (operation.kind !== 'fetch' && !byEmail) {
      const events = relayedEvents(
        operation,
        {
          callId: randomUUID(),
          nowMs,
          app: binding.app,
          flow,
          provider: operation.provider,
          channel: call.channel,
          phone: phone?.e164,
          sessionId: call.sessionId,
          clientIp,
          costUsd: phone === undefined ? undefined : proxy.prices().priceUsd(operation.provider, phone.country, nowMs),
        },
        outcome,
      );
      const sessionId = events.send?.status === 'accepted' ? String(events.send.session_id) : undefined;
      if (sessionId !== undefined && sessionKey !== undefined) {
        if (operation.id === 'twilio_verification') verifySessions.set(sessionKey, sessionId);
        if (operation.id === 'vonage_verify_request') requestPhones.set(sessionId, phone!.e164);
      }
      recorder.add(events);
    }
    if (!outcome.ok) {
      request.log.warn(
        { provider: operation.provider, upstream: operation.upstream, failure: outcome.failure, attempts: outcome.attempts },
        'provider did not answer',
      );
      return send(
        reply,
        {
          kind: 'upstream_failure',
          failure: outcome.failure,
          detail: `${operation.provider} did not answer (${outcome.detail}); nothing is known to have been sent.`,
        },
        operation,
      );
    }
    return relayAnswer(reply, outcome, decision);
  }

  const rawOf = (request: FastifyRequest): RawBody => (request.body as RawBody | undefined) ?? { text: '', type: 'none' };
  /** The body's fields; a body that does not parse has none, and the decision refuses what it lacks. */
  function paramsOf(raw: RawBody): Params {
    if (raw.type === 'form') return Object.fromEntries(new URLSearchParams(raw.text));
    if (raw.type === 'json') {
      try {
        const value: unknown = JSON.parse(raw.text);
        return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Params) : {};
      } catch {
        return {};
      }
    }
    return {};
  }

  const schema = (summary: string, description: string, params: Record<string, string>, consumes: string[]) => ({
    summary,
    tags: ['provider proxy'],
    description:
      `${description} No Tollgate key: the caller sends its own provider credentials, which are relayed and never kept; the caller must be listed in proxy.yaml ` +
      "(403 in the provider's error shape otherwise). Optional headers: X-Tollgate-Flow (signup, login, recovery, step_up), X-Tollgate-Client-Ip (the end user's address).",
    consumes,
    params: {
      type: 'object',
      properties: Object.fromEntries(Object.entries(params).map(([name, text]) => [name, { type: 'string', description: text }])),
    },
    response: { default: PROVIDER_ANSWER },
  });
  // The provider validates its own bodies; Tollgate reads the fields it needs and relays the rest.
  const accept = { validatorCompiler: () => () => true };

  const TWILIO_VERIFY = '/twilio/verify';
  app.post<{ Params: { serviceSid: string } }>(
    `${TWILIO_VERIFY}/v2/Services/:serviceSid/Verifications`,
    {
      ...accept,
      schema: schema(
        'Twilio Verify v2: start a verification',
        'Decided like POST /v1/decide, relayed to TOLLGATE_UPSTREAM_TWILIO_VERIFY, recorded as a send.',
        { serviceSid: 'Verify service SID (VA...)' },
        [FORM],
      ),
    },
    async (request, reply) => {
      const raw = rawOf(request);
      return handle(
        request,
        reply,
        readTwilioVerification(OPERATIONS.twilioVerification, request.params.serviceSid, paramsOf(raw)),
        TWILIO_VERIFY,
        raw.text,
      );
    },
  );
  app.post<{ Params: { serviceSid: string } }>(
    `${TWILIO_VERIFY}/v2/Services/:serviceSid/VerificationCheck`,
    {
      ...accept,
      schema: schema(
        'Twilio Verify v2: check a code',
        'Attempts limited like POST /v1/decide with action verify; relayed, recorded as a verify event with its outcome.',
        { serviceSid: 'Verify service SID (VA...)' },
        [FORM],
      ),
    },
    async (request, reply) => {
      const raw = rawOf(request);
      return handle(
        request,
        reply,
        readTwilioVerification(OPERATIONS.twilioVerificationCheck, request.params.serviceSid, paramsOf(raw)),
        TWILIO_VERIFY,
        raw.text,
      );
    },
  );
  app.get<{ Params: { serviceSid: string; sid: string } }>(
    `${TWILIO_VERIFY}/v2/Services/:serviceSid/Verifications/:sid`,
    {
      schema: schema(
        'Twilio Verify v2: fetch a verification',
        'Relayed (retried on a timeout or gateway error: a read is safe to repeat).',
        { serviceSid: 'Verify service SID (VA...)', sid: 'verification SID (VE...) or the number' },
        [],
      ),
    },
    async (request, reply) =>
      handle(
        request,
        reply,
        readTwilioVerification(OPERATIONS.twilioVerificationFetch, request.params.serviceSid, {}),
        TWILIO_VERIFY,
        undefined,
      ),
  );

  const TWILIO_API = '/twilio/api';
  app.post<{ Params: { accountSid: string } }>(
    `${TWILIO_API}/2010-04-01/Accounts/:accountSid/Messages.json`,
    {
      ...accept,
      schema: schema(
        'Twilio Messages: send a message',
        "Decided, relayed to TOLLGATE_UPSTREAM_TWILIO_API with StatusCallback pointed at Tollgate (receipts reach the delivery views, then the service's own StatusCallback), recorded as a send.",
        { accountSid: 'account SID (AC...)' },
        [FORM],
      ),
    },
    async (request, reply) => {
      const raw = rawOf(request);
      const form = new URLSearchParams(raw.type === 'form' ? raw.text : '');
      const serviceCallback = form.get('StatusCallback') ?? undefined;
      form.set(
        'StatusCallback',
        statusCallbackUrl({ baseUrl: baseUrl(request), key: identity.key }, request.params.accountSid, serviceCallback),
      );
      return handle(
        request,
        reply,
        readTwilioMessage(OPERATIONS.twilioMessage, request.params.accountSid, paramsOf(raw)),
        TWILIO_API,
        form.toString(),
      );
    },
  );

  const VONAGE = '/vonage';
  app.post(
    `${VONAGE}/v2/verify`,
    {
      ...accept,
      schema: schema(
        'Vonage Verify v2: start a verification',
        'Decided, relayed to TOLLGATE_UPSTREAM_VONAGE_API, recorded as a send (session: the request id).',
        {},
        [JSON_TYPE],
      ),
    },
    async (request, reply) => {
      const raw = rawOf(request);
      return handle(
        request,
        reply,
        readVonageVerifyRequest(OPERATIONS.vonageVerifyRequest, readCredentials(request.headers.authorization), paramsOf(raw)),
        VONAGE,
        raw.text,
      );
    },
  );
  app.post<{ Params: { requestId: string } }>(
    `${VONAGE}/v2/verify/:requestId`,
    {
      ...accept,
      schema: schema(
        'Vonage Verify v2: check a code',
        'Attempts limited like POST /v1/decide with action verify; relayed, recorded as a verify event.',
        { requestId: 'the request id' },
        [JSON_TYPE],
      ),
    },
    async (request, reply) => {
      const raw = rawOf(request);
      return handle(
        request,
        reply,
        readVonageVerifyCheck(OPERATIONS.vonageVerifyCheck, readCredentials(request.headers.authorization), request.params.requestId),
        VONAGE,
        raw.text,
      );
    },
  );
  app.post(
    `${VONAGE}/sms/json`,
    {
      ...accept,
      schema: schema(
        'Vonage SMS API: send a message',
        "Decided, relayed to TOLLGATE_UPSTREAM_VONAGE_REST, recorded as a send; refusals in the SMS API's own answer (a message status and error-text).",
        {},
        [FORM, JSON_TYPE],
      ),
    },
    async (request, reply) => {
      const raw = rawOf(request);
      return handle(
        request,
        reply,
        readVonageSms(OPERATIONS.vonageSms, readCredentials(request.headers.authorization), paramsOf(raw)),
        VONAGE,
        raw.text,
      );
    },
  );

  app.post<{ Querystring: { to?: string; sig?: string } }>(
    STATUS_CALLBACK_PATH,
    {
      ...accept,
      schema: {
        summary: 'Twilio status callback of a proxied message',
        tags: ['provider proxy'],
        description:
          "Where proxied messages' StatusCallback points: the receipt is stored, then the callback is passed on to the service's own StatusCallback " +
          "with its X-Twilio-Signature and X-Tollgate-Callback-Url (the URL Twilio signed). `to` and `sig` are written by Tollgate for the message's account; a callback whose signature does not match its AccountSid is refused.",
        consumes: [FORM],
        querystring: { type: 'object', properties: { to: { type: 'string' }, sig: { type: 'string' } } },
        response: { default: PROVIDER_ANSWER },
      },
    },
    async (request, reply) => {
      const raw = rawOf(request);
      const params = Object.fromEntries(new URLSearchParams(raw.type === 'form' ? raw.text : '')) as Record<string, string>;
      const target = forwardTarget(identity.key, params.AccountSid, request.query);
      if (!target.ok)
        return reply
          .status(403)
          .send({ code: 20403, message: 'This callback URL was not written by Tollgate for this account.', status: 403 });
      const receipt = twilioStatusToReceipt(params, clock());
      if (receipt.ok) recorder.add({ receipt: receipt.receipt as unknown as Record<string, unknown> });
      if (target.url === undefined) return reply.status(204).send();
      const signature = request.headers['x-twilio-signature'];
      const outcome = await proxy.relay.relay({
        operation: OPERATIONS.twilioMessage,
        url: target.url,
        method: 'POST',
        headers: {
          'content-type': FORM,
          'x-tollgate-callback-url': `${baseUrl(request)}${request.url}`,
          ...(typeof signature === 'string' && { 'x-twilio-signature': signature }),
        },
        body: raw.text,
      });
      if (!outcome.ok) request.log.warn({ failure: outcome.failure }, "the service's status callback did not answer");
      // Twilio hears the service's answer, so its own retry logic and debugger see what the service said.
      return reply.status(outcome.ok ? outcome.status : 502).send(outcome.ok ? outcome.body : '');
    },
  );
}
