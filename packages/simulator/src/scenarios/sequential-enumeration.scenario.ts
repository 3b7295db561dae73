/**
 * Sequential enumeration: a script walks consecutive numbers of one block at a steady cadence,
 * one OTP each. Each number looks new, so per-number limits never fire; the block hash the
 * collectors keep (all but the last digits) is what shows many distinct numbers at once.
 */
import { BLOCK_SUFFIX_DIGITS } from '@tollgate/events';
import { minuteOf, MS_PER_MINUTE } from '../engine/time.ts';
import { createRandom } from '../random/prng.ts';
import { between, intBelow } from '../random/sampling.ts';
import { STREAM } from '../random/streams.ts';
import { FAILED_SEND_SHARE } from '../traffic/legit-session.ts';
import { deliverOtp } from '../traffic/otp-delivery.ts';
import { collectorPrefix, freeDigits, numberInRange } from '../traffic/phone-number.ts';
import { botSession, DEFAULT_ATTACK_APP, DEFAULT_ATTACK_FLOW, hostingExits, soleAsn } from './attack-source.ts';
import { scenarioLabel } from './scenario-label.ts';
import { scenarioMinute } from './scenario-minute.ts';
import type { ScenarioRunner, ScenarioSetup, SequentialEnumerationSpec } from './scenario.types.ts';
import { HIGH_COST_COUNTRIES, positive, scenarioWindow, singleRange } from './spec-checks.ts';

/** One number every three seconds: a single script with no parallelism. */
const DEFAULT_SENDS_PER_MINUTE = 20;
/** Numbers sharing all but their last digits form a block (the collectors' block hash). */
const BLOCK_SIZE = 10 ** BLOCK_SUFFIX_DIGITS;
/** Walking a range hits unassigned and inactive numbers: only part of it is delivered. */
const ENUMERATED_DELIVERED_SHARE = 0.6;
/** A script on one server, rotating a few addresses. */
const EXIT_IPS = 3;
/** Sends are evenly spaced; each is late by up to this share of the spacing (request jitter). */
const CADENCE_JITTER = 0.5;

const ENUMERATION_ODDS = { failShare: FAILED_SEND_SHARE, deliveredShare: ENUMERATED_DELIVERED_SHARE };

export function createSequentialEnumeration(spec: SequentialEnumerationSpec, setup: ScenarioSetup): ScenarioRunner {
  const window = scenarioWindow(spec);
  const perMinute = Math.max(1, Math.round(positive(spec.kind, 'sendsPerMinute', spec.sendsPerMinute, DEFAULT_SENDS_PER_MINUTE)));
  const setupRandom = createRandom(setup.seedHash, STREAM.scenarioSetup, setup.index);
  const app = spec.app ?? DEFAULT_ATTACK_APP;
  const flow = spec.flow ?? DEFAULT_ATTACK_FLOW;
  const { country, range } = singleRange(spec.kind, spec, setupRandom, HIGH_COST_COUNTRIES);
  const firstMinute = minuteOf(window.startMs);
  const totalNumbers = (minuteOf(window.endMs) - firstMinute + 1) * perMinute;
  const capacity = 10 ** freeDigits(range);
  if (totalNumbers > capacity) {
    throw new RangeError(`${spec.kind}: ${totalNumbers} numbers do not fit in ${range.prefix}; shorten durationMs`);
  }
  // The walk starts at the beginning of a block, as enumeration scripts do.
  const firstSubscriber = Math.floor(intBelow(setupRandom, capacity - totalNumbers + 1) / BLOCK_SIZE) * BLOCK_SIZE;
  const exits = hostingExits(setupRandom, 1, EXIT_IPS);
  const scope = { country: country.iso, prefix: collectorPrefix(country, range), asn: soleAsn(exits), app, flow };
  const label = scenarioLabel(spec.kind, setup, window, true, scope);
  const spacingMs = MS_PER_MINUTE / perMinute;

  return {
    ...window,
    labels: [label],
    emitMinute(ctx) {
      const minute = scenarioMinute(ctx, setup, window);
      // The position in the walk follows from the minute alone, so any minute can be generated on its own.
      const walked = (ctx.minute - firstMinute) * perMinute;
      for (let i = 0; i < perMinute; i += 1) {
        const atMs = ctx.minuteStartMs + Math.floor((i + between(minute.r, 0, CADENCE_JITTER)) * spacingMs);
        const session = minute.open(atMs, label.id);
        if (!session) continue;
        const phone = numberInRange(range, firstSubscriber + walked + i);
        const bot = botSession(ctx, setup, session, { app, flow, country, range, exits, provider: undefined, phone });
        deliverOtp(bot, atMs, 0, 'sms', ENUMERATION_ODDS);
      }
    },
  };
}
