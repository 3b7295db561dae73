import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventsError, HMAC_KEY_FILE, loadOrCreateHmacKey } from '../src/index.ts';

const KEY = Buffer.alloc(32, 0x2a);

function errorCode(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof EventsError ? error.code : `not an EventsError: ${String(error)}`;
  }
  return undefined;
}

describe('loadOrCreateHmacKey', () => {
  const freshDir = () => mkdtempSync(join(tmpdir(), 'tollgate-hmac-'));

  it.each([
    ['hex', KEY.toString('hex')],
    ['base64', KEY.toString('base64')],
    ['base64url', KEY.toString('base64url')],
    ['hex with surrounding whitespace', `  ${KEY.toString('hex')}\n`],
  ])('takes TOLLGATE_HMAC_KEY in %s', (_name, envKey) => {
    const dataDir = freshDir();
    expect(loadOrCreateHmacKey({ dataDir, envKey })).toEqual(KEY);
    expect(() => statSync(join(dataDir, HMAC_KEY_FILE))).toThrow();
  });

  it.each([
    ['too short', Buffer.alloc(16, 1).toString('hex')],
    ['not hex or base64', 'correct horse battery staple correct horse battery'],
  ])('refuses a TOLLGATE_HMAC_KEY that is %s', (_name, envKey) => {
    expect(errorCode(() => loadOrCreateHmacKey({ dataDir: freshDir(), envKey }))).toBe('TG_HMAC_KEY_INVALID');
  });

  it('generates a 32-byte key into a new data directory, readable by the owner only', () => {
    const dataDir = join(freshDir(), 'nested', 'data');
    const key = loadOrCreateHmacKey({ dataDir });
    expect(key).toHaveLength(32);
    const file = join(dataDir, HMAC_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(key.toString('hex'));
  });

  it('returns the persisted key on the next start, and ignores an empty TOLLGATE_HMAC_KEY', () => {
    const dataDir = freshDir();
    const first = loadOrCreateHmacKey({ dataDir });
    expect(loadOrCreateHmacKey({ dataDir, envKey: '' })).toEqual(first);
  });

  it('refuses a corrupted key file instead of silently replacing it', () => {
    const dataDir = freshDir();
    writeFileSync(join(dataDir, HMAC_KEY_FILE), 'abcd\n');
    expect(errorCode(() => loadOrCreateHmacKey({ dataDir }))).toBe('TG_HMAC_KEY_INVALID');
  });
});
