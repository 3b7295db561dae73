/**
 * A pumping bot's session: request a code for a number whose carrier shares the termination fee,
 * sometimes hit resend to double the revenue, never read the code. This is the signature the
 * detector looks for: sends and cost up, conversion at zero.
 */
import { MS_PER_SECOND } from '../engine/time.ts';
import { between, chance, intBelow } from '../random/sampling.ts';
import { deliverOtp, recordVerify, type SessionContext } from './otp-delivery.ts';
import { FAILED_SEND_SHARE } from './legit-session.ts';

/** Colluding carriers acknowledge nearly everything: the fee is paid on delivery. */
const PUMPED_DELIVERED_SHARE = 0.97;

/** Share of bot sessions that hit resend once the cooldown passes. */
const PUMPED_RESEND_SHARE = 0.25;
const BOT_RESEND_DELAY_MIN_MS = 30 * MS_PER_SECOND;
const BOT_RESEND_DELAY_MAX_MS = 35 * MS_PER_SECOND;

/** Share of bot sessions that submit a made-up code (to look like a user); it never matches. */
const DECOY_VERIFY_SHARE = 0.02;
const DECOY_VERIFY_DELAY_MAX_MS = 20 * MS_PER_SECOND;

const PUMPED_ODDS = { failShare: FAILED_SEND_SHARE, deliveredShare: PUMPED_DELIVERED_SHARE };

/** Sends per pumping session when bots may resend: turns a sends-per-minute target into sessions. */
export const PUMPED_SENDS_PER_SESSION = 1 + PUMPED_RESEND_SHARE;
/**
 * A provider's own cap on sends to one verification (Twilio Verify allows five attempts): a farm
 * that milks each session resends up to it.
 */
export const MAX_PUMPED_SENDS_PER_SESSION = 5;

/** Seconds a bot that types the right code waits for it. */
const BOT_VERIFY_DELAY_MIN_MS = 5 * MS_PER_SECOND;
const BOT_VERIFY_DELAY_MAX_MS = 40 * MS_PER_SECOND;

/**
 * One bot session; `verifyShare` of them type the right code (some farms read a few codes from
 * their own SIMs, to look like users). `sendsPerSession` is the mean number of sends (1 to
 * MAX_PUMPED_SENDS_PER_SESSION): its whole part are sure resends, its fraction the chance of one
 * more; the default resends a quarter of the sessions once.
 */
export function runPumpingSession(ctx: SessionContext, startMs: number, verifyShare = 0, sendsPerSession = PUMPED_SENDS_PER_SESSION): void {
  const { r } = ctx;
  deliverOtp(ctx, startMs, 0, 'sms', PUMPED_ODDS);
  let lastSendMs = startMs;
  const resends = sendsPerSession - 1;
  const sureResends = Math.floor(resends);
  const lastResendChance = resends - sureResends;
  for (let attempt = 1; attempt <= sureResends + 1; attempt++) {
    if (attempt > sureResends && (lastResendChance === 0 || !chance(r, lastResendChance))) break;
    lastSendMs += Math.round(between(r, BOT_RESEND_DELAY_MIN_MS, BOT_RESEND_DELAY_MAX_MS));
    deliverOtp(ctx, lastSendMs, attempt, 'sms', PUMPED_ODDS);
  }
  if (verifyShare > 0 && chance(r, verifyShare)) {
    recordVerify(ctx, lastSendMs + Math.round(between(r, BOT_VERIFY_DELAY_MIN_MS, BOT_VERIFY_DELAY_MAX_MS)), true);
  } else if (chance(r, DECOY_VERIFY_SHARE)) {
    recordVerify(ctx, lastSendMs + MS_PER_SECOND + intBelow(r, DECOY_VERIFY_DELAY_MAX_MS), false);
  }
}
