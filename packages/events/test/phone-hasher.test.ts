import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createHasher } from '../src/index.ts';

const KEY = Buffer.alloc(32, 0x2a);
const HEX_64 = /^[0-9a-f]{64}$/;

describe('createHasher', () => {
  const hasher = createHasher(KEY);

  it.each([
    ['phone', (value: string) => hasher.phone(value)],
    ['block', (value: string) => hasher.block(value)],
  ])('gives a stable hex HMAC-SHA256 for a %s', (_name, hash) => {
    expect(hash('+447400123456')).toMatch(HEX_64);
    expect(hash('+447400123456')).toBe(hash('+447400123456'));
    expect(hash('+447400123456')).not.toBe(hash('+447400123457'));
  });

  it('separates domains: a phone hash and a block hash of one string differ', () => {
    expect(hasher.phone('+447400123')).not.toBe(hasher.block('+447400123'));
  });

  it.each([
    ['an E.164 number', '+447400123456'],
    ['an empty string', ''],
    ['non-ASCII text', 'é☎'.repeat(20)],
    ['a text longer than the fast path takes', '9'.repeat(300)],
  ])('equals createHmac under the derived sub-key for %s', (_name, text) => {
    const phoneKey = createHmac('sha256', KEY).update('tollgate/phone/v1').digest();
    const blockKey = createHmac('sha256', KEY).update('tollgate/block/v1').digest();
    expect(hasher.phone(text)).toBe(createHmac('sha256', phoneKey).update(text).digest('hex'));
    expect(hasher.block(text)).toBe(createHmac('sha256', blockKey).update(text).digest('hex'));
  });

  it('depends on the key', () => {
    expect(createHasher(Buffer.alloc(32, 1)).phone('+447400123456')).not.toBe(hasher.phone('+447400123456'));
  });

  it('refuses a key shorter than 32 bytes', () => {
    expect(() => createHasher(Buffer.alloc(16))).toThrow(RangeError);
  });
});
