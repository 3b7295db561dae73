/**
 * Provider message ids in each provider's own shape, because collectors and dashboards show them
 * and join receipts and billing lines on them. The id embeds the minute, session and attempt, so
 * it is unique within the traffic of one random seed by construction; the rest is seeded noise.
 */
import type { ProviderName } from '../catalog/providers.catalog.ts';
import type { Random } from '../random/prng.ts';
import { intBelow } from '../random/sampling.ts';
import { createFlatIdWriter } from '../format/flat-id-writer.ts';

export interface MessageIdParts {
  seedHash: number;
  minute: number;
  sessionIndex: number;
  /** 0 for the first send of a session, 1 for the first resend, ... */
  attempt: number;
}

/** Attempts per session fit in one hex digit of the session field. */
const ATTEMPT_SLOTS = 16;
const UINT32_RANGE = 0x1_0000_0000;
const HIGH_HALF_SHIFT = 16;

/** Generation is synchronous and single-threaded: one writer serves every id. */
const writer = createFlatIdWriter();

export function createMessageId(provider: ProviderName, parts: MessageIdParts, r: Random): string {
  const session = parts.sessionIndex * ATTEMPT_SLOTS + parts.attempt;
  const noise = intBelow(r, UINT32_RANGE);
  switch (provider) {
    // Twilio MessageSid: "SM" and 32 hex digits.
    case 'twilio':
      return writer.text('SM').hex(parts.minute, 8).hex(session, 8).hex(parts.seedHash, 8).hex(noise, 8).done();
    // Vonage Messages API message_uuid: a version-4 UUID (version nibble 4, variant nibble a).
    case 'vonage':
      return writer
        .hex(parts.minute, 8)
        .text('-')
        .hex(noise, 4)
        .text('-4')
        .hex(noise >>> HIGH_HALF_SHIFT, 3)
        .text('-a')
        .hex(parts.seedHash >>> HIGH_HALF_SHIFT, 3)
        .text('-')
        .hex(parts.seedHash, 4)
        .hex(session, 8)
        .done();
    // Sinch batch id: 26 Crockford base-32 characters, ULID-like.
    case 'sinch':
      return writer.text('01').base32(parts.minute, 6).base32(session, 7).base32(parts.seedHash, 7).base32(noise, 4).done();
  }
}
