/**
 * The money behind each label: how many sends carry it and what they cost, up to any instant.
 * Computed by replaying only the labelled scenario's sessions (not the whole baseline), once,
 * then answered from running totals.
 */
import type { LabelDefinition, ScenarioLabel, ScenarioRunner } from '../scenarios/scenario.types.ts';
import type { MinuteGenerator } from './minute-generator.ts';
import { minuteOf } from './time.ts';

interface LabelSends {
  /** Send times, ascending. */
  atMs: number[];
  /** Cost of the sends up to and including index i. */
  cumulativeUsd: number[];
}

/** Sums are rounded to a hundredth of a cent: float noise would otherwise show in reports. */
const USD_DECIMALS = 10_000;

/** Number of sends before `untilMs`. */
function countBefore(atMs: readonly number[], untilMs: number): number {
  let low = 0;
  let high = atMs.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((atMs[mid] ?? Infinity) < untilMs) low = mid + 1;
    else high = mid;
  }
  return low;
}

export interface LabelLedger {
  labels(untilMs?: number): ScenarioLabel[];
}

export function createLabelLedger(runners: readonly ScenarioRunner[], minutes: MinuteGenerator): LabelLedger {
  let sendsByLabel: Map<string, LabelSends> | undefined;

  const tally = (): Map<string, LabelSends> => {
    const byLabel = new Map<string, LabelSends>();
    for (const runner of runners) {
      const sends = new Map<string, { atMs: number; costUsd: number }[]>(runner.labels.map((label) => [label.id, []]));
      for (let minute = minuteOf(runner.startMs); minute <= minuteOf(runner.endMs - 1); minute += 1) {
        for (const event of minutes.buildFor(minute, runner).events) {
          if (event.kind !== 'send' || event.label === undefined) continue;
          sends.get(event.label)?.push({ atMs: event.body.ts, costUsd: event.body.cost });
        }
      }
      for (const [labelId, list] of sends) {
        list.sort((a, b) => a.atMs - b.atMs);
        let total = 0;
        byLabel.set(labelId, {
          atMs: list.map((send) => send.atMs),
          cumulativeUsd: list.map((send) => (total += send.costUsd)),
        });
      }
    }
    return byLabel;
  };

  const withTotals = (label: LabelDefinition, untilMs: number): ScenarioLabel => {
    sendsByLabel ??= tally();
    const sends = sendsByLabel.get(label.id) ?? { atMs: [], cumulativeUsd: [] };
    const count = countBefore(sends.atMs, untilMs);
    const costUsd = count === 0 ? 0 : (sends.cumulativeUsd[count - 1] ?? 0);
    return {
      ...label,
      scope: { ...label.scope },
      sends: count,
      costUsd: Math.round(costUsd * USD_DECIMALS) / USD_DECIMALS,
      ...(count === 0 ? {} : { firstSendMs: sends.atMs[0] }),
    };
  };

  return {
    labels: (untilMs = Infinity) => runners.flatMap((runner) => runner.labels.map((label) => withTotals(label, untilMs))),
  };
}
