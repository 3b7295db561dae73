/**
 * Builds everything that starts in one minute: the baseline sessions (degraded where an outage
 * applies, repriced where a price change does) and each scenario's sessions, with all their later
 * consequences. A minute depends on nothing but the random seed and the minute number, which is what
 * makes windows composable.
 */
import type { ProviderName } from '../catalog/providers.catalog.ts';
import type { ScenarioRunner } from '../scenarios/scenario.types.ts';
import type { BaselineTraffic } from '../traffic/baseline-traffic.ts';
import { createMinuteBatch, type MinuteBatch } from './minute-batch.ts';
import type { MinuteContext, OutageEffect, PriceEffect } from './minute-context.ts';
import { MS_PER_MINUTE } from './time.ts';

export interface MinuteGeneratorDeps {
  seedHash: number;
  /** Short form of the random seed in ids, so two seeds never share event ids. */
  seedTag: string;
  simStartMs: number;
  baseline: BaselineTraffic;
  runners: readonly ScenarioRunner[];
}

export interface MinuteGenerator {
  /** Every event of the sessions starting in `minute`, in generation order. */
  build(minute: number): MinuteBatch;
  /** Only the sessions one scenario accounts for (an outage: the baseline sessions caught in it). */
  buildFor(minute: number, runner: ScenarioRunner): MinuteBatch;
}

export function createMinuteGenerator(deps: MinuteGeneratorDeps): MinuteGenerator {
  // The scenario (an outage, a price change) that applies to a route at an instant, if any.
  const routeEffect = <T>(effectOf: (runner: ScenarioRunner) => (T & { country: string; provider: ProviderName }) | undefined) => {
    const runners = deps.runners.filter((runner) => effectOf(runner) !== undefined);
    return (countryIso: string, provider: ProviderName, atMs: number): T | undefined => {
      for (const runner of runners) {
        const effect = effectOf(runner);
        if (effect && effect.country === countryIso && effect.provider === provider && atMs >= runner.startMs && atMs < runner.endMs) {
          return effect;
        }
      }
      return undefined;
    };
  };
  const outageAt = routeEffect<OutageEffect>((runner) => runner.outage);
  const priceAt = routeEffect<PriceEffect>((runner) => runner.pricing);

  const contextFor = (minute: number): MinuteContext => ({
    batch: createMinuteBatch(minute, deps.seedTag),
    minute,
    minuteStartMs: minute * MS_PER_MINUTE,
    seedHash: deps.seedHash,
    simStartMs: deps.simStartMs,
    outageAt,
    priceAt,
  });

  const emitScenario = (runner: ScenarioRunner, ctx: MinuteContext): void => {
    if (runner.startMs < ctx.minuteStartMs + MS_PER_MINUTE && runner.endMs > ctx.minuteStartMs) runner.emitMinute?.(ctx);
  };

  return {
    build(minute) {
      const ctx = contextFor(minute);
      deps.baseline.emitMinute(ctx);
      for (const runner of deps.runners) emitScenario(runner, ctx);
      return ctx.batch;
    },
    buildFor(minute, runner) {
      const ctx = contextFor(minute);
      const route = runner.outage ?? runner.pricing;
      if (route) deps.baseline.emitMinute(ctx, { country: route.country, provider: route.provider });
      emitScenario(runner, ctx);
      return ctx.batch;
    },
  };
}
