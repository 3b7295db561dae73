/**
 * The API's codes and measures in words for the people reading the dashboard: at 3 a.m. "Send
 * volume spike in Uzbekistan (+998 901): 450 sends where about 3 were expected" reads, and
 * "450.0x the 0.0 expected" or TG_BREAKER_SCOPE_INVALID does not. The code itself stays in a
 * tooltip for whoever searches the logs.
 */
import type { Incident, IncidentAnomaly, Scope } from './api-types.ts';
import { formatCount, formatDuration, formatMoney, formatPercent } from './format.ts';

const KIND_WORDS: Readonly<Record<string, string>> = {
  volume_spike: 'Send volume spike',
  conversion_drop: 'Verify conversion collapsed',
  cost_spike: 'Cost spike',
  budget_burn: 'Budget burning fast',
  new_destination: 'Sends to a new destination',
  sequential_numbers: 'Sequential numbers being enumerated',
  asn_concentration: 'Sends from hosting networks',
  verify_bruteforce: 'Verify brute force',
  delivery_failure: 'Deliveries failing',
  delivery_latency: 'Deliveries slow',
  billing_mismatch: 'Bill above the estimate',
};

/** "Send volume spike" for `volume_spike`; an unknown kind reads as its words. */
export function kindText(kind: string): string {
  return KIND_WORDS[kind] ?? capitalize(kind.replace(/_/g, ' '));
}

const ROLE_WORDS: Readonly<Record<string, string>> = { viewer: 'viewer', finance: 'finance', oncall: 'on-call', admin: 'admin' };

/** `oncall` as "on-call"; an owner or role name read by people, not the config key. */
export function roleText(role: string | null | undefined): string {
  if (!role) return 'API key';
  return ROLE_WORDS[role] ?? role.replace(/[_-]/g, ' ');
}

/** A country's name in the reader's language ("Uzbekistan"), the code when Intl does not know it. */
export function countryName(code: string, locale: string): string {
  try {
    return new Intl.DisplayNames([locale], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** "Uzbekistan (+998 901), app social, signup": where something happens, as people say it. */
export function placeText(scope: Scope, locale: string): string {
  const where = scope.country ? countryName(scope.country, locale) : undefined;
  const parts = [where && scope.prefix ? `${where} (${scope.prefix})` : (where ?? scope.prefix)];
  if (scope.asn !== undefined) parts.push(`network AS${scope.asn}`);
  if (scope.provider) parts.push(`provider ${scope.provider}`);
  if (scope.app) parts.push(`app ${scope.app}`);
  if (scope.flow) parts.push(`${scope.flow} flow`);
  const said = parts.filter(Boolean);
  return said.length === 0 ? 'all traffic' : said.join(', ');
}

type Measured = Pick<IncidentAnomaly, 'kind' | 'scope' | 'costPerHourUsd'> & { observed?: number; expected?: number; unit?: string };

/** What was measured against what was expected, with units; undefined when the answer carries no measure. */
export function measureText(anomaly: Measured, locale: string): string | undefined {
  const { observed, expected } = anomaly;
  if (observed === undefined || expected === undefined) return undefined;
  const share = (value: number) => formatPercent(value, locale);
  const money = (value: number) => formatMoney(value, locale);
  switch (anomaly.kind) {
    case 'volume_spike': {
      // "sends per 30 min" when the answer says over what span.
      const span = /^sends per (.+)$/.exec(anomaly.unit ?? '')?.[1];
      const sends = `${formatCount(observed, locale)} sends${span ? ` in ${span}` : ''}`;
      return expected < 1
        ? `${sends} where almost none were expected`
        : `${sends} where about ${formatCount(expected, locale)} were expected`;
    }
    case 'conversion_drop':
      return `${share(observed)} of sessions verified, against ${share(expected)} normally`;
    case 'new_destination':
      // Either its conversion collapsed (against the usual) or its sends come from hosting networks (usually none).
      return expected > 0
        ? `${share(observed)} of sessions verified, against ${share(expected)} elsewhere`
        : `${share(observed)} of sends from hosting networks`;
    case 'asn_concentration':
      return `${share(observed)} of sends from hosting networks, against ${share(expected)} usually`;
    case 'delivery_failure':
      return `${share(observed)} of messages failed or undelivered, against ${share(expected)} usually`;
    case 'cost_spike':
      return `${money(observed)} spent where about ${money(expected)} was expected`;
    case 'budget_burn':
      return `${money(observed)} spent this month of a ${money(expected)} budget`;
    case 'billing_mismatch':
      return `billed ${money(observed)} for messages estimated at ${money(expected)}`;
    case 'delivery_latency':
      return `90 % of messages delivered within ${formatDuration(observed, locale)}, against ${formatDuration(expected, locale)} usually`;
    case 'verify_bruteforce':
      return `${formatCount(observed, locale)} wrong codes tried on one session, address or phone (the limit is ${formatCount(expected + 1, locale)})`;
    case 'sequential_numbers':
      return `${formatCount(observed, locale)} different numbers of one number block`;
    default:
      return undefined;
  }
}

/** One anomaly as a sentence: what, where, how far from normal, and the money leaving. */
export function anomalySentence(anomaly: Measured, locale: string): string {
  const measure = measureText(anomaly, locale);
  const cost = anomaly.costPerHourUsd ? `; ${formatMoney(anomaly.costPerHourUsd, locale)} an hour` : '';
  return `${kindText(anomaly.kind)} in ${placeText(anomaly.scope, locale)}${measure ? `: ${measure}` : ''}${cost}.`;
}

/**
 * An incident's headline, from its first anomaly's measures rather than the detector's summary
 * (written for logs), with how many more it groups.
 */
export function incidentHeadline(incident: Pick<Incident, 'title' | 'anomalies'>, locale: string): string {
  const [first, ...rest] = incident.anomalies;
  if (!first) return incident.title;
  const sentence = anomalySentence(first as Measured, locale);
  return rest.length === 0 ? sentence : `${sentence.slice(0, -1)} (and ${rest.length} more finding${rest.length === 1 ? '' : 's'}).`;
}

const ERROR_WORDS: Readonly<Record<string, string>> = {
  TG_AUTH_MISSING: 'You are not signed in.',
  TG_AUTH_INVALID: 'Your session has ended: sign in again.',
  TG_AUTH_SCOPE: 'Your role may not do this.',
  TG_LOGIN_INVALID: 'Unknown user or wrong password.',
  TG_LOGIN_THROTTLED: 'Too many failed sign-ins: wait a few minutes.',
  TG_REQUEST_INVALID: 'The request was refused as invalid.',
  TG_NOT_FOUND: 'It no longer exists.',
  TG_BREAKER_NOT_FOUND: 'That breaker no longer exists.',
  TG_BREAKER_VERSION_CONFLICT: 'Someone changed this breaker a moment ago: look at it again, then retry.',
  TG_BREAKER_INVALID_TRANSITION: 'The breaker is not in a state where this applies.',
  TG_BREAKER_NOT_DUE: 'The breaker is not due for this yet.',
  TG_BREAKER_SCOPE_INVALID: 'The breaker’s scope is not right.',
  TG_BREAKER_SETTING_INVALID: 'A breaker setting is out of range.',
  TG_INCIDENT_CONFLICT: 'The incident changed: this no longer applies.',
  TG_RULES_UNAVAILABLE: 'No valid alert rules are loaded.',
  TG_OVERLOADED: 'Tollgate is busy catching up: retry in a moment.',
  TG_STORE_UNAVAILABLE: 'The store is not answering: retry in a moment.',
  TG_INTERNAL: 'Something broke on the server; it has been logged.',
  TG_API_UNREACHABLE: 'The Tollgate API does not answer.',
  TG_WEB_UNREACHABLE: 'The dashboard did not answer.',
  TG_CSRF: 'Refused: the form must be posted from the dashboard itself.',
};

/** A TG_* code in words; the code stays in the caller's tooltip. */
export function errorText(code: string): string {
  return ERROR_WORDS[code] ?? (code.startsWith('HTTP_') ? `The API answered ${code.slice(5)}.` : 'The request was refused.');
}

/**
 * Providers' delivery error codes, from their public references (the codes the providers put on
 * undelivered and failed receipts).
 */
const PROVIDER_CODES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  twilio: {
    '30001': 'Queue overflow',
    '30002': 'Account suspended',
    '30003': 'Handset unreachable (off or out of coverage)',
    '30004': 'Blocked by the recipient',
    '30005': 'Unknown or inactive number',
    '30006': 'Landline or unreachable carrier',
    '30007': 'Filtered by the carrier as spam',
    '30008': 'Unknown error from the carrier',
  },
  vonage: {
    '1': 'Unknown error from the carrier',
    '2': 'Recipient temporarily absent',
    '3': 'Recipient permanently absent',
    '4': 'Barred by the recipient',
    '5': 'Number ported: routing failed',
    '6': 'Rejected by anti-spam',
    '7': 'Handset busy',
    '8': 'Network error',
    '9': 'Invalid number',
    '11': 'Unroutable',
    '12': 'Destination unreachable',
  },
  sinch: {
    '402': 'Recipient unreachable',
    '405': 'Blocked by the carrier',
    '407': 'Unknown number',
  },
};

/** "Landline or unreachable carrier" for Twilio's 30006; undefined when the code is not in the references. */
export function providerCodeText(provider: string | undefined, code: string): string | undefined {
  if (provider !== undefined) return PROVIDER_CODES[provider.toLowerCase()]?.[code];
  const known = Object.values(PROVIDER_CODES)
    .map((codes) => codes[code])
    .filter((text) => text !== undefined);
  return known.length === 1 ? known[0] : undefined;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const CHANNEL_WORDS: Readonly<Record<string, string>> = { slack: 'Slack', pagerduty: 'PagerDuty', webhook: 'the webhook' };
const EVENT_WORDS: Readonly<Record<string, string>> = {
  trigger: 'alert',
  acknowledge: 'acknowledgement',
  resolve: 'resolution',
  follow_up: 'update',
  escalate: 'escalation page',
  digest: 'digest',
};

/**
 * One line of an incident's timeline as a sentence; `failed` marks a notification that reached
 * nobody, which on-call must not miss.
 */
export function timelineText(entry: { type: string; actor: string; [detail: string]: unknown }): { text: string; failed: boolean } {
  const str = (name: string) => (typeof entry[name] === 'string' ? (entry[name] as string) : '');
  const channel = CHANNEL_WORDS[str('channel')] ?? str('channel');
  const event = EVENT_WORDS[str('event')] ?? str('event');
  const by = entry.actor === 'tollgate' ? '' : ` by ${entry.actor}`;
  switch (entry.type) {
    case 'opened':
      // The findings themselves are described, in words, above the timeline.
      return { text: 'Opened by the detector.', failed: false };
    case 'anomaly_added':
      return { text: 'Another finding joined the incident.', failed: false };
    case 'anomaly_resolved':
      return { text: 'A finding ended: the traffic is back to normal there.', failed: false };
    case 'notified':
      return { text: `${event === 'alert' ? 'Alert' : capitalize(event)} sent to ${channel} ${str('target')}.`, failed: false };
    case 'paged':
      return { text: `Paged through PagerDuty (${str('target')}).`, failed: false };
    case 'notify_failed':
      return {
        text: `${capitalize(event)} to ${channel} ${str('target')} failed${entry.retrying === true ? ' (retrying)' : ''}: ${str('error')}. ${entry.retrying === true ? '' : 'Nobody was reached there.'}`.trim(),
        failed: true,
      };
    case 'escalated':
      return { text: `Escalated to ${str('contact')} (level ${String(entry.level ?? '')}): nobody acknowledged in time.`, failed: false };
    case 'acknowledged':
      return { text: `Acknowledged${by}.`, failed: false };
    case 'note':
      return { text: `Note${by}: ${str('text')}`, failed: false };
    case 'reassigned':
      return { text: `Reassigned from ${str('from')} to ${str('to')}${by}: ${str('reason')}`, failed: false };
    case 'breaker_tripped':
      return { text: `Breaker tripped${by} on ${str('scope')}.`, failed: false };
    case 'breaker_reset':
      return { text: `Breaker reset${by} on ${str('scope')}.`, failed: false };
    case 'resolved':
      return { text: `Resolved${by}: ${str('reason')}`, failed: false };
    default:
      return { text: `${capitalize(entry.type.replace(/_/g, ' '))}${by}.`, failed: false };
  }
}
