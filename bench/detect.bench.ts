/**
 * Detection benchmark (`npm run bench:detect`): quality and speed of the detector.
 *
 * Quality: for each seed, 8 simulated days (the sweep of bench/detect-scenarios.ts: attacks at
 * several intensities and scope sizes, and hard negatives) are ingested through the real pipeline
 * into a fresh embedded store and backtested minute by minute; each scenario is scored (found with
 * the right kind, minutes to the first finding naming its prefix or country, money exposed before
 * it, false blocks on look-alikes, cost-kind blocks during a brute force) and unlabelled findings
 * are counted per day. Three fixed tuning seeds (BENCH_SEEDS) run the sweep's fixed ladder;
 * BENCH_FRESH_SEEDS seeds drawn at run time, that nobody tuned on, draw every attack's and hard
 * negative's parameters from the threat model's ranges, and the results print what each drew;
 * BENCH_DRAWN_SEEDS=828443,128652 runs seeds drawn by an earlier run again, with the same draws;
 * BENCH_LEVEL_NOISE=0.3 runs every drawn seed's healthy traffic at that daily wandering instead.
 * Speed: the backtest's own time. Rewrites the "Detection" section of bench/RESULTS.md (with
 * BENCH_WRITE=0, or when BENCH_SCENARIOS keeps only part of the sweep, prints it instead).
 */
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBacktest } from '@tollgate/detector';
import { openCore } from '@tollgate/core';
import {
  COUNTRIES,
  createSimulator,
  loadSimulatedTraffic,
  type ScenarioLabel,
  type ScenarioSpec,
  type Simulator,
} from '@tollgate/simulator';
import {
  scoreBacktest,
  sweepCells,
  sweepLevelNoise,
  TUNING_SEEDS as LADDER_SEEDS,
  type BenchScore,
  type ScenarioScore,
  type SweepCell,
  type SweepParameters,
} from './detect-scenarios.ts';
import { writeResultsSection } from './results-file.ts';

const DAY = 86_400_000;
const DAYS = Number(process.env.BENCH_DAYS ?? 8);
/** 26 sends a minute is about 300,000 sends in 8 days: a backtest of a week of a mid-sized service's traffic. */
const RATE = Number(process.env.BENCH_RATE ?? 26);
const TUNING_SEEDS = (process.env.BENCH_SEEDS ?? LADDER_SEEDS.join(',')).split(',').filter(Boolean).map(Number);
const FRESH_SEEDS = Array.from({ length: Number(process.env.BENCH_FRESH_SEEDS ?? 3) }, () => randomInt(1, 1_000_000));
/** The seeds that draw their parameters: those an earlier run drew, to trace a cell of theirs, and the fresh ones. */
const DRAWN_SEEDS = [...(process.env.BENCH_DRAWN_SEEDS ?? '').split(',').filter(Boolean).map(Number), ...FRESH_SEEDS];
const SEEDS = [...TUNING_SEEDS, ...DRAWN_SEEDS];
/** Seeds run in child processes, this many at once (each is one core's work: ingest, then the replay). */
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 2);
const SEED_RUN_PREFIX = 'SEED_RUN ';
/**
 * BENCH_SCENARIOS=burst_pumping,slow_ramp keeps only those kinds of the sweep: a shorter run while
 * working on one detector (its unlabelled count then covers less traffic than the full sweep's).
 */
const SCENARIO_FILTER = (process.env.BENCH_SCENARIOS ?? '').split(',').filter(Boolean);
/** A Monday, so the set's weekend falls on Saturday and Sunday. */
const START_MS = Date.parse('2026-11-02T00:00:00Z');

/** How much a ramp had sent when the target says it should be named. */
const RAMP_TARGET_MS = 60 * 60_000;

interface SeedRun {
  seed: number;
  parameters: SweepParameters;
  /** Each label's cell of the sweep: its spec, ladder step and parameters. */
  cells: Map<string, SweepCell>;
  /** Sessions each ramp opened in its first hour, by label id. */
  rampFirstHourSessions: Map<string, number>;
  sends: number;
  backtestSeconds: number;
  steps: number;
  score: BenchScore;
}

async function runSeed(seed: number, parameters: SweepParameters): Promise<SeedRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-detect-'));
  const core = await openCore({ TOLLGATE_DATA_DIR: dataDir, TOLLGATE_HMAC_KEY: 'ab'.repeat(32) });
  try {
    const endMs = START_MS + DAYS * DAY;
    const cells = sweepCells(START_MS, seed, parameters).filter(
      (c) => SCENARIO_FILTER.length === 0 || SCENARIO_FILTER.includes(c.spec.kind),
    );
    const simulator = createSimulator({
      seed,
      startMs: START_MS,
      sendsPerMinute: RATE,
      levelNoise: sweepLevelNoise(seed, parameters, process.env.BENCH_LEVEL_NOISE),
      scenarios: cells.map((c) => c.spec),
    });
    const loading = performance.now();
    const counts = await loadSimulatedTraffic({ ingestor: core.ingestor, simulator, fromMs: START_MS, toMs: endMs });
    console.error(`seed ${seed}: ${counts.send} sends ingested in ${((performance.now() - loading) / 1000).toFixed(0)} s`);
    const started = performance.now();
    const result = await runBacktest({
      store: core.store,
      fromMs: START_MS,
      toMs: endMs,
      onProgress: (done, total) =>
        console.error(`seed ${seed}: backtest ${done} of ${total} minutes, ${((performance.now() - started) / 1000).toFixed(0)} s`),
    });
    const backtestSeconds = (performance.now() - started) / 1000;
    const labels = simulator.labels(endMs);
    const score = scoreBacktest(result.findings, labels, (ms) => simulator.labels(ms));
    return {
      seed,
      parameters,
      cells: cellsOf(cells, labels),
      rampFirstHourSessions: firstHourSessions(
        simulator,
        labels.filter((l) => l.scenario === 'slow_ramp'),
      ),
      sends: counts.send,
      backtestSeconds,
      steps: result.steps,
      score,
    };
  } finally {
    await core.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function cellName(label: ScenarioLabel, cells: Map<string, SweepCell>): string {
  return `${label.scenario}${cells.get(label.id)?.parameters ?? ''}${label.scope.country ? ` ${label.scope.country}` : ''}${label.scope.prefix ? ` ${label.scope.prefix}` : ''}`;
}

function scenarioTable(run: SeedRun): string {
  const rows = run.score.scenarios.map((s) => {
    const name = cellName(s.label, run.cells);
    const detected = s.label.attack ? (s.detected ? 'yes' : '**no**') : '-';
    const ttd = s.minutesToDetect !== undefined ? s.minutesToDetect.toFixed(0) : '-';
    const scopedTtd = s.minutesToScoped !== undefined ? s.minutesToScoped.toFixed(0) : '-';
    const fromFirst = s.minutesToScopedFromFirstSend !== undefined ? s.minutesToScopedFromFirstSend.toFixed(0) : '-';
    const precision = s.scopePrecision !== undefined ? `${(s.scopePrecision * 100).toFixed(0)}%` : '-';
    const money = s.label.attack ? `$${s.exposedUsd.toFixed(2)} / $${s.totalUsd.toFixed(2)}` : '-';
    const kinds = [...new Set(s.findings.map((f) => `${f.kind}:${f.action}`))].join(', ') || '-';
    const wrong = s.label.attack && s.label.scenario !== 'verify_bruteforce' ? '-' : String(s.falseActions);
    return `| ${name} | ${detected} | ${ttd} | ${scopedTtd} | ${fromFirst} | ${precision} | ${money} | ${wrong} | ${kinds} |`;
  });
  return [
    '| scenario | found, right kind | minutes to detect | minutes to prefix/country finding | the same from its first send | scope precision | exposed / total cost | false block+challenge (brute force: cost-kind blocks) | findings (kind:action) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** A label's place in the sweep, the same on every seed: its spec's index and its order among that spec's labels. */
function cellKey(run: SeedRun, label: ScenarioLabel): string {
  const spec = label.id.split('-')[1];
  const siblings = run.score.scenarios.filter((s) => s.label.id.split('-')[1] === spec);
  return `${spec}:${siblings.findIndex((s) => s.label.id === label.id)}`;
}

/**
 * What a seed that draws its parameters drew for a label's cell and the country it went to, as a
 * suffix (nothing on the fixed ladder, nor where nothing is drawn).
 */
function drawnSuffix(run: SeedRun, label: ScenarioLabel): string {
  const parameters = run.cells.get(label.id)?.parameters;
  const country = label.scope.country ? `, ${label.scope.country}` : '';
  return run.parameters === 'drawn' && parameters ? `; drawn${parameters}${country}` : '';
}

const ORDINALS = ['first', 'second', 'third'];

/**
 * One row per cell of the sweep, named for its ladder step, one column per seed: minutes to the
 * scoped finding, or the false actions, and on the seeds that draw their parameters what was drawn.
 */
function sweepMatrix(runs: SeedRun[]): string {
  const rows = new Map<string, { name: string; startMs: number }>();
  for (const run of runs) {
    for (const s of run.score.scenarios) {
      const key = cellKey(run, s.label);
      if (!rows.has(key))
        rows.set(key, {
          name: `${s.label.scenario}${run.cells.get(s.label.id)?.name ?? ''} (${ORDINALS[Number(key.split(':')[1])] ?? key.split(':')[1]} country)`,
          startMs: s.label.startMs,
        });
    }
  }
  const lines = [...rows]
    .sort((a, b) => a[1].startMs - b[1].startMs || a[0].localeCompare(b[0]))
    .map(([key, row]) => {
      const cells = runs.map((run) => {
        const cell = run.score.scenarios.find((s) => cellKey(run, s.label) === key);
        if (!cell) return '-';
        const drawn = drawnSuffix(run, cell.label);
        if (!cell.label.attack) return `${cell.falseActions} stops${drawn}`;
        if (!cell.detected) return `**missed**${drawn}`;
        const minutes = cell.minutesToScoped ?? cell.minutesToDetect ?? 0;
        const share = cell.totalUsd > 0 ? ` (${((cell.exposedUsd / cell.totalUsd) * 100).toFixed(1)}%)` : '';
        return `${minutes.toFixed(0)} min${share}${drawn}`;
      });
      return `| ${row.name} | ${cells.join(' | ')} |`;
    });
  return [
    `| cell | ${runs.map((r) => `seed ${r.seed}${r.parameters === 'drawn' ? ' (fresh)' : ''}`).join(' | ')} |`,
    `| --- | ${runs.map(() => '---').join(' | ')} |`,
    ...lines,
  ].join('\n');
}

function cellsOf(cells: SweepCell[], labels: ScenarioLabel[]): Map<string, SweepCell> {
  return new Map(labels.map((label) => [label.id, cells[Number(label.id.split('-')[1])] as SweepCell]));
}

/**
 * Sessions each ramp opened before the end of its first hour, from the simulator's own events: a
 * ramp that sends almost nothing in the hour it should be named in leaves no count to name it on.
 */
function firstHourSessions(simulator: Simulator, ramps: ScenarioLabel[]): Map<string, number> {
  return new Map(
    ramps.map((label) => {
      const sessions = new Set<string>();
      for (const event of simulator.generate(label.startMs, label.startMs + RAMP_TARGET_MS))
        if (event.kind === 'send' && event.label === label.id) sessions.add(event.body.session_id);
      return [label.id, sessions.size];
    }),
  );
}

/** Each ramp of each seed: when and where it started, what its first hour held, when it was named. */
function rampTable(runs: SeedRun[]): string {
  const hour = (ms: number) => new Date(ms).toISOString().slice(11, 16);
  const rows = runs.flatMap((run) =>
    run.score.scenarios
      .filter((s) => s.label.scenario === 'slow_ramp')
      .map((s) => {
        const offsetHours = COUNTRIES.find((c) => c.iso === s.label.scope.country)?.utcOffsetHours ?? 0;
        const minutes = (m: number | undefined) => (m === undefined ? '**not named**' : m.toFixed(0));
        return `| ${run.seed} | ${(run.cells.get(s.label.id)?.name ?? '').trim()}${drawnSuffix(run, s.label)} | ${s.label.scope.country ?? '-'} | ${hour(s.label.startMs)} (${hour(s.label.startMs + offsetHours * 3_600_000)} local) | ${run.rampFirstHourSessions.get(s.label.id) ?? '-'} | ${minutes(s.minutesToScoped)} | ${minutes(s.minutesToScopedFromFirstSend)} |`;
      }),
  );
  return [
    '| seed | ramp | country | start, UTC (local) | its sessions in the first 60 min | minutes to the first finding naming it | the same from its first send |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** The bursts the 3-minute target applies to: 2 or more sends a minute, as each cell ran. */
const BURST_TARGET_SENDS_PER_MINUTE = 2;
const sendsPerMinute = (spec: ScenarioSpec | undefined) => (spec?.kind === 'burst_pumping' ? (spec.sendsPerMinute ?? 0) : 0);

function summary(run: SeedRun) {
  const attacks = run.score.scenarios.filter((s) => s.label.attack);
  const of = (scenario: string, test: (s: ScenarioScore) => boolean = () => true) =>
    attacks.filter((s) => s.label.scenario === scenario && test(s));
  const scopedMinutes = (s: ScenarioScore) => s.minutesToScoped ?? Number.POSITIVE_INFINITY;
  const bursts = of(
    'burst_pumping',
    (s) => s.totalUsd > 0 && sendsPerMinute(run.cells.get(s.label.id)?.spec) >= BURST_TARGET_SENDS_PER_MINUTE,
  );
  const exposed = attacks.reduce((sum, s) => sum + s.exposedUsd, 0);
  const total = attacks.reduce((sum, s) => sum + s.totalUsd, 0);
  return {
    allDetected: attacks.every((s) => s.detected),
    burstWorst: Math.max(...bursts.map(scopedMinutes)),
    rampWorst: Math.max(...of('slow_ramp').map(scopedMinutes)),
    rampWorstFromFirstSend: Math.max(...of('slow_ramp').map((s) => s.minutesToScopedFromFirstSend ?? Number.POSITIVE_INFINITY)),
    exposedShare: total > 0 ? exposed / total : 0,
    falseActions: run.score.hardNegativeStops,
    bruteforceCostBlocks: of('verify_bruteforce').reduce((sum, s) => sum + s.falseActions, 0),
    unlabelledPerDay: run.score.unlabelled.length / DAYS,
  };
}

/** Runs one seed in a child process (this file with `--seed N fixed|drawn`), which prints its run as JSON. */
function runSeedInChild(seed: number, parameters: SweepParameters): Promise<SeedRun> {
  const runTs = fileURLToPath(new URL('../apps/cli/bin/run-ts.js', import.meta.url));
  const child = spawn(process.execPath, [runTs, fileURLToPath(import.meta.url), '--seed', String(seed), parameters], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      const line = output.split('\n').find((l) => l.startsWith(SEED_RUN_PREFIX));
      if (code !== 0 || !line) return reject(new Error(`seed ${seed} exited with ${code}:\n${output.slice(-2000)}`));
      const run = JSON.parse(line.slice(SEED_RUN_PREFIX.length)) as Omit<SeedRun, 'cells' | 'rampFirstHourSessions'> & {
        cells: [string, SweepCell][];
        rampFirstHourSessions: [string, number][];
      };
      resolve({ ...run, cells: new Map(run.cells), rampFirstHourSessions: new Map(run.rampFirstHourSessions) });
    });
  });
}

/** Prints one seed's table and summary as soon as it is done. */
function report(run: SeedRun): void {
  const s = summary(run);
  console.log(`\nseed ${run.seed}: ${run.sends} sends, backtest ${run.steps} steps in ${run.backtestSeconds.toFixed(1)} s`);
  console.log(scenarioTable(run));
  console.log(rampTable([run]));
  console.log(
    `all attacks found with the right kind: ${s.allDetected}; slowest burst >= 2/min named ${s.burstWorst} min; slowest ramp ${s.rampWorst} min (${s.rampWorstFromFirstSend.toFixed(0)} from its first send); exposed ${(s.exposedShare * 100).toFixed(1)}%; ` +
      `block/challenge on hard negatives ${s.falseActions}; cost-kind blocks in brute force ${s.bruteforceCostBlocks}; unlabelled ${s.unlabelledPerDay.toFixed(2)}/day`,
  );
  for (const f of run.score.unlabelled)
    console.log(
      `  unlabelled: ${new Date(f.ts).toISOString()} ${f.kind} ${JSON.stringify(f.scope)} ${f.action} ${f.severity} obs=${f.observed.toFixed(2)} exp=${f.expected.toFixed(2)}`,
    );
}

async function runAll(seeds: number[]): Promise<SeedRun[]> {
  const runs = new Map<number, SeedRun>();
  const queue = [...seeds];
  const worker = async () => {
    for (let seed = queue.shift(); seed !== undefined; seed = queue.shift()) {
      const run = await runSeedInChild(seed, DRAWN_SEEDS.includes(seed) ? 'drawn' : 'fixed');
      runs.set(seed, run);
      report(run);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, PARALLEL) }, worker));
  return seeds.map((seed) => runs.get(seed) as SeedRun);
}

async function main(): Promise<void> {
  console.log(`seeds: tuning ${TUNING_SEEDS.join(', ')}; drawn ${DRAWN_SEEDS.join(', ')}`);
  const runs = await runAll(SEEDS);
  const lines = runs.map((run) => {
    const s = summary(run);
    const fresh =
      run.parameters === 'drawn'
        ? ` (drawn at run time; traffic wandering ${Math.round(sweepLevelNoise(run.seed, run.parameters, process.env.BENCH_LEVEL_NOISE) * 100)} %)`
        : ' (tuning)';
    return (
      `| ${run.seed}${fresh} | ${run.sends.toLocaleString('en-US')} | ${s.allDetected ? 'yes' : '**no**'} | ${s.burstWorst} | ${s.rampWorst} | ${s.rampWorstFromFirstSend.toFixed(0)} | ${(s.exposedShare * 100).toFixed(1)}% | ` +
      `${s.falseActions} | ${s.bruteforceCostBlocks} | ${s.unlabelledPerDay.toFixed(2)} | ${run.backtestSeconds.toFixed(1)} s |`
    );
  });
  const body = [
    `Command: \`npm run bench:detect\` (tuning seeds ${TUNING_SEEDS.join(', ')}, seeds drawn at run time ${DRAWN_SEEDS.join(', ')}; ${DAYS} days at ${RATE} sends/min each). Run ${new Date().toISOString().slice(0, 10)}.`,
    '',
    "The tuning seeds run the sweep's fixed ladder (bursts of exactly 1, 2, 5, 20 and 100 sends a minute for 2 hours and one of 5 on the set's second day, when each hour has been seen once, brute force at 40 guesses a session in FR and 15 in US, ramps to 8x over 6 and 10 hours, distributed attacks of 1.5x over 16 countries and 3x over 14, a 3x campaign, a 1.5x holiday, a 2-hour outage), so their rows compare from run to run. The seeds drawn at run time draw each cell's parameters from the threat model's ranges around its ladder step, apart from the simulator's streams: a burst's sends a minute (1-2 for the ~1/min step, 2-4, 4-6, 10-30, 50-150), 1-2 countries, 2-3 prefixes each, 3-5 hosting ASNs of 2-4 IPs, 1-2 % of sessions verifying, 1-3 hours, 1-2 sends a session (from a session per send to every bot resending once); a brute force's large country (as large as FR or larger), 15-60 guesses a session and 3-8 IPs; a ramp's 6-10 hours; a distributed attack's 1.5-3x over 14-20 countries; a campaign's 2-4x, a holiday's 1.3-1.8x, an outage's 1-3 hours. Their healthy traffic wanders from its seasonal curve: each country's daily level by 10-30 % (log standard deviation, drawn per seed; half of it hour to hour), where the tuning seeds' repeats its week exactly. Every cell keeps its start time. The burst target applies to the bursts that ran at 2 or more sends a minute.",
    '',
    "Targets: every attack found with the right kind; a burst of 2 or more sends a minute named at prefix or country level within 3 minutes; a slow ramp within 60 minutes; money exposed before the first scoped finding <= 3 % of the attacks' cost; no block or challenge on a hard negative and no cost-kind block during a brute force; <= 1 unlabelled finding a day; 8-day backtest < 60 s.",
    '',
    '| seed | sends | all attacks found, right kind | slowest burst >= 2/min named (min) | slowest ramp (min) | slowest ramp from its first send (min) | money exposed | block+challenge on hard negatives | cost-kind blocks in brute force | unlabelled / day | backtest time |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...lines,
    '',
    "The slowest ramp is the slowest of all five of a seed (on the ladder 6 hours from 07:00 UTC, 10 hours from 03:00 UTC, 10 hours from a day hour in a large, a mid-sized and a small country: each in the ramp table below). From its first send: a ramp that starts in a quiet hour of a small country can send nothing for most of its first hour; the target is judged from its start, and this column shows how much of that wait was for the attack's own first session.",
    '',
    'Block+challenge on hard negatives counts distinct findings: one that overlaps several hard negatives (a finding on an ASN, which names no country, during a holiday and the weekend) is one stop, though each of their cells below lists it.',
    '',
    "Every cell of the sweep, one row per ladder step: minutes from the attack's start to its first finding naming its prefix or country (brute force, enumeration: its first finding of the right kind), and the share of its cost spent before it; for hard negatives, the block and challenge findings on them. On the seeds drawn at run time, each entry ends with what its cell drew (a burst's sends a minute, prefixes per country and countries, ASNs and IPs on each, verifying share, hours, sends a session).",
    '',
    sweepMatrix(runs),
    '',
    "Every ramp: its start in UTC and in its country's time, the sessions it opened in its first hour (the count any test of its country has to go on when the target says it should be named), and the minutes to its first finding naming its country, from its start and from its first send. The 03:00 UTC ramps meet a country asleep; those from a day hour start at 08:00-15:00 local time in a country of each size, drawn per seed apart from the simulator's streams. On the seeds drawn at run time each ramp says how long it drew to reach 8x.",
    '',
    rampTable(runs),
    '',
    ...runs.flatMap((run) => [`Seed ${run.seed}:`, '', scenarioTable(run), '']),
  ].join('\n');
  if (process.env.BENCH_WRITE !== '0' && SCENARIO_FILTER.length === 0) writeResultsSection('Detection', body);
  else console.log(`\nThe section, not written:\n\n${body}`);
}

if (process.argv[2] === '--seed') {
  const run = await runSeed(Number(process.argv[3]), process.argv[4] === 'drawn' ? 'drawn' : 'fixed');
  console.log(
    `${SEED_RUN_PREFIX}${JSON.stringify({ ...run, cells: [...run.cells], rampFirstHourSessions: [...run.rampFirstHourSessions] })}`,
  );
} else {
  await main();
}
