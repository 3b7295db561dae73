import { signWebhook } from '@tollgate/client';
import { EgressRefusedError, type EgressGuard } from '@tollgate/egress';
import type { Notification, Notifier, NotifyResult } from './notifier.ts';
import { incidentUrl } from './notifier.ts';

/** Same budget as breaker webhooks: a receiver slower than this is retried, not waited on. */
export const WEBHOOK_TIMEOUT_MS = 5_000;

/**
 * Incident events as signed JSON to an owner's own endpoint (a ticketing bridge, a chat bot).
 * Signed exactly like breaker webhooks (`Tollgate-Signature`, `signWebhook` from @tollgate/client),
 * so a receiver verifies both with `verifyWebhookSignature`. The notification id goes along as
 * `Idempotency-Key`: a retried delivery can be recognised. Every post goes through the egress
 * guard: an owner's URL that is, or resolves to, an internal address is refused, not retried.
 */
export function createWebhookNotifier(options: {
  secret: string;
  dashboardUrl: string;
  clock: () => number;
  egress: EgressGuard;
  timeoutMs?: number;
}): Notifier {
  const send = options.egress.fetch;
  return {
    channel: 'webhook',
    async send(notification: Notification): Promise<NotifyResult> {
      const body = JSON.stringify({
        id: notification.id,
        type: `incident.${notification.event}`,
        created_at: options.clock(),
        url: incidentUrl(options.dashboardUrl, notification.incidentId),
        incident: notification.message,
      });
      try {
        const response = await send(notification.target, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Tollgate-Alerting/1',
            'idempotency-key': notification.id,
            'tollgate-signature': signWebhook(options.secret, body, Math.floor(options.clock() / 1000)),
          },
          body,
          signal: AbortSignal.timeout(options.timeoutMs ?? WEBHOOK_TIMEOUT_MS),
          redirect: 'manual',
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) return { ok: true };
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), options.clock());
        return {
          ok: false,
          retry: response.status === 429 || response.status >= 500,
          error: `receiver answered ${response.status}`,
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        };
      } catch (error) {
        if (error instanceof EgressRefusedError) return { ok: false, retry: false, error: `refused: ${error.message}` };
        return {
          ok: false,
          retry: true,
          error: (error as Error).name === 'TimeoutError' ? 'receiver did not answer in time' : (error as Error).message,
        };
      }
    },
  };
}

/** Retry-After as seconds or an HTTP date (RFC 9110 10.2.3). */
function parseRetryAfter(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1_000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
