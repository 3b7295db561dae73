/**
 * The labelled sweep of the detection benchmark and its scoring. Attacks the detector must catch,
 * at the intensities and scope sizes of the threat model (bursts of 1 to 100 sends a minute into
 * two or three sparse prefixes of one or two small countries from a few hosting ASNs; brute force
 * on the login flow of a large country during its normal traffic; ramps to eight times a country
 * over 6 to 10 hours through residential networks, from 07:00 and 03:00 UTC and from a day hour of
 * a large, a mid-sized and a small country; distributed attacks of 1.5x to 3x over 14-20
 * countries), and hard negatives it must not stop (campaign, outage, new market, holiday,
 * weekend). Scoring matches findings to labels by scope and time.
 *
 * Two ways to run it. The tuning seeds run a fixed ladder (bursts at exactly 1, 2, 5, 20 and 100
 * sends a minute for 2 hours, brute force at 15 and 40 guesses, ramps to 8x over 6 and 10 hours,
 * distributed attacks at 1.5x and 3x...), the same on every run so their rows compare from run
 * to run. The seeds drawn at run time draw every cell's parameters from the threat model's ranges
 * around its ladder step (a burst of ~2 a minute sends 2 to 4, for 1 to 3 hours, from 3 to 5
 * ASNs, 1 to 2 sends a session...), so a detector that only knows the ladder's exact figures shows
 * it there, and their healthy traffic wanders from its seasonal curve by a drawn 10 to 30 % a day
 * (`sweepLevelNoise`), where the ladder's repeats its week exactly. Each cell keeps its start time
 * either way: the sweep's calendar keeps attacks from overlapping.
 */
import { createHash } from 'node:crypto';
import type { BacktestFinding } from '@tollgate/detector';
import { COUNTRIES, type ScenarioLabel, type ScenarioSpec } from '@tollgate/simulator';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A finding this long after a label ends still belongs to it (conversion is judged late). */
const LABEL_TAIL_MS = 45 * 60_000;

/** Burst intensities of the ladder, sends a minute. */
export const BURST_SENDS_PER_MINUTE = [1, 2, 5, 20, 100];
/** Small pumping targets with under one send an hour per prefix in the simulated history. */
const SMALL_COUNTRIES = COUNTRIES.filter((c) => c.highCost).map((c) => c.iso);
const DISTRIBUTED_LOW = ['ID', 'NG', 'PK', 'EG', 'BD', 'PH', 'KE', 'VN', 'TR', 'MX', 'CO', 'ZA', 'MY', 'TH', 'AR', 'SA'];
const DISTRIBUTED_HIGH = ['IN', 'BR', 'DE', 'ES', 'IT', 'GB', 'JP', 'KR', 'PL', 'NL', 'AU', 'CA', 'UZ', 'LK'];

/**
 * How the sweep sets its cells' parameters: `fixed` is the ladder the tuning seeds run, `drawn`
 * draws each cell's parameters from the threat model's ranges, from its seed number.
 */
export type SweepParameters = 'fixed' | 'drawn';
/** The seeds the detector was tuned on: they run the fixed ladder. */
export const TUNING_SEEDS = [11, 23, 37];

/**
 * How far each country's healthy traffic wanders from its seasonal curve on a seed (the
 * simulator's `levelNoise`): none on the tuning seeds, so their rows compare from run to run; on
 * the seeds drawn at run time, a daily spread of 10 to 30 % drawn from its number, as real
 * traffic moves from one day to the next and no generator but ours repeats its week exactly.
 */
export function sweepLevelNoise(seed: number, parameters: SweepParameters, override?: string): number {
  if (parameters === 'fixed') return 0;
  // BENCH_LEVEL_NOISE: one wandering for every drawn seed, to see what it does to the same draws.
  if (override !== undefined && override !== '') return Number(override);
  return Number((0.1 + seedDraws(seed, 'level noise')() * 0.2).toFixed(2));
}

/** The sweep's specs for one seed (see `sweepCells`). */
export function scenarioSet(startMs: number, seed: number, parameters: SweepParameters): ScenarioSpec[] {
  return sweepCells(startMs, seed, parameters).map((cell) => cell.spec);
}

/** One attack or look-alike of the sweep. */
export interface SweepCell {
  spec: ScenarioSpec;
  /** Its ladder step, the same on every seed: the row of the results it belongs to. */
  name: string;
  /** The intensity, scope size and duration it ran at on its seed. */
  parameters: string;
}

/**
 * Countries of each size a ramp started at a day hour is drawn from: the shares of the simulated
 * traffic (large: 4.5 % or more, mid-sized: 1.5 % or more, small: the rest with real users). The
 * countries ramped from 03:00 UTC are left out, so yesterday's ramp does not sit in the baseline.
 */
const RAMP_SIZES = {
  large: (share: number) => share >= 4.5,
  'mid-sized': (share: number) => share >= 1.5 && share < 4.5,
  small: (share: number) => share > 0 && share < 1.5,
} as const;
const RAMPED_AT_NIGHT = ['PK', 'EG', 'NG', 'BD', 'KE'];
const DAY_RAMP_COUNTRIES = Object.entries(RAMP_SIZES).map(([size, fits]) => ({
  size,
  countries: COUNTRIES.filter((c) => !c.highCost && fits(c.trafficShare) && !RAMPED_AT_NIGHT.includes(c.iso)),
}));
/** Local hours a day-hour ramp may start at: its country's working day, before the evening peak. */
const DAY_RAMP_FIRST_HOUR = 8;
const DAY_RAMP_HOURS = 8;

/**
 * Draws in [0, 1) of their own, from a seed number alone: the day-hour ramps' hours and countries
 * and the drawn cells' parameters come from here and never from the simulator's streams, so
 * drawing them leaves the baseline traffic of a seed as it was.
 */
function seedDraws(seed: number, purpose: string): () => number {
  let drawn = 0;
  return () => createHash('sha256').update(`${purpose} ${seed} ${drawn++}`).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * Ramps to eight times a country over 10 hours, started at a day hour of the country (08:00 to
 * 15:00 local, drawn per seed), one in a country of each size: the 03:00 UTC ramp meets a country
 * asleep, with a handful of sessions in its first hour, while an operator may start at any hour.
 * They run on the sweep's last day, a Monday no other attack on these countries touches, and may
 * run past its end: what they measure is how soon they are first named.
 */
function dayHourRamps(startMs: number, seed: number): LadderCell[] {
  const draw = seedDraws(seed, 'day-hour ramps');
  const dayStartMs = startMs + 7 * DAY;
  return DAY_RAMP_COUNTRIES.map(({ size, countries }) => {
    const country = countries[Math.floor(draw() * countries.length)] as (typeof countries)[number];
    const localHour = DAY_RAMP_FIRST_HOUR + Math.floor(draw() * DAY_RAMP_HOURS);
    const spec: ScenarioSpec = {
      kind: 'slow_ramp',
      startMs: dayStartMs + (localHour - country.utcOffsetHours) * HOUR,
      durationMs: 10 * HOUR,
      country: country.iso,
      spread: 'country',
      exits: 'residential',
      peakMultiplier: 8,
    };
    return { spec, name: ` to 8x over 10 h from a day hour, ${size} country` };
  });
}

/** A cell of the fixed ladder and its ladder step. */
type LadderCell = Omit<SweepCell, 'parameters'>;

/**
 * The sweep for one seed: the random seed picks the ladder's burst countries (one or two of the
 * small ones) and the ramped countries, so each seed attacks other scopes; `drawn` then draws every
 * cell's parameters (`drawnSpec`). Attacks start on day 2, once two days of history give the
 * baselines something to learn from.
 */
export function sweepCells(startMs: number, seed: number, parameters: SweepParameters): SweepCell[] {
  return fixedLadder(startMs, seed).map(({ spec, name }, index) => {
    const ran = parameters === 'drawn' ? drawnSpec(spec, seedDraws(seed, `sweep cell ${index}`)) : spec;
    return { spec: ran, name, parameters: describeSpec(ran) };
  });
}

function fixedLadder(startMs: number, seed: number): LadderCell[] {
  const at = (day: number, hour: number) => startMs + day * DAY + hour * HOUR;
  const small = (i: number) => SMALL_COUNTRIES[(seed + i) % SMALL_COUNTRIES.length] as string;
  const burst = (i: number, startAt: number): ScenarioSpec => ({
    kind: 'burst_pumping',
    startMs: startAt,
    durationMs: 2 * HOUR,
    sendsPerMinute: BURST_SENDS_PER_MINUTE[i],
    countries: (seed + i) % 2 === 0 ? [small(2 * i)] : [small(2 * i), small(2 * i + 1)],
    prefixesPerCountry: 2 + ((seed + i) % 2),
    exitAsns: 3 + ((seed + i) % 3),
    exitIpsPerAsn: 3,
    verifyShare: 0.015,
  });
  const ramped = RAMPED_AT_NIGHT;
  const fixed: ScenarioSpec[] = [
    burst(0, at(2, 10)),
    { kind: 'marketing_campaign', startMs: at(2, 14), durationMs: 3 * HOUR, country: 'BR', multiplier: 3 },
    { kind: 'verify_bruteforce', startMs: at(2, 19), durationMs: HOUR, app: 'bank', flow: 'login', country: 'FR', attemptsPerSession: 40 },
    burst(1, at(3, 2)),
    {
      kind: 'slow_ramp',
      startMs: at(3, 7),
      durationMs: 6 * HOUR,
      country: ramped[seed % ramped.length],
      spread: 'country',
      exits: 'residential',
      peakMultiplier: 8,
    },
    {
      kind: 'verify_bruteforce',
      startMs: at(3, 15),
      durationMs: HOUR,
      app: 'bank',
      flow: 'login',
      country: 'US',
      attemptsPerSession: 15,
      exits: 'residential',
      exitIps: 5,
    },
    burst(2, at(3, 16)),
    { kind: 'new_market', startMs: at(3, 18), durationMs: 12 * HOUR, country: 'CL' },
    { kind: 'holiday', startMs: at(4, 8), durationMs: 18 * HOUR, countries: ['IN', 'ID', 'PH'], multiplier: 1.5 },
    burst(3, at(4, 10)),
    { kind: 'provider_outage', startMs: at(4, 14), durationMs: 2 * HOUR, provider: 'twilio', country: 'US' },
    { kind: 'weekend_dip', startMs: at(5, 0), durationMs: 2 * DAY },
    { kind: 'low_and_slow', startMs: at(5, 3), durationMs: 4 * HOUR, countries: DISTRIBUTED_LOW, multiplier: 1.5 },
    burst(4, at(5, 12)),
    {
      kind: 'slow_ramp',
      startMs: at(6, 3),
      durationMs: 10 * HOUR,
      country: ramped[(seed + 1) % ramped.length],
      spread: 'country',
      exits: 'residential',
      peakMultiplier: 8,
    },
    { kind: 'low_and_slow', startMs: at(6, 17), durationMs: 3 * HOUR, countries: DISTRIBUTED_HIGH, multiplier: 3 },
    { kind: 'sequential_enumeration', startMs: at(7, 9), durationMs: 2 * HOUR },
  ];
  const ladderStep = (spec: ScenarioSpec) => (spec.kind === 'burst_pumping' ? ` ~${spec.sendsPerMinute}/min` : describeSpec(spec));
  // A burst on the set's second day, when each hour of the day has been seen once and none twice:
  // a deployment's first attack need not wait for its baselines. After the other cells, so that
  // theirs keep their draws.
  const secondDay = { spec: { ...burst(2, at(1, 10)), countries: [small(11)] }, name: ' ~5/min on the second day' };
  return [...fixed.map((spec) => ({ spec, name: ladderStep(spec) })), ...dayHourRamps(startMs, seed), secondDay];
}

/**
 * The band a drawn burst's intensity comes from, by its ladder step (sends a minute): the smallest
 * steps stay apart (a burst of ~1 a minute stays under the 2-a-minute target), the large ones
 * spread over half to one and a half times their step.
 */
const BURST_BANDS = new Map<number | undefined, readonly [number, number]>([
  [1, [1, 2]],
  [2, [2, 4]],
  [5, [4, 6]],
  [20, [10, 30]],
  [100, [50, 150]],
]);
/** Countries at least as large as France in the simulated traffic: where the ladder's brute force guesses logins. */
const BRUTE_FORCE_COUNTRIES = COUNTRIES.filter((c) => c.trafficShare >= 3.5).map((c) => c.iso);

/**
 * A ladder cell with its parameters drawn from the threat model's ranges; its start, its kind and
 * what the ladder fixes beyond the threat model (a ramp's country and peak, a brute force's app,
 * flow and kind of exits) stay.
 */
function drawnSpec(spec: ScenarioSpec, draw: () => number): ScenarioSpec {
  /** A value in [low, high] to `decimals` places, so the results print what ran. */
  const within = (low: number, high: number, decimals = 1) => Number((low + draw() * (high - low)).toFixed(decimals));
  const count = (low: number, high: number) => low + Math.floor(draw() * (high - low + 1));
  const hours = (low: number, high: number) => Math.round(within(low, high) * HOUR);
  const some = (pool: readonly string[], n: number) => {
    const left = [...pool];
    return Array.from({ length: n }, () => left.splice(Math.floor(draw() * left.length), 1)[0] as string);
  };
  switch (spec.kind) {
    case 'burst_pumping': {
      const band = BURST_BANDS.get(spec.sendsPerMinute);
      if (!band)
        throw new RangeError(`the burst step of ${spec.sendsPerMinute} sends a minute has no band to draw from: add it to BURST_BANDS`);
      const [low, high] = band;
      return {
        ...spec,
        durationMs: hours(1, 3),
        sendsPerMinute: within(low, high),
        countries: some(SMALL_COUNTRIES, count(1, 2)),
        prefixesPerCountry: count(2, 3),
        exitAsns: count(3, 5),
        exitIpsPerAsn: count(2, 4),
        verifyShare: within(0.01, 0.02, 3),
        // Drawn last, so every draw before it keeps its value: from every send a session of its
        // own to every bot resending once (the same sends a minute over fewer sessions).
        sendsPerSession: within(1, 2, 2),
      };
    }
    case 'verify_bruteforce':
      return { ...spec, country: some(BRUTE_FORCE_COUNTRIES, 1)[0], attemptsPerSession: count(15, 60), exitIps: count(3, 8) };
    case 'slow_ramp':
      return { ...spec, durationMs: hours(6, 10) };
    case 'low_and_slow': {
      // Its own ladder countries, and the other's that no ramp targets: an evening attack does not
      // land on a country whose ramp of the same morning is still in its baseline.
      const others = [...DISTRIBUTED_LOW, ...DISTRIBUTED_HIGH].filter(
        (iso) => !spec.countries?.includes(iso) && !RAMPED_AT_NIGHT.includes(iso),
      );
      return { ...spec, countries: some([...(spec.countries ?? []), ...others], count(14, 20)), multiplier: within(1.5, 3) };
    }
    case 'marketing_campaign':
      return { ...spec, multiplier: within(2, 4) };
    case 'holiday':
      return { ...spec, multiplier: within(1.3, 1.8) };
    case 'provider_outage':
      return { ...spec, durationMs: hours(1, 3) };
    default:
      return spec;
  }
}

/** The intensity, scope size and duration of a spec, as the results print it. */
function describeSpec(spec: ScenarioSpec): string {
  const hours = `${Number((spec.durationMs / HOUR).toFixed(1))} h`;
  switch (spec.kind) {
    case 'burst_pumping':
      return (
        ` ${spec.sendsPerMinute}/min, ${spec.prefixesPerCountry} prefixes in ${spec.countries?.length} country(ies), ` +
        `${spec.exitAsns} ASNs x ${spec.exitIpsPerAsn} IPs, ${Number(((spec.verifyShare ?? 0) * 100).toFixed(1))}% verifying, ${hours}` +
        (spec.sendsPerSession === undefined ? '' : `, ${spec.sendsPerSession} send${spec.sendsPerSession === 1 ? '' : 's'} a session`)
      );
    case 'slow_ramp':
      return ` to ${spec.peakMultiplier}x over ${hours} from ${new Date(spec.startMs).toISOString().slice(11, 16)} UTC`;
    case 'low_and_slow':
      return ` ${spec.multiplier}x in ${spec.countries?.length} countries`;
    case 'verify_bruteforce':
      return ` ${spec.attemptsPerSession} guesses a session, ${spec.exitIps ? `${spec.exitIps} ` : ''}${spec.exits ?? 'hosting'} IPs`;
    case 'holiday':
    case 'marketing_campaign':
      return ` ${spec.multiplier}x`;
    case 'provider_outage':
      return ` ${hours}`;
    default:
      return '';
  }
}

/** The kinds that name each attack for what it is. */
const DESTINATION_KINDS: readonly BacktestFinding['kind'][] = ['volume_spike', 'conversion_drop', 'new_destination', 'sequential_numbers'];
const RIGHT_KINDS: Partial<Record<ScenarioLabel['scenario'], readonly BacktestFinding['kind'][]>> = {
  burst_pumping: DESTINATION_KINDS,
  slow_ramp: DESTINATION_KINDS,
  low_and_slow: DESTINATION_KINDS,
  sequential_enumeration: ['sequential_numbers'],
  verify_bruteforce: ['verify_bruteforce'],
};
/** Kinds that stop spend: a block of one of them during a brute force is the mistake to avoid. */
const COST_KINDS: readonly BacktestFinding['kind'][] = [
  'volume_spike',
  'conversion_drop',
  'new_destination',
  'sequential_numbers',
  'cost_spike',
  'asn_concentration',
];

export interface ScenarioScore {
  label: ScenarioLabel;
  /** Found with a kind that names it for what it is. */
  detected: boolean;
  /** Event-time minutes from the attack's start to its first finding of the right kind. */
  minutesToDetect?: number;
  /** Minutes to the first finding naming a prefix or country of the attack (destination attacks). */
  minutesToScoped?: number;
  /**
   * The same from the attack's first send rather than its start: a ramp from a quiet hour can send
   * nothing for most of its first hour, and no count names a country on sessions that never came.
   */
  minutesToScopedFromFirstSend?: number;
  /** Matched findings whose scope names the label's narrowest destination (or flow). */
  scopePrecision?: number;
  /** Cost of the attack before its first scoped finding (brute force: before its first finding). */
  exposedUsd: number;
  totalUsd: number;
  /** For look-alikes: block or challenge findings on them (must be 0). For brute force: cost-kind blocks. */
  falseActions: number;
  findings: BacktestFinding[];
}

export interface BenchScore {
  scenarios: ScenarioScore[];
  unlabelled: BacktestFinding[];
  /**
   * Distinct block and challenge findings on hard negatives: one finding that overlaps several
   * (an ASN's, which names no country, during a holiday and a weekend) is one stop, though each
   * of their cells lists it.
   */
  hardNegativeStops: number;
}

function compatible(finding: BacktestFinding, label: ScenarioLabel): boolean {
  // No field may contradict the label: a prefix of the pumped country, the attacked app's flow, a
  // country that a spread-out attack reached all count; another country or app does not.
  const keys = ['country', 'prefix', 'provider', 'asn', 'app', 'flow'] as const;
  return keys.every((key) => finding.scope[key] === undefined || label.scope[key] === undefined || finding.scope[key] === label.scope[key]);
}

function narrowest(label: ScenarioLabel): 'prefix' | 'country' | 'flow' | undefined {
  // A brute force attacks a flow: its country is where the guessed phones are, not what to act on.
  if (label.scenario === 'verify_bruteforce') return 'flow';
  if (label.scope.prefix !== undefined) return 'prefix';
  if (label.scope.country !== undefined) return 'country';
  if (label.scope.flow !== undefined) return 'flow';
  return undefined;
}

const scoped = (f: BacktestFinding) => f.scope.country !== undefined;

/** Scores one backtest against the labels; `labelsAt(ms)` gives the labels with cost counted up to ms. */
export function scoreBacktest(findings: BacktestFinding[], labels: ScenarioLabel[], labelsAt: (ms: number) => ScenarioLabel[]): BenchScore {
  const claimed = new Set<BacktestFinding>();
  const stops = new Set<BacktestFinding>();
  const scenarios = labels.map((label): ScenarioScore => {
    const matched = findings.filter((f) => f.ts >= label.startMs && f.ts <= label.endMs + LABEL_TAIL_MS && compatible(f, label));
    // A weekend claims nothing: what fires on it is unlabelled unless an attack explains it.
    if (label.scenario !== 'weekend_dip') for (const f of matched) claimed.add(f);
    const right = RIGHT_KINDS[label.scenario];
    const first = label.attack && right ? matched.find((f) => right.includes(f.kind)) : undefined;
    const destination = right === DESTINATION_KINDS;
    const firstScoped = destination ? matched.find((f) => right.includes(f.kind) && scoped(f)) : first;
    const exposedUsd = firstScoped ? (labelsAt(firstScoped.ts).find((l) => l.id === label.id)?.costUsd ?? 0) : label.costUsd;
    const key = narrowest(label);
    const precise = key ? matched.filter((f) => f.scope[key] === label.scope[key]).length : matched.length;
    const falseStops = label.attack ? [] : matched.filter((f) => f.action !== 'alert' && !attackAt(f, labels));
    for (const f of falseStops) stops.add(f);
    const falseActions = label.attack
      ? label.scenario === 'verify_bruteforce'
        ? matched.filter((f) => f.action === 'block' && COST_KINDS.includes(f.kind)).length
        : 0
      : falseStops.length;
    return {
      label,
      detected: first !== undefined,
      minutesToDetect: first ? (first.ts - label.startMs) / 60_000 : undefined,
      minutesToScoped: destination && firstScoped ? (firstScoped.ts - label.startMs) / 60_000 : undefined,
      minutesToScopedFromFirstSend:
        destination && firstScoped && label.firstSendMs !== undefined
          ? Math.max(0, firstScoped.ts - label.firstSendMs) / 60_000
          : undefined,
      scopePrecision: matched.length > 0 ? precise / matched.length : undefined,
      exposedUsd: label.attack ? exposedUsd : 0,
      totalUsd: label.attack ? label.costUsd : 0,
      falseActions,
      findings: matched,
    };
  });
  const unlabelled = findings.filter((f) => !claimed.has(f) && !attackAt(f, labels));
  return { scenarios, unlabelled, hardNegativeStops: stops.size };
}

/** Whether a finding is explained by an attack running at its time in its scope. */
function attackAt(finding: BacktestFinding, labels: ScenarioLabel[]): boolean {
  return labels.some((l) => l.attack && finding.ts >= l.startMs && finding.ts <= l.endMs + LABEL_TAIL_MS && compatible(finding, l));
}
