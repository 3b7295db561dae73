import type { Store } from '@tollgate/store';
import type { BreakerPolicy } from './breaker-policy.ts';
import { runPolicyBacktest, type PolicyBacktestReport } from './policy-backtest.ts';

/**
 * A policy backtest on this deployment's store, with its keyed phone hash for the allowlist: what
 * `POST /v1/policy/backtest` and `tollgate backtest --policy` both run.
 */
export function backtestPolicy(options: {
  store: Store;
  /** The deployment's keyed hasher (the server's identity): the allowlist's phones are hashed with it. */
  identity: { hasher: { phone(e164: string): string } };
  policy: BreakerPolicy;
  fromMs: number;
  toMs: number;
  onProgress?: (doneMs: number, totalMs: number) => void;
}): Promise<PolicyBacktestReport> {
  const { identity, ...rest } = options;
  return runPolicyBacktest({ ...rest, hashPhone: (e164) => identity.hasher.phone(e164) });
}
