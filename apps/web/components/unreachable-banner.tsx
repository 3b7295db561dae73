import Link from 'next/link';
import { api } from '../lib/api.ts';
import type { RulesAnswer } from '../lib/api-types.ts';

/**
 * Owners that would not hear about an incident now (a PagerDuty key unset, Slack without a token):
 * said where on-call looks first, so nobody believes someone was paged.
 */
export async function UnreachableBanner() {
  const rules = await api<RulesAnswer>('/v1/rules');
  const targets = rules.ok ? rules.data.unreachable : [];
  if (targets.length === 0) return null;
  const owners = [...new Set(targets.map((t) => t.owner))];
  const settings = [...new Set(targets.map((t) => t.reason.split(' ')[0]!))];
  return (
    <p className="banner" role="alert" data-testid="unreachable">
      <strong>Pages and messages are failing:</strong> {owners.join(', ')} would not be reached ({settings.join(', ')} not set).{' '}
      <Link href="/rules">What fails, and how to fix it</Link>
    </p>
  );
}
