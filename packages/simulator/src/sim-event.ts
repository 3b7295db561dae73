/**
 * What the simulator emits: one wire event (exactly what a service or provider would post to the
 * collectors) plus, outside the body, the id of the scenario label it belongs to. The label never
 * reaches the collectors; benchmarks use it to score detection and the cost of attack traffic.
 */
import type { BillingInput, ReceiptInput, SendInput, VerifyInput } from '@tollgate/events';

/** Simulated events carry event time as epoch milliseconds. */
type Timed<T> = Omit<T, 'ts'> & { ts: number };

export type SimSend = Timed<SendInput>;
export type SimVerify = Timed<VerifyInput>;
export type SimBilling = Timed<BillingInput>;
export type SimReceipt = Timed<ReceiptInput>;

export type SimEvent =
  | { kind: 'send'; body: SimSend; label?: string }
  | { kind: 'verify'; body: SimVerify; label?: string }
  | { kind: 'billing'; body: SimBilling; label?: string }
  | { kind: 'receipt'; body: SimReceipt; label?: string };
