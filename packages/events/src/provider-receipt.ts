import type { EpochMs, Rejection } from './rows.ts';
import type { ReceiptInput } from './wire.ts';
import { EARLIEST_EVENT_MS, MAX_FUTURE_SKEW_MS } from './wire-time.ts';

/**
 * A provider callback in Tollgate's generic receipt form, or why it cannot be one. Only missing
 * identity (message id, status) rejects a callback: anything else a provider sends oddly is left
 * out, because a receipt without a phone is still a delivery outcome worth counting.
 */
export type TranslatedReceipt = { ok: true; receipt: ReceiptInput } | { ok: false; rejected: Rejection[] };

/** A callback is one event: its rejections are on line 1. */
export const CALLBACK_LINE = 1;

/** Carrier timestamps (Twilio RawDlrDoneDate, Vonage scts) are YYMMDDhhmm in UTC. */
const COMPACT_UTC = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;
const CENTURY = 2000;

/**
 * The carrier's time of a receipt, or the time it arrived when the carrier's is unreadable or
 * implausible: carriers' clocks are not ours to trust, and a receipt must not be rejected for them.
 */
export function carrierTimeOr(carrierTime: EpochMs | undefined, receivedAtMs: EpochMs): EpochMs {
  const plausible = carrierTime !== undefined && carrierTime >= EARLIEST_EVENT_MS && carrierTime <= receivedAtMs + MAX_FUTURE_SKEW_MS;
  return plausible ? carrierTime : receivedAtMs;
}

/** Epoch ms of a YYMMDDhhmm carrier time, undefined when it is not a real calendar time. */
export function parseCompactUtcTime(text: string | undefined): EpochMs | undefined {
  const parts = text === undefined ? null : COMPACT_UTC.exec(text);
  if (parts === null) return undefined;
  const [year, month, day, hour, minute] = parts.slice(1).map(Number) as [number, number, number, number, number];
  const ms = Date.UTC(CENTURY + year, month - 1, day, hour, minute);
  const date = new Date(ms);
  // Date.UTC rolls month 13 or minute 75 over instead of failing; a round trip catches it.
  const real =
    date.getUTCMonth() === month - 1 && date.getUTCDate() === day && date.getUTCHours() === hour && date.getUTCMinutes() === minute;
  return real ? ms : undefined;
}

/** Numbers providers report without "+" (Vonage msisdn) or with a channel ("whatsapp:+44..."). */
const DIGITS_ONLY = /^\+?[1-9]\d{4,14}$/;

export function phoneFromProvider(value: string | undefined): string | undefined {
  const number = value?.replace(/^whatsapp:/, '').trim();
  if (number === undefined || !DIGITS_ONLY.test(number)) return undefined;
  return number.startsWith('+') ? number : `+${number}`;
}

export function missingFields(fields: readonly string[], provider: string): TranslatedReceipt {
  return {
    ok: false,
    rejected: fields.map((field) => ({
      line: CALLBACK_LINE,
      field,
      reason: `required ${provider} callback field is missing (point the ${provider} status callback at this URL unchanged)`,
    })),
  };
}
