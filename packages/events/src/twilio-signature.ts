import { createHmac, timingSafeEqual } from 'node:crypto';

export interface TwilioSignatureCheck {
  /** The Twilio account's auth token: the HMAC key. */
  authToken: string;
  /** The full URL Twilio requested, scheme, host, path and query string exactly as configured in Twilio. */
  url: string;
  /** The POST form fields as received (for GET callbacks, pass {}: the query is already in `url`). */
  params: Readonly<Record<string, string>>;
  /** The X-Twilio-Signature header. */
  signature: string;
}

/**
 * Twilio's request validation: base64(HMAC-SHA1(authToken, url + each POST field name and value,
 * sorted by name)). Without it anyone who finds the callback URL can forge receipts and make
 * delivery look healthy during an attack. Compared in constant time so the signature cannot be
 * guessed byte by byte from response times.
 */
export function verifyTwilioSignature({ authToken, url, params, signature }: TwilioSignatureCheck): boolean {
  // Sorted by UTF-16 code units, like Twilio's own libraries (not locale order).
  const payload = Object.keys(params)
    .sort()
    .reduce((text, name) => text + name + params[name], url);
  const expected = Buffer.from(createHmac('sha1', authToken).update(payload, 'utf8').digest('base64'));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
