import type { AlertInput } from './alert-input.ts';
import type { Incident, NotificationChannel } from './incident.ts';
import { route, type RouteMatch } from './route-tree.ts';
import { DEFAULT_TIMINGS, type AlertingConfig, type Owner, type RouteTimings } from './rules-config.ts';

/** Where a notification goes. */
export interface Destination {
  channel: NotificationChannel;
  /** Slack channel, PagerDuty routing-key variable name, or webhook URL. */
  target: string;
}

/** One destination an incident is told about, and whose it is. */
export interface NotificationTarget extends Destination {
  /** The owner it belongs to: the incident's owner, or a team copied by a `continue` route. */
  receiver: string;
  /** The incident's own owner (acknowledge, escalation and notes concern them) or a copy. */
  role: 'owner' | 'copy';
}

export interface IncidentRouting {
  targets: NotificationTarget[];
  timings: RouteTimings;
  /** Why the owner is (not) paged, from the route that owns the incident. */
  page: { pages: boolean; reason: string };
}

/**
 * Where an incident is told, under the current rules: its owner's channels (PagerDuty only when a
 * route of the owner pages for one of its open anomalies), and the teams that `continue` routes
 * copy (finance on expensive findings), without PagerDuty unless their route pages. Computed from
 * the incident's anomalies every time, so a rules reload, an escalating severity or a reassignment
 * changes who hears about it next.
 */
export function incidentRouting(config: AlertingConfig, incident: Pick<Incident, 'owner' | 'anomalies'>): IncidentRouting {
  const live = incident.anomalies.filter((anomaly) => anomaly.state === 'open');
  const matches = (live.length > 0 ? live : incident.anomalies).flatMap((alert: AlertInput) => route(config, alert));
  const ownerMatches = matches.filter((match) => !match.continued);
  const paging = ownerMatches.find((match) => match.page.pages);
  const page = paging
    ? { pages: true, reason: paging.page.reason }
    : { pages: false, reason: ownerMatches[0]?.page.reason ?? 'no route of the owner matches' };
  const targets: NotificationTarget[] = [];
  const add = (target: NotificationTarget) => {
    if (!targets.some((known) => known.channel === target.channel && known.target === target.target)) targets.push(target);
  };
  const owner = config.owners.get(incident.owner);
  if (owner !== undefined) for (const target of destinationsOf(owner, page.pages)) add({ ...target, receiver: owner.name, role: 'owner' });
  for (const copy of matches.filter((match) => match.continued && match.receiver !== incident.owner)) {
    for (const target of destinationsOf(copy.owner, copy.page.pages)) add({ ...target, receiver: copy.receiver, role: 'copy' });
  }
  return { targets, timings: timingsOf(ownerMatches, owner), page };
}

/** The channels of an owner or an escalation contact; PagerDuty only when it is to page. */
export function destinationsOf(who: Pick<Owner, 'slack' | 'pagerduty' | 'webhook'>, pages: boolean): Destination[] {
  return [
    ...(who.slack === undefined ? [] : [{ channel: 'slack' as const, target: who.slack }]),
    ...(who.pagerduty === undefined || !pages ? [] : [{ channel: 'pagerduty' as const, target: who.pagerduty.envVar }]),
    ...(who.webhook === undefined ? [] : [{ channel: 'webhook' as const, target: who.webhook }]),
  ];
}

/** The owning route's group timings; a reassigned incident keeps the timings its route gave it. */
function timingsOf(ownerMatches: readonly RouteMatch[], owner: Owner | undefined): RouteTimings {
  const own = ownerMatches.find((match) => match.receiver === owner?.name) ?? ownerMatches[0];
  return own?.timings ?? DEFAULT_TIMINGS;
}
