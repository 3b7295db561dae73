import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Decider } from '@tollgate/breakers';
import { twilioStatusToReceipt } from '@tollgate/events';
import type { Ingestor } from '@tollgate/ingest';
import {
  forwardTarget,
  OPERATIONS,
  readCredentials,
  readTwilioMessage,
  readTwilioVerification,
  readVonageSms,
  readVonageVerifyCheck,
  readVonageVerifyRequest,
  STATUS_CALLBACK_PATH,
  statusCallbackUrl,
  type Params,
  type ProxyCall,
} from '@tollgate/proxy';
import type { Identity } from '@tollgate/core';
import type { DecisionCounter } from '../decisions/decision-counter.ts';
import { END_USER_HEADERS } from '../proxy-end-user.ts';
import { createProxyHandler } from '../proxy-handler.ts';
import { createProxyRecorder, type ProxyRecorder } from '../proxy-recorder.ts';
import type { ProxyRuntime } from '../proxy-runtime.ts';

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const TWILIO_VERIFY = '/twilio/verify';
const TWILIO_API = '/twilio/api';
const VONAGE = '/vonage';

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

/** What a route needs besides the request: the signing key and public URL of status callbacks. */
interface RouteContext {
  identity: Identity;
  baseUrl: (request: FastifyRequest) => string;
}

/** One provider route: where it is, how it is documented, what the proxy reads of it and what it relays. */
interface ProviderRoute {
  method: 'GET' | 'POST';
  /** Tollgate's part of the path: the rest is the provider's own. */
  prefix: string;
  path: string;
  summary: string;
  description: string;
  params: Record<string, string>;
  consumes: string[];
  read: (request: FastifyRequest<{ Params: Record<string, string> }>, raw: RawBody) => ProxyCall;
  /** The body relayed: the caller's as it came, unless the route rewrites it. */
  relayed?: (request: FastifyRequest<{ Params: Record<string, string> }>, raw: RawBody, context: RouteContext) => string | undefined;
}

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

/** A message's StatusCallback pointed at Tollgate, which passes each receipt on to the service's own URL. */
function withStatusCallback(request: FastifyRequest<{ Params: Record<string, string> }>, raw: RawBody, context: RouteContext): string {
  const form = new URLSearchParams(raw.type === 'form' ? raw.text : '');
  const serviceCallback = form.get('StatusCallback') ?? undefined;
  form.set(
    'StatusCallback',
    statusCallbackUrl({ baseUrl: context.baseUrl(request), key: context.identity.key }, request.params.accountSid!, serviceCallback),
  );
  return form.toString();
}

const SERVICE_SID = { serviceSid: 'Verify service SID (VA...)' };

const PROVIDER_ROUTES: readonly ProviderRoute[] = [
  {
    method: 'POST',
    prefix: TWILIO_VERIFY,
    path: '/v2/Services/:serviceSid/Verifications',
    summary: 'Twilio Verify v2: start a verification',
    description: 'Decided like POST /v1/decide, relayed to TOLLGATE_UPSTREAM_TWILIO_VERIFY, recorded as a send.',
    params: SERVICE_SID,
    consumes: [FORM],
    read: (request, raw) => readTwilioVerification(OPERATIONS.twilioVerification, request.params.serviceSid!, paramsOf(raw)),
  },
  {
    method: 'POST',
    prefix: TWILIO_VERIFY,
    path: '/v2/Services/:serviceSid/VerificationCheck',
    summary: 'Twilio Verify v2: check a code',
    description: 'Attempts limited like POST /v1/decide with action verify; relayed, recorded as a verify event with its outcome.',
    params: SERVICE_SID,
    consumes: [FORM],
    read: (request, raw) => readTwilioVerification(OPERATIONS.twilioVerificationCheck, request.params.serviceSid!, paramsOf(raw)),
  },
  {
    method: 'GET',
    prefix: TWILIO_VERIFY,
    path: '/v2/Services/:serviceSid/Verifications/:sid',
    summary: 'Twilio Verify v2: fetch a verification',
    description: 'Relayed (retried on a timeout or gateway error: a read is safe to repeat).',
    params: { ...SERVICE_SID, sid: 'verification SID (VE...) or the number' },
    consumes: [],
    read: (request) => readTwilioVerification(OPERATIONS.twilioVerificationFetch, request.params.serviceSid!, {}),
    relayed: () => undefined,
  },
  {
    method: 'POST',
    prefix: TWILIO_API,
    path: '/2010-04-01/Accounts/:accountSid/Messages.json',
    summary: 'Twilio Messages: send a message',
    description:
      "Decided, relayed to TOLLGATE_UPSTREAM_TWILIO_API with StatusCallback pointed at Tollgate (receipts reach the delivery views, then the service's own StatusCallback), recorded as a send.",
    params: { accountSid: 'account SID (AC...)' },
    consumes: [FORM],
    read: (request, raw) => readTwilioMessage(OPERATIONS.twilioMessage, request.params.accountSid!, paramsOf(raw)),
    relayed: withStatusCallback,
  },
  {
    method: 'POST',
    prefix: VONAGE,
    path: '/v2/verify',
    summary: 'Vonage Verify v2: start a verification',
    description: 'Decided, relayed to TOLLGATE_UPSTREAM_VONAGE_API, recorded as a send (session: the request id).',
    params: {},
    consumes: [JSON_TYPE],
    read: (request, raw) =>
      readVonageVerifyRequest(OPERATIONS.vonageVerifyRequest, readCredentials(request.headers.authorization), paramsOf(raw)),
  },
  {
    method: 'POST',
    prefix: VONAGE,
    path: '/v2/verify/:requestId',
    summary: 'Vonage Verify v2: check a code',
    description: 'Attempts limited like POST /v1/decide with action verify; relayed, recorded as a verify event.',
    params: { requestId: 'the request id' },
    consumes: [JSON_TYPE],
    read: (request) =>
      readVonageVerifyCheck(OPERATIONS.vonageVerifyCheck, readCredentials(request.headers.authorization), request.params.requestId!),
  },
  {
    method: 'POST',
    prefix: VONAGE,
    path: '/sms/json',
    summary: 'Vonage SMS API: send a message',
    description:
      "Decided, relayed to TOLLGATE_UPSTREAM_VONAGE_REST, recorded as a send; refusals in the SMS API's own answer (a message status and error-text).",
    params: {},
    consumes: [FORM, JSON_TYPE],
    read: (request, raw) => readVonageSms(OPERATIONS.vonageSms, readCredentials(request.headers.authorization), paramsOf(raw)),
  },
];

const rawOf = (request: FastifyRequest): RawBody => (request.body as RawBody | undefined) ?? { text: '', type: 'none' };

function routeSchema(route: ProviderRoute) {
  return {
    summary: route.summary,
    tags: ['provider proxy'],
    description:
      `${route.description} No Tollgate key: the caller sends its own provider credentials, which are relayed and never kept; the caller must be listed in proxy.yaml ` +
      "(403 in the provider's error shape otherwise). Optional headers: X-Tollgate-Flow (signup, login, recovery, step_up), X-Tollgate-Client-Ip (the end user's address), " +
      `${END_USER_HEADERS.map((h) => h.name).join(', ')} (the fields of POST /v1/decide of the same names, with the same limits; the account id is kept only as a keyed hash). ` +
      "A malformed one is refused in the provider's error shape naming it; none is relayed to the provider.",
    consumes: route.consumes,
    params: {
      type: 'object',
      properties: Object.fromEntries(Object.entries(route.params).map(([name, text]) => [name, { type: 'string', description: text }])),
    },
    response: { default: PROVIDER_ANSWER },
  };
}

/** Provider bodies are relayed as they came: kept as text, read only for the fields a decision needs. */
function keepBodiesAsText(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser([FORM, JSON_TYPE], { parseAs: 'string' }, (request, body, done) =>
    done(null, {
      text: body as string,
      type: (request.headers['content-type'] ?? '').startsWith(FORM) ? 'form' : 'json',
    } satisfies RawBody),
  );
}

/**
 * Where proxied messages' StatusCallback points: the receipt is stored, then the callback passed
 * on to the service's own URL, and Twilio hears the service's answer.
 */
function statusCallbackRoute(
  app: FastifyInstance,
  deps: { proxy: ProxyRuntime; recorder: ProxyRecorder; context: RouteContext; clock: () => number },
): void {
  const { proxy, recorder, context, clock } = deps;
  app.post<{ Querystring: { to?: string; sig?: string } }>(
    STATUS_CALLBACK_PATH,
    {
      // The provider validates its own bodies; Tollgate reads the fields it needs.
      validatorCompiler: () => () => true,
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
      const target = forwardTarget(context.identity.key, params.AccountSid, request.query);
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
          'x-tollgate-callback-url': `${context.baseUrl(request)}${request.url}`,
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
    hashAccount: (accountId: string) => string;
    publicUrl?: string;
    clock?: () => number;
  },
): Promise<void> {
  const { proxy, identity, decider, counter, ingestor, hashAccount } = opts;
  const clock = opts.clock ?? Date.now;
  const recorder = createProxyRecorder({
    ingestor,
    onProblem: (problem) => app.log.warn(problem, 'proxied events not recorded'),
  });
  app.addHook('onClose', () => recorder.close());
  keepBodiesAsText(app);
  const context: RouteContext = { identity, baseUrl: (request) => opts.publicUrl ?? `${request.protocol}://${request.host}` };
  const handle = createProxyHandler({ proxy, identity, decider, counter, recorder, hashAccount, clock });
  for (const route of PROVIDER_ROUTES) {
    app.route<{ Params: Record<string, string> }>({
      method: route.method,
      url: `${route.prefix}${route.path}`,
      // The provider validates its own bodies; Tollgate reads the fields it needs and relays the rest.
      ...(route.method === 'POST' && { validatorCompiler: () => () => true }),
      schema: routeSchema(route),
      handler: async (request, reply) => {
        const raw = rawOf(request);
        const body = route.relayed === undefined ? raw.text : route.relayed(request, raw, context);
        return handle(request, reply, route.read(request, raw), route.prefix, body);
      },
    });
  }
  statusCallbackRoute(app, { proxy, recorder, context, clock });
}
