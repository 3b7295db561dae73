import { destinationKey, type Conversation } from './incident-book.ts';
import type { Incident, NotificationEvent } from './incident.ts';
import { notificationKey, type NotificationOutbox, type OutboxLogger } from './notification-outbox.ts';
import type { Destination } from './notification-targets.ts';
import { describeIncident } from './notifier.ts';

/** What a message adds to the incident's description, and which occurrence of its event it is (its idempotency key). */
export interface MessageExtra {
  text?: string;
  occurrence?: string | number;
}

/** Tells destinations about an incident through the persisted outbox. */
export interface IncidentMessenger {
  send(incident: Incident, targets: readonly Destination[], event: NotificationEvent, extra?: MessageExtra): Promise<void>;
  /** Everyone who got the trigger hears about a person's action on the incident. */
  announce(incident: Incident, event: NotificationEvent, extra?: MessageExtra): Promise<void>;
  /** Who has now heard the trigger: later events go to them too. */
  told(conversation: Conversation, targets: readonly Destination[]): void;
}

/** The breaker sentence of the messages: the last trip or reset on the timeline. */
function breakerLine(incident: Incident): string | undefined {
  const last = [...incident.timeline].reverse().find((entry) => entry.type === 'breaker_tripped' || entry.type === 'breaker_reset');
  if (last === undefined || (last.type !== 'breaker_tripped' && last.type !== 'breaker_reset')) return undefined;
  const when = new Date(last.at).toISOString().slice(11, 16);
  return last.type === 'breaker_tripped'
    ? `breaker ${last.breakerId} tripped on ${last.scope} at ${when} UTC`
    : `breaker ${last.breakerId} on ${last.scope} reset at ${when} UTC by ${last.actor}`;
}

/**
 * The desk's voice: describes an incident once per message and enqueues it per destination under
 * an idempotency key, so a replayed trigger is not sent twice; who heard the trigger hears the rest.
 */
export function createIncidentMessenger(deps: {
  outbox: Pick<NotificationOutbox, 'enqueue'>;
  conversations: Map<string, Conversation>;
  logger?: OutboxLogger;
}): IncidentMessenger {
  async function send(incident: Incident, targets: readonly Destination[], event: NotificationEvent, extra: MessageExtra = {}) {
    const message = describeIncident(incident, {
      breaker: breakerLine(incident),
      ...(extra.text === undefined ? {} : { text: extra.text }),
    });
    for (const target of targets) {
      const id = notificationKey({
        incidentId: incident.id,
        channel: target.channel,
        target: target.target,
        event,
        occurrence: extra.occurrence,
      });
      const result = await deps.outbox.enqueue({
        id,
        incidentId: incident.id,
        channel: target.channel,
        target: target.target,
        event,
        message,
      });
      if (!result.enqueued) deps.logger?.info({ notification: id, reason: result.reason }, 'notification not enqueued again');
    }
  }

  return {
    send,

    async announce(incident, event, extra = {}) {
      const conversation = deps.conversations.get(incident.id);
      if (conversation === undefined || conversation.triggered.size === 0) return;
      const targets = [...conversation.triggered.values()];
      // PagerDuty has nothing to do with notes: they are Slack thread replies and webhook events.
      await send(incident, event === 'follow_up' ? targets.filter((target) => target.channel !== 'pagerduty') : targets, event, extra);
      if (event === 'resolve') deps.conversations.delete(incident.id);
    },

    told(conversation, targets) {
      for (const target of targets) conversation.triggered.set(destinationKey(target), target);
    },
  };
}
