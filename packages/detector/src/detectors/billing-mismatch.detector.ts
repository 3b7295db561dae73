/**
 * Billing mismatches: what a provider billed for a country against what the services estimated for
 * the same messages, over the last day. Billing arrives late, so only billed messages are compared.
 */
import { describeScope } from '@tollgate/vocabulary';
import type { DetectionContext } from '../detection-context.ts';
import type { Finding } from '../finding.ts';
import { costPerSendUsd } from '../counters.ts';
import { MS_PER_HOUR } from '../traffic-book.ts';
import { hourly } from '../seasonal-baseline.ts';

export function detectBillingMismatches(ctx: DetectionContext): Finding[] {
  const { book, config, nowMs } = ctx;
  const fromMs = nowMs - config.billingWindowMs;
  const hours = config.billingWindowMs / MS_PER_HOUR;
  const findings: Finding[] = [];
  for (const series of book.levels.get('provider_country')?.values() ?? []) {
    if (series.lastActiveMs < fromMs) continue;
    // Billing moves by the hour: the day's sums are taken once an hour.
    const sum = hourly(series, nowMs, 'billing', () => book.spanSum(series, fromMs, nowMs));
    if (sum.billedMessages < config.minBilledMessages || sum.sends === 0) continue;
    const estimated = costPerSendUsd(sum) * sum.billedMessages;
    if (estimated <= 0) continue;
    const ratio = sum.costBilledUsd / estimated;
    if (Math.abs(ratio - 1) <= config.billingTolerance) continue;
    const gapPerHourUsd = Math.abs(sum.costBilledUsd - estimated) / hours;
    findings.push({
      kind: 'billing_mismatch',
      scope: series.scope,
      severity: ratio > 1 + 2 * config.billingTolerance ? 'high' : 'medium',
      action: 'alert',
      score: Math.abs(ratio - 1) / config.billingTolerance,
      observed: sum.costBilledUsd,
      expected: estimated,
      band: { low: estimated * (1 - config.billingTolerance), high: estimated * (1 + config.billingTolerance) },
      unit: `USD billed for ${sum.billedMessages} messages`,
      costPerHourUsd: gapPerHourUsd,
      windowStartMs: fromMs,
      windowEndMs: nowMs,
      summary: `${describeScope(series.scope)}: billed $${sum.costBilledUsd.toFixed(2)} for ${sum.billedMessages} messages estimated at $${estimated.toFixed(2)} (${((ratio - 1) * 100).toFixed(0)}%)`,
      contributors: [],
      facts: { ratio, billedMessages: sum.billedMessages },
    });
  }
  return findings;
}
