/**
 * How fast the decision path is in a plain loop: 1,000 breakers loaded, every velocity rule on.
 * Not a test (timings depend on the machine); run it by hand and compare with the README:
 *   npx tsx packages/breakers/test/decide-loop.timing.ts
 */
import { createBreakerIndex, createDecider, createVelocityLimiter, type Breaker, type DecideRequest } from '../src/index.ts';
import { openBreaker } from './fixtures/breakers.ts';
import { REQUEST } from './fixtures/requests.ts';
import { seededRandom } from './fixtures/seeded-random.ts';

const BREAKERS = 1_000;
const REQUESTS = 200_000;
const ROUNDS = 5;
const COUNTRIES: readonly [string, string][] = [
  ['GB', '44'],
  ['FR', '33'],
  ['DE', '49'],
  ['NG', '234'],
  ['ID', '62'],
  ['US', '1'],
];
const APPS = ['shop', 'bank', 'social'];
const FLOWS = ['signup', 'login', 'recovery', 'step_up'];

const random = seededRandom(2025);
const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
const digits = (count: number) => String(Math.floor(random() * 10 ** count)).padStart(count, '0');

/** The mix an incident-heavy day leaves behind: mostly prefix breakers, some ASN, a few wide ones. */
function breakerAt(n: number): Breaker {
  const [country, callingCode] = pick(COUNTRIES);
  const kind = n % 20;
  const scope =
    kind < 12
      ? { app: pick(APPS), country, prefix: `+${callingCode} ${digits(3)}` }
      : kind < 17
        ? { asn: 10_000 + Math.floor(random() * 5_000) }
        : kind < 19
          ? { app: pick(APPS), country, flow: pick(FLOWS) }
          : { provider: pick(['twilio', 'vonage']), country };
  const action = n % 3 === 0 ? ({ kind: 'challenge' } as const) : ({ kind: 'block' } as const);
  return openBreaker({ id: `b${n}`, scope, action, mode: n % 10 === 0 ? 'shadow' : 'enforce', expiresAt: null });
}

function requestAt(n: number): DecideRequest {
  const [country, callingCode] = pick(COUNTRIES);
  const subnet = `${10 + (n % 200)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}`;
  return {
    ...REQUEST,
    app: pick(APPS),
    flow: pick(FLOWS),
    phoneHash: `${n.toString(16).padStart(12, '0')}${digits(8)}`.padEnd(64, 'f'),
    country,
    prefix: `+${callingCode} ${digits(3)}`,
    asn: 10_000 + Math.floor(random() * 20_000),
    ip: `${subnet}.${Math.floor(random() * 256)}`,
    ipSubnet: `${subnet}.0/24`,
    sessionId: `s${n}`,
  };
}

const breakers = Array.from({ length: BREAKERS }, (_, n) => breakerAt(n));
const requests = Array.from({ length: REQUESTS }, (_, n) => requestAt(n));
const index = createBreakerIndex(breakers);

function timeLoop(label: string, perCall: (request: DecideRequest) => unknown): void {
  let sink = 0;
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const startNs = process.hrtime.bigint();
    for (const request of requests) if (perCall(request) !== undefined) sink++;
    best = Math.min(best, Number(process.hrtime.bigint() - startNs) / REQUESTS);
  }
  console.log(
    `${label}: ${(best / 1_000).toFixed(3)} µs per call, ${Math.round(1e9 / best).toLocaleString('en')} per second (best of ${ROUNDS} x ${REQUESTS.toLocaleString('en')}; ${sink > 0 ? 'ok' : 'no result'})`,
  );
}

const matched = requests.filter((request) => index.matching(request).length > 0).length;
console.log(
  `${BREAKERS} breakers, ${REQUESTS.toLocaleString('en')} distinct requests, ${((matched / REQUESTS) * 100).toFixed(1)}% covered by a breaker`,
);
timeLoop('index.matching', (request) => index.matching(request));

const decider = createDecider({ index, limiter: createVelocityLimiter({ clock: Date.now }), clock: Date.now, random: seededRandom(1) });
timeLoop('decide (velocity rules on, default limits)', (request) => decider.decide(request));
