/**
 * Builds everything that starts in one minute: the baseline sessions (degraded where an outage
 * applies) and each scenario's sessions, with all their later consequences. A minute depends on
 * nothing but the seed and the minute number, which is what makes windows composable.
 */
import type { ProviderName } from '../catalog/providers.catalog.ts';
import type { ScenarioRunner } from '../scenarios/scenario.types.ts';
import type { BaselineTraffic } from '../traffic/baseline-traffic.ts';
import { createMinuteBatch, type MinuteBatch } from './minute-batch.ts';
import type { MinuteContext, OutageEffect } from './minute-context.ts';
import { MS_PER_MINUTE } from './time.ts';

export interface MinuteGeneratorDeps {
  seedHash: number;
  /** Short form of the seed in ids, so two seeds never share event ids. */
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
  const outages = deps.runners.filter((runner) => runner.outage !== undefined);

  const outageAt = (countryIso: string, provider: ProviderName, atMs: number): OutageEffect | undefined => {
    for (const runner of outages) {
      const outage = runner.outage;
      if (
        outage &&
        outage.country === countryIso &&
        outage.provider === provider &&
        atMs >= runner.startMs &&
        atMs < runner.endMs
      ) {
        return outage;
      }
    }
    return undefined;
  };

  const contextFor = (minute: number): MinuteContext => ({
    batch: createMinuteBatch(minute, deps.seedTag),
    minute,
    minuteStartMs: minute * MS_PER_MINUTE,
    seedHash: deps.seedHash,
    simStartMs: deps.simStartMs,
    outageAt,
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
      if (runner.outage) deps.baseline.emitMinute(ctx, { country: runner.outage.country, provider: runner.outage.provider });
      emitScenario(runner, ctx);
      return ctx.batch;
    },
  };
}
