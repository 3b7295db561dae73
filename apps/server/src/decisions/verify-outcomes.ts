import type { VerifyLimiter, VerifyOutcome } from '@tollgate/breakers';
import type { Rejection, VerifyInput } from '@tollgate/events';
import type { Ingestor } from '@tollgate/ingest';
import type { Identity } from '@tollgate/core';

/**
 * The ingestor with verify batches observed: once a batch is stored, its outcomes feed the verify
 * ladders (failures per session, IP and phone; successes clearing the session and the phone).
 */
export function observeVerifyOutcomes(ingestor: Ingestor, verify: VerifyLimiter, identity: Identity): Ingestor {
  // The ingestor's methods are closures, so its other methods pass through as they are.
  return {
    ...ingestor,
    async submit(kind, items) {
      const result = await ingestor.submit(kind, items);
      if (kind === 'verify' && result.ok) {
        for (const outcome of verifyOutcomes(items, result.rejected, identity)) verify.outcome(outcome);
      }
      return result;
    },
  };
}

/**
 * The outcomes of a verify batch the ingestor accepted, in the form the verify ladders count:
 * lines it rejected are left out (their line numbers say which), the phone is normalized and
 * hashed as the collectors hash it. Duplicates the ingestor dropped are still here; the ladders
 * drop them by event id.
 */
export function* verifyOutcomes(
  items: readonly { line: number; value: unknown }[],
  rejected: readonly Rejection[],
  identity: Identity,
): Generator<VerifyOutcome> {
  const rejectedLines = new Set(rejected.map((rejection) => rejection.line));
  for (const { line, value } of items) {
    if (rejectedLines.has(line)) continue;
    // Accepted lines passed the verify schema: these fields have their wire types.
    const verify = value as VerifyInput;
    const phone = verify.phone === undefined ? undefined : identity.phones.normalize(verify.phone);
    yield {
      eventId: verify.event_id,
      app: verify.app,
      sessionId: verify.session_id,
      ip: verify.ip,
      phoneHash: phone?.ok === true ? identity.hasher.phone(phone.value.e164) : undefined,
      success: verify.success,
    };
  }
}
