/**
 * Scenarios are the injected departures from healthy traffic: attacks the detector must catch and
 * look-alikes it must not page on. Each spec says when and where; each produces labels that say
 * what really happened, so a benchmark can score detections and count the cost of attack traffic.
 */
import type { Flow } from '@tollgate/events';
import type { AppName } from '../catalog/apps.catalog.ts';
import type { ProviderName } from '../catalog/providers.catalog.ts';
import type { MinuteContext, OutageEffect, PriceEffect } from '../engine/minute-context.ts';
import type { BaselineTraffic } from '../traffic/baseline-traffic.ts';

interface ScenarioWindow {
  /** Epoch ms at which the scenario starts. */
  startMs: number;
  durationMs: number;
}

/** Where an attack's sessions are opened (defaults: the social app's signup flow). */
interface TargetFlow {
  app?: AppName;
  flow?: Flow;
}

/** Sudden high volume to premium prefixes of 1-3 high-cost countries from a few hosting ASNs. */
export interface BurstPumpingSpec extends ScenarioWindow, TargetFlow {
  kind: 'burst_pumping';
  /** ISO codes; default: 1-3 high-cost countries picked by the random seed. */
  countries?: string[];
  /** E.164 prefixes of mobile ranges of those countries ("+99890"); default: one per country. */
  prefixes?: string[];
  sendsPerMinute?: number;
  /** Route through one provider instead of the countries' routing. */
  provider?: ProviderName;
  /** Scope size: prefixes drawn per country when `prefixes` names none (default 1). */
  prefixesPerCountry?: number;
  /** The bot farm: hosting ASNs and addresses on each (default 2 and 6). */
  exitAsns?: number;
  exitIpsPerAsn?: number;
  /** Share of sessions that type the right code, to look like users (default 0). */
  verifyShare?: number;
  /** Mean sends a session, resends included (1 to 5; default 1.25: a quarter of the bots resend once). */
  sendsPerSession?: number;
}

/** Pumping that grows linearly from nothing to its peak over the whole window. */
export interface SlowRampSpec extends ScenarioWindow, TargetFlow {
  kind: 'slow_ramp';
  country?: string;
  prefix?: string;
  peakSendsPerMinute?: number;
  /**
   * Intensity relative to the country: at the end of the window the country's traffic is this many
   * times its normal (8: seven times its normal sessions added). Replaces `peakSendsPerMinute`.
   */
  peakMultiplier?: number;
  /** Scope size: one prefix (default) or every mobile range of the country. */
  spread?: 'prefix' | 'country';
  /** Rented servers (default) or a residential proxy pool. */
  exits?: 'hosting' | 'residential';
  provider?: ProviderName;
}

/** Pumping spread thin over many countries, prefixes and residential proxy exits. */
export interface LowAndSlowSpec extends ScenarioWindow, TargetFlow {
  kind: 'low_and_slow';
  /** Default: every high-cost country plus the expensive mainstream ones. */
  countries?: string[];
  sendsPerMinute?: number;
  /**
   * Intensity relative to each country: its traffic times this (1.5: half its normal sessions
   * added in each). Replaces `sendsPerMinute`.
   */
  multiplier?: number;
}

/** Consecutive numbers of one number block at a steady cadence. */
export interface SequentialEnumerationSpec extends ScenarioWindow, TargetFlow {
  kind: 'sequential_enumeration';
  country?: string;
  prefix?: string;
  sendsPerMinute?: number;
}

/** Code guessing: each session gets one OTP, then many wrong codes from the same hosting IPs. */
export interface VerifyBruteforceSpec extends ScenarioWindow, TargetFlow {
  kind: 'verify_bruteforce';
  country?: string;
  sessionsPerMinute?: number;
  attemptsPerSession?: number;
  /** Addresses the guesses come from (default 4) and whether they are rented servers (default) or residential. */
  exitIps?: number;
  exits?: 'hosting' | 'residential';
}

/** A push or e-mail campaign: a country's traffic times `multiplier`, converting normally. */
export interface MarketingCampaignSpec extends ScenarioWindow {
  kind: 'marketing_campaign';
  country: string;
  multiplier?: number;
  app?: AppName;
}

/** One provider failing in one country: sends rejected or messages not delivered. */
export interface ProviderOutageSpec extends ScenarioWindow {
  kind: 'provider_outage';
  provider: ProviderName;
  country: string;
  mode?: 'send_failed' | 'undelivered';
  /** Share of the scope's messages lost during the outage. */
  failShare?: number;
}

/**
 * One provider delivering late in one country (a congested route or a carrier queue): messages
 * still arrive, `delayFactor` times slower. Users wait longer for their code.
 */
export interface ProviderSlowdownSpec extends ScenarioWindow {
  kind: 'provider_slowdown';
  provider: ProviderName;
  country: string;
  delayFactor?: number;
}

/**
 * A provider changes its price in one country by `factor`. Announced, the services' price table
 * follows and their send-time estimates rise with the bills (a cost spike, not fraud); unannounced,
 * only the bills rise (a billing mismatch for finance).
 */
export interface PriceChangeSpec extends ScenarioWindow {
  kind: 'price_change';
  provider: ProviderName;
  country: string;
  /** New price over old. */
  factor?: number;
  announced?: boolean;
}

/** A launch: a country with no history starts sending, ramping up, converting normally. */
export interface NewMarketSpec extends ScenarioWindow {
  kind: 'new_market';
  country: string;
  sendsPerMinute?: number;
  rampMs?: number;
}

/** A public holiday: real users of every app in some countries, `multiplier` times their usual traffic all day. */
export interface HolidaySpec extends ScenarioWindow {
  kind: 'holiday';
  countries: string[];
  multiplier?: number;
}

/** A weekend: no extra traffic (seasonality already dips), only a label for benchmarks. */
export interface WeekendDipSpec extends ScenarioWindow {
  kind: 'weekend_dip';
}

export type ScenarioSpec =
  | BurstPumpingSpec
  | SlowRampSpec
  | LowAndSlowSpec
  | SequentialEnumerationSpec
  | VerifyBruteforceSpec
  | MarketingCampaignSpec
  | ProviderOutageSpec
  | ProviderSlowdownSpec
  | PriceChangeSpec
  | NewMarketSpec
  | HolidaySpec
  | WeekendDipSpec;

export type ScenarioKind = ScenarioSpec['kind'];

/** What a label is about; absent fields mean "any". */
export interface LabelScope {
  country?: string;
  prefix?: string;
  provider?: string;
  asn?: number;
  app?: string;
  flow?: string;
}

/** Ground truth for one scenario (multi-country scenarios get one label per country). */
export interface ScenarioLabel {
  /** Carried by the scenario's events as `SimEvent.label`. */
  id: string;
  scenario: ScenarioKind;
  startMs: number;
  endMs: number;
  scope: LabelScope;
  attack: boolean;
  /** Sends carrying this label (up to the `untilMs` asked for). */
  sends: number;
  /** Their cost in USD as the services estimated it at send time. */
  costUsd: number;
  /**
   * When the first of those sends went out (absent while there is none): a slow attack may send
   * nothing for its first minutes, and how soon it is found after its first send is the detector's part.
   */
  firstSendMs?: number;
}

export type LabelDefinition = Omit<ScenarioLabel, 'sends' | 'costUsd'>;

/** What every scenario factory gets besides its spec. */
export interface ScenarioSetup {
  /** Position of the spec in the simulator's list: separates the scenarios' random streams and ids. */
  index: number;
  seedHash: number;
  baseline: BaselineTraffic;
}

/** A scenario once set up: its labels and how it changes each minute. */
export interface ScenarioRunner {
  readonly startMs: number;
  readonly endMs: number;
  readonly labels: readonly LabelDefinition[];
  /** Writes the scenario's own sessions that start in the minute (called only for minutes its window overlaps). */
  emitMinute?(ctx: MinuteContext): void;
  /** Degrades other sessions instead of adding its own (provider outages and slowdowns). */
  readonly outage?: OutageEffect & { country: string; provider: ProviderName };
  /** Reprices other sessions' messages instead of adding its own (price changes). */
  readonly pricing?: PriceEffect & { country: string; provider: ProviderName };
}
