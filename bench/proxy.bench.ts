/**
 * Provider proxy benchmark (`npm run bench:proxy`): at 50 concurrent connections over loopback, a
 * Twilio Verify create relayed through Tollgate (`tollgate serve`: proxy.yaml lookup, the decision
 * path with breakers, velocity and risk scoring, the relay, the send event recorded) against the
 * same create sent directly to the same stand-in provider, alternating runs so machine noise hits
 * both alike. Servers in child processes pinned to one core, the load generator to the other
 * (the stand-in shares its core with Tollgate in the proxied runs, as it would on one machine).
 * Measured twice: with a stand-in answering at once and one answering after a provider's delay.
 * Writes its section of bench/RESULTS.md. Targets: the proxy adds at most 2 ms at p99 and keeps at
 * least 60 % of the direct requests per second.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { ChildProcess } from 'node:child_process';
import {
  addVelocityApp,
  ADMIN_KEY,
  CONNECTIONS,
  DURATION_S,
  measureOtherWork,
  pinLoadGenerator,
  processCpuMs,
  RUN_TS,
  start,
  stop,
  TOLLGATE,
  type Server,
} from './decide-harness.ts';
import { median, writeResultsSection } from './results-file.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/**
 * How long the stand-in takes to answer, one measurement each: at once (the proxy's own cost laid
 * bare) and 100 ms, less than Twilio's and Vonage's creates take, so the proxy's share of a call a
 * service makes is not understated.
 */
const PROVIDER_DELAYS_MS = (process.env.BENCH_PROVIDER_MS ?? '0,100').split(',').map(Number);
const SERVICE = `VA${'0'.repeat(31)}1`;
const APP = 'proxybench';
const MAX_ADDED_P99_MS = 2;
const MIN_RPS_SHARE = 0.6;
// Past this share of the machine's busy CPU going to other work, the ratios are not judged.
const MAX_OTHER_WORK_SHARE = 0.1;
const STAND_IN = fileURLToPath(new URL('./provider-stand-in-server.ts', import.meta.url));
const RULES_DIR = fileURLToPath(new URL('../alert-rules/', import.meta.url));
const PATH = `/v2/Services/${SERVICE}/Verifications`;
// Basic auth as the Twilio SDK sends it: relayed by the proxy, ignored by the stand-in.
const AUTHORIZATION = `Basic ${Buffer.from(`AC${'0'.repeat(32)}:bench-auth-token`).toString('base64')}`;

/**
 * The shipped rules with the bench app's callers in proxy.yaml, and its per-phone and per-app
 * limits lifted: every request must be relayed, or refusals (cheaper, never relayed) would flatter the proxy.
 */
function benchRules(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-proxy-rules-'));
  cpSync(RULES_DIR, dir, { recursive: true });
  writeFileSync(join(dir, 'proxy.yaml'), `twilio:\n  services:\n    ${SERVICE}: {app: ${APP}, flow: signup, handles_challenges: true}\n`);
  addVelocityApp(dir, APP, ['phone: { max: 1000000 }', 'app: off']);
  return dir;
}

/** Bodies over many GB numbers, as a sign-up form would send them. */
const bodies = Array.from({ length: 50_000 }, (_, i) =>
  new URLSearchParams({ To: `+4474${String(10_000_000 + i * 37).slice(-8)}`, Channel: 'sms' }).toString(),
);

interface Run {
  rps: number;
  p99: number;
  errors: number;
  /** CPU the servers of the path (stand-in, and Tollgate when proxied) spent per request: what machine load cannot inflate. */
  cpuUs: number | undefined;
}

const cpuOf = (children: ChildProcess[]) => {
  const each = children.map(processCpuMs);
  return each.some((ms) => ms === undefined) ? undefined : each.reduce<number>((sum, ms) => sum + ms!, 0);
};

async function load(url: string, servers: ChildProcess[]): Promise<Run> {
  let i = 0;
  const cpuBefore = cpuOf(servers);
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers: { authorization: AUTHORIZATION, 'content-type': 'application/x-www-form-urlencoded' },
    requests: [{ setupRequest: (req) => ({ ...req, body: bodies[i++ % bodies.length] }) }],
  });
  const cpuAfter = cpuOf(servers);
  const cpuUs =
    cpuBefore === undefined || cpuAfter === undefined || result.requests.total === 0
      ? undefined
      : ((cpuAfter - cpuBefore) * 1_000) / result.requests.total;
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.non2xx + result.errors, cpuUs };
}

interface Figures {
  delayMs: number;
  direct: { rps: number; p99: number; cpuUs: number | undefined };
  proxied: { rps: number; p99: number; cpuUs: number | undefined };
  errors: number;
  otherShare: number | undefined;
}

/** One provider speed: a stand-in answering after `delayMs`, a Tollgate relaying to it, alternating runs. */
async function measure(delayMs: number, pinned: boolean, rules: string): Promise<Figures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-proxy-'));
  const servers: Server[] = [];
  try {
    const provider = await start([RUN_TS, STAND_IN], { STAND_IN_DELAY_MS: String(delayMs) }, pinned);
    servers.push(provider);
    const tollgate = await start(
      [TOLLGATE, 'serve'],
      {
        TOLLGATE_DATA_DIR: dataDir,
        TOLLGATE_ADMIN_KEY: ADMIN_KEY,
        TOLLGATE_RULES_DIR: rules,
        TOLLGATE_EGRESS_ALLOW: '127.0.0.1',
        TOLLGATE_UPSTREAM_TWILIO_VERIFY: provider.url,
      },
      pinned,
    );
    servers.push(tollgate);
    const direct = `${provider.url}${PATH}`;
    const proxied = `${tollgate.url}/twilio/verify${PATH}`;
    const directServers = [provider.child];
    const proxiedServers = [provider.child, tollgate.child];
    // Warm-up: JIT, connection pools, the first inserts.
    await load(proxied, proxiedServers);
    await load(direct, directServers);
    const otherWork = measureOtherWork(servers.map((s) => s.child));
    const directRuns: Run[] = [];
    const proxiedRuns: Run[] = [];
    for (let r = 0; r < RUNS; r++) {
      directRuns.push(await load(direct, directServers));
      proxiedRuns.push(await load(proxied, proxiedServers));
    }
    const medianCpu = (runs: Run[]) => (runs.some((x) => x.cpuUs === undefined) ? undefined : median(runs.map((x) => x.cpuUs!)));
    const summary = (runs: Run[]) => ({ rps: median(runs.map((x) => x.rps)), p99: median(runs.map((x) => x.p99)), cpuUs: medianCpu(runs) });
    return {
      delayMs,
      direct: summary(directRuns),
      proxied: summary(proxiedRuns),
      errors: [...directRuns, ...proxiedRuns].reduce((sum, x) => sum + x.errors, 0),
      otherShare: otherWork(),
    };
  } finally {
    for (const server of servers.reverse()) await stop(server.child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const pinned = pinLoadGenerator();
  const rules = benchRules();
  const results: Figures[] = [];
  try {
    for (const delayMs of PROVIDER_DELAYS_MS) results.push(await measure(delayMs, pinned, rules));
  } finally {
    rmSync(rules, { recursive: true, force: true });
  }
  const load1 = loadavg()[0]!;
  const cpu = (us: number | undefined) => (us === undefined ? '-' : us.toFixed(0));
  const lines = [
    `Command: \`npm run bench:proxy\` (${RUNS} alternating runs of ${DURATION_S} s each per provider speed, ${CONNECTIONS} connections, medians; ` +
      `${pinned ? 'load generator on one core, stand-in and Tollgate on the other' : 'not pinned'}). Load average at the end ${load1.toFixed(1)}.`,
    '',
    '| provider answers after | path | req/s | p99 ms | server CPU µs per request |',
    '| ---: | --- | ---: | ---: | ---: |',
  ];
  const verdicts: string[] = [];
  for (const f of results) {
    lines.push(
      `| ${f.delayMs} ms | direct to the stand-in | ${f.direct.rps.toFixed(0)} | ${f.direct.p99.toFixed(1)} | ${cpu(f.direct.cpuUs)} |`,
    );
    lines.push(
      `| ${f.delayMs} ms | through Tollgate's proxy (decided, relayed, recorded) | ${f.proxied.rps.toFixed(0)} | ${f.proxied.p99.toFixed(1)} | ${cpu(f.proxied.cpuUs)} (stand-in included) |`,
    );
    const share = f.proxied.rps / f.direct.rps;
    const addedP99 = f.proxied.p99 - f.direct.p99;
    const judged = f.otherShare === undefined || f.otherShare <= MAX_OTHER_WORK_SHARE;
    const verdict = (ok: boolean) => (!judged ? 'not judged: other work on the machine' : ok ? 'met' : 'MISSED');
    verdicts.push(
      `Provider answering after ${f.delayMs} ms: the proxy keeps ${(share * 100).toFixed(0)} % of the direct requests/s (target >= ${MIN_RPS_SHARE * 100} %: ${verdict(share >= MIN_RPS_SHARE)}) ` +
        `and adds ${addedP99.toFixed(1)} ms at p99 (target <= ${MAX_ADDED_P99_MS} ms: ${verdict(addedP99 <= MAX_ADDED_P99_MS)}); ` +
        `errors and non-2xx answers: ${f.errors}; other work took ${f.otherShare === undefined ? 'an unknown share' : `${(f.otherShare * 100).toFixed(0)} %`} of the machine's busy CPU.`,
    );
  }
  lines.push('', ...verdicts.flatMap((v) => [v, '']));
  lines.push(
    "A stand-in answering at once makes every request's time the proxy's own: two HTTP exchanges, the decision and the recording against one " +
      "bare answer, so its ratio is the proxy's CPU cost against a server that does nothing. A provider that takes as long as a real one " +
      '(Verify and Messages creates take a few hundred ms from most places) is what a service sees.',
  );
  writeResultsSection('Provider proxy (bench:proxy)', lines.join('\n'));
  console.log(lines.join('\n'));
}

await main();
