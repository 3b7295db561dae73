/**
 * Plumbing shared by the scenarios that add sessions: each scenario draws from its own random
 * streams and numbers its sessions in its own index range, so scenarios never disturb the
 * baseline or each other, and their sessions only start inside their window.
 */
import { SESSIONS_PER_SOURCE, type SessionLog } from '../engine/minute-batch.ts';
import type { MinuteContext } from '../engine/minute-context.ts';
import { MS_PER_MINUTE } from '../engine/time.ts';
import { createRandom, type Random } from '../random/prng.ts';
import { intBelow, poisson } from '../random/sampling.ts';
import { STREAM } from '../random/streams.ts';
import type { ScenarioSetup } from './scenario.types.ts';
import type { Window } from './spec-checks.ts';

export interface ScenarioSession {
  log: SessionLog;
  r: Random;
}

export interface ScenarioMinute {
  /** The scenario's draws for this minute (counts, start times, targets). */
  r: Random;
  /**
   * Opens the scenario's next session of the minute, or nothing when `atMs` falls outside the
   * window (sessions are numbered in call order either way, so the numbering never shifts).
   */
  open(atMs: number, labelId: string): ScenarioSession | undefined;
  /** Runs the sessions of a Poisson process at `sessionsPerMinute`, at uniform times in the minute. */
  poisson(sessionsPerMinute: number, labelId: string, run: (session: ScenarioSession, atMs: number) => void): void;
}

export function scenarioMinute(ctx: MinuteContext, setup: ScenarioSetup, window: Window): ScenarioMinute {
  // Source 0 is the baseline.
  const base = (setup.index + 1) * SESSIONS_PER_SOURCE;
  const r = createRandom(setup.seedHash, ctx.minute, STREAM.scenarioMinute, setup.index);
  let next = 0;
  const open = (atMs: number, labelId: string): ScenarioSession | undefined => {
    const i = next;
    next += 1;
    if (atMs < window.startMs || atMs >= window.endMs || atMs < ctx.simStartMs) return undefined;
    if (i >= SESSIONS_PER_SOURCE) throw new RangeError('a scenario opened more sessions in one minute than it may');
    return {
      log: ctx.batch.openSession(base + i, labelId),
      r: createRandom(setup.seedHash, ctx.minute, STREAM.scenarioSession, setup.index, i),
    };
  };
  return {
    r,
    open,
    poisson(sessionsPerMinute, labelId, run) {
      const count = poisson(r, sessionsPerMinute);
      for (let i = 0; i < count; i += 1) {
        const atMs = ctx.minuteStartMs + intBelow(r, MS_PER_MINUTE);
        const session = open(atMs, labelId);
        if (session) run(session, atMs);
      }
    },
  };
}

/** Fraction of the window elapsed at `atMs`, for scenarios that ramp. */
export function elapsedShare(window: Window, atMs: number): number {
  return Math.min(1, Math.max(0, (atMs - window.startMs) / (window.endMs - window.startMs)));
}
