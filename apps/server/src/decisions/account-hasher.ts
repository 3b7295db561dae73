import { createHmac } from 'node:crypto';

/**
 * The label of the account sub-key, derived from the server's HMAC key the way the events
 * package derives its phone and block sub-keys, so an account hash never equals a phone hash of
 * the same string. Changing it forgets every account counter.
 */
const ACCOUNT_KEY_LABEL = 'tollgate/account/v1';

/**
 * Keyed hashes of the services' account ids: account limits count them, and like phones they
 * must not be recoverable from memory dumps or logs.
 */
export function createAccountHasher(key: Buffer): (accountId: string) => string {
  const accountKey = createHmac('sha256', key).update(ACCOUNT_KEY_LABEL).digest();
  return (accountId) => createHmac('sha256', accountKey).update(accountId).digest('hex');
}
