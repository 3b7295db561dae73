/**
 * The events a proxied call leaves behind, in the collectors' wire form: what a service would
 * have sent to /v1/events itself. A relayed create is a send (its session the verification SID or
 * request id, its message id the provider's so receipts and bills find it), a check a verify with
 * its outcome, and a provider that did not answer a failed send with a failed receipt, which is
 * what the delivery views and the delivery_failure detector count.
 */
import type { Channel } from '@tollgate/events';
import type { ProviderOperation, ProxyProvider } from './provider-operation.ts';
import type { RelayOutcome } from './upstream-relay.ts';

/**
 * The unspecified address (RFC 1122) stands in for an end user whose address the service did not
 * give: it belongs to no network, so it neither lands proxied traffic on the service's own (often
 * a hosting) ASN nor pools it under one real address.
 */
export const UNKNOWN_CLIENT_IP = '0.0.0.0';

export interface CallContext {
  /** Unique per proxied call: the events' ids derive from it, so recording twice counts once. */
  callId: string;
  nowMs: number;
  app: string;
  flow: string;
  provider: ProxyProvider;
  channel: Channel;
  /** E.164, as normalized for the decision (a Vonage check names no number). */
  phone: string | undefined;
  /** The verification a check names in its request (Vonage's request id in the path). */
  sessionId: string | undefined;
  /** The end user's address (X-Tollgate-Client-Ip), when the service gave it. */
  clientIp: string | undefined;
  /** The end user's device and User-Agent (X-Tollgate-Device-Id, X-Tollgate-User-Agent), as a service's own send event carries them. */
  device: { deviceId: string | undefined; userAgent: string | undefined };
  /** The rate card's price for the provider and country, when one is imported. */
  costUsd: number | undefined;
}

export interface RelayedEvents {
  send?: Record<string, unknown>;
  verify?: Record<string, unknown>;
  receipt?: Record<string, unknown>;
}

/** What the provider's answer says was sent (or checked). */
interface Accepted {
  sessionId: string;
  messageId: string;
  /** The provider's own price, when its answer carries one (Vonage SMS). */
  priceUsd?: number;
}

export function relayedEvents(operation: ProviderOperation, ctx: CallContext, outcome: RelayOutcome): RelayedEvents {
  if (operation.kind === 'fetch') return {};
  if (!outcome.ok) return failed(ctx, outcome.failure);
  const json = parseJson(outcome.body);
  if (operation.kind === 'check') {
    const verify = checkOutcome(operation, outcome.status, json, ctx.sessionId);
    return verify === undefined ? {} : { verify: verifyEvent(ctx, verify) };
  }
  if (outcome.status >= 500) return failed(ctx, providerErrorCode(json) ?? `http_${outcome.status}`);
  const accepted = outcome.status < 300 ? acceptedSend(operation, json) : undefined;
  // A 4xx is the provider refusing the request itself (bad number, permissions): nothing was sent.
  if (accepted === undefined) return {};
  return { send: sendEvent(ctx, accepted.sessionId, accepted.messageId, 'accepted', ctx.costUsd ?? accepted.priceUsd ?? 0) };
}

/**
 * A send event, built field by field: every relayed create makes one on the event loop, where
 * spreading partial objects into it cost more than the rest of the record.
 */
function sendEvent(
  ctx: CallContext,
  sessionId: string,
  messageId: string,
  status: 'accepted' | 'failed',
  cost: number,
): Record<string, unknown> {
  const event: Record<string, unknown> = {
    event_id: `proxy-${ctx.callId}`,
    ts: ctx.nowMs,
    app: ctx.app,
    flow: ctx.flow,
    phone: ctx.phone,
    ip: ctx.clientIp ?? UNKNOWN_CLIENT_IP,
    channel: ctx.channel,
    provider: ctx.provider,
    currency: 'USD',
    session_id: sessionId,
    message_id: messageId,
    status,
    cost,
  };
  if (ctx.device.deviceId !== undefined) event.device_id = ctx.device.deviceId;
  if (ctx.device.userAgent !== undefined) event.user_agent = ctx.device.userAgent;
  return event;
}

function failed(ctx: CallContext, errorCode: string): RelayedEvents {
  // No provider id exists: the call's own id links the failed send and its receipt.
  const messageId = `tollgate-${ctx.callId}`;
  return {
    send: sendEvent(ctx, messageId, messageId, 'failed', 0),
    receipt: {
      event_id: `proxy-${ctx.callId}-receipt`,
      ts: ctx.nowMs,
      provider: ctx.provider,
      message_id: messageId,
      status: 'failed',
      error_code: errorCode,
    },
  };
}

function verifyEvent(ctx: CallContext, check: { sessionId: string; success: boolean }): Record<string, unknown> {
  return {
    event_id: `proxy-${ctx.callId}`,
    ts: ctx.nowMs,
    app: ctx.app,
    session_id: check.sessionId,
    ...(ctx.phone !== undefined && { phone: ctx.phone }),
    ...(ctx.clientIp !== undefined && { ip: ctx.clientIp }),
    success: check.success,
  };
}

function acceptedSend(operation: ProviderOperation, json: Record<string, unknown> | undefined): Accepted | undefined {
  if (json === undefined) return undefined;
  switch (operation.id) {
    case 'twilio_verification': {
      const sid = str(json.sid);
      if (sid === undefined) return undefined;
      // Verify sends each code as an attempt with its own SID; the latest is this send's message.
      const attempts = Array.isArray(json.send_code_attempts) ? (json.send_code_attempts as Record<string, unknown>[]) : [];
      return { sessionId: sid, messageId: str(attempts.at(-1)?.attempt_sid) ?? sid };
    }
    case 'twilio_message': {
      const sid = str(json.sid);
      return sid === undefined ? undefined : { sessionId: sid, messageId: sid };
    }
    case 'vonage_verify_request': {
      const id = str(json.request_id);
      return id === undefined ? undefined : { sessionId: id, messageId: id };
    }
    case 'vonage_sms': {
      const first = Array.isArray(json.messages) ? (json.messages[0] as Record<string, unknown> | undefined) : undefined;
      const id = str(first?.['message-id']);
      if (id === undefined || str(first?.status) !== '0') return undefined;
      const price = Number(first?.['message-price']);
      return { sessionId: id, messageId: id, ...(Number.isFinite(price) && price > 0 && { priceUsd: price }) };
    }
    default:
      return undefined;
  }
}

/** Twilio answers a check 200 with `status: approved` or `pending`; Vonage 200 for a right code and 400 for a wrong one. */
function checkOutcome(
  operation: ProviderOperation,
  status: number,
  json: Record<string, unknown> | undefined,
  named: string | undefined,
): { sessionId: string; success: boolean } | undefined {
  if (operation.id === 'twilio_verification_check') {
    const sid = str(json?.sid) ?? named;
    return status === 200 && sid !== undefined ? { sessionId: sid, success: json?.status === 'approved' } : undefined;
  }
  if (named === undefined) return undefined;
  if (status === 200) return { sessionId: named, success: json?.status === 'completed' };
  return status === 400 ? { sessionId: named, success: false } : undefined;
}

function providerErrorCode(json: Record<string, unknown> | undefined): string | undefined {
  const code = json?.code;
  return typeof code === 'number' || typeof code === 'string' ? String(code) : undefined;
}

function parseJson(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
