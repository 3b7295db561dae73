/**
 * Verify brute force: an attacker triggers an OTP to a victim's number (login or recovery) and
 * then guesses codes as fast as the verify endpoint lets it. Cheap in SMS, loud on the verify
 * side: many failures per session and per IP, the IAM on-call's alert (product brief).
 */
import { MS_PER_SECOND } from '../engine/time.ts';
import { createRandom } from '../random/prng.ts';
import { between, pick } from '../random/sampling.ts';
import { STREAM } from '../random/streams.ts';
import { FAILED_SEND_SHARE } from '../traffic/legit-session.ts';
import { deliverOtp, recordVerify } from '../traffic/otp-delivery.ts';
import { botSession, hostingExits, residentialExits, soleAsn } from './attack-source.ts';
import { scenarioLabel } from './scenario-label.ts';
import { scenarioMinute } from './scenario-minute.ts';
import type { ScenarioRunner, ScenarioSetup, VerifyBruteforceSpec } from './scenario.types.ts';
import { knownCountry, positive, scenarioWindow } from './spec-checks.ts';

const DEFAULT_COUNTRY = 'US';
const DEFAULT_SESSIONS_PER_MINUTE = 2;
/** Guesses per code before the attacker moves on (an endpoint without attempt limits lets all through). */
const DEFAULT_ATTEMPTS_PER_SESSION = 40;
/** Keeps a session's guesses within minutes. */
const MAX_ATTEMPTS_PER_SESSION = 300;
/** Scripted guessing: one to four seconds between tries, the first a few seconds after the send. */
const ATTEMPT_GAP_MIN_MS = MS_PER_SECOND;
const ATTEMPT_GAP_MAX_MS = 4 * MS_PER_SECOND;
const FIRST_ATTEMPT_MIN_MS = 2 * MS_PER_SECOND;
const FIRST_ATTEMPT_MAX_MS = 5 * MS_PER_SECOND;
/** One rented server with a few addresses. */
const EXIT_IPS = 4;

export function createVerifyBruteforce(spec: VerifyBruteforceSpec, setup: ScenarioSetup): ScenarioRunner {
  const window = scenarioWindow(spec);
  const sessionsPerMinute = positive(spec.kind, 'sessionsPerMinute', spec.sessionsPerMinute, DEFAULT_SESSIONS_PER_MINUTE);
  const attempts = Math.round(positive(spec.kind, 'attemptsPerSession', spec.attemptsPerSession, DEFAULT_ATTEMPTS_PER_SESSION));
  if (attempts > MAX_ATTEMPTS_PER_SESSION) {
    throw new RangeError(`${spec.kind}.attemptsPerSession must be at most ${MAX_ATTEMPTS_PER_SESSION}`);
  }
  const setupRandom = createRandom(setup.seedHash, STREAM.scenarioSetup, setup.index);
  const country = knownCountry(spec.kind, spec.country ?? DEFAULT_COUNTRY);
  const app = spec.app ?? 'bank';
  const flow = spec.flow ?? 'login';
  const exitIps = Math.round(positive(spec.kind, 'exitIps', spec.exitIps, EXIT_IPS));
  const exits = spec.exits === 'residential' ? residentialExits(setupRandom, exitIps) : hostingExits(setupRandom, 1, exitIps);
  const label = scenarioLabel(spec.kind, setup, window, true, { country: country.iso, asn: soleAsn(exits), app, flow });
  // The victims' numbers are real, so their codes arrive like anyone's.
  const odds = { failShare: FAILED_SEND_SHARE, deliveredShare: country.deliveredShare };

  return {
    ...window,
    labels: [label],
    emitMinute(ctx) {
      scenarioMinute(ctx, setup, window).poisson(sessionsPerMinute, label.id, (session, atMs) => {
        const range = pick(session.r, country.mobileRanges);
        const bot = botSession(ctx, setup, session, { app, flow, country, range, exits, provider: undefined });
        deliverOtp(bot, atMs, 0, 'sms', odds);
        // Guessing a 6-digit code in at most 300 tries succeeds with p < 0.0003: every guess fails.
        let guessAtMs = atMs + Math.round(between(session.r, FIRST_ATTEMPT_MIN_MS, FIRST_ATTEMPT_MAX_MS));
        for (let attempt = 0; attempt < attempts; attempt += 1) {
          recordVerify(bot, guessAtMs, false);
          guessAtMs += Math.round(between(session.r, ATTEMPT_GAP_MIN_MS, ATTEMPT_GAP_MAX_MS));
        }
      });
    },
  };
}
