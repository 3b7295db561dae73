import { createHmac, timingSafeEqual } from 'node:crypto';

/** Receivers refuse signatures older (or further in the future) than this: a replayed request is stale. */
export const DEFAULT_TOLERANCE_S = 300;

export type SignatureCheck = { ok: true } | { ok: false; reason: 'malformed' | 'expired' | 'future' | 'mismatch' };

/**
 * The `Tollgate-Signature` header for a webhook body: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<raw body>">`. Signing the timestamp with the body is what lets receivers refuse replays.
 */
export function signWebhook(secret: string, rawBody: string, nowS: number): string {
  const t = Math.floor(nowS);
  return `t=${t},v1=${hmac(secret, t, rawBody)}`;
}

/**
 * Checks a `Tollgate-Signature` header against the raw body (the bytes received, before any JSON
 * parsing). Several `v1=` entries may be present while a secret rotates; one match is enough.
 */
export function verifyWebhookSignature(input: {
  secret: string;
  header: string | undefined;
  rawBody: string;
  nowS?: number;
  toleranceS?: number;
}): SignatureCheck {
  const parsed = parseHeader(input.header);
  if (!parsed) return { ok: false, reason: 'malformed' };
  const nowS = input.nowS ?? Date.now() / 1000;
  const tolerance = input.toleranceS ?? DEFAULT_TOLERANCE_S;
  if (parsed.t < nowS - tolerance) return { ok: false, reason: 'expired' };
  if (parsed.t > nowS + tolerance) return { ok: false, reason: 'future' };
  const expected = Buffer.from(hmac(input.secret, parsed.t, input.rawBody), 'hex');
  const matches = parsed.signatures.some((signature) => {
    const given = Buffer.from(signature, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? { ok: true } : { ok: false, reason: 'mismatch' };
}

function hmac(secret: string, t: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex');
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

function parseHeader(header: string | undefined): { t: number; signatures: string[] } | undefined {
  if (!header) return undefined;
  let t: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (t !== undefined || !/^\d{1,12}$/.test(value)) return undefined;
      t = Number(value);
    } else if (key === 'v1') {
      if (!HEX_SHA256.test(value)) return undefined;
      signatures.push(value);
    }
  }
  return t === undefined || signatures.length === 0 ? undefined : { t, signatures };
}
