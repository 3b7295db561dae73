/**
 * What a relayed create costs a decide node's event loop at a service's rate against at
 * saturation, and where the difference goes (`node apps/cli/bin/run-ts.js bench/proxy-create-cost.ts`).
 * bench:proxy found the same create costing the loop about three times as much CPU at 160 a second
 * (a provider answering after 300 ms) as in a closed loop with a provider answering at once: this
 * splits that figure into what the node does while idle (its timers and intervals, spread over
 * fewer creates), how many times each create wakes the loop (the main thread's voluntary context
 * switches: each is one sleep in epoll_wait), and what is left per create.
 *
 * Each Tollgate (this tree's, and BENCH_BASELINE's in the same rounds) runs roles decide storing in
 * a ClickHouse server (bench/clickhouse-stand-in-server.ts), pinned to the server core, alone on it
 * (the other one stopped); the provider stand-in runs in this process, on the load generator's
 * core, so its delay can change between phases. Per round and Tollgate, three phases: idle
 * (COST_IDLE_S), the open loop (COST_OPEN_REQUESTS creates at 160 a second, the provider answering
 * after 300 ms) and a closed loop (50 connections for COST_CLOSED_S, the provider answering at
 * once). COST_CPU_PROFILE=DIR runs both Tollgates under `node --cpu-prof` and tables each phase's
 * samples per create (bench/cpu-profile-table.ts): the profiler's own signals wake the loop, so
 * the wake-up counts of a profiled run are not read. Prints markdown; nothing is written to RESULTS.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import {
  ADMIN_KEY,
  loadAverage,
  monotonicUs,
  pinLoadGenerator,
  pinToCore,
  RUN_TS,
  start,
  stop,
  TOLLGATE,
  type Server,
} from './decide-harness.ts';
import { profiledArgs, profileTables, readMainThreadProfile, type SampleWindow } from './cpu-profile-table.ts';
import { median } from './results-file.ts';
import { openLoop } from './open-loop-load.ts';
import { AUTHORIZATION, benchRules, body, VERIFY_PATH, verifyStandIn } from './verify-creates.ts';

const ROUNDS = Number(process.env.COST_ROUNDS ?? 3);
const IDLE_S = Number(process.env.COST_IDLE_S ?? 5);
const OPEN_REQUESTS = Number(process.env.COST_OPEN_REQUESTS ?? 1600);
const CLOSED_S = Number(process.env.COST_CLOSED_S ?? 4);
/** The rate and the provider's delay of bench:proxy's open loop. */
const OPEN_RATE = 160;
const OPEN_PROVIDER_MS = 300;
const CLOSED_CONNECTIONS = 50;
/** Two of the recorder's 1 s flushes and the insert after them. */
const SETTLE_MS = 2_500;
const BASELINE_TREE = process.env.BENCH_BASELINE ? resolve(process.env.BENCH_BASELINE) : undefined;
const PROFILE_DIR = process.env.COST_CPU_PROFILE ? resolve(process.env.COST_CPU_PROFILE) : undefined;
/** COST_STRACE=1: the event-loop thread's system calls counted per phase (`strace -c`), per create; it slows every call, so its CPU figures are not read. */
const STRACE = process.env.COST_STRACE === '1';
/**
 * COST_WARM_CORE=1: a spinning process at SCHED_IDLE on the Tollgates' core through every phase,
 * so the core never idles between creates (it yields to any other thread at once): what is left
 * of the open loop's extra cost is then not the core's sleep and wake-up.
 */
const WARM_CORE = process.env.COST_WARM_CORE === '1';
/**
 * COST_LOOP_MONITOR_MS: this tree's event-loop delay histogram sampled at this period instead of
 * 10 ms (bench/loop-monitor-resolution.preload.js); BENCH_BASELINE's, at 10 ms, is the same code
 * beside it when BENCH_BASELINE is the starting commit.
 */
const LOOP_MONITOR_MS = process.env.COST_LOOP_MONITOR_MS;
/**
 * COST_BARE=1: bench:proxy's provider stand-in, a bare node HTTP server answering at once, measured
 * on the Tollgates' core like them: what node and the kernel alone make of a request at each rate.
 */
const BARE = process.env.COST_BARE === '1';
const BARE_STAND_IN = fileURLToPath(new URL('./provider-stand-in-server.ts', import.meta.url));
const LOOP_MONITOR_PRELOAD = fileURLToPath(new URL('./loop-monitor-resolution.preload.js', import.meta.url));
const CLICKHOUSE_STAND_IN = fileURLToPath(new URL('./clickhouse-stand-in-server.ts', import.meta.url));
const HEADERS = { authorization: AUTHORIZATION, 'content-type': 'application/x-www-form-urlencoded' };
/** A Tollgate stopped mid-insert must not see its client time the insert out on resume (bench:proxy's reason). */
const STOPPED_REQUEST_TIMEOUT_MS = 3_600_000;
// /proc counts CPU time in clock ticks of 1/100 s on Linux (USER_HZ).
const MS_PER_TICK = 10;

type Phase = 'idle' | 'open' | 'closed';
const PHASES: Phase[] = ['idle', 'open', 'closed'];

/** The main thread's CPU (schedstat), its share in the kernel, its context switches and page faults, and the process's CPU. */
interface ThreadReading {
  loopCpuMs: number;
  loopSystemMs: number;
  voluntary: number;
  involuntary: number;
  minorFaults: number;
  processCpuMs: number;
}

/** Fields of a /proc stat line after the parenthesised command name: minflt is the 8th, utime and stime the 12th and 13th. */
function statFields(path: string): string[] {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function read(pid: number): ThreadReading {
  const [cpuNs] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ').map(Number);
  const status = readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)$`, 'm').exec(status)?.[1] ?? Number.NaN);
  const whole = statFields(`/proc/${pid}/stat`);
  const loop = statFields(`/proc/${pid}/task/${pid}/stat`);
  return {
    loopCpuMs: cpuNs! / 1e6,
    loopSystemMs: Number(loop[12]) * MS_PER_TICK,
    voluntary: field('voluntary_ctxt_switches'),
    involuntary: field('nonvoluntary_ctxt_switches'),
    minorFaults: Number(loop[7]),
    processCpuMs: (Number(whole[11]) + Number(whole[12])) * MS_PER_TICK,
  };
}

interface PhaseFigures {
  seconds: number;
  creates: number;
  loopCpuMs: number;
  loopSystemMs: number;
  processCpuMs: number;
  wakeUps: number;
  minorFaults: number;
  preempted: number;
  errors: number;
  window: SampleWindow;
  /** With COST_STRACE: the loop thread's system calls over the phase, by name. */
  calls: Map<string, number> | undefined;
}

/**
 * Starts counting the system calls of `pid`'s main thread (strace -c, attached to that thread
 * only); the function returned stops it and reads the counts by call.
 */
async function traceCalls(pid: number): Promise<() => Promise<Map<string, number>>> {
  const out = join(mkdtempSync(join(tmpdir(), 'tollgate-bench-cost-strace-')), 'calls.txt');
  const child = spawn('strace', ['-c', '-o', out, '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  // strace says "Process N attached" once it traces the thread.
  await new Promise<void>((done, fail) => {
    child.stderr.on('data', (chunk: Buffer) => chunk.toString().includes('attached') && done());
    child.on('exit', (code) => fail(new Error(`strace exited with ${code}: is it installed, and may it attach?`)));
  });
  return async () => {
    child.removeAllListeners('exit');
    const exited = new Promise((done) => child.on('exit', done));
    child.kill('SIGINT');
    await exited;
    const counts = new Map<string, number>();
    // "% time seconds usecs/call calls [errors] syscall": the calls are the 4th column, the name the last.
    for (const line of readFileSync(out, 'utf8').split('\n')) {
      const fields = line.trim().split(/\s+/);
      if (fields.length >= 5 && /^\d/.test(fields[0]!) && fields.at(-1) !== 'total') counts.set(fields.at(-1)!, Number(fields[3]));
    }
    rmSync(join(out, '..'), { recursive: true, force: true });
    return counts;
  };
}

/** The provider stand-in in this process, its delay changed between phases. */
function standIn(): Promise<{ server: HttpServer; url: string; setDelay(ms: number): void }> {
  let delayMs = 0;
  const server = createServer(verifyStandIn(() => delayMs));
  server.keepAliveTimeout = 60_000;
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () =>
      done({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, setDelay: (ms) => (delayMs = ms) }),
    ),
  );
}

interface Tree {
  name: 'this tree' | 'BENCH_BASELINE' | 'bare node server';
  tollgate: Server;
  url: string;
  figures: Record<Phase, PhaseFigures[]>;
}

let nextNumber = 0;

async function measurePhase(tree: Tree, phase: Phase, provider: { setDelay(ms: number): void }): Promise<PhaseFigures> {
  const pid = tree.tollgate.child.pid!;
  provider.setDelay(phase === 'open' ? OPEN_PROVIDER_MS : 0);
  // The recorder stores what the phase before relayed within a flush or two: that is the phase
  // before's work, not this one's.
  await sleep(SETTLE_MS);
  const tracer = STRACE ? await traceCalls(pid) : undefined;
  const before = read(pid);
  const fromUs = monotonicUs();
  let creates = 0;
  let errors = 0;
  if (phase === 'idle') await sleep(IDLE_S * 1_000);
  if (phase === 'open') {
    const first = nextNumber;
    nextNumber += OPEN_REQUESTS;
    const result = await openLoop({
      url: tree.url,
      headers: HEADERS,
      body: (i) => body(first + i),
      ratePerS: OPEN_RATE,
      requests: OPEN_REQUESTS,
      seed: first,
    });
    creates = result.latenciesMs.length;
    errors = result.errors;
  }
  if (phase === 'closed') {
    let i = nextNumber;
    const result = await autocannon({
      url: tree.url,
      method: 'POST',
      connections: CLOSED_CONNECTIONS,
      duration: CLOSED_S,
      headers: HEADERS,
      requests: [{ setupRequest: (req) => ({ ...req, body: body(i++) }) }],
    });
    nextNumber = i;
    creates = result.requests.total;
    errors = result.non2xx + result.errors;
  }
  const toUs = monotonicUs();
  const after = read(pid);
  const calls = await tracer?.();
  return {
    calls,
    seconds: (toUs - fromUs) / 1e6,
    creates,
    loopCpuMs: after.loopCpuMs - before.loopCpuMs,
    loopSystemMs: after.loopSystemMs - before.loopSystemMs,
    minorFaults: after.minorFaults - before.minorFaults,
    processCpuMs: after.processCpuMs - before.processCpuMs,
    wakeUps: after.voluntary - before.voluntary,
    preempted: after.involuntary - before.involuntary,
    errors,
    window: { fromUs, toUs },
  };
}

const fmt = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

/** One row a phase: medians of the rounds, per create where there are creates, and per second. */
function rows(tree: Tree, profiled: boolean): string[] {
  const idle = tree.figures.idle;
  const idleLoopMsPerS = median(idle.map((f) => f.loopCpuMs / f.seconds));
  const idleWakePerS = median(idle.map((f) => f.wakeUps / f.seconds));
  return PHASES.map((phase) => {
    const each = tree.figures[phase];
    const per = (pick: (f: PhaseFigures) => number) => median(each.map((f) => (f.creates === 0 ? Number.NaN : pick(f) / f.creates)));
    const perS = (pick: (f: PhaseFigures) => number) => median(each.map((f) => pick(f) / f.seconds));
    // What the idle node's own timers would have taken over the phase, spread over its creates.
    const background = per((f) => idleLoopMsPerS * f.seconds * 1_000);
    const backgroundWakes = per((f) => idleWakePerS * f.seconds);
    return [
      `| ${tree.name} | ${phase} | ${fmt(perS((f) => f.creates))} | ${fmt(per((f) => f.loopCpuMs * 1_000))} | ${fmt(per((f) => f.processCpuMs * 1_000))} | ` +
        `${fmt(per((f) => f.loopSystemMs * 1_000))} | ${fmt(
          per((f) => f.minorFaults),
          1,
        )} | ${fmt(background)} | ${
          profiled
            ? '-'
            : fmt(
                per((f) => f.wakeUps),
                2,
              )
        } | ${profiled ? '-' : fmt(backgroundWakes, 2)} | ` +
        `${fmt(
          perS((f) => f.loopCpuMs),
          1,
        )} | ${profiled ? '-' : fmt(perS((f) => f.wakeUps))} | ${fmt(
          per((f) => f.preempted),
          2,
        )} | ` +
        `${each.reduce((sum, f) => sum + f.errors, 0)} |`,
    ].join('');
  });
}

/** With COST_STRACE: each phase's system calls of the loop thread, per create (per second when idle), summed over the rounds. */
function callRows(trees: Tree[]): string[] {
  const names = new Set(
    trees.flatMap((tree) => PHASES.flatMap((phase) => tree.figures[phase].flatMap((f) => [...(f.calls ?? new Map()).keys()]))),
  );
  const columns = [...names].sort();
  return [
    `| Tollgate | phase | per | ${columns.join(' | ')} |`,
    `| --- | --- | --- | ${columns.map(() => '---:').join(' | ')} |`,
    ...trees.flatMap((tree) =>
      PHASES.map((phase) => {
        const each = tree.figures[phase];
        const creates = each.reduce((sum, f) => sum + f.creates, 0);
        const units = creates > 0 ? creates : each.reduce((sum, f) => sum + f.seconds, 0);
        const counts = columns.map((name) => fmt(each.reduce((sum, f) => sum + (f.calls?.get(name) ?? 0), 0) / units, 2));
        return `| ${tree.name} | ${phase} | ${creates > 0 ? 'create' : 'second'} | ${counts.join(' | ')} |`;
      }),
    ),
  ];
}

async function main(): Promise<void> {
  const pinned = pinLoadGenerator();
  const loadBefore = loadAverage();
  const provider = await standIn();
  const dirs: string[] = [benchRules()];
  const servers: Server[] = [];
  const trees: Tree[] = [];
  try {
    const chDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-cost-clickhouse-'));
    dirs.push(chDir);
    const clickhouse = await start([RUN_TS, CLICKHOUSE_STAND_IN], { CLICKHOUSE_DATA_DIR: chDir }, pinned);
    servers.push(clickhouse);
    if (pinned) pinToCore(clickhouse.child.pid!, 'load generator');
    const entries: [Tree['name'], string][] = [
      ['this tree', TOLLGATE],
      ...(BASELINE_TREE === undefined
        ? []
        : [['BENCH_BASELINE', join(BASELINE_TREE, 'apps/cli/bin/tollgate.js')] as [Tree['name'], string]]),
    ];
    for (const [name, entry] of entries) {
      const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-cost-'));
      dirs.push(dataDir);
      const database = name === 'this tree' ? 'tollgate_this' : 'tollgate_baseline';
      const tollgate = await start(
        profiledArgs(PROFILE_DIR, database, [entry, 'serve']),
        {
          TOLLGATE_DATA_DIR: dataDir,
          TOLLGATE_ADMIN_KEY: ADMIN_KEY,
          TOLLGATE_RULES_DIR: dirs[0]!,
          TOLLGATE_EGRESS_ALLOW: '127.0.0.1',
          TOLLGATE_UPSTREAM_TWILIO_VERIFY: provider.url,
          TOLLGATE_ROLES: 'decide',
          CLICKHOUSE_URL: `${clickhouse.url}/?request_timeout=${STOPPED_REQUEST_TIMEOUT_MS}&log_level=ERROR`,
          CLICKHOUSE_DATABASE: database,
          ...(LOOP_MONITOR_MS !== undefined &&
            name === 'this tree' && {
              COST_LOOP_MONITOR_MS: LOOP_MONITOR_MS,
              NODE_OPTIONS: [process.env.NODE_OPTIONS, `--import ${LOOP_MONITOR_PRELOAD}`].filter(Boolean).join(' '),
            }),
        },
        pinned,
      );
      servers.push(tollgate);
      trees.push({ name, tollgate, url: `${tollgate.url}/twilio/verify${VERIFY_PATH}`, figures: { idle: [], open: [], closed: [] } });
    }
    if (BARE) {
      // The control: node's HTTP server answering at once with nothing of Tollgate, on the same core.
      const bare = await start([RUN_TS, BARE_STAND_IN], {}, pinned);
      servers.push(bare);
      trees.push({
        name: 'bare node server',
        tollgate: bare,
        url: `${bare.url}${VERIFY_PATH}`,
        figures: { idle: [], open: [], closed: [] },
      });
    }
    if (WARM_CORE) {
      const spinner = spawn('chrt', ['--idle', '0', 'taskset', '-c', '1', process.execPath, '-e', 'for (;;);'], { stdio: 'ignore' });
      servers.push({ url: '', child: spinner });
    }
    const only = (tree: Tree | undefined) => {
      for (const other of trees) other.tollgate.child.kill(tree === undefined || other === tree ? 'SIGCONT' : 'SIGSTOP');
    };
    // Warm-up, unmeasured: JIT, connection pools, the first inserts.
    for (const tree of trees) {
      only(tree);
      await measurePhase(tree, 'closed', provider);
      await measurePhase(tree, 'idle', provider);
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const tree of round % 2 === 0 ? trees : [...trees].reverse()) {
        only(tree);
        for (const phase of PHASES) tree.figures[phase].push(await measurePhase(tree, phase, provider));
      }
    }
    only(undefined);
    const loadAfter = loadAverage();
    for (const server of servers.splice(0).reverse()) await stop(server.child);
    const lines = [
      `${WARM_CORE ? "A SCHED_IDLE spinner on the Tollgates' core; " : ''}${LOOP_MONITOR_MS === undefined ? '' : `loop delay sampled every ${LOOP_MONITOR_MS} ms; `}${ROUNDS} rounds, idle ${IDLE_S} s, open loop ${OPEN_REQUESTS} creates at ${OPEN_RATE}/s (provider ${OPEN_PROVIDER_MS} ms), ` +
        `closed loop ${CLOSED_CONNECTIONS} connections for ${CLOSED_S} s (provider at once); load average ${loadBefore} before, ${loadAfter} after; medians of the rounds.`,
      '',
      "| Tollgate | phase | creates/s | loop CPU µs per create | process CPU µs per create | loop in the kernel, µs per create | loop page faults per create | of which the idle node's own, µs | loop wake-ups per create | of which the idle node's | loop CPU ms/s | wake-ups/s | preempted per create | errors |",
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...trees.flatMap((tree) => rows(tree, PROFILE_DIR !== undefined)),
    ];
    if (PROFILE_DIR !== undefined) {
      for (const tree of trees.filter((each) => each.name !== 'bare node server')) {
        const profile = readMainThreadProfile(PROFILE_DIR, tree.name === 'this tree' ? 'tollgate_this' : 'tollgate_baseline');
        for (const phase of PHASES) {
          const each = tree.figures[phase];
          const idle = phase === 'idle';
          lines.push(
            '',
            `#### ${tree.name}, ${phase}${idle ? '' : ' loop'}, main thread self time per ${idle ? 'second' : 'create'}`,
            '',
            profileTables(profile, {
              units: idle ? each.reduce((sum, f) => sum + f.seconds, 0) : each.reduce((sum, f) => sum + f.creates, 0),
              unitName: idle ? 'second' : 'create',
              windows: each.map((f) => f.window),
              top: 25,
            }),
          );
        }
      }
    }
    if (STRACE) lines.push('', ...callRows(trees));
    console.log(lines.join('\n'));
  } finally {
    for (const tree of trees) tree.tollgate.child.kill('SIGCONT');
    for (const server of servers.reverse()) await stop(server.child);
    provider.server.closeAllConnections();
    provider.server.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
