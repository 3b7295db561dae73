/**
 * The healthy traffic of the simulated company: every minute, a Poisson number of OTP sessions
 * spread over countries by their share and local time of day, over apps and flows by their mix,
 * and over providers by each country's routing.
 */
import { COUNTRIES, type CountryProfile } from '../catalog/countries.catalog.ts';
import type { ProviderName } from '../catalog/providers.catalog.ts';
import { SESSIONS_PER_SOURCE } from '../engine/minute-batch.ts';
import type { MinuteContext } from '../engine/minute-context.ts';
import { MS_PER_MINUTE } from '../engine/time.ts';
import { createRandom, type Random } from '../random/prng.ts';
import { cumulativeWeights, intBelow, pickIndex, poisson, weightedPicker } from '../random/sampling.ts';
import { STREAM } from '../random/streams.ts';
import { activityFactor } from './seasonality.ts';
import type { LevelNoise } from './level-noise.ts';
import { runLegitSession } from './legit-session.ts';
import { pickApp, pickFlow } from './session-mix.ts';

/**
 * Sends per legit session (first send plus resends), measured over simulated days with the
 * session model in legit-session.ts; turns the configured sends per minute into sessions per minute.
 */
export const SENDS_PER_SESSION = 1.066;

/** Countries pick their sessions with weights sampled at the middle of the minute. */
const HALF_MINUTE_MS = MS_PER_MINUTE / 2;

const pickProvider = new Map(COUNTRIES.map((country) => [country.iso, weightedPicker<ProviderName>(country.routing)]));

const TOTAL_SHARE = COUNTRIES.reduce((sum, country) => sum + country.trafficShare, 0);

export interface BaselineTraffic {
  /** Expected new legit sessions per minute in `country` around `atMs`. */
  sessionsPerMinute(country: CountryProfile, atMs: number): number;
  /** The provider a legit session in `country` is routed through. */
  pickProvider: (country: CountryProfile, r: Random) => ProviderName;
  /**
   * Writes the minute's legit sessions. `only` restricts the output to sessions of one country and
   * provider (used to cost an outage's or a price change's label without building the rest of the minute).
   */
  emitMinute(ctx: MinuteContext, only?: { country: string; provider: ProviderName }): void;
}

const COUNTRY_INDEX = new Map(COUNTRIES.map((country, index) => [country.iso, index]));

/**
 * The healthy traffic at `sendsPerMinute` sends per minute on average over a week, each country's
 * level wandering by `levelNoise` around its seasonal curve (none by default).
 */
export function createBaselineTraffic(sendsPerMinute: number, levelNoise: LevelNoise = () => 1): BaselineTraffic {
  const sessionsPerMinuteTotal = sendsPerMinute / SENDS_PER_SESSION;
  const sessionsPerMinute = (country: CountryProfile, atMs: number): number =>
    ((sessionsPerMinuteTotal * country.trafficShare) / TOTAL_SHARE) *
    activityFactor(atMs, country.utcOffsetHours) *
    levelNoise(COUNTRY_INDEX.get(country.iso) ?? -1, atMs);

  const providerFor = (country: CountryProfile, r: Random): ProviderName => {
    const picker = pickProvider.get(country.iso);
    if (!picker) throw new RangeError(`no routing for ${country.iso}`);
    return picker(r);
  };

  const emitMinute = (ctx: MinuteContext, only?: { country: string; provider: ProviderName }): void => {
    const r = createRandom(ctx.seedHash, ctx.minute, STREAM.baselineMinute);
    const middleMs = ctx.minuteStartMs + HALF_MINUTE_MS;
    const rates = COUNTRIES.map((country) => sessionsPerMinute(country, middleMs));
    const cumulative = cumulativeWeights(rates);
    const count = poisson(r, cumulative[cumulative.length - 1] ?? 0);
    if (count >= SESSIONS_PER_SOURCE) throw new RangeError('sendsPerMinute is too high: a minute would exceed its session ids');
    for (let index = 0; index < count; index += 1) {
      const startMs = ctx.minuteStartMs + intBelow(r, MS_PER_MINUTE);
      const country = COUNTRIES[pickIndex(r, cumulative)];
      if (!country) continue;
      const app = pickApp(r);
      const flow = pickFlow(r, app);
      const provider = providerFor(country, r);
      if (startMs < ctx.simStartMs) continue;
      if (only && (only.country !== country.iso || only.provider !== provider)) continue;
      const outage = ctx.outageAt(country.iso, provider, startMs);
      const price = ctx.priceAt(country.iso, provider, startMs);
      runLegitSession(
        ctx.batch.openSession(index, outage?.labelId ?? price?.labelId),
        createRandom(ctx.seedHash, ctx.minute, STREAM.baselineSession, index),
        ctx.seedHash,
        ctx.minute,
        { startMs, country, app, flow, provider, outage, price },
      );
    }
  };

  return { sessionsPerMinute, pickProvider: providerFor, emitMinute };
}
