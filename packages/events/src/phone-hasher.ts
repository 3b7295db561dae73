import { createHmac } from 'node:crypto';

/**
 * Keyed hashes of phone numbers and number blocks. Raw numbers are never stored: a plain hash of a
 * phone number is reversible by enumerating the ~10^10 numbers of a country, an HMAC with a secret
 * key is not. Each kind of value gets its own sub-key (HMAC of a label under the master key), so a
 * phone hash and a block hash of the same string differ and cannot be joined by accident.
 */
export interface Hasher {
  /** Hex HMAC-SHA256 of an E.164 number. */
  phone(e164: string): string;
  /** Hex HMAC-SHA256 of a number block (E.164 minus its last digits, see phone-number.ts). */
  block(block: string): string;
}

/** Labels for sub-key derivation; changing one re-keys every stored hash of that kind. */
const PHONE_KEY_LABEL = 'tollgate/phone/v1';
const BLOCK_KEY_LABEL = 'tollgate/block/v1';

/** HMAC-SHA256 keys shorter than the 32-byte digest weaken it (RFC 2104, section 3). */
export const MIN_HMAC_KEY_BYTES = 32;

export function createHasher(key: Buffer): Hasher {
  if (key.length < MIN_HMAC_KEY_BYTES) {
    throw new RangeError(`HMAC key must be at least ${MIN_HMAC_KEY_BYTES} bytes, got ${key.length}`);
  }
  const phoneKey = createHmac('sha256', key).update(PHONE_KEY_LABEL).digest();
  const blockKey = createHmac('sha256', key).update(BLOCK_KEY_LABEL).digest();
  return {
    phone: (e164) => createHmac('sha256', phoneKey).update(e164).digest('hex'),
    block: (block) => createHmac('sha256', blockKey).update(block).digest('hex'),
  };
}
