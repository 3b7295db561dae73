/**
 * Verify brute force: runs of failed codes per session, IP or phone beyond what a person mistyping
 * produces. An authentication alert for IAM, not a cost breaker: the sends were few.
 */
import type { VerifyFailureMinute } from '@tollgate/store';
import { describeScope } from '@tollgate/vocabulary';
import type { DetectionContext } from '../detection-context.ts';
import type { Contributor, Finding } from '../finding.ts';
import type { Scope } from '../scope.ts';
import { MS_PER_MINUTE } from '../traffic-book.ts';

/** Subjects over the limit at which the finding is high, then critical. */
const HIGH_SUBJECTS = 5;
const CRITICAL_SUBJECTS = 25;

export function detectVerifyBruteforce(ctx: DetectionContext): Finding[] {
  const { config, nowMs } = ctx;
  const fromMs = nowMs - config.verifyWindowMs;
  const limit: Record<VerifyFailureMinute['subject'], number> = {
    session: config.verifyFailuresPerSession,
    ip: config.verifyFailuresPerIp,
    phone: config.verifyFailuresPerPhone,
  };
  const subjects = new Map<string, { row: VerifyFailureMinute; failures: number; attempts: number }>();
  for (const row of ctx.verifyFailures.rowsIn(fromMs, nowMs)) {
    const key = `${row.app}|${row.flow}|${row.subject}|${row.key}`;
    const subject = subjects.get(key) ?? { row, failures: 0, attempts: 0 };
    subject.failures += row.failures;
    subject.attempts += row.attempts;
    subjects.set(key, subject);
  }
  const perFlow = new Map<string, { scope: Scope; over: Contributor[] }>();
  for (const { row, failures } of subjects.values()) {
    if (failures < limit[row.subject]) continue;
    const scope: Scope = { app: row.app, ...(row.flow ? { flow: row.flow } : {}) };
    const key = describeScope(scope);
    const group = perFlow.get(key) ?? { scope, over: [] };
    // Sessions and phones are ids and keyed hashes; shown shortened, never the raw number.
    group.over.push({ dimension: row.subject, value: row.subject === 'ip' ? row.key : row.key.slice(0, 12), count: failures, share: 0 });
    perFlow.set(key, group);
  }
  const minutes = config.verifyWindowMs / MS_PER_MINUTE;
  return [...perFlow.values()].map((group) => {
    const count = group.over.length;
    const total = group.over.reduce((sum, c) => sum + c.count, 0);
    return {
      kind: 'verify_bruteforce' as const,
      scope: group.scope,
      severity: count >= CRITICAL_SUBJECTS ? ('critical' as const) : count >= HIGH_SUBJECTS ? ('high' as const) : ('medium' as const),
      action: 'alert' as const,
      score: total / config.verifyFailuresPerSession,
      observed: Math.max(...group.over.map((c) => c.count)),
      expected: config.verifyFailuresPerSession - 1,
      band: { low: 0, high: config.verifyFailuresPerSession - 1 },
      unit: `failed codes per subject in ${minutes} min`,
      costPerHourUsd: 0,
      windowStartMs: fromMs,
      windowEndMs: nowMs,
      summary: `${describeScope(group.scope)}: ${count} session(s), IP(s) or phone(s) over the failed-code limit, ${total} failures in ${minutes} min`,
      contributors: group.over
        .sort((a, b) => b.count - a.count)
        .slice(0, 10)
        .map((c) => ({ ...c, share: c.count / Math.max(1, total) })),
      facts: { subjects: count, failures: total },
    };
  });
}
