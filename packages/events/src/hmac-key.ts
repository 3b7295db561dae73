import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventsError } from './events-error.ts';
import { MIN_HMAC_KEY_BYTES } from './phone-hasher.ts';

export const HMAC_KEY_FILE = 'hmac.key';

export interface HmacKeySource {
  /** Where a generated key is kept: `<dataDir>/hmac.key`. */
  dataDir: string;
  /** The value of TOLLGATE_HMAC_KEY, if set (hex or base64); an empty string counts as unset. */
  envKey?: string | undefined;
}

/**
 * The key behind every phone and block hash. Losing it makes stored hashes unmatchable with new
 * ones (baselines restart), so a generated key is persisted next to the data it protects; an
 * operator who runs several servers against one ClickHouse sets TOLLGATE_HMAC_KEY on all of them.
 */
export function loadOrCreateHmacKey({ dataDir, envKey }: HmacKeySource): Buffer {
  if (envKey !== undefined && envKey.trim() !== '') {
    return decodeKey(envKey, 'TOLLGATE_HMAC_KEY');
  }
  const path = join(dataDir, HMAC_KEY_FILE);
  const existing = readKeyFile(path);
  if (existing !== undefined) return decodeKey(existing, path);

  const key = randomBytes(MIN_HMAC_KEY_BYTES);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // 'wx' fails if another process created the file since we looked: its key wins, read it.
    writeFileSync(path, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    // The mode passed to open() is filtered by the umask; set it explicitly.
    chmodSync(path, 0o600);
    return key;
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return decodeKey(readKeyFile(path) ?? '', path);
    throw new EventsError('TG_HMAC_KEY_IO', `cannot write the HMAC key to ${path}: ${String(error)}`, { cause: error });
  }
}

function readKeyFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw new EventsError('TG_HMAC_KEY_IO', `cannot read the HMAC key file ${path}: ${String(error)}`, { cause: error });
  }
}

const HEX_KEY = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]+={0,2}$/;

function decodeKey(text: string, origin: string): Buffer {
  const trimmed = text.trim();
  // Hex is tried first: a hex string is also valid base64 and would decode to different bytes.
  const key = HEX_KEY.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : BASE64_KEY.test(trimmed)
      ? Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64')
      : undefined;
  if (key === undefined || key.length < MIN_HMAC_KEY_BYTES) {
    throw new EventsError(
      'TG_HMAC_KEY_INVALID',
      `${origin}: expected a hex or base64 key of at least ${MIN_HMAC_KEY_BYTES} bytes` +
        ` (generate one with \`openssl rand -hex 32\`)${key === undefined ? '' : `, got ${key.length} bytes`}`,
    );
  }
  return key;
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
