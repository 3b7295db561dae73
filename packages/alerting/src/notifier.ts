import type { Severity } from '@tollgate/vocabulary';
import type { AlertScope } from './alert-input.ts';
import type { Incident, IncidentState, NotificationChannel, NotificationEvent } from './incident.ts';

/** What every notifier renders: an incident as it stands, with the evidence a person acts on. */
export interface IncidentMessage {
  incidentId: string;
  title: string;
  owner: string;
  severity: Severity;
  state: IncidentState;
  kinds: string[];
  /** "country ID · provider twilio · app shop": where the open anomalies are. */
  where: string;
  /** Sum over the open anomalies: the money leaving per hour right now. */
  costPerHourUsd: number;
  /** The breaker's state as a sentence, when one is involved ("blocking country ID since 10:02"). */
  breaker?: string;
  acknowledgedBy?: string;
  /** A follow-up's text (escalation, note, reminder). */
  text?: string;
  evidence: Array<{
    alertId: string;
    kind: string;
    summary: string;
    observed: number;
    expected: number;
    costPerHourUsd: number;
    scope: AlertScope;
  }>;
}

/** One message to one destination; `id` is its idempotency key. */
export interface Notification {
  id: string;
  incidentId: string;
  channel: NotificationChannel;
  /** Slack channel, PagerDuty routing-key variable name (never the key), or webhook URL. */
  target: string;
  event: NotificationEvent;
  message: IncidentMessage;
  /** What an earlier notification to the same target returned (Slack: "channel:ts" of the first message). */
  ref?: string;
}

/** Expected failures are values: the outbox decides whether and when to try again. */
export type NotifyResult = { ok: true; ref?: string } | { ok: false; retry: boolean; error: string; retryAfterMs?: number };

export interface Notifier {
  readonly channel: NotificationChannel;
  send(notification: Notification): Promise<NotifyResult>;
}

/** The incident page on the dashboard, which every notification links to. */
export function incidentUrl(dashboardUrl: string, incidentId: string): string {
  return `${dashboardUrl.replace(/\/+$/, '')}/incidents/${encodeURIComponent(incidentId)}`;
}

/** Renders an incident for notifiers; `breaker` and `text` come from the caller, who knows them. */
export function describeIncident(incident: Incident, extra: { breaker?: string; text?: string } = {}): IncidentMessage {
  const live = incident.anomalies.filter((anomaly) => anomaly.state === 'open');
  const shown = live.length > 0 ? live : incident.anomalies;
  return {
    incidentId: incident.id,
    title: incident.title,
    owner: incident.owner,
    severity: incident.severity,
    state: incident.state,
    kinds: [...new Set(shown.map((anomaly) => anomaly.kind))],
    where: describeWhere(shown.map((anomaly) => anomaly.scope)),
    costPerHourUsd: live.reduce((sum, anomaly) => sum + anomaly.costPerHourUsd, 0),
    ...(extra.breaker === undefined ? {} : { breaker: extra.breaker }),
    ...(incident.acknowledgedBy === undefined ? {} : { acknowledgedBy: incident.acknowledgedBy }),
    ...(extra.text === undefined ? {} : { text: extra.text }),
    evidence: shown.map((anomaly) => ({
      alertId: anomaly.id,
      kind: anomaly.kind,
      summary: anomaly.summary,
      observed: anomaly.observed,
      expected: anomaly.expected,
      costPerHourUsd: anomaly.costPerHourUsd,
      scope: anomaly.scope,
    })),
  };
}

const WHERE_KEYS: ReadonlyArray<keyof AlertScope> = ['country', 'prefix', 'provider', 'asn', 'app', 'flow'];

function describeWhere(scopes: readonly AlertScope[]): string {
  const parts = WHERE_KEYS.flatMap((key) => {
    const values = [...new Set(scopes.flatMap((scope) => (scope[key] === undefined ? [] : [String(scope[key])])))];
    return values.length === 0 ? [] : [`${key} ${values.join(', ')}`];
  });
  return parts.length === 0 ? 'all traffic' : parts.join(' · ');
}
