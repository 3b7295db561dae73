import { planEscalation } from './escalation-plan.ts';
import { recordEscalation } from './incident.ts';
import { destinationKey, type IncidentBook, type Tracked } from './incident-book.ts';
import type { IncidentMessenger } from './incident-messenger.ts';
import type { OutboxLogger } from './notification-outbox.ts';
import { groupFingerprint, planNotification } from './notification-plan.ts';
import { destinationsOf, incidentRouting, type Destination } from './notification-targets.ts';
import type { AlertingConfig } from './rules-config.ts';

/** What a desk tick does for each incident: the notifications and escalations now due. */
export interface DueWork {
  /** Group wait, changes, reminders and resolutions, timed as Alertmanager would; new destinations get the trigger. */
  notifyDue(tracked: Tracked, config: AlertingConfig, now: number): Promise<void>;
  /** Pages the owner's next escalation contact once nobody acknowledged in time. */
  escalateDue(tracked: Tracked, config: AlertingConfig, now: number): Promise<Tracked>;
}

/** The timed half of the desk: what a tick owes each incident, on the conversations the book keeps. */
export function createDueWork(deps: { book: IncidentBook; messenger: IncidentMessenger; logger?: OutboxLogger }): DueWork {
  const { book, messenger } = deps;
  return {
    async notifyDue(tracked, config, now) {
      const { incident } = tracked;
      const routing = incidentRouting(config, incident);
      const conversation = book.conversations.get(incident.id) ?? {
        firstAlertAt: incident.openedAt,
        triggered: new Map<string, Destination>(),
      };
      book.conversations.set(incident.id, conversation);
      if (incident.state === 'resolved') {
        // Resolved before anyone was told (inside group_wait): nothing to take back.
        if (conversation.triggered.size === 0) book.conversations.delete(incident.id);
        else await messenger.announce(incident, 'resolve');
        book.release(incident);
        return;
      }
      const fingerprint = groupFingerprint(incident.anomalies);
      const plan = planNotification({ group: conversation, fingerprint, allResolved: false, timings: routing.timings, nowMs: now });
      if (plan.action === 'notify' && conversation.lastNotifiedAt !== undefined) {
        await messenger.announce(incident, 'follow_up', {
          text: 'Updated: the incident changed since the last message.',
          occurrence: `change-${now}`,
        });
      } else if (plan.action === 'repeat') {
        await messenger.announce(incident, 'follow_up', {
          text: 'Still open and unchanged since the last message.',
          occurrence: `reminder-${now}`,
        });
      }
      // New destinations (a reassignment, a copy once the cost crossed its threshold, a page once the
      // severity reached it) get the trigger as soon as the group has been notified at all.
      const untold = routing.targets.filter((target) => !conversation.triggered.has(destinationKey(target)));
      if (untold.length > 0 && (plan.action === 'notify' || conversation.lastNotifiedAt !== undefined)) {
        await messenger.send(incident, untold, 'trigger');
        messenger.told(conversation, untold);
      }
      if (plan.action === 'notify' || plan.action === 'repeat') {
        conversation.lastNotifiedAt = now;
        conversation.notifiedFingerprint = fingerprint;
      }
    },

    async escalateDue(tracked, config, now) {
      const { incident } = tracked;
      const conversation = book.conversations.get(incident.id);
      if (conversation?.lastNotifiedAt === undefined) return tracked;
      const owner = config.owners.get(incident.owner);
      const plan = planEscalation({
        contacts: owner?.escalation ?? [],
        state: incident.state,
        openedAt: incident.openedAt,
        escalatedLevels: incident.escalatedLevels,
        nowMs: now,
      });
      if (plan.action !== 'escalate') return tracked;
      const escalated = recordEscalation(incident, { contact: plan.contact.name, level: plan.level, nowMs: now });
      const next = await book.save(tracked, escalated);
      const targets = destinationsOf(plan.contact, true);
      await messenger.send(escalated, targets, 'escalate', {
        text: `Escalated to ${plan.contact.name}: ${plan.reason}.`,
        occurrence: plan.level,
      });
      // Whoever was paged hears the acknowledge and the resolve too (a contact's own PagerDuty service closes its incident).
      messenger.told(conversation, targets);
      deps.logger?.info({ incident: incident.id, contact: plan.contact.name, level: plan.level }, 'incident escalated');
      return next;
    },
  };
}
