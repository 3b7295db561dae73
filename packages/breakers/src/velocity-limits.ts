/**
 * Send velocity limits (per IP per hour, with separate thresholds for IPv4 and IPv6
 * subnets, per phone number, per session with an increasing resend cooldown: the limits OTP
 * abuse guidance asks of every sender) and how each app overrides them.
 */

/** What a service does when a limit is hit: `challenge` adds friction a person can pass (CAPTCHA), `block` refuses. */
export type LimitOutcome = 'block' | 'challenge';

/** At most `max` sends in any `windowMs`. */
export interface WindowLimit {
  max: number;
  windowMs: number;
  onExceed: LimitOutcome;
}

/** The resend ladder of one verification session. */
export interface ResendLimit {
  /** Wait before the 1st, 2nd, 3rd... resend; the last step repeats if `maxResends` is longer. */
  cooldownsMs: readonly number[];
  maxResends: number;
  /** How long a session's sends are remembered after its first send. */
  sessionTtlMs: number;
  onExceed: LimitOutcome;
}

/** One app's limits; null turns a rule off. */
export interface VelocityLimits {
  phone: WindowLimit | null;
  ip: WindowLimit | null;
  /** Per IPv4 /24: a few hundred addresses of one provider, often one CGNAT pool or one hosting rack. */
  ipv4Subnet: WindowLimit | null;
  /** Per IPv6 /64: one subscriber's LAN (RFC 6177), so rotating addresses inside it is one client. */
  ipv6Subnet: WindowLimit | null;
  session: ResendLimit | null;
  /** All sends of the app: a backstop against floods that spread over every other key. */
  app: WindowLimit | null;
  /**
   * Per account (the service's user id, kept as a keyed hash), over an hour and over a day: a cap
   * per account identifier stops targeted harassment of one user, which rotating phones, IPs and
   * sessions cannot dodge. Only requests that carry `account_id` are counted.
   */
  accountHour: WindowLimit | null;
  accountDay: WindowLimit | null;
}

export type VelocityRuleName = keyof VelocityLimits;

export interface VelocityConfig {
  defaults: VelocityLimits;
  /** Per app, the rules that differ from `defaults`; a rule given replaces the default rule whole. */
  apps: Readonly<Record<string, Partial<VelocityLimits>>>;
}

const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** The resend ladder: each resend waits longer (30 s, 60 s, 120 s), so a script gains little by asking again. */
export const RESEND_COOLDOWNS_MS: readonly number[] = [30 * SECOND_MS, 60 * SECOND_MS, 120 * SECOND_MS];
/** Three resends per session: one per step of the ladder, the upper end of what OTP flows allow. */
export const MAX_RESENDS_PER_SESSION = 3;

/**
 * Defaults until an app sets its own. Guidance names the dimensions, not the numbers; these are
 * sized from one honest session (1 send + 3 resends):
 * - phone 5/h: one full session plus a fresh start; more is pumping or harassment of the number.
 *   Blocked, because a number cannot pass a CAPTCHA on its own behalf.
 * - IP and IPv6 /64 20/h: a household or small office; challenged, as carrier NAT puts many
 *   people behind one address.
 * - IPv4 /24 100/h: a few hundred addresses, usually many subscribers; challenged.
 * - session: 30 s -> 60 s -> 120 s, 3 resends, remembered for an hour, far beyond the 2-5 minute
 *   code validity OTP codes usually have, so a session cannot restart its ladder by waiting.
 * - app 1,000/min: a backstop that stops a runaway loop or a flood spread over every other key;
 *   challenged so people still get through. Each app should set it from its busiest minute.
 * - account 5/h and 10/day: one honest session an hour is 4 sends, and nobody signs in twenty
 *   times a day by code; past that someone is flooding one user's phone. Blocked: a CAPTCHA
 *   stops nobody who is harassing on purpose.
 */
export const DEFAULT_VELOCITY_LIMITS: VelocityLimits = {
  phone: { max: 5, windowMs: HOUR_MS, onExceed: 'block' },
  ip: { max: 20, windowMs: HOUR_MS, onExceed: 'challenge' },
  ipv4Subnet: { max: 100, windowMs: HOUR_MS, onExceed: 'challenge' },
  ipv6Subnet: { max: 20, windowMs: HOUR_MS, onExceed: 'challenge' },
  session: { cooldownsMs: RESEND_COOLDOWNS_MS, maxResends: MAX_RESENDS_PER_SESSION, sessionTtlMs: HOUR_MS, onExceed: 'block' },
  app: { max: 1_000, windowMs: MINUTE_MS, onExceed: 'challenge' },
  accountHour: { max: 5, windowMs: HOUR_MS, onExceed: 'block' },
  accountDay: { max: 10, windowMs: DAY_MS, onExceed: 'block' },
};

export const DEFAULT_VELOCITY_CONFIG: VelocityConfig = { defaults: DEFAULT_VELOCITY_LIMITS, apps: {} };

/** The limits `app` runs under: its overrides over the defaults. */
export function limitsForApp(config: VelocityConfig, app: string): VelocityLimits {
  const overrides = Object.hasOwn(config.apps, app) ? config.apps[app] : undefined;
  return overrides === undefined ? config.defaults : { ...config.defaults, ...overrides };
}
