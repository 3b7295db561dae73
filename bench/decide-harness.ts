/**
 * What the decide benchmarks share: servers in child processes pinned to one core and the load
 * generator (this process) pinned to the other, so neither takes the other's core whatever the
 * scheduler would do; the request bodies; and an autocannon run that also reads how much CPU the
 * server spent per request.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createBreaker, type Breaker, type DecideRequest } from '@tollgate/breakers';
import { ipSubnet, type AsnDatabase, type Hasher, type PhoneNormalizer } from '@tollgate/events';
import { watchCoreUse, type ThreadGroup } from './core-use.ts';
import { gcSince, watchGcTrace, type GcTotals } from './gc-trace.ts';
import { quantile } from './open-loop-load.ts';

export const CONNECTIONS = 50;
export const DURATION_S = Number(process.env.BENCH_SECONDS ?? 5);
export const ADMIN_KEY = 'bench-admin-key-0123456789';
export const RUN_TS = fileURLToPath(new URL('../apps/cli/bin/run-ts.js', import.meta.url));
export const TOLLGATE = fileURLToPath(new URL('../apps/cli/bin/tollgate.js', import.meta.url));
export const BARE_SERVER = fileURLToPath(new URL('./bare-server.ts', import.meta.url));

const LOAD_GENERATOR_CORE = 0;
const SERVER_CORE = 1;

/** Pins this process (every thread) to its core when the machine has two and `taskset` exists; says whether it did. */
export function pinLoadGenerator(): boolean {
  if (availableParallelism() < 2) return false;
  return pinToCore(process.pid, 'load generator');
}

/** Pins every thread of process `pid` to the load generator's core or to the servers' one; says whether `taskset` did. */
export function pinToCore(pid: number, core: 'load generator' | 'server'): boolean {
  const cpu = core === 'server' ? SERVER_CORE : LOAD_GENERATOR_CORE;
  return spawnSync('taskset', ['-a', '-cp', String(cpu), String(pid)], { stdio: 'ignore' }).status === 0;
}

// /proc/<pid>/stat counts CPU time in clock ticks of 1/100 s on Linux (USER_HZ).
const MS_PER_TICK = 10;

export interface Server {
  url: string;
  child: ChildProcess;
  /** Its collections so far, when it was started with `traceGc`. */
  gc?: GcTotals;
}

export interface LoadResult {
  rps: number;
  /**
   * p99 of the 2xx answers' latencies in ms, from each answer's own time: autocannon's histogram
   * keeps whole milliseconds, which at 2 to 5 ms moved a ratio of two p99s by up to half.
   */
  p99: number;
  errors: number;
  /** Requests answered during the run. */
  requests: number;
  /** CPU time the server process spent per request (user + system, all threads), when /proc tells it. */
  serverCpuUs: number | undefined;
  /**
   * The same split by the server's threads (/proc/PID/task): its event loop, node's helpers (the
   * garbage collector's, libuv's pool where the engine's queries start) and the embedded engine's
   * own threads; empty without /proc.
   */
  serverThreadsUs: Partial<Record<ThreadGroup, number>>;
  /** The server's collections during the run, when it was started with `traceGc`. */
  gc: GcTotals | undefined;
}

/** Now on the clock of V8's CPU profiles (monotonic, microseconds), to mark the windows a profile is read over. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1_000n);
}

/**
 * Starts a server; with `pinned`, on the server core (taskset execs node, so the pid stays the
 * server's); with `traceGc`, under `--trace-gc` with its collections summed in `gc`.
 */
export function start(args: string[], env: Record<string, string>, pinned: boolean, options: { traceGc?: boolean } = {}): Promise<Server> {
  const nodeArgs = options.traceGc ? ['--trace-gc', ...args] : args;
  const [command, commandArgs] = pinned
    ? ['taskset', ['-c', String(SERVER_CORE), process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  const child = spawn(command, commandArgs, {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const gc = options.traceGc ? watchGcTrace(child.stdout!) : undefined;
  return new Promise((resolve, reject) => {
    // Read until the banner names the URL; later output (the trace's lines) is left to `gc`.
    let out: string | undefined = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      if (out === undefined) return;
      out += chunk.toString();
      const match = /API\s+(http:\/\/\S+)/.exec(out);
      if (match === null) return;
      out = undefined;
      resolve({ url: match[1]!, child, gc });
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

/** Stops a server and waits for its exit; one that has already exited (it crashed mid-run) is not waited for. */
export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Breakers a decide benchmark trips through the API before its runs, as a deployment under attack holds. */
export const BREAKERS = 1_000;

/** Trips BREAKERS breakers on the server at `url`, through its API. */
export async function tripBreakers(url: string): Promise<void> {
  for (let b = 0; b < BREAKERS; b++) {
    // Prefixes of other countries and ASNs: breakers the index must skip, as most are for any one request.
    const scope = b % 2 === 0 ? { prefix: `+998 ${String(100 + (b % 900)).padStart(3, '0')}` } : { asn: 100_000 + b };
    const res = await fetch(`${url}/v1/breakers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scope, action: b % 3 === 0 ? 'challenge' : 'block', note: 'bench' }),
    });
    if (res.status !== 201) throw new Error(`trip answered ${res.status}: ${await res.text()}`);
  }
}

/** One of the benchmark's request bodies, parsed. */
export interface BenchBody {
  app: string;
  flow: string;
  phone: string;
  ip: string;
  session_id: string;
  device_id: string;
  user_agent: string;
  timezone: string;
  platform: string;
}

/** The breakers bench:decide trips: prefixes of another country and ASNs none of its IPs has, so the index must skip them. */
export function benchBreakers(count: number, nowMs: number): Breaker[] {
  return Array.from({ length: count }, (_, b) => {
    const scope = b % 2 === 0 ? { prefix: `+998 ${String(100 + (b % 900)).padStart(3, '0')}` } : { asn: 100_000 + b };
    const created = createBreaker(
      {
        id: `b${b}`,
        scope,
        action: { kind: 'block' },
        mode: 'enforce',
        reason: { kind: 'manual', actor: 'bench', note: 'bench' },
        cooldownMs: 900_000,
        probeShare: 0.05,
        expiresAt: null,
      },
      nowMs,
    );
    if (!created.ok) throw new Error(created.error.message);
    return created.breaker;
  });
}

/** Requests spread over many phones, IPs and sessions (20,000 of each, sent round and round). */
export function requestBodies(): string[] {
  return Array.from({ length: 20_000 }, (_, i) =>
    JSON.stringify({
      app: 'shop',
      flow: 'login',
      phone: `+4474${String(10_000_000 + i * 37).slice(-8)}`,
      // 198.18.0.0/15: the range RFC 2544 reserves for benchmarks (a value in the body, never a destination).
      ip: `198.${18 + ((i >> 16) & 1)}.${(i >> 8) & 255}.${i & 255}`,
      session_id: `bench-${i}`,
      // The device fields a browser integration sends, so the risk score reads every signal.
      device_id: `bench-device-${i}`,
      user_agent:
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      timezone: 'Europe/London',
      platform: 'ios',
    }),
  );
}

/** The app of `allowBodies`: the bench's policy gives it no app-wide ceiling (`benchRules`). */
export const UNCAPPED_APP = 'storefront';

/** Distinct bodies of `allowBodies`: each phone, IP, /24 and device of one round appears once. */
export const ALLOW_BODY_COUNT = 200_000;
/**
 * Phones of body `i` are 10,000,000 + i * PHONE_STRIDE + round: distinct across bodies and rounds
 * while the round stays below the stride (7.4 million requests), and 8 digits throughout.
 */
const PHONE_STRIDE = 37;

/** The fields of allow body `i` that every round repeats (app, flow, IP, browser), as JSON without its closing brace. */
function allowFields(i: number): string {
  // Public unicast space 11-99.x.y.0/24 (no private, loopback or allowlisted range): a /24 per body.
  const subnet = Math.floor(i / 89);
  return JSON.stringify({
    app: UNCAPPED_APP,
    flow: 'login',
    ip: `${11 + (i % 89)}.${subnet & 255}.${subnet >> 8}.${1 + (i % 254)}`,
    user_agent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    timezone: 'Europe/London',
    platform: 'ios',
  }).slice(0, -1);
}

/** Body `i` of round `round`: its fields, then a phone and a device of that round only. */
function allowBody(fields: string, i: number, round: number): string {
  const phone = `+4474${String(10_000_000 + i * PHONE_STRIDE + round).slice(-8)}`;
  const device = round === 0 ? `bench-device-${i}` : `bench-device-${i}-${round}`;
  return `${fields},"phone":"${phone}","device_id":"${device}"}`;
}

/**
 * Bodies whose answers are nearly all `allow` under the shipped limits: 200,000 distinct phones,
 * each IP in a /24 of its own (so neither the phone, IP nor subnet limits are reached in a few
 * minutes of load), the app without the app-wide ceiling, and no session_id. The first round of
 * `allowRequests`.
 */
export function allowBodies(count = ALLOW_BODY_COUNT): string[] {
  return Array.from({ length: count }, (_, i) => allowBody(allowFields(i), i, 0));
}

/**
 * Requests made by `allowRequests` so far in this process: each run goes on where the last one
 * stopped, so no session, phone or device is sent twice.
 */
let allowSent = 0;

/**
 * The next request of allow-heavy traffic, for `load`: the bodies of `allowBodies` round and
 * round, each with a session of its own (as each OTP flow starts one), and from the second round
 * on with a phone and a device never sent before. The IPs and /24s come back each round, as a
 * household's or an office's do, and stay far below their limits. A phone or device sent again
 * within its hour would count as a resend: 14 % of the IPs are on hosting networks, and there a
 * second send to one phone, or a second phone from one device, lifts the score to the challenge
 * tier, which is the product working and not the traffic this benchmark measures.
 */
export function allowRequests(count = ALLOW_BODY_COUNT): () => string {
  const fields = Array.from({ length: count }, (_, i) => allowFields(i));
  return () => {
    const n = allowSent++;
    const i = n % count;
    const round = Math.floor(n / count);
    if (round >= PHONE_STRIDE) throw new Error(`allowRequests runs out of distinct phones after ${PHONE_STRIDE * count} requests`);
    return `${allowBody(fields[i]!, i, round).slice(0, -1)},"session_id":"bench-${n}"}`;
  };
}

/** The shipped rules with an app that has no app-wide ceiling (UNCAPPED_APP), written to `dir`. */
export function benchRules(shippedDir: string, dir: string): void {
  cpSync(shippedDir, dir, { recursive: true });
  addVelocityApp(dir, UNCAPPED_APP, ['app: off']);
}

/** Gives `app` its own velocity limits (YAML lines such as `app: off`) in the breaker policy of the rules `dir`. */
export function addVelocityApp(dir: string, app: string, limits: readonly string[]): void {
  const policyPath = join(dir, 'breaker-policy.yaml');
  const policy = readFileSync(policyPath, 'utf8');
  // The velocity section's per-app overrides are the only `apps:` block at two spaces of indent.
  const added = policy.replace(/^ {2}apps:\n/m, `  apps:\n    ${app}:\n${limits.map((line) => `      ${line}\n`).join('')}`);
  if (added === policy) throw new Error('the shipped breaker policy has no velocity "apps:" block to add the bench app to');
  writeFileSync(policyPath, added);
}

/** The machine's load average (1, 5, 15 min) as `uptime` prints it, for the record of each run. */
export function loadAverage(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(', ');
}

/** A run of autocannon against `server`: `bodies` round and round, or a body from `bodies()` per request. */
export async function load(server: Server, bodies: readonly string[] | (() => string), durationS = DURATION_S): Promise<LoadResult> {
  let i = 0;
  const body = typeof bodies === 'function' ? bodies : () => bodies[i++ % bodies.length]!;
  const cpuBeforeMs = processCpuMs(server.child);
  const gcBefore = server.gc && { ...server.gc };
  const threads = watchCoreUse([{ label: 'server', pid: server.child.pid! }]);
  const run = autocannon({
    url: `${server.url}/v1/decide`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: durationS,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
  }) as Promise<autocannon.Result> & autocannon.Instance; // without a callback it is both (the types give one)
  const latenciesMs: number[] = [];
  run.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    if (statusCode >= 200 && statusCode < 300) latenciesMs.push(responseTimeMs);
  });
  const result = await run;
  const cpuAfterMs = processCpuMs(server.child);
  const gc = gcBefore && gcSince(gcBefore, server.gc!);
  // Read over "one second", the rows are the run's milliseconds of CPU per group.
  const serverThreadsUs: LoadResult['serverThreadsUs'] = {};
  if (result.requests.total > 0) for (const row of threads(1)) serverThreadsUs[row.group] = (row.cpuMsPerS * 1_000) / result.requests.total;
  const serverCpuUs =
    cpuBeforeMs === undefined || cpuAfterMs === undefined || result.requests.total === 0
      ? undefined
      : ((cpuAfterMs - cpuBeforeMs) * 1_000) / result.requests.total;
  return {
    rps: result.requests.average,
    p99: quantile(
      latenciesMs.sort((a, b) => a - b),
      0.99,
    ),
    errors: result.non2xx + result.errors,
    requests: result.requests.total,
    serverCpuUs,
    serverThreadsUs,
    gc,
  };
}

/** CPU time a child process has spent so far (user + system, all threads), when /proc tells it. */
export function processCpuMs(child: ChildProcess): number | undefined {
  try {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th of the line.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  } catch {
    return undefined;
  }
}

/**
 * Starts measuring the share of the machine's busy CPU that went to other work (neither this
 * process nor `children`); the function returned reads it. Undefined without /proc.
 */
export function measureOtherWork(children: ChildProcess[]): () => number | undefined {
  const ownMs = () => {
    const childMs = children.map(processCpuMs);
    if (childMs.some((ms) => ms === undefined)) return undefined;
    const self = process.cpuUsage();
    return childMs.reduce<number>((sum, ms) => sum + ms!, 0) + (self.user + self.system) / 1_000;
  };
  const machineBefore = machineBusyMs();
  const ownBefore = ownMs();
  return () => {
    const machineAfter = machineBusyMs();
    const ownAfter = ownMs();
    if (machineBefore === undefined || machineAfter === undefined || ownBefore === undefined || ownAfter === undefined) return undefined;
    return Math.max(0, 1 - (ownAfter - ownBefore) / Math.max(1, machineAfter - machineBefore));
  };
}

function machineBusyMs(): number | undefined {
  try {
    // "cpu  user nice system idle iowait irq softirq steal ...": everything but idle and iowait is work.
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return (user! + nice! + system! + irq! + softirq! + steal!) * MS_PER_TICK;
  } catch {
    return undefined;
  }
}

/** Microseconds per call of `step` in a warm loop (JIT and caches warmed by 20,000 calls first). */
export function timeUs(calls: number, step: (i: number) => unknown): number {
  for (let i = 0; i < 20_000; i++) step(i);
  const started = performance.now();
  for (let i = 0; i < calls; i++) step(i);
  return ((performance.now() - started) * 1_000) / calls;
}

/** The decider's form of the benchmark's bodies, normalized and hashed as the route does before it decides. */
export function decideRequests(
  bodies: readonly BenchBody[],
  tools: { hasher: Hasher; phones: PhoneNormalizer; asn: AsnDatabase },
): DecideRequest[] {
  return bodies.map((body) => {
    const phone = tools.phones.normalize(body.phone);
    if (!phone.ok) throw new Error(`bench phone ${body.phone} refused`);
    const network = tools.asn.lookup(body.ip);
    return {
      app: body.app,
      flow: body.flow,
      phoneHash: tools.hasher.phone(phone.value.e164),
      country: phone.value.country,
      prefix: phone.value.prefix,
      asn: network?.asn ?? 0,
      hosting: network?.hosting,
      phoneBlock: phone.value.block,
      ip: body.ip,
      ipSubnet: ipSubnet(body.ip),
      sessionId: body.session_id,
      deviceId: body.device_id,
      userAgent: body.user_agent,
      timezone: body.timezone,
      platform: body.platform,
    };
  });
}
