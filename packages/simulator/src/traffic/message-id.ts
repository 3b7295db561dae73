/**
 * Provider message ids in each provider's own shape, because collectors and dashboards show them
 * and join receipts and billing lines on them. The id embeds the minute, session and attempt, so
 * it is unique within a seed by construction; the rest is seeded noise.
 */
import type { ProviderName } from '../catalog/providers.catalog.ts';
import type { Random } from '../random/prng.ts';
import { intBelow } from '../random/sampling.ts';

export interface MessageIdParts {
  seedHash: number;
  minute: number;
  sessionIndex: number;
  /** 0 for the first send of a session, 1 for the first resend, ... */
  attempt: number;
}

/** Attempts per session fit in one hex digit of the session field. */
const ATTEMPT_SLOTS = 16;
const CROCKFORD_BASE32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

const hex = (value: number, digits: number): string => (value >>> 0).toString(16).padStart(digits, '0').slice(-digits);

function base32(value: number, digits: number): string {
  let out = '';
  let rest = Math.floor(value);
  for (let i = 0; i < digits; i += 1) {
    out = (CROCKFORD_BASE32[rest % 32] ?? '0') + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

export function createMessageId(provider: ProviderName, parts: MessageIdParts, r: Random): string {
  const session = parts.sessionIndex * ATTEMPT_SLOTS + parts.attempt;
  const noise = intBelow(r, 0x1_0000_0000);
  switch (provider) {
    // Twilio MessageSid: "SM" and 32 hex digits.
    case 'twilio':
      return `SM${hex(parts.minute, 8)}${hex(session, 8)}${hex(parts.seedHash, 8)}${hex(noise, 8)}`;
    // Vonage Messages API message_uuid: a version-4 UUID.
    case 'vonage': {
      const tail = `${hex(parts.seedHash, 4)}${hex(session, 8)}`;
      return `${hex(parts.minute, 8)}-${hex(noise, 4)}-4${hex(noise >>> 16, 3)}-a${hex(parts.seedHash >>> 16, 3)}-${tail}`;
    }
    // Sinch batch id: 26 Crockford base32 characters, ULID-like.
    case 'sinch':
      return `01${base32(parts.minute, 6)}${base32(session, 7)}${base32(parts.seedHash, 7)}${base32(noise, 4)}`;
  }
}
