/**
 * A real user's OTP session: request a code, maybe ask again when it does not come, type it
 * (sometimes wrong first), or give up. The numbers below set the healthy baseline that the
 * detector's conversion and resend baselines must learn.
 */
import type { Flow } from '@tollgate/events';
import { APP_CONVERSION_FACTOR, LEGIT_USER_AGENTS, type AppName } from '../catalog/apps.catalog.ts';
import type { CountryProfile } from '../catalog/countries.catalog.ts';
import type { ProviderName } from '../catalog/providers.catalog.ts';
import type { SessionLog } from '../engine/minute-batch.ts';
import type { OutageEffect, PriceEffect } from '../engine/minute-context.ts';
import { MS_PER_SECOND } from '../engine/time.ts';
import type { Random } from '../random/prng.ts';
import { between, chance, intBelow, logNormalBetween, pick } from '../random/sampling.ts';
import { userAddress } from './client-networks.ts';
import { createFlatIdWriter } from '../format/flat-id-writer.ts';
import { deliverOtp, recordVerify, type OtpChannel, type SessionContext } from './otp-delivery.ts';
import { randomNumber } from './phone-number.ts';

export interface LegitSessionPlan {
  startMs: number;
  country: CountryProfile;
  app: AppName;
  flow: Flow;
  provider: ProviderName;
  /** The provider outage the session runs into, if any. */
  outage: OutageEffect | undefined;
  /** The price change its messages are charged under, if any. */
  price: PriceEffect | undefined;
}

/** Provider API errors (throttling, invalid routing, timeouts): about 1% of send attempts. */
export const FAILED_SEND_SHARE = 0.01;

/** Users behind a VPN or an office egress that resolves to a hosting provider. */
const HOSTING_USER_SHARE = 0.03;

/** Resend cooldown: 30 s, growing to 60 s (the usual resend rule of OTP flows). */
const RESEND_COOLDOWN_MIN_MS = 30 * MS_PER_SECOND;
const RESEND_COOLDOWN_MAX_MS = 60 * MS_PER_SECOND;

/** The first send plus at most two resends (OTP flows commonly allow 2-3 resends per session). */
const MAX_SENDS_PER_SESSION = 3;

/** Most users whose code never arrives ask again; a few ask again out of impatience anyway. */
const RESEND_WHEN_LOST_SHARE = 0.7;
const IMPATIENT_RESEND_SHARE = 0.04;

/** Share of resends where the user picks "call me instead". */
const VOICE_RESEND_SHARE = 0.15;

/** Time from the code's arrival to its entry: median 20 s, at most two and a half minutes. */
const VERIFY_DELAY_MEDIAN_MS = 20 * MS_PER_SECOND;
const VERIFY_DELAY_SIGMA = 0.6;
const VERIFY_DELAY_MIN_MS = 4 * MS_PER_SECOND;
const VERIFY_DELAY_MAX_MS = 150 * MS_PER_SECOND;

/** Share of converting users who mistype the code once before getting it right, and the retry gap. */
const TYPO_SHARE = 0.06;
const TYPO_RETRY_MIN_MS = 3 * MS_PER_SECOND;
const TYPO_RETRY_MAX_MS = 15 * MS_PER_SECOND;

/** Share of users who had the code but give up, who first enter a wrong or expired code (1-2 times). */
const WRONG_CODE_BEFORE_ABANDON_SHARE = 0.2;
const MAX_WRONG_CODES_BEFORE_ABANDON = 2;

const UINT32_RANGE = 0x1_0000_0000;
const idWriter = createFlatIdWriter();

/** A 64-bit device id in hex, like the install ids mobile SDKs generate. */
function deviceId(r: Random): string {
  return idWriter.hex(intBelow(r, UINT32_RANGE), 8).hex(intBelow(r, UINT32_RANGE), 8).done();
}

export function runLegitSession(log: SessionLog, r: Random, seedHash: number, minute: number, plan: LegitSessionPlan): void {
  const { country } = plan;
  const range = pick(r, country.mobileRanges);
  const ctx: SessionContext = {
    log,
    r,
    seedHash,
    minute,
    app: plan.app,
    flow: plan.flow,
    country,
    range,
    phone: randomNumber(r, range),
    client: userAddress(r, country, HOSTING_USER_SHARE),
    provider: plan.provider,
    deviceId: deviceId(r),
    userAgent: pick(r, LEGIT_USER_AGENTS),
    price: plan.price,
  };

  const healthyOdds = { failShare: FAILED_SEND_SHARE, deliveredShare: country.deliveredShare };
  const odds = plan.outage ? plan.outage.degrade(healthyOdds) : healthyOdds;
  let atMs = plan.startMs;
  let codeArrivedAtMs: number | undefined;
  for (let attempt = 0; attempt < MAX_SENDS_PER_SESSION; attempt += 1) {
    const channel: OtpChannel = attempt > 0 && chance(r, VOICE_RESEND_SHARE) ? 'voice' : 'sms';
    const result = deliverOtp(ctx, atMs, attempt, channel, odds);
    codeArrivedAtMs = result.deliveredAtMs ?? codeArrivedAtMs;
    const resendShare = result.deliveredAtMs === undefined ? RESEND_WHEN_LOST_SHARE : IMPATIENT_RESEND_SHARE;
    if (!chance(r, resendShare)) break;
    atMs += Math.round(between(r, RESEND_COOLDOWN_MIN_MS, RESEND_COOLDOWN_MAX_MS));
  }
  if (codeArrivedAtMs === undefined) return;

  let verifyAtMs =
    codeArrivedAtMs + Math.round(logNormalBetween(r, VERIFY_DELAY_MEDIAN_MS, VERIFY_DELAY_SIGMA, VERIFY_DELAY_MIN_MS, VERIFY_DELAY_MAX_MS));
  const converts = chance(r, Math.min(1, country.conversion * APP_CONVERSION_FACTOR[plan.app]));
  if (converts) {
    if (chance(r, TYPO_SHARE)) {
      recordVerify(ctx, verifyAtMs, false);
      verifyAtMs += Math.round(between(r, TYPO_RETRY_MIN_MS, TYPO_RETRY_MAX_MS));
    }
    recordVerify(ctx, verifyAtMs, true);
  } else if (chance(r, WRONG_CODE_BEFORE_ABANDON_SHARE)) {
    const wrongCodes = 1 + intBelow(r, MAX_WRONG_CODES_BEFORE_ABANDON);
    for (let i = 0; i < wrongCodes; i += 1) {
      recordVerify(ctx, verifyAtMs, false);
      verifyAtMs += Math.round(between(r, TYPO_RETRY_MIN_MS, TYPO_RETRY_MAX_MS));
    }
  }
}
