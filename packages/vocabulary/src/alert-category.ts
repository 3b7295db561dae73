import { ANOMALY_KINDS, type AnomalyKind } from './anomaly-finding.ts';

/**
 * The three kinds of trouble the dashboard lists together: auth (attacks on the verify step, the
 * trigger path's), delivery (a provider failing, the vendor team's), billing (money leaving:
 * pumping, cost, budgets and bills).
 */
export const ALERT_CATEGORIES = ['auth', 'billing', 'delivery'] as const;
export type AlertCategory = (typeof ALERT_CATEGORIES)[number];

const CATEGORY_OF: Partial<Record<AnomalyKind, AlertCategory>> = {
  verify_bruteforce: 'auth',
  delivery_failure: 'delivery',
  delivery_latency: 'delivery',
};

export function categoryOf(kind: AnomalyKind): AlertCategory {
  return CATEGORY_OF[kind] ?? 'billing';
}

export function kindsOf(category: AlertCategory): AnomalyKind[] {
  return ANOMALY_KINDS.filter((kind) => categoryOf(kind) === category);
}
