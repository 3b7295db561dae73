/**
 * Where the decide benchmark's time goes (`node apps/cli/bin/run-ts.js bench/decide-budget.ts`).
 * Two measurements that bound what `/v1/decide` can reach against the bare route on this machine:
 *
 * 1. What the harness makes of a route that costs a known amount more: the bare route of
 *    `bench:decide` with BARE_WORK_US microseconds of busy work per request, alternating runs.
 *    The ratio it keeps is the best any route that adds that much work can reach.
 * 2. What each step of a decision costs, in a warm loop over the benchmark's bodies
 *    (no HTTP): the API key hash, phone checks, the keyed phone hash, the ASN lookup, subnet, and
 *    the decider with 1,000 breakers and the default velocity rules.
 *
 * Writes the `decide: where the time goes` section of bench/RESULTS.md.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createBreakerIndex, createDecider, createVelocityLimiter, DEFAULT_VELOCITY_CONFIG } from '@tollgate/breakers';
import { createHasher, createPhoneNormalizer, ipSubnet, isValidIp, loadAsnDatabase } from '@tollgate/events';
import {
  ADMIN_KEY,
  BARE_SERVER,
  benchBreakers,
  decideRequests,
  load,
  measureOtherWork,
  pinLoadGenerator,
  requestBodies,
  RUN_TS,
  start,
  stop,
  timeUs,
  type BenchBody,
  type LoadResult,
} from './decide-harness.ts';
import { median, writeResultsSection } from './results-file.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RUN_S = Number(process.env.BENCH_SECONDS ?? 5);
/** Added work per request, microseconds: 0 is the bare route itself. */
const WORK_US = [0, 2, 5, 10, 20];
const BREAKERS = 1_000;
const LOOP_CALLS = 400_000;

async function harnessCurve(bodies: string[]): Promise<{ table: string[]; otherWorkShare: number | undefined }> {
  const pinned = pinLoadGenerator();
  const servers = [];
  for (const workUs of WORK_US)
    servers.push({
      workUs,
      server: await start([RUN_TS, BARE_SERVER], { BARE_WORK_US: String(workUs) }, pinned),
      runs: [] as LoadResult[],
    });
  let otherWorkShare: number | undefined;
  try {
    for (const { server } of servers) await load(server, bodies, 2); // warm-up
    const otherWork = measureOtherWork(servers.map(({ server }) => server.child));
    for (let run = 0; run < RUNS; run++) {
      for (const entry of servers) {
        const result = await load(entry.server, bodies, RUN_S);
        entry.runs.push(result);
        console.error(
          `run ${run + 1}/${RUNS}: +${entry.workUs} us ${Math.round(result.rps)} req/s p99 ${result.p99.toFixed(2)} ms cpu ${result.serverCpuUs?.toFixed(1) ?? '?'} us/req`,
        );
      }
    }
    otherWorkShare = otherWork();
  } finally {
    for (const { server } of servers) await stop(server.child);
  }
  const baseRps = median(servers[0]!.runs.map((r) => r.rps));
  const baseP99 = median(servers[0]!.runs.map((r) => r.p99));
  const table = [
    '| work added per request | requests/s (median) | of the bare route | p99 ms (median) | of the bare route | server CPU per request, us (median) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...servers.map(({ workUs, runs }) => {
      const rps = median(runs.map((r) => r.rps));
      const p99 = median(runs.map((r) => r.p99));
      const cpu = runs.every((r) => r.serverCpuUs !== undefined) ? median(runs.map((r) => r.serverCpuUs!)).toFixed(1) : '-';
      return `| ${workUs} us | ${Math.round(rps).toLocaleString('en-US')} | ${((rps / baseRps) * 100).toFixed(0)} % | ${p99.toFixed(2)} | ${(p99 / baseP99).toFixed(2)}x | ${cpu} |`;
    }),
  ];
  return { table, otherWorkShare };
}

function partCosts(bodies: BenchBody[]): string[] {
  const hasher = createHasher(randomBytes(32));
  const phones = createPhoneNormalizer();
  const asn = loadAsnDatabase();
  const breakers = benchBreakers(BREAKERS, Date.now());
  const decider = createDecider({
    index: createBreakerIndex(breakers),
    limiter: createVelocityLimiter({ clock: Date.now, config: DEFAULT_VELOCITY_CONFIG }),
    clock: Date.now,
  });
  const requests = decideRequests(bodies, { hasher, phones, asn });
  const at = (i: number) => bodies[i % bodies.length]!;
  const parts: [string, number][] = [
    [
      'SHA-256 of the API key (what the keyring hashes to find it)',
      timeUs(LOOP_CALLS, () => createHash('sha256').update(ADMIN_KEY).digest('hex')),
    ],
    ['phone check and normalization (number-block cache warm)', timeUs(LOOP_CALLS, (i) => phones.normalize(at(i).phone))],
    ['HMAC-SHA256 of the phone', timeUs(LOOP_CALLS, (i) => hasher.phone(at(i).phone))],
    ['IP check, ASN lookup and subnet', timeUs(LOOP_CALLS, (i) => isValidIp(at(i).ip) && asn.lookup(at(i).ip) && ipSubnet(at(i).ip))],
    ['breakers and velocity rules (decider, 1,000 breakers)', timeUs(LOOP_CALLS, (i) => decider.decide(requests[i % requests.length]!))],
  ];
  const total = parts.reduce((sum, [, us]) => sum + us, 0);
  return [
    '| step of a decision | us per call (warm loop) |',
    '| --- | --- |',
    ...parts.map(([name, us]) => `| ${name} | ${us.toFixed(2)} |`),
    `| total | ${total.toFixed(2)} |`,
  ];
}

async function main(): Promise<void> {
  const bodies = requestBodies();
  const curve = await harnessCurve(bodies);
  const parts = partCosts(bodies.map((body) => JSON.parse(body) as BenchBody));
  const otherWork = curve.otherWorkShare === undefined ? 'unknown (no /proc)' : `${(curve.otherWorkShare * 100).toFixed(0)} %`;
  console.log([...curve.table, '', ...parts].join('\n'));
  writeResultsSection(
    'decide: where the time goes',
    [
      `Command: \`node apps/cli/bin/run-ts.js bench/decide-budget.ts\` (the bare route of bench:decide with busy work added per request, ${RUNS} alternating runs of ${RUN_S} s at 50 connections, servers and load generator pinned to separate cores as in bench:decide; then each step of a decision in a warm loop over the same 20,000 bodies).`,
      `Measured ${new Date().toISOString().slice(0, 10)} on ${process.platform} ${process.arch}, Node ${process.version}, 2 cores; other work took ${otherWork} of the machine's CPU during the runs (the curve steepens as it grows).`,
      '',
      ...curve.table,
      '',
      ...parts,
      '',
      'Reading: compare the CPU column with the work column: under load each microsecond of route work costs the server more',
      'than a microsecond (the rest of its request handling gets dearer as it falls behind), and the rate of the first table',
      'follows. The second table is a floor for the decision path: the steps a decision takes, each hot in cache, before',
      'fastify validates the body, runs the key check as a hook, serializes the answer and the decision is counted.',
    ].join('\n'),
  );
}

await main();
