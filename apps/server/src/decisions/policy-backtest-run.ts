import { runPolicyBacktest, type BreakerPolicy, type PolicyBacktestReport } from '@tollgate/breakers';
import type { Store } from '@tollgate/store';
import type { Identity } from '../core.ts';

/**
 * A policy backtest on this deployment's store, with its keyed phone hash for the allowlist: what
 * `POST /v1/policy/backtest` and `tollgate backtest --policy` both run.
 */
export function backtestPolicy(options: {
  store: Store;
  identity: Identity;
  policy: BreakerPolicy;
  fromMs: number;
  toMs: number;
  onProgress?: (doneMs: number, totalMs: number) => void;
}): Promise<PolicyBacktestReport> {
  const { identity, ...rest } = options;
  return runPolicyBacktest({ ...rest, hashPhone: (e164) => identity.hasher.phone(e164) });
}
