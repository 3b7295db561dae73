/**
 * The decision path's CPU per decision without HTTP (`node apps/cli/bin/run-ts.js bench/decide-path.ts`):
 * the shipped policy with bench:decide's app without the app-wide ceiling, 1,000 breakers and risk
 * scoring on, over bench:decide's 200,000 allow-heavy bodies, each call with a new session and keys
 * parsed afresh (as each request's JSON.parse makes them), so that the per-phone, IP, /24, session
 * and device tables fill to their caps and turn over as on a server under that traffic. Timed by
 * this process's CPU (all threads: the garbage collector's helpers included). With
 * BENCH_BASELINE=DIR the baseline tree's decision path runs the same rounds, alternating, in this
 * process. Writes the `decide: the decision path in a loop` section of bench/RESULTS.md.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as breakers from '@tollgate/breakers';
import { createHasher, createPhoneNormalizer, loadAsnDatabase } from '@tollgate/events';
import { allowBodies, benchBreakers, benchRules, decideRequests, UNCAPPED_APP, type BenchBody } from './decide-harness.ts';
import { median, writeResultsSection } from './results-file.ts';

const ROUNDS = Number(process.env.BENCH_RUNS ?? 3);
/** Two passes over the bodies per round: every table reaches its cap (100,000 keys) and turns over. */
const CALLS = Number(process.env.BENCH_REQUESTS ?? 400_000);
const BREAKERS = 1_000;
const BASELINE_TREE = process.env.BENCH_BASELINE ? resolve(process.env.BENCH_BASELINE) : undefined;
const RULES_DIR = fileURLToPath(new URL('../alert-rules/', import.meta.url));

type Breakers = typeof breakers;
type Decider = breakers.Decider;

function deciderOf(pkg: Breakers, policyFile: string, hasher: ReturnType<typeof createHasher>): Decider {
  const parsed = pkg.parseBreakerPolicy(readFileSync(policyFile, 'utf8'), policyFile);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return pkg.createPolicyDecider({
    policy: parsed.policy,
    index: pkg.createBreakerIndex(benchBreakers(BREAKERS, Date.now())),
    clock: Date.now,
    hashPhone: (e164) => hasher.phone(e164),
    hashBlock: (block) => hasher.block(block),
    stats: () => pkg.EMPTY_SCOPE_STATS,
  }).decider;
}

let sent = 0;

/** Microseconds of process CPU per decision over `CALLS` calls, and how many were allowed. */
function cpuPerDecision(decider: Decider, requests: breakers.DecideRequest[], keyTexts: string[]): { us: number; allowed: number } {
  let allowed = 0;
  const before = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) {
    const k = sent++;
    const keys = JSON.parse(keyTexts[k % keyTexts.length]!) as Pick<breakers.DecideRequest, 'phoneHash' | 'ip' | 'ipSubnet' | 'deviceId'>;
    if (decider.decide({ ...requests[k % requests.length]!, ...keys, sessionId: `path-${k}` }).decision === 'allow') allowed++;
  }
  const cpu = process.cpuUsage(before);
  return { us: (cpu.user + cpu.system) / CALLS, allowed };
}

async function main(): Promise<void> {
  const rulesDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-rules-'));
  benchRules(RULES_DIR, rulesDir);
  const policyFile = join(rulesDir, 'breaker-policy.yaml');
  const hasher = createHasher(randomBytes(32));
  const requests = decideRequests(
    allowBodies().map((text) => JSON.parse(text) as BenchBody),
    { hasher, phones: createPhoneNormalizer(), asn: loadAsnDatabase() },
  ).map((request) => ({ ...request, app: UNCAPPED_APP }));
  const keyTexts = requests.map((r) => JSON.stringify({ phoneHash: r.phoneHash, ip: r.ip, ipSubnet: r.ipSubnet, deviceId: r.deviceId }));
  const trees: { name: string; decider: () => Decider }[] = [{ name: 'this tree', decider: () => deciderOf(breakers, policyFile, hasher) }];
  if (BASELINE_TREE !== undefined) {
    const baseline = (await import(pathToFileURL(join(BASELINE_TREE, 'packages/breakers/src/index.ts')).href)) as Breakers;
    trees.push({ name: `baseline (${BASELINE_TREE})`, decider: () => deciderOf(baseline, policyFile, hasher) });
  }
  const loadBefore = loadavg().map((n) => n.toFixed(2));
  const samples = trees.map(() => [] as number[]);
  let allowed = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating which goes first; a fresh decider each round, so every round fills its tables from empty.
      const order = round % 2 === 0 ? trees.map((_, i) => i) : trees.map((_, i) => i).reverse();
      for (const i of order) {
        const result = cpuPerDecision(trees[i]!.decider(), requests, keyTexts);
        samples[i]!.push(result.us);
        if (i === 0) allowed += result.allowed;
      }
      console.error(`round ${round + 1}/${ROUNDS}: ${trees.map((t, i) => `${t.name} ${samples[i]![round]!.toFixed(2)} us`).join(', ')}`);
    }
  } finally {
    rmSync(rulesDir, { recursive: true, force: true });
  }
  const rows = [
    '| decision path | process CPU per decision, us (median) | each round |',
    '| --- | --- | --- |',
    ...trees.map((t, i) => `| ${t.name} | ${median(samples[i]!).toFixed(2)} | ${samples[i]!.map((v) => v.toFixed(2)).join(', ')} |`),
  ].join('\n');
  console.log(rows);
  writeResultsSection(
    'decide: the decision path in a loop',
    [
      `Command: \`${BASELINE_TREE ? 'BENCH_BASELINE=DIR ' : ''}node apps/cli/bin/run-ts.js bench/decide-path.ts\` (the decision path of the shipped policy with bench:decide's app without the app-wide ceiling, ${BREAKERS.toLocaleString('en-US')} breakers, risk scoring on, no HTTP: ${CALLS.toLocaleString('en-US')} calls per round over bench:decide's ${requests.length.toLocaleString('en-US')} bodies, a new session each and the keys parsed afresh each call; ${ROUNDS} alternating rounds, a fresh decider each; process CPU, all threads).`,
      `Measured ${new Date().toISOString().slice(0, 10)} on ${process.platform} ${process.arch}, Node ${process.version}, 2 cores shared with other work; load average (1, 5, 15 min) ${loadBefore.join(', ')} before, ${loadavg()
        .map((n) => n.toFixed(2))
        .join(', ')} after; this tree allowed ${((100 * allowed) / (CALLS * ROUNDS)).toFixed(1)} % of its calls.`,
      '',
      rows,
      '',
      'Reading: what the decision itself costs once its tables hold 100,000 keys each, without the HTTP work around it:',
      'breakers, velocity, the risk score, the per-key tables and the garbage they leave. A cheaper, steadier judge of the',
      'tables than the server benches, whose CPU per request moves by more than this whole path under load.',
    ].join('\n'),
  );
}

await main();
