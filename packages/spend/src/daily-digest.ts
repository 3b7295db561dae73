import { composeSpendDigest, type AlertingConfig, type NotificationOutbox } from '@tollgate/alerting';
import type { Budget } from '@tollgate/detector';
import { listIncidents, scopeSpend, type Store } from '@tollgate/store';
import { spendReport } from './spend-report.ts';

const DAY_MS = 86_400_000;
/** The digest compares the day with the daily average of the week before it. */
const WEEK_DAYS = 7;
/** Incidents of one day named in the digest: far more than a day ever opens. */
const MAX_DIGEST_INCIDENTS = 1_000;

/** Finance's digest of the UTC day starting at `dayStartMs`, enqueued to every finance owner's Slack channel: how many were. */
export async function sendDailyDigest(deps: {
  store: Store;
  outbox: NotificationOutbox;
  config: AlertingConfig | undefined;
  budgets: readonly Budget[];
  dayStartMs: number;
}): Promise<number> {
  const { store, outbox, config, dayStartMs } = deps;
  const channels = [...(config?.owners.values() ?? [])]
    .filter((owner) => owner.role === 'finance' && owner.slack !== undefined)
    .map((owner) => owner.slack!);
  if (channels.length === 0) return 0;
  const dayEndMs = dayStartMs + DAY_MS;
  const day = new Date(dayStartMs).toISOString().slice(0, 10);
  const report = await spendReport(store, { fromMs: dayStartMs, toMs: dayEndMs, nowMs: dayEndMs, budgets: deps.budgets });
  const [[weekUsd = 0] = []] = await scopeSpend(store, { sinceMs: [dayStartMs - WEEK_DAYS * DAY_MS], toMs: dayStartMs, scopes: [{}] });
  const incidents = await listIncidents(store, { fromMs: dayStartMs, toMs: dayEndMs, limit: MAX_DIGEST_INCIDENTS });
  const digest = composeSpendDigest({
    day,
    totalUsd: report.totalUsd,
    billedUsd: report.billedUsd,
    sends: report.sends,
    previousDailyUsd: weekUsd / WEEK_DAYS,
    byCountry: report.byCountry,
    byProvider: report.byProvider,
    byApp: report.byApp,
    month: report.month,
    incidents: incidents.map((incident) => ({
      id: incident.id,
      title: incident.title,
      spendUsd: incident.spend_usd,
      preventedUsd: incident.prevented_usd,
    })),
  });
  let enqueued = 0;
  for (const channel of channels) {
    const result = await outbox.enqueue({
      id: `digest:${day}:slack:${channel}`,
      incidentId: `digest-${day}`,
      channel: 'slack',
      target: channel,
      event: 'digest',
      message: {
        incidentId: `digest-${day}`,
        title: digest.title,
        owner: 'finance',
        severity: 'low',
        state: 'resolved',
        kinds: [],
        where: 'all traffic',
        costPerHourUsd: 0,
        text: digest.text,
        evidence: [],
      },
    });
    if (result.enqueued) enqueued += 1;
  }
  return enqueued;
}
