import * as crypto from 'node:crypto';
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
  return { phone: hmacSha256Hex(phoneKey), block: hmacSha256Hex(blockKey) };
}

const SHA256_BLOCK_BYTES = 64;
const SHA256_BYTES = 32;
/** Messages up to this many bytes take the one-shot path; a phone number or a block is a few dozen at most. */
const MAX_FAST_MESSAGE_BYTES = 256;
// One-shot hashing arrived in Node 20.12; older Node 20 releases take createHmac.
const oneShotHash = (crypto as { hash?: typeof crypto.hash }).hash;

/**
 * Hex HMAC-SHA256 (RFC 2104) under one fixed key of at most a block: H((K ^ opad) || H((K ^ ipad) || m)),
 * with both padded keys prepared once and two one-shot hashes per call. `createHmac` builds a key,
 * a context and its buffers on every call, which cost a decision more than the hashing does.
 * The output is createHmac's, byte for byte (phone-hasher.test.ts).
 */
function hmacSha256Hex(key: Buffer): (text: string) => string {
  const slow = (text: string) => createHmac('sha256', key).update(text).digest('hex');
  if (oneShotHash === undefined || key.length > SHA256_BLOCK_BYTES) return slow;
  const inner = Buffer.alloc(SHA256_BLOCK_BYTES + MAX_FAST_MESSAGE_BYTES, 0x36);
  const outer = Buffer.alloc(SHA256_BLOCK_BYTES + SHA256_BYTES, 0x5c);
  for (let i = 0; i < key.length; i++) {
    inner[i]! ^= key[i]!;
    outer[i]! ^= key[i]!;
  }
  return (text) => {
    // A UTF-16 unit takes at most 3 bytes of UTF-8: shorter texts surely fit the buffer.
    if (text.length * 3 > MAX_FAST_MESSAGE_BYTES) return slow(text);
    const length = inner.write(text, SHA256_BLOCK_BYTES, 'utf8');
    // The inner digest travels as a binary (latin1) string, one char per byte: a Buffer made per call costs more than the copy.
    outer.write(oneShotHash('sha256', inner.subarray(0, SHA256_BLOCK_BYTES + length), 'binary'), SHA256_BLOCK_BYTES, 'binary');
    return oneShotHash('sha256', outer, 'hex');
  };
}
