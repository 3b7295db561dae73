import type { VerifyOutcome } from '@tollgate/breakers';
import type { Rejection, VerifyInput } from '@tollgate/events';
import type { Identity } from '../core.ts';

/**
 * The outcomes of a verify batch the ingestor accepted, in the form the verify ladders count:
 * lines it rejected are left out (their line numbers say which), the phone is normalized and
 * hashed as the collectors hash it. Duplicates the ingestor dropped are still here; the ladders
 * drop them by event id.
 */
export function* verifyOutcomes(items: readonly { line: number; value: unknown }[], rejected: readonly Rejection[], identity: Identity): Generator<VerifyOutcome> {
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
