import type { Keyring, Sessions } from '@tollgate/access';
import type { Store } from '@tollgate/store';

// Keys and sessions created (or revoked) through another instance or the CLI count here within this delay.
export const KEY_RELOAD_MS = 30_000;

/**
 * Keys and sessions created or revoked elsewhere (another node, the CLI) are picked up on a timer.
 * Only a server store has an elsewhere: the embedded engine refuses a second process on its data
 * directory (the CLI's `keys` and `users` need the server stopped), so there every key and
 * session changes through this process, and no timer is started.
 */
export function reloadKeysOnTimer(
  store: Pick<Store, 'config'>,
  access: { keyring: Pick<Keyring, 'reload'>; sessions: Pick<Sessions, 'reload'> },
  logger: { warn(details: object, message: string): void },
): NodeJS.Timeout | undefined {
  if (store.config.kind !== 'server') return undefined;
  const timer = setInterval(
    () =>
      Promise.all([access.keyring.reload(), access.sessions.reload()]).catch((error) =>
        logger.warn({ err: error }, 'key and session reload failed'),
      ),
    KEY_RELOAD_MS,
  );
  timer.unref();
  return timer;
}
