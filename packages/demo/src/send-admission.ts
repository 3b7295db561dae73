import type { SimEvent } from '@tollgate/simulator';
import type { SendGate } from './decide-gate.ts';
import { HOUR_MS } from './demo-plan.ts';

/** Blocked sends are remembered this long, to drop the receipts, bills and verifies they never had. */
const BLOCKED_MEMORY_MS = HOUR_MS;

export interface SendAdmission {
  /** Whether a live event goes out: each send after the decision API's answer, the rest after their send's. */
  admitted(event: SimEvent, atMs: number): Promise<boolean>;
  /** Forgets refusals old enough that nothing of theirs is still to come. */
  forgetBefore(atMs: number): void;
}

/**
 * What a real service would make of the demo's events: a send the decision API blocks is not made
 * (nor its receipt, bill and verifies), a challenged one only by people (bots fail the challenge).
 * Events before `liveFromMs` are history (a backfill, a restart's replay): they were decided then.
 */
export function createSendAdmission(deps: { gate?: SendGate; liveFromMs: number }): SendAdmission {
  // Sends the decision API refused: by message id (their receipt and bill never come) and by
  // session (its verifies never come, unless another send of the session went out).
  const refusedMessages = new Map<string, number>();
  const refusedSessions = new Map<string, number>();
  const sentSessions = new Map<string, number>();

  return {
    async admitted(event, atMs) {
      switch (event.kind) {
        case 'send': {
          if (!deps.gate || event.body.ts < deps.liveFromMs) return true;
          const verdict = await deps.gate(event.body);
          const goes = verdict === 'allow' || (verdict === 'challenge' && event.label === undefined);
          const messageId = event.body.message_id;
          if (goes) sentSessions.set(event.body.session_id, atMs);
          else {
            if (messageId !== undefined) refusedMessages.set(messageId, atMs);
            refusedSessions.set(event.body.session_id, atMs);
          }
          return goes;
        }
        case 'billing':
          return !refusedMessages.has(event.body.event_id);
        case 'receipt':
          return !refusedMessages.has(event.body.message_id);
        case 'verify':
          return !refusedSessions.has(event.body.session_id) || sentSessions.has(event.body.session_id);
      }
    },

    forgetBefore(atMs) {
      for (const memory of [refusedMessages, refusedSessions, sentSessions]) {
        for (const [key, at] of memory) if (at < atMs - BLOCKED_MEMORY_MS) memory.delete(key);
      }
    },
  };
}
