import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DecideResult, Decider } from '@tollgate/breakers';
import { FLOWS, isValidIp, type Flow, type NormalizedPhone } from '@tollgate/events';
import {
  bindCaller,
  CALLER_LIST_PATHS,
  credentialsProblem,
  DECISION_HEADER,
  decisionHeader,
  readCredentials,
  refusalResponse,
  relayedEvents,
  type CallContext,
  type CallerBinding,
  type ProviderOperation,
  type ProxyCall,
  type Refusal,
  type RelayOutcome,
} from '@tollgate/proxy';
import { createCappedMap } from '@tollgate/vocabulary';
import type { Identity } from '@tollgate/core';
import type { DecisionCounter } from './decisions/decision-counter.ts';
import { hasControlChars, type EndUser } from './decisions/end-user-fields.ts';
import { decideProxiedSend } from './decisions/proxied-decision.ts';
import { readEndUser } from './proxy-end-user.ts';
import type { ProxyRecorder } from './proxy-recorder.ts';
import type { ProxyRuntime } from './proxy-runtime.ts';

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

/** Who is calling, for which app and flow, for which end user from where: what every later step reads. */
interface Caller {
  binding: CallerBinding;
  flow: Flow;
  clientIp: string | undefined;
  endUser: EndUser;
}

/** What the decision step leaves for the relay and the record. */
interface Decided {
  decision: DecideResult | undefined;
  phone: NormalizedPhone | undefined;
  /** App and phone hash: where a Verify create's session is remembered. */
  sessionKey: string | undefined;
  /** A code sent by email (or checked for an address): no number, no carrier fee, nothing decided or recorded. */
  byEmail: boolean;
}

type Step<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

export interface ProxyHandlerDeps {
  proxy: ProxyRuntime;
  identity: Identity;
  decider: Decider;
  counter: DecisionCounter;
  recorder: ProxyRecorder;
  /** The account hasher of `POST /v1/decide`: an account counts as one whichever path it comes by. */
  hashAccount: (accountId: string) => string;
  clock: () => number;
}

/** Handles one proxied call: `prefix` is Tollgate's part of the path, `body` what is relayed. */
export type ProxyHandler = (
  request: FastifyRequest,
  reply: FastifyReply,
  call: ProxyCall,
  prefix: string,
  body: string | undefined,
) => Promise<FastifyReply>;

/**
 * Everything a proxied call goes through, one step each: who is calling (credentials, proxy.yaml,
 * the refinement headers), the decision (a send like `POST /v1/decide`, a check like its verify
 * action), the relay with the caller's own credentials, the record of what the provider did, and
 * the answer: the provider's own, or a refusal in its shape. Owns the recent sessions a resend
 * and a check are matched against.
 */
export function createProxyHandler(deps: ProxyHandlerDeps): ProxyHandler {
  const { proxy, identity, decider, counter, recorder, hashAccount, clock } = deps;
  const verifySessions = createCappedMap<string>(SESSION_MEMORY);
  const requestPhones = createCappedMap<string>(SESSION_MEMORY);

  function normalizedPhone(raw: string | undefined): NormalizedPhone | undefined {
    if (raw === undefined) return undefined;
    const phone = identity.phones.normalize(raw.startsWith('+') ? raw : `+${raw}`);
    return phone.ok ? phone.value : undefined;
  }

  function decideSend(call: ProxyCall, caller: Caller): Step<Decided> {
    const { operation } = call;
    const phone = normalizedPhone(call.phone);
    if (phone === undefined) {
      const field = operation.provider === 'twilio' ? 'To' : 'to';
      const detail = `${field}: not a valid phone number in E.164 (e.g. +447700900123): Tollgate decides per number before it relays.`;
      return { ok: false, refusal: { kind: 'invalid', field, detail } };
    }
    const phoneHash = identity.hasher.phone(phone.e164);
    const sessionKey = `${caller.binding.app}\u0000${phoneHash}`;
    const decision = decideProxiedSend(
      { identity, decider, counter },
      {
        app: caller.binding.app,
        flow: caller.flow,
        phone,
        phoneHash,
        clientIp: caller.clientIp,
        provider: operation.provider,
        sessionId: operation.id === 'twilio_verification' ? verifySessions.get(sessionKey) : undefined,
        endUser: caller.endUser,
      },
    );
    return { ok: true, value: { decision, phone, sessionKey, byEmail: false } };
  }

  function decideCheck(call: ProxyCall, caller: Caller): Step<Decided> {
    const { app } = caller.binding;
    const phone = normalizedPhone(call.phone ?? (call.sessionId === undefined ? undefined : requestPhones.get(call.sessionId)));
    const phoneHash = phone === undefined ? undefined : identity.hasher.phone(phone.e164);
    const sessionId =
      call.sessionId ?? (phoneHash === undefined ? undefined : (verifySessions.get(`${app}\u0000${phoneHash}`) ?? `phone:${phoneHash}`));
    if (sessionId === undefined) {
      const detail = 'To or VerificationSid: required to check a code (attempts are counted per verification).';
      return { ok: false, refusal: { kind: 'invalid', field: 'To', detail } };
    }
    const decision = decider.decideVerify({ app, flow: caller.flow, sessionId, ip: caller.clientIp ?? '', phoneHash });
    return { ok: true, value: { decision, phone, sessionKey: undefined, byEmail: false } };
  }

  /** Sends are decided, checks limited; a read, or a code sent by email, goes through undecided. */
  function decide(call: ProxyCall, caller: Caller): Step<Decided> {
    const byEmail = call.channel === 'email' || call.phone?.includes('@') === true;
    if (!byEmail && call.operation.kind === 'send') return decideSend(call, caller);
    if (!byEmail && call.operation.kind === 'check') return decideCheck(call, caller);
    return { ok: true, value: { decision: undefined, phone: undefined, sessionKey: undefined, byEmail } };
  }

  function record(call: ProxyCall, caller: Caller, decided: Decided, nowMs: number, outcome: RelayOutcome): void {
    const { operation } = call;
    if (operation.kind === 'fetch' || decided.byEmail) return;
    const { phone, sessionKey } = decided;
    const events = relayedEvents(
      operation,
      {
        callId: randomUUID(),
        nowMs,
        app: caller.binding.app,
        flow: caller.flow,
        provider: operation.provider,
        channel: call.channel,
        phone: phone?.e164,
        sessionId: call.sessionId,
        clientIp: caller.clientIp,
        device: recordedDevice(caller.endUser),
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

  return async function handle(request, reply, call, prefix, body) {
    const { operation } = call;
    const caller = identify(request, call, proxy, hashAccount);
    if (!caller.ok) return refuse(reply, caller.refusal, operation);
    const nowMs = clock();
    const decided = decide(call, caller.value);
    if (!decided.ok) return refuse(reply, decided.refusal, operation);
    const { decision } = decided.value;
    if (
      decision !== undefined &&
      (decision.decision === 'block' || (decision.decision === 'challenge' && !caller.value.binding.handlesChallenges))
    ) {
      return refuse(reply, { kind: 'decision', result: decision }, operation);
    }
    const outcome = await proxy.relay.relay({
      operation,
      url: `${proxy.upstreams[operation.upstream]}${request.url.slice(prefix.length)}`,
      method: request.method === 'GET' ? 'GET' : 'POST',
      headers: forwardedHeaders(request),
      body,
    });
    record(call, caller.value, decided.value, nowMs, outcome);
    return answer(request, reply, operation, outcome, decision);
  };
}

/** Who is calling: credentials that could be the provider's, a caller proxy.yaml lists, and the refinement headers. */
function identify(request: FastifyRequest, call: ProxyCall, proxy: ProxyRuntime, hashAccount: (accountId: string) => string): Step<Caller> {
  const credentials = readCredentials(request.headers.authorization);
  if (credentials.kind === 'none' && !call.bodyCredentials) return { ok: false, refusal: { kind: 'unauthenticated' } };
  const problem = credentialsProblem(call.operation.provider, credentials);
  if (problem !== undefined) return { ok: false, refusal: { kind: 'unauthenticated', detail: problem } };
  const binding = bindCaller(proxy.config, call);
  if (binding === undefined) {
    const detail =
      call.caller === undefined
        ? `Tollgate relays only for the callers listed in proxy.yaml, and this request names none it can read.`
        : `Tollgate does not relay for ${call.caller.id}: add it under ${CALLER_LIST_PATHS[call.caller.list]} in proxy.yaml with its app and flow.`;
    return { ok: false, refusal: { kind: 'unknown_caller', detail } };
  }
  return refinements(request, binding, hashAccount);
}

/** The optional refinements: X-Tollgate-Flow, X-Tollgate-Client-Ip and the end user's account and device (END_USER_HEADERS). */
function refinements(request: FastifyRequest, binding: CallerBinding, hashAccount: (accountId: string) => string): Step<Caller> {
  const flowHeader = request.headers[FLOW_HEADER];
  const flow = typeof flowHeader === 'string' ? FLOWS.find((f) => f === flowHeader) : binding.flow;
  if (flow === undefined) {
    const detail = `X-Tollgate-Flow must be one of ${FLOWS.join(', ')} (or left out for the flow proxy.yaml gives).`;
    return { ok: false, refusal: { kind: 'invalid', field: FLOW_HEADER, detail } };
  }
  const ipHeader = request.headers[CLIENT_IP_HEADER];
  const clientIp = typeof ipHeader === 'string' ? ipHeader.trim() : undefined;
  if (clientIp !== undefined && !isValidIp(clientIp)) {
    const detail = "X-Tollgate-Client-Ip must be the end user's IPv4 or IPv6 address (e.g. 203.0.113.7).";
    return { ok: false, refusal: { kind: 'invalid', field: CLIENT_IP_HEADER, detail } };
  }
  const endUser = readEndUser(request.headers, hashAccount);
  if (!endUser.ok) return endUser;
  return { ok: true, value: { binding, flow, clientIp, endUser: endUser.value } };
}

/**
 * The device fields a send event keeps. The event contract refuses control characters in a
 * User-Agent, which the decision takes (a tab is legal in a header): such a one is left out of
 * the record rather than the send refused by the collector.
 */
function recordedDevice(endUser: EndUser): CallContext['device'] {
  const { deviceId, userAgent } = endUser;
  return { deviceId, userAgent: userAgent === undefined || hasControlChars(userAgent) ? undefined : userAgent };
}

function forwardedHeaders(request: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}

/** A refusal in the provider's own shape. */
function refuse(reply: FastifyReply, refusal: Refusal, operation: ProviderOperation): FastifyReply {
  const response = refusalResponse(operation, refusal);
  return reply.status(response.status).headers(response.headers).send(response.body);
}

/** The provider's answer untouched (with the decision's header), or its own error shape when it did not answer. */
function answer(
  request: FastifyRequest,
  reply: FastifyReply,
  operation: ProviderOperation,
  outcome: RelayOutcome,
  decision: DecideResult | undefined,
): FastifyReply {
  if (!outcome.ok) {
    request.log.warn(
      { provider: operation.provider, upstream: operation.upstream, failure: outcome.failure, attempts: outcome.attempts },
      'provider did not answer',
    );
    const detail = `${operation.provider} did not answer (${outcome.detail}); nothing is known to have been sent.`;
    return refuse(reply, { kind: 'upstream_failure', failure: outcome.failure, detail }, operation);
  }
  reply.status(outcome.status).headers(outcome.headers);
  if (decision !== undefined) reply.header(DECISION_HEADER, decisionHeader(decision));
  return reply.send(outcome.body);
}
