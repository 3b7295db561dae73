/**
 * Delivery failures: a provider failing in a country, from sends it refused and receipts that say
 * undelivered. A vendor incident for the messaging owner, not fraud, so it only alerts, and it is
 * what explains a conversion drop in the same provider and country.
 */
import { describeScope } from '@tollgate/vocabulary';
import type { DetectionContext } from '../detection-context.ts';
import { severityForCost, type Finding } from '../finding.ts';
import { shareBaseline } from '../seasonal-baseline.ts';
import { wilsonInterval } from '../statistics/wilson-interval.ts';
import { MS_PER_MINUTE } from '../traffic-book.ts';
import { costPerSendUsd } from '../counters.ts';

/** The failure share must exceed the usual one by this much (absolute), besides the configured floor. */
const MIN_FAILURE_RISE = 0.15;
/** Failure bounds at 99 %. */
const Z = 2.58;

export function detectDeliveryFailures(ctx: DetectionContext): Finding[] {
  const { book, config, nowMs } = ctx;
  const fromMs = nowMs - config.deliveryWindowMs;
  const minutes = config.deliveryWindowMs / MS_PER_MINUTE;
  const findings: Finding[] = [];
  // forEach, not for...of: a pair for each of the window's scopes at every step was garbage.
  ctx.window(fromMs, nowMs).forEach((sum, series) => {
    if (series.level !== 'provider_country' || sum.sends < config.minDeliverySends) return;
    const failures = Math.min(sum.sends, sum.failedSends + sum.receiptsFailed);
    const usual = shareBaseline(book, series, fromMs)?.failureShare ?? 0;
    const threshold = Math.max(config.deliveryFailureShare, usual + MIN_FAILURE_RISE);
    const interval = wilsonInterval(failures, sum.sends, Z);
    if (interval.low < threshold) return;
    const share = failures / sum.sends;
    const costPerHourUsd = (failures / minutes) * 60 * costPerSendUsd(sum);
    findings.push({
      kind: 'delivery_failure',
      scope: series.scope,
      severity: severityForCost(costPerHourUsd, config.severityUsdPerHour) === 'low' ? 'medium' : 'high',
      action: 'alert',
      score: (share - usual) * 10,
      observed: share,
      expected: usual,
      band: { low: 0, high: threshold },
      unit: 'share of sends failed or undelivered',
      costPerHourUsd,
      windowStartMs: fromMs,
      windowEndMs: nowMs,
      summary: `${describeScope(series.scope)}: ${(share * 100).toFixed(0)}% of ${sum.sends} messages failed or undelivered (usually ${(usual * 100).toFixed(0)}%)`,
      contributors: [],
      facts: { failedSends: sum.failedSends, undelivered: sum.receiptsFailed, sends: sum.sends },
    });
  });
  return findings;
}
