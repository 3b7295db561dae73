import type { IncidentAnomaly } from './api-types.ts';

// The labels a silence matches on (the routing files' labels): an anomaly's prefix and ASN are not among them.
const SCOPE_LABELS = ['app', 'flow', 'country', 'provider'] as const;

/** Matchers that silence alerts like this one: its kind, and its scope as far as labels go. */
export function matchersLike(anomaly: Pick<IncidentAnomaly, 'kind' | 'scope'>): string[] {
  const matchers = [`kind="${anomaly.kind}"`];
  for (const label of SCOPE_LABELS) {
    const value = anomaly.scope[label];
    if (value !== undefined && value !== '') matchers.push(`${label}="${String(value).replace(/["\\]/g, '\\$&')}"`);
  }
  return matchers;
}

/** One matcher per line in the form; blank lines are nothing. */
export function matchersFromText(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}
