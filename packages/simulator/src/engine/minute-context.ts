/** What a traffic source needs to write the sessions that start in one minute. */
import type { ProviderName } from '../catalog/providers.catalog.ts';
import type { DeliveryOdds } from '../traffic/otp-delivery.ts';
import type { MinuteBatch } from './minute-batch.ts';

/** A provider outage as the sessions caught in it see it. */
export interface OutageEffect {
  labelId: string;
  degrade(odds: DeliveryOdds): DeliveryOdds;
}

/** A price change as the messages sent under it see it: estimates and bills times their factors. */
export interface PriceEffect {
  labelId: string;
  estimateFactor: number;
  billedFactor: number;
}

export interface MinuteContext {
  batch: MinuteBatch;
  minute: number;
  minuteStartMs: number;
  seedHash: number;
  /** No session starts before the simulation's start. */
  simStartMs: number;
  /** The outage a session to this country through this provider runs into at `atMs`, if any. */
  outageAt(countryIso: string, provider: ProviderName, atMs: number): OutageEffect | undefined;
  /** The price change in force for this country and provider at `atMs`, if any. */
  priceAt(countryIso: string, provider: ProviderName, atMs: number): PriceEffect | undefined;
}
