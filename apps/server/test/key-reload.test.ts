/**
 * Keys and sessions are reloaded from the store on a timer only where other processes can change
 * them: a ClickHouse server. The embedded store is this process's alone.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StoreConfig } from '@tollgate/store';
import { KEY_RELOAD_MS, reloadKeysOnTimer } from '../src/key-reload.ts';

const SERVER: StoreConfig = {
  kind: 'server',
  url: 'http://clickhouse.internal:8123',
  username: 'default',
  password: '',
  database: 'tollgate',
};
const EMBEDDED: StoreConfig = { kind: 'embedded', dataDir: '/var/lib/tollgate' };

afterEach(() => vi.useRealTimers());

describe('key and session reload', () => {
  it.each([
    ['a ClickHouse server', SERVER, 2],
    ['the embedded store', EMBEDDED, 0],
  ])('on %s reloads keys and sessions %i times in two periods', async (_, config, reloads) => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const keyring = { reload: vi.fn(async () => {}) };
    const sessions = { reload: vi.fn(async () => {}) };
    const timer = reloadKeysOnTimer({ config }, { keyring, sessions }, { warn: () => {} });
    try {
      expect(timer === undefined).toBe(reloads === 0);
      vi.advanceTimersByTime(2 * KEY_RELOAD_MS);
      expect(keyring.reload).toHaveBeenCalledTimes(reloads);
      expect(sessions.reload).toHaveBeenCalledTimes(reloads);
    } finally {
      clearInterval(timer);
    }
  });

  it('says when a reload fails, and keeps reloading', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const warnings: string[] = [];
    const keyring = { reload: vi.fn(async () => Promise.reject(new Error('store unreachable'))) };
    const sessions = { reload: vi.fn(async () => {}) };
    const timer = reloadKeysOnTimer({ config: SERVER }, { keyring, sessions }, { warn: (_, message) => warnings.push(message) });
    try {
      vi.advanceTimersByTime(2 * KEY_RELOAD_MS);
      await vi.waitFor(() => expect(warnings).toEqual(['key and session reload failed', 'key and session reload failed']));
      expect(keyring.reload).toHaveBeenCalledTimes(2);
    } finally {
      clearInterval(timer);
    }
  });
});
