import { LogLevel, WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebClient, type KnownBlock } from '@slack/web-api';
import { incidentUrl, type IncidentMessage, type Notification, type Notifier, type NotifyResult } from './notifier.ts';

/** Slack answers within seconds; a notifier stuck longer holds up the outbox, so it fails and retries. */
export const SLACK_TIMEOUT_MS = 10_000;

/**
 * Slack errors that no retry fixes: the channel, the token or the message is wrong, and a person
 * has to change the configuration. Anything else (Slack hiccups, network) is retried.
 */
const PERMANENT_SLACK_ERRORS = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'invalid_blocks',
  'msg_too_long',
  'no_text',
  'message_not_found',
  'cant_update_message',
]);

const SEVERITY_MARK = {
  low: ':large_blue_circle:',
  medium: ':large_yellow_circle:',
  high: ':large_orange_circle:',
  critical: ':red_circle:',
} as const;

/**
 * Incident messages in Slack through the official client. The first notification posts a message
 * (its "channel:ts" is the ref the outbox keeps); acknowledge and resolve update that message in
 * place so the channel shows the current state; follow-ups and escalations reply in its thread.
 * The client is told not to retry or wait on rate limits itself: the outbox owns retries.
 */
export function createSlackNotifier(options: { token: string; dashboardUrl: string; slackApiUrl?: string; timeoutMs?: number }): Notifier {
  const client = new WebClient(options.token, {
    ...(options.slackApiUrl === undefined ? {} : { slackApiUrl: options.slackApiUrl }),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.timeoutMs ?? SLACK_TIMEOUT_MS,
    logLevel: LogLevel.ERROR,
  });

  return {
    channel: 'slack',
    async send(notification: Notification): Promise<NotifyResult> {
      const blocks = renderBlocks(notification.message, notification.event, options.dashboardUrl);
      const text = fallbackText(notification.message, notification.event);
      const posted = parseRef(notification.ref);
      try {
        if (posted !== undefined && (notification.event === 'acknowledge' || notification.event === 'resolve')) {
          await client.chat.update({ channel: posted.channel, ts: posted.ts, text, blocks });
          return { ok: true, ref: notification.ref! };
        }
        if (posted !== undefined && (notification.event === 'follow_up' || notification.event === 'escalate')) {
          await client.chat.postMessage({ channel: posted.channel, thread_ts: posted.ts, text, blocks });
          return { ok: true, ref: notification.ref! };
        }
        const result = await client.chat.postMessage({ channel: notification.target, text, blocks });
        return { ok: true, ref: `${result.channel}:${result.ts}` };
      } catch (error) {
        return failure(error);
      }
    },
  };
}

function failure(error: unknown): NotifyResult {
  if (error instanceof WebAPIRateLimitedError) {
    return { ok: false, retry: true, retryAfterMs: error.retryAfter * 1_000, error: `Slack rate limit: retry after ${error.retryAfter} s` };
  }
  if (error instanceof WebAPIPlatformError) {
    const code = error.data.error;
    return { ok: false, retry: !PERMANENT_SLACK_ERRORS.has(code), error: `Slack refused: ${code}` };
  }
  if (error instanceof WebAPIHTTPError) {
    return { ok: false, retry: error.statusCode >= 500, error: `Slack answered HTTP ${error.statusCode}` };
  }
  return { ok: false, retry: true, error: `Slack unreachable: ${(error as Error).message}` };
}

function parseRef(ref: string | undefined): { channel: string; ts: string } | undefined {
  const separator = ref?.indexOf(':') ?? -1;
  if (ref === undefined || separator <= 0) return undefined;
  return { channel: ref.slice(0, separator), ts: ref.slice(separator + 1) };
}

function fallbackText(message: IncidentMessage, event: Notification['event']): string {
  if (event === 'digest') return message.title;
  const state = event === 'trigger' ? message.severity.toUpperCase() : message.state;
  return `[${state}] ${message.title} (${message.where}, $${formatUsd(message.costPerHourUsd)}/h) owner ${message.owner}`;
}

function renderBlocks(message: IncidentMessage, event: Notification['event'], dashboardUrl: string): KnownBlock[] {
  if (event === 'digest') return renderDigest(message, dashboardUrl);
  const url = incidentUrl(dashboardUrl, message.incidentId);
  const headline =
    message.state === 'resolved'
      ? `:white_check_mark: Resolved: ${message.title}`
      : message.state === 'acknowledged'
        ? `:eyes: Acknowledged by ${message.acknowledgedBy ?? 'someone'}: ${message.title}`
        : `${SEVERITY_MARK[message.severity]} ${message.severity.toUpperCase()}: ${message.title}`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: headline.slice(0, 150), emoji: true } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*What*\n${message.kinds.join(', ')}` },
        { type: 'mrkdwn', text: `*Where*\n${message.where}` },
        { type: 'mrkdwn', text: `*Money*\n$${formatUsd(message.costPerHourUsd)} per hour` },
        { type: 'mrkdwn', text: `*Breaker*\n${message.breaker ?? 'none tripped'}` },
        { type: 'mrkdwn', text: `*Owner*\n${message.owner}` },
        { type: 'mrkdwn', text: `*State*\n${message.state}` },
      ],
    },
  ];
  if (message.text !== undefined && (event === 'follow_up' || event === 'escalate')) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: message.text } });
  }
  blocks.push(
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text:
          message.evidence
            .map((e) => `• ${e.summary}`)
            .join('\n')
            .slice(0, 3_000) || 'no evidence',
      },
    },
    {
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open incident' }, url, action_id: 'open_incident' }],
    },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `<${url}|${message.incidentId}>` }] },
  );
  return blocks;
}

/** Finance's daily digest: the title, the text the digest composed, and a link to the spend page. */
function renderDigest(message: IncidentMessage, dashboardUrl: string): KnownBlock[] {
  const url = `${dashboardUrl.replace(/\/+$/, '')}/spend`;
  return [
    { type: 'header', text: { type: 'plain_text', text: message.title.slice(0, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: (message.text ?? '').slice(0, 3_000) } },
    { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open spend' }, url, action_id: 'open_spend' }] },
  ];
}

function formatUsd(amount: number): string {
  return amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}
