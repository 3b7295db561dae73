import type { EventKind } from '@tollgate/events';

/** The raw table each event kind lands in. */
export const RAW_TABLE: Record<EventKind, string> = {
  send: 'sends_raw',
  verify: 'verifies_raw',
  billing: 'billing_raw',
  receipt: 'receipts_raw',
};
