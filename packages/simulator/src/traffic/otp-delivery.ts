/**
 * One OTP attempt and what the provider reports about it: the send event the service logs, then
 * the delivery receipt seconds later and the billing line minutes to hours later. Legit sessions
 * and attacks both go through here, so an attack costs exactly what the same message would.
 */
import type { Flow } from '@tollgate/events';
import type { AppName } from '../catalog/apps.catalog.ts';
import type { CountryProfile, MobileRange } from '../catalog/countries.catalog.ts';
import { PRICE_FACTOR, RECEIPT_ERROR_CODES, type ProviderName } from '../catalog/providers.catalog.ts';
import type { SessionLog } from '../engine/minute-batch.ts';
import type { PriceEffect } from '../engine/minute-context.ts';
import type { SimReceipt, SimSend } from '../sim-event.ts';
import { MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND } from '../engine/time.ts';
import type { Random } from '../random/prng.ts';
import { chance, logNormalBetween, logUniform, pick } from '../random/sampling.ts';
import type { ClientAddress } from './ip-address.ts';
import { createMessageId } from './message-id.ts';
import { billingPrefix } from './phone-number.ts';

/** Everything about a session that its events repeat. */
export interface SessionContext {
  log: SessionLog;
  r: Random;
  seedHash: number;
  minute: number;
  app: AppName;
  flow: Flow;
  country: CountryProfile;
  range: MobileRange;
  phone: string;
  client: ClientAddress;
  provider: ProviderName;
  deviceId?: string;
  userAgent?: string;
  /** A price change in force on the session's route. */
  price?: PriceEffect;
}

/** The chances an attempt has: the provider rejects the API call, or the handset gets the message. */
export interface DeliveryOdds {
  failShare: number;
  deliveredShare: number;
  /** How many times slower than usual receipts come back (a congested route); 1 when absent. */
  delayFactor?: number;
}

export interface DeliveryResult {
  accepted: boolean;
  /** When the handset had the code (the receipt's time), if it was delivered. */
  deliveredAtMs: number | undefined;
}

export type OtpChannel = 'sms' | 'voice';

/** Delivery receipts come back seconds after the send: median 4 s, rarely a minute. */
const RECEIPT_DELAY_MEDIAN_MS = 4 * MS_PER_SECOND;
const RECEIPT_DELAY_SIGMA = 0.7;
const RECEIPT_DELAY_MIN_MS = MS_PER_SECOND;
const RECEIPT_DELAY_MAX_MS = MS_PER_MINUTE;

/** Billing lines (usage exports, billing webhooks) lag the send by 5 minutes to 6 hours. */
const BILLING_DELAY_MIN_MS = 5 * MS_PER_MINUTE;
const BILLING_DELAY_MAX_MS = 6 * MS_PER_HOUR;

/** Share of billing lines whose amount the provider rounded to a tenth of a cent. */
const BILLING_ROUNDED_SHARE = 0.02;

/** Of the messages not delivered, how many the carrier reports undelivered (the rest: failed). */
const UNDELIVERED_SHARE_OF_LOST = 0.6;

/** A voice OTP call costs about one and a half SMS on mobile routes (assumption from price lists). */
const VOICE_PRICE_FACTOR = 1.5;

const roundUsd = (value: number): number => Math.round(value * 10_000) / 10_000;

/** Sends one OTP and records its send, receipt and billing events. */
export function deliverOtp(ctx: SessionContext, atMs: number, attempt: number, channel: OtpChannel, odds: DeliveryOdds): DeliveryResult {
  const { log, r, country, provider } = ctx;
  const accepted = !chance(r, odds.failShare);
  const segments = channel === 'voice' ? 1 : country.segments;
  const unitPriceUsd = country.smsPriceUsd * PRICE_FACTOR[provider] * (channel === 'voice' ? VOICE_PRICE_FACTOR : 1);
  const listUsd = unitPriceUsd * segments;
  const costUsd = accepted ? roundUsd(listUsd * (ctx.price?.estimateFactor ?? 1)) : 0;
  const messageId = accepted
    ? createMessageId(provider, { seedHash: ctx.seedHash, minute: ctx.minute, sessionIndex: log.sessionIndex, attempt }, r)
    : undefined;

  // Optional fields are set only when present (no `undefined` keys on the wire).
  const send: SimSend = {
    event_id: log.eventId('snd'),
    ts: atMs,
    app: ctx.app,
    flow: ctx.flow,
    session_id: log.sessionId,
    phone: ctx.phone,
    ip: ctx.client.ip,
    asn: ctx.client.asn,
    country: country.iso,
    channel,
    provider,
    status: accepted ? 'accepted' : 'failed',
    cost: costUsd,
    currency: 'USD',
  };
  if (messageId !== undefined) send.message_id = messageId;
  if (ctx.deviceId !== undefined) send.device_id = ctx.deviceId;
  if (ctx.userAgent !== undefined) send.user_agent = ctx.userAgent;
  log.send(send);
  if (messageId === undefined) return { accepted: false, deliveredAtMs: undefined };

  const slower = odds.delayFactor ?? 1;
  const receiptAtMs =
    atMs +
    Math.round(
      logNormalBetween(
        r,
        RECEIPT_DELAY_MEDIAN_MS * slower,
        RECEIPT_DELAY_SIGMA,
        RECEIPT_DELAY_MIN_MS * slower,
        RECEIPT_DELAY_MAX_MS * slower,
      ),
    );
  const delivered = chance(r, odds.deliveredShare);
  const status = delivered ? 'delivered' : chance(r, UNDELIVERED_SHARE_OF_LOST) ? 'undelivered' : 'failed';
  const receipt: SimReceipt = {
    event_id: log.eventId('rcp'),
    ts: receiptAtMs,
    provider,
    message_id: messageId,
    status,
    phone: ctx.phone,
  };
  if (!delivered) receipt.error_code = pick(r, RECEIPT_ERROR_CODES[provider]);
  log.receipt(receipt);

  const chargedUsd = roundUsd(listUsd * (ctx.price?.billedFactor ?? 1));
  const billedUsd = chance(r, BILLING_ROUNDED_SHARE) ? Math.round(chargedUsd * 1_000) / 1_000 : chargedUsd;
  log.billing({
    event_id: messageId,
    ts: atMs + Math.round(logUniform(r, BILLING_DELAY_MIN_MS, BILLING_DELAY_MAX_MS)),
    provider,
    country: country.iso,
    phone_prefix: billingPrefix(ctx.range, ctx.phone),
    segments,
    cost: billedUsd,
    currency: 'USD',
  });
  return { accepted: true, deliveredAtMs: delivered ? receiptAtMs : undefined };
}

/** Records one code entry on the verify endpoint. */
export function recordVerify(ctx: SessionContext, atMs: number, success: boolean): void {
  ctx.log.verify({
    event_id: ctx.log.eventId('vfy'),
    ts: atMs,
    app: ctx.app,
    session_id: ctx.log.sessionId,
    phone: ctx.phone,
    ip: ctx.client.ip,
    success,
  });
}
