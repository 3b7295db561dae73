import type { Agent } from 'node:https';
import { event } from '@pagerduty/pdjs';
import type { Severity } from '@tollgate/vocabulary';
import { incidentUrl, type Notification, type Notifier, type NotifyResult } from './notifier.ts';

/** PagerDuty's Events API host; tests and proxies point `server` elsewhere. */
export const PAGERDUTY_EVENTS_SERVER = 'events.pagerduty.com';
export const PAGERDUTY_TIMEOUT_MS = 10_000;
/**
 * pdjs answers a 429 by retrying three times on its own after this pause; kept short so a rate
 * limited call returns to the outbox quickly, whose backoff then does the waiting.
 */
const PDJS_RATE_LIMIT_PAUSE_MS = 1_000;

/** The Events API v2 body; pdjs types it but does not export the type from its entry point. */
type EventPayloadV2 = Parameters<typeof event>[0]['data'];

/** Events API v2 has four severities; ours map onto them mildest to worst. */
const PD_SEVERITY: Record<Severity, EventPayloadV2['payload']['severity']> = {
  low: 'info',
  medium: 'warning',
  high: 'error',
  critical: 'critical',
};

/**
 * Pages through PagerDuty's Events API v2 with the official pdjs client. The dedup key is the
 * incident id, so trigger, acknowledge and resolve act on one PagerDuty incident and a trigger
 * sent twice never pages twice. The notification carries the routing key's variable name; the key
 * itself is looked up at send time and never stored.
 */
export function createPagerDutyNotifier(options: {
  routingKeyFor: (envVar: string) => string | undefined;
  dashboardUrl: string;
  /** host[:port] of the Events API, without scheme (pdjs always speaks https). */
  server?: string;
  /** For an Events API endpoint behind a private CA (tests, an egress proxy). */
  agent?: Agent;
  timeoutMs?: number;
  source?: string;
}): Notifier {
  return {
    channel: 'pagerduty',
    async send(notification: Notification): Promise<NotifyResult> {
      const routingKey = options.routingKeyFor(notification.target);
      if (routingKey === undefined || routingKey === '') {
        return { ok: false, retry: false, error: `environment variable ${notification.target} (the PagerDuty routing key) is not set` };
      }
      const { message } = notification;
      const url = incidentUrl(options.dashboardUrl, message.incidentId);
      const action = notification.event === 'acknowledge' || notification.event === 'resolve' ? notification.event : 'trigger';
      const data: EventPayloadV2 = {
        routing_key: routingKey,
        event_action: action,
        dedup_key: message.incidentId,
        payload: {
          summary: `${message.title} (${message.where}, $${message.costPerHourUsd.toFixed(2)}/h)`.slice(0, 1024),
          source: options.source ?? 'tollgate',
          severity: PD_SEVERITY[message.severity],
          component: message.kinds.join(','),
          group: message.owner,
          class: message.kinds[0] ?? 'anomaly',
          custom_details: {
            owner: message.owner,
            where: message.where,
            cost_per_hour_usd: message.costPerHourUsd,
            breaker: message.breaker ?? 'none tripped',
            ...(message.text === undefined ? {} : { note: message.text }),
            evidence: message.evidence,
          },
        },
        links: [{ href: url, text: 'Tollgate incident' }],
      };
      try {
        const response = await event({
          data,
          server: options.server ?? PAGERDUTY_EVENTS_SERVER,
          // pdjs's own request timer only delays process exit; the abort signal is the real timeout.
          requestTimeout: 0,
          retryTimeout: PDJS_RATE_LIMIT_PAUSE_MS,
          signal: AbortSignal.timeout(options.timeoutMs ?? PAGERDUTY_TIMEOUT_MS),
          ...(options.agent === undefined ? {} : ({ agent: options.agent } as object)),
        });
        if (response.status === 202 || response.status === 200) return { ok: true };
        const detail = typeof response.data === 'object' && response.data !== null ? JSON.stringify(response.data).slice(0, 300) : '';
        return {
          ok: false,
          retry: response.status === 429 || response.status >= 500,
          error: `PagerDuty answered ${response.status} ${detail}`.trim(),
        };
      } catch (error) {
        return { ok: false, retry: true, error: `PagerDuty unreachable: ${(error as Error).message}` };
      }
    },
  };
}
