import { conversionDrop, type ConversionStat, type PrefixStat } from './scope-stats.ts';
import type { VelocityCounts } from './velocity-limiter.ts';

/**
 * The risk signals of one send request (velocity per phone, IP, subnet, session and account; IP
 * and ASN reputation; sequential numbers; device and browser signals).
 * Each signal is a small pure function from the request's facts to a strength in [0, 1],
 * non-decreasing in every count it reads; the score (risk-score.ts) weighs them.
 */

/** What the signals read about one request. One object is refilled per request, never kept. */
export interface RiskFacts {
  velocity: VelocityCounts;
  asn: number;
  /** The IP's network belongs to a hosting, cloud or VPN company (events' asn-lookup). */
  hosting: boolean;
  asnStat: ConversionStat | undefined;
  prefix: string;
  prefixStat: PrefixStat | undefined;
  /** Distinct numbers the phone's number block received lately (0 when unknown). */
  blockPhones: number;
  /** How many of device_id, user_agent, timezone and platform the request left out. */
  deviceFieldsMissing: number;
  userAgent: string | undefined;
  /** The user agent is a script's or a headless browser's (isAutomationUserAgent, cached per user agent by the assessor). */
  automated: boolean;
  /** Distinct phones asked for from this device lately, this one included (0 without a device id). */
  devicePhones: number;
}

export const SIGNAL_NAMES = [
  'phone_velocity',
  'ip_velocity',
  'subnet_velocity',
  'session_velocity',
  'account_velocity',
  'hosting_network',
  'asn_conversion',
  'prefix_conversion',
  'prefix_price',
  'number_block',
  'device_missing',
  'automation_client',
  'device_many_numbers',
] as const;
export type SignalName = (typeof SIGNAL_NAMES)[number];

export interface RiskSignalSpec {
  name: SignalName;
  /** Strength in [0, 1]. */
  strength(facts: RiskFacts): number;
  /** Why, for the answer and the dashboard; called only for signals that weighed in. */
  detail(facts: RiskFacts): string;
}

/** A conversion half of the baseline is as bad as it gets: pumping drives it near zero, a bad hour of delivery rarely halves it. */
export const FULL_CONVERSION_DROP = 0.5;
/** An SMS at or below this costs little to pump (most of Europe and the Americas, list prices 2026). */
export const CHEAP_SMS_USD = 0.1;
/** An SMS at this price or more is what pumping rings target (premium and high-cost routes). */
export const EXPENSIVE_SMS_USD = 0.5;
/** Distinct numbers of one 1,000-number block in the stats window at which enumeration is certain; people almost never share a block. */
export const FULL_BLOCK_PHONES = 10;
/** Device fields a service can send: device_id, user_agent, timezone, platform. */
export const DEVICE_FIELDS = 4;
/** Distinct phones behind one device at which it is a phone farm or a script; a family shares a tablet, not five numbers. */
export const FULL_DEVICE_PHONES = 5;

/**
 * Clients that announce automation: headless browsers, browser drivers and HTTP libraries.
 * okhttp and CFNetwork are left out: native Android and iOS apps send those for real users.
 */
const AUTOMATION_USER_AGENT =
  /headless|phantomjs|selenium|webdriver|puppeteer|playwright|python-requests|python-urllib|aiohttp|httpx|go-http-client|^curl\/|^wget|axios|node-fetch|undici|libwww-perl|^java\/|scrapy|^$/i;

export function isAutomationUserAgent(userAgent: string): boolean {
  return AUTOMATION_USER_AGENT.test(userAgent.trim());
}

function ratio(count: number, full: number): number {
  return count <= 0 ? 0 : count >= full ? 1 : count / full;
}

function share(value: number): string {
  return `${Math.round(value * 100)} %`;
}

function conversionDetail(what: string, stat: ConversionStat | undefined): string {
  if (stat === undefined) return `${what}: no conversion figures`;
  const recent = stat.recentVerified / Math.max(1, stat.recentSessions);
  const baseline = stat.baselineVerified / Math.max(1, stat.baselineSessions);
  return `${what} converts ${share(recent)} of ${stat.recentSessions} recent sessions against ${share(baseline)} usually`;
}

/** The table of signals, in the order the answer lists them. */
export const RISK_SIGNALS: readonly RiskSignalSpec[] = [
  {
    name: 'phone_velocity',
    strength: (f) => ratio(f.velocity.phone, f.velocity.phoneMax),
    detail: (f) => `${f.velocity.phone} sends to this phone in the window (limit ${f.velocity.phoneMax})`,
  },
  {
    name: 'ip_velocity',
    strength: (f) => ratio(f.velocity.ip, f.velocity.ipMax),
    detail: (f) => `${f.velocity.ip} sends from this IP in the window (limit ${f.velocity.ipMax})`,
  },
  {
    name: 'subnet_velocity',
    strength: (f) => ratio(f.velocity.subnet, f.velocity.subnetMax),
    detail: (f) => `${f.velocity.subnet} sends from this /24 or /64 in the window (limit ${f.velocity.subnetMax})`,
  },
  {
    name: 'session_velocity',
    strength: (f) => ratio(f.velocity.session, f.velocity.sessionMax),
    detail: (f) => `${f.velocity.session} sends in this session already (at most ${f.velocity.sessionMax})`,
  },
  {
    name: 'account_velocity',
    strength: (f) => ratio(f.velocity.account, f.velocity.accountMax),
    detail: (f) => `${f.velocity.account} sends for this account in the last hour (limit ${f.velocity.accountMax})`,
  },
  {
    name: 'hosting_network',
    strength: (f) => (f.hosting ? 1 : 0),
    detail: (f) => `IP on a hosting, cloud or VPN network (AS${f.asn}), not a home or mobile connection`,
  },
  {
    name: 'asn_conversion',
    strength: (f) => ratio(conversionDrop(f.asnStat), FULL_CONVERSION_DROP),
    detail: (f) => conversionDetail(`AS${f.asn}`, f.asnStat),
  },
  {
    name: 'prefix_conversion',
    strength: (f) => ratio(conversionDrop(f.prefixStat), FULL_CONVERSION_DROP),
    detail: (f) => conversionDetail(`prefix ${f.prefix}`, f.prefixStat),
  },
  {
    name: 'prefix_price',
    strength: (f) => ratio((f.prefixStat?.priceUsd ?? 0) - CHEAP_SMS_USD, EXPENSIVE_SMS_USD - CHEAP_SMS_USD),
    detail: (f) => `prefix ${f.prefix} costs $${(f.prefixStat?.priceUsd ?? 0).toFixed(3)} a send (expensive from $${EXPENSIVE_SMS_USD})`,
  },
  {
    name: 'number_block',
    strength: (f) => ratio(f.blockPhones - 1, FULL_BLOCK_PHONES - 1),
    detail: (f) => `${f.blockPhones} distinct numbers of this number block lately: sequential enumeration`,
  },
  {
    name: 'device_missing',
    strength: (f) => ratio(f.deviceFieldsMissing, DEVICE_FIELDS),
    detail: (f) => `${f.deviceFieldsMissing} of device_id, user_agent, timezone, platform missing`,
  },
  {
    name: 'automation_client',
    strength: (f) => (f.automated ? 1 : 0),
    detail: (f) => `user agent "${(f.userAgent ?? '').slice(0, 64)}" is a script or a headless browser`,
  },
  {
    name: 'device_many_numbers',
    strength: (f) => ratio(f.devicePhones - 1, FULL_DEVICE_PHONES - 1),
    detail: (f) => `${f.devicePhones} distinct phones asked for from this device lately`,
  },
];

/**
 * Points each signal adds at full strength; the score is their weighted sum, capped at 100.
 * Set so that no single weak hint reaches the default medium tier (40) alone, while the
 * crude pumping bot (hosting network + scripted client + no device) lands in high (70):
 * - automation_client 40, hosting_network 35: the strongest bot tells, but offices and VPN users
 *   live on hosting networks, so neither alone reaches medium;
 * - number_block 40: people almost never share a block; an enumeration is a bot;
 * - prefix_conversion 30, asn_conversion 20: a collapse is the pumping signature, but a delivery
 *   outage looks alike, so they add rather than decide;
 * - device_many_numbers 30, velocity 10-20: counters near their limit are suspicious before the
 *   limit itself refuses;
 * - device_missing 8, prefix_price 10: hints, since back-end integrations often send no device
 *   fields and some legitimate markets are expensive. At 8, a VPN user whose service sends the
 *   user agent and device id but no time zone or platform scores 39 and is not challenged. On the
 *   dashboard test's simulated day, 12 challenged 3.3 % of verified sessions and 8 challenges 1.4 %
 *   (in bank and recovery, whose tiers start at 30).
 */
export const DEFAULT_SIGNAL_WEIGHTS: Readonly<Record<SignalName, number>> = {
  phone_velocity: 20,
  ip_velocity: 15,
  subnet_velocity: 10,
  session_velocity: 10,
  account_velocity: 20,
  hosting_network: 35,
  asn_conversion: 20,
  prefix_conversion: 30,
  prefix_price: 10,
  number_block: 40,
  device_missing: 8,
  automation_client: 40,
  device_many_numbers: 30,
};
