import { createHmac } from 'node:crypto';

/**
 * A subscription's signing secret, derived from the server's key and the subscription id rather
 * than stored: secrets never reach a table, and every instance with the key can sign.
 */
export function subscriptionSecret(serverKey: Buffer, subscriptionId: string): string {
  return `whsec_${createHmac('sha256', serverKey).update(`webhook-secret:${subscriptionId}`).digest('hex')}`;
}
