/**
 * Twilio's StatusCallback, pointed at Tollgate so delivery receipts of proxied messages reach the
 * delivery views, and passed on to the service's own URL. The service's URL travels in Tollgate's
 * callback URL with a keyed signature: the callback route forwards only to URLs Tollgate itself
 * wrote, so it cannot be used to make Tollgate post anywhere.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Where Twilio posts the receipts of proxied messages. */
export const STATUS_CALLBACK_PATH = '/twilio/status-callback';

export function statusCallbackUrl(deps: { baseUrl: string; key: Buffer }, serviceUrl: string | undefined): string {
  if (serviceUrl === undefined) return `${deps.baseUrl}${STATUS_CALLBACK_PATH}`;
  const query = new URLSearchParams({ to: serviceUrl, sig: sign(deps.key, serviceUrl) });
  return `${deps.baseUrl}${STATUS_CALLBACK_PATH}?${query.toString()}`;
}

/** The service URL a callback is passed on to: undefined when none was set; an error when the signature does not match. */
export function forwardTarget(key: Buffer, query: { to?: string; sig?: string }): { ok: true; url: string | undefined } | { ok: false } {
  if (query.to === undefined && query.sig === undefined) return { ok: true, url: undefined };
  if (query.to === undefined || query.sig === undefined) return { ok: false };
  const expected = Buffer.from(sign(key, query.to));
  const given = Buffer.from(query.sig);
  return expected.length === given.length && timingSafeEqual(expected, given) ? { ok: true, url: query.to } : { ok: false };
}

function sign(key: Buffer, url: string): string {
  // A key of its own, derived from the server's, so a callback signature is useless anywhere else.
  return createHmac('sha256', key).update(`proxy-status-callback\u0000${url}`).digest('base64url');
}
