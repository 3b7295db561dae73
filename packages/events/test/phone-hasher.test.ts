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

  it('depends on the key', () => {
    expect(createHasher(Buffer.alloc(32, 1)).phone('+447400123456')).not.toBe(hasher.phone('+447400123456'));
  });

  it('refuses a key shorter than 32 bytes', () => {
    expect(() => createHasher(Buffer.alloc(16))).toThrow(RangeError);
  });
});
