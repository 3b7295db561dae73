/**
 * Twilio's StatusCallback, pointed at Tollgate so delivery receipts of proxied messages reach the
 * delivery views, and passed on to the service's own URL. Tollgate's callback URL carries a keyed
 * signature over the account and the service's URL: the callback route stores receipts only from
 * URLs Tollgate wrote for that account, and forwards only to URLs Tollgate itself wrote, so it can
 * neither be fed made-up receipts nor be used to make Tollgate post anywhere.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Where Twilio posts the receipts of proxied messages. */
export const STATUS_CALLBACK_PATH = '/twilio/status-callback';

export function statusCallbackUrl(deps: { baseUrl: string; key: Buffer }, accountSid: string, serviceUrl: string | undefined): string {
  const query = new URLSearchParams({
    ...(serviceUrl !== undefined && { to: serviceUrl }),
    sig: sign(deps.key, accountSid, serviceUrl ?? ''),
  });
  return `${deps.baseUrl}${STATUS_CALLBACK_PATH}?${query.toString()}`;
}

/**
 * Whether a callback came through a URL Tollgate wrote for the account it names, and the service
 * URL to pass it on to (undefined when the service set none).
 */
export function forwardTarget(
  key: Buffer,
  accountSid: string | undefined,
  query: { to?: string; sig?: string },
): { ok: true; url: string | undefined } | { ok: false } {
  if (query.sig === undefined || accountSid === undefined) return { ok: false };
  const expected = Buffer.from(sign(key, accountSid, query.to ?? ''));
  const given = Buffer.from(query.sig);
  return expected.length === given.length && timingSafeEqual(expected, given) ? { ok: true, url: query.to } : { ok: false };
}

function sign(key: Buffer, accountSid: string, url: string): string {
  // A purpose prefix keeps these signatures useless anywhere else the server's key signs.
  return createHmac('sha256', key).update(`proxy-status-callback\u0000${accountSid}\u0000${url}`).digest('base64url');
}
