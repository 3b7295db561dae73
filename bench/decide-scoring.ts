/**
 * What risk scoring costs a decision (`node apps/cli/bin/run-ts.js bench/decide-scoring.ts`), in a
 * warm loop without HTTP: the decision path of the shipped policy over bench:decide's 20,000
 * bodies and 1,000 breakers, with risk scoring off, on with no per-scope statistics, and on with
 * statistics where signals fire (a collapsing prefix, busy number blocks: the block hash and the
 * signals' details are then computed). The HTTP figures of bench:decide move with the machine's
 * other work; these hold still. Writes the `decide: what risk scoring costs` section of
 * bench/RESULTS.md.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  createBreakerIndex,
  createPolicyDecider,
  EMPTY_SCOPE_STATS,
  parseBreakerPolicy,
  type BreakerPolicy,
  type ScopeStats,
} from '@tollgate/breakers';
import { createHasher, createPhoneNormalizer, loadAsnDatabase } from '@tollgate/events';
import { benchBreakers, decideRequests, requestBodies, timeUs, type BenchBody } from './decide-harness.ts';
import { median, writeResultsSection } from './results-file.ts';

const POLICY_FILE = fileURLToPath(new URL('../alert-rules/breaker-policy.yaml', import.meta.url));
const BREAKERS = 1_000;
const LOOP_CALLS = 400_000;
const ROUNDS = 5;

function main(): void {
  const parsed = parseBreakerPolicy(readFileSync(POLICY_FILE, 'utf8'), POLICY_FILE);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const hasher = createHasher(randomBytes(32));
  const phones = createPhoneNormalizer();
  const asn = loadAsnDatabase();
  const index = createBreakerIndex(benchBreakers(BREAKERS, Date.now()));
  const requests = decideRequests(
    requestBodies().map((text) => JSON.parse(text) as BenchBody),
    { hasher, phones, asn },
  );
  const hot: ScopeStats = {
    asn: new Map(),
    prefix: new Map(
      requests.map((r) => [
        r.prefix,
        { recentSessions: 500, recentVerified: 50, baselineSessions: 50_000, baselineVerified: 45_000, priceUsd: 0.3 },
      ]),
    ),
    blocks: new Map(requests.map((r) => [hasher.block(r.phoneBlock!), 6])),
    readAtMs: Date.now(),
  };
  const withRisk = (mode: BreakerPolicy['risk']['mode'], stats: ScopeStats) =>
    createPolicyDecider({
      policy: { ...parsed.policy, risk: { ...parsed.policy.risk, mode } },
      index,
      clock: Date.now,
      hashPhone: (e164) => hasher.phone(e164),
      hashBlock: (block) => hasher.block(block),
      stats: () => stats,
    }).decider;
  const cases = [
    { name: 'risk scoring off', decider: withRisk('off', EMPTY_SCOPE_STATS) },
    { name: 'risk scoring on, no per-scope statistics (nothing fires)', decider: withRisk('enforce', EMPTY_SCOPE_STATS) },
    { name: 'risk scoring on, a collapsing prefix and busy blocks (3 signals fire)', decider: withRisk('enforce', hot) },
  ];
  const samples = cases.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++) {
    // Alternating, so a slice of other work on the machine lands on every case alike.
    cases.forEach((c, i) => samples[i]!.push(timeUs(LOOP_CALLS, (n) => c.decider.decide(requests[n % requests.length]!))));
  }
  const us = samples.map(median);
  const table = [
    `| decision path (shipped policy, 1,000 breakers) | us per decision (median of ${ROUNDS} warm loops of ${LOOP_CALLS.toLocaleString('en-US')}) | added by scoring |`,
    '| --- | --- | --- |',
    ...cases.map((c, i) => `| ${c.name} | ${us[i]!.toFixed(2)} | ${i === 0 ? '' : `${(us[i]! - us[0]!).toFixed(2)}`} |`),
  ].join('\n');
  console.log(table);
  writeResultsSection(
    'decide: what risk scoring costs',
    [
      'Command: `node apps/cli/bin/run-ts.js bench/decide-scoring.ts` (the decision path of alert-rules/breaker-policy.yaml in a warm loop, no HTTP, over the 20,000 bodies of bench:decide with their device fields; the cases alternate).',
      `Measured ${new Date().toISOString().slice(0, 10)} on ${process.platform} ${process.arch}, Node ${process.version}, ${cpus().length} cores shared with other work.`,
      '',
      table,
      '',
      "Reading: the score reads counters the velocity limiter already holds, looks the request's ASN, prefix and number block up",
      'in statistics refreshed in the background, and runs thirteen small functions; only signals that fire allocate (their',
      'detail). With statistics where signals fire it also hashes the number block once per block (cached) and writes three',
      'details. Under load each microsecond a route adds costs the server more than one (see `decide: where the time goes`).',
    ].join('\n'),
  );
}

main();
