/**
 * Where attack traffic comes from and what its sessions look like: a handful of rented servers
 * for the crude attacks, a rotating residential proxy pool for the careful ones.
 */
import type { Flow } from '@tollgate/events';
import { LEGIT_USER_AGENTS, SCRIPTED_USER_AGENTS, type AppName } from '../catalog/apps.catalog.ts';
import type { CountryProfile, MobileRange } from '../catalog/countries.catalog.ts';
import type { ProviderName } from '../catalog/providers.catalog.ts';
import type { Random } from '../random/prng.ts';
import { chance, pick, pickDistinct } from '../random/sampling.ts';
import { ALL_ACCESS_BLOCKS, HOSTING_BLOCKS } from '../traffic/client-networks.ts';
import { randomAddress, type ClientAddress } from '../traffic/ip-address.ts';
import type { SessionContext } from '../traffic/otp-delivery.ts';
import type { MinuteContext } from '../engine/minute-context.ts';
import { randomNumber } from '../traffic/phone-number.ts';
import type { ScenarioSession } from './scenario-minute.ts';
import type { ScenarioSetup } from './scenario.types.ts';

/** Pumping goes after flows that need no account: signup on the biggest consumer app. */
export const DEFAULT_ATTACK_APP: AppName = 'social';
export const DEFAULT_ATTACK_FLOW: Flow = 'signup';

/** Share of bots that spoof a browser user agent instead of sending their HTTP library's. */
const SPOOFED_USER_AGENT_SHARE = 0.5;

/** Exits on `asnCount` distinct hosting providers, `ipsPerAsn` addresses on each. */
export function hostingExits(r: Random, asnCount: number, ipsPerAsn: number): ClientAddress[] {
  return pickDistinct(r, HOSTING_BLOCKS, asnCount).flatMap((block) => Array.from({ length: ipsPerAsn }, () => randomAddress(r, block)));
}

/** A residential proxy pool: `size` exits on carriers and ISPs all over the world. */
export function residentialExits(r: Random, size: number): ClientAddress[] {
  return Array.from({ length: size }, () => randomAddress(r, pick(r, ALL_ACCESS_BLOCKS)));
}

/** The ASN all exits share, if there is exactly one (then a label can scope on it). */
export function soleAsn(exits: readonly ClientAddress[]): number | undefined {
  const asns = new Set(exits.map((exit) => exit.asn));
  return asns.size === 1 ? exits[0]?.asn : undefined;
}

function botUserAgent(r: Random): string {
  return pick(r, chance(r, SPOOFED_USER_AGENT_SHARE) ? LEGIT_USER_AGENTS : SCRIPTED_USER_AGENTS);
}

export interface BotTarget {
  app: AppName;
  flow: Flow;
  country: CountryProfile;
  range: MobileRange;
  exits: readonly ClientAddress[];
  /** Route through this provider instead of the country's routing. */
  provider: ProviderName | undefined;
  /** The number to request a code for; default: a random number of the range. */
  phone?: string;
}

/**
 * A bot's session: one of the attack's exits, a scripted or spoofed client, no device id (bots do
 * not keep one), routed like any session to the country unless the attack pins a provider.
 */
export function botSession(ctx: MinuteContext, setup: ScenarioSetup, session: ScenarioSession, target: BotTarget): SessionContext {
  const { r } = session;
  return {
    log: session.log,
    r,
    seedHash: ctx.seedHash,
    minute: ctx.minute,
    app: target.app,
    flow: target.flow,
    country: target.country,
    range: target.range,
    phone: target.phone ?? randomNumber(r, target.range),
    client: pick(r, target.exits),
    provider: target.provider ?? setup.baseline.pickProvider(target.country, r),
    userAgent: botUserAgent(r),
  };
}
