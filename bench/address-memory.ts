/**
 * The heap a live detector's warm-up takes, this tree against another checkout on the same store,
 * and what people on VPNs add to it: the detector keeps hosting sessions by client address.
 *
 *   node apps/cli/bin/run-ts.js bench/detect-store.ts /tmp/seed37 37 fixed
 *   node apps/cli/bin/run-ts.js bench/address-memory.ts --add-vpn-users DIR PER_MINUTE POOL
 *   BENCH_BASELINE=/tmp/tollgate-base node apps/cli/bin/run-ts.js bench/address-memory.ts DIR [DIR...]
 *
 * `--add-vpn-users` writes, over the 8 days of a store from detect-store.ts, PER_MINUTE sessions
 * a minute from a hosting network into the US, two in five verified 20 s later, from POOL exit
 * addresses (0: every session its own address, a VPN's worst case). The measurement starts a live
 * detector at the store's end in a child process per tree and store, in alternate runs: the heap
 * it keeps after its first cycle (warm-up and one step, after a full collection), the most heap
 * seen during it (sampled after every store answer and every millisecond the event loop is free),
 * and the process's peak resident memory (the embedded store's too). Writes nothing to RESULTS.md.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const START_MS = Date.parse('2026-11-02T00:00:00Z');
const DAY_MS = 86_400_000;
const END_MS = START_MS + 8 * DAY_MS;
const MB = 1024 * 1024;
const PREFIX = 'MEMORY ';

interface Warm {
  keptMb: number;
  peakMb: number;
  maxRssMb: number;
  wallS: number;
  /** What the address memory holds, in a tree that says. */
  held?: { minutes: number; hours: number; addressHours: number };
}

const HMAC_KEY = 'ab'.repeat(32);
/** The detector measured, reachable from the module until its heap was measured. */
let warmed: { runCycle(): Promise<unknown>; engine: { addresses?: { held(): Warm['held'] } } } | undefined;

/** Writes the VPN users' sessions and verifies into the store in `dir` (see the header). */
async function addVpnUsers(dir: string, perMinute: number, pool: number): Promise<void> {
  const { openCore } = await import('@tollgate/core');
  const core = await openCore({ TOLLGATE_DATA_DIR: dir, TOLLGATE_HMAC_KEY: HMAC_KEY });
  try {
    const params = { from: START_MS, spanMs: END_MS - START_MS, n: Math.round((perMinute * (END_MS - START_MS)) / 60_000), pool };
    // The exit of session `number`: its own address, or one of `pool` drawn by a hash of it.
    const exit = `if({pool:UInt64} = 0, number, cityHash64(number) % {pool:UInt64})`;
    const sent = `fromUnixTimestamp64Milli(toInt64({from:Int64} + intDiv(number * {spanMs:Int64}, {n:UInt64})))`;
    await core.store.client.command({
      query: `INSERT INTO sends_raw (event_id, ts, app, flow, session_id, phone_hash, block_hash, country, prefix, number_type,
          ip, ip_subnet, asn, asn_org, asn_hosting, channel, provider, message_id, status, cost, currency, cost_usd,
          device_id, user_agent, session_start)
        SELECT concat('vpn-', toString(number)), ${sent}, 'social', 'signup', concat('vpn-s', toString(number)),
          concat('vpn-p', toString(number)), concat('vpn-b', toString(number % 1000)), 'US', '+1 212', 'mobile',
          IPv4NumToString(toUInt32(1677721600 + ${exit})), '', 16276, 'OVH SAS', 1, 'sms', 'twilio', concat('vpn-m', toString(number)),
          'accepted', 0.01, 'USD', 0.01, '', '', 1
        FROM numbers({n:UInt64})`,
      query_params: params,
    });
    await core.store.client.command({
      query: `INSERT INTO verifies_raw (event_id, ts, app, session_id, phone_hash, ip, ip_subnet, success, send_ts, flow, country,
          prefix, asn, provider, session_verified)
        SELECT concat('vpn-v', toString(number)), ${sent} + toIntervalSecond(20), 'social', concat('vpn-s', toString(number)),
          concat('vpn-p', toString(number)), '', '', 1, ${sent}, 'signup', 'US', '+1 212', 16276, 'twilio', 1
        FROM numbers({n:UInt64}) WHERE number % 5 < 2`,
      query_params: params,
    });
    console.log(`${params.n} VPN users' sessions from ${pool === 0 ? 'an address each' : `${pool} addresses`} added to ${dir}`);
  } finally {
    await core.close();
  }
}

/** In the child: a live detector of `tree`'s code started at the end of the store copied into `dir`. */
async function warm(tree: string, dir: string): Promise<void> {
  const { openCore } = (await import(pathToFileURL(join(tree, 'packages/core/src/index.ts')).href)) as typeof import('@tollgate/core');
  const { createLiveDetector } = (await import(
    pathToFileURL(join(tree, 'packages/detector/src/index.ts')).href
  )) as typeof import('@tollgate/detector');
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const core = await openCore({ TOLLGATE_DATA_DIR: dir, TOLLGATE_HMAC_KEY: HMAC_KEY });
  try {
    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const sample = () => {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    };
    // Every answer of the store, as it is parsed: a week of rows is largest then.
    const client = core.store.client;
    const query = client.query.bind(client);
    client.query = (async (...args: Parameters<typeof query>) => {
      const rs = await query(...args);
      const json = rs.json.bind(rs);
      rs.json = (async () => {
        const parsed = await json();
        sample();
        return parsed;
      }) as typeof rs.json;
      return rs;
    }) as typeof client.query;
    const ticks = setInterval(sample, 1);
    const started = performance.now();
    warmed = createLiveDetector({ store: core.store, clock: () => END_MS });
    await warmed.runCycle();
    const wallS = (performance.now() - started) / 1000;
    clearInterval(ticks);
    sample();
    gc();
    const kept = process.memoryUsage().heapUsed - before;
    const run: Warm = {
      keptMb: kept / MB,
      peakMb: (peak - before) / MB,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      wallS,
      held: warmed.engine.addresses?.held(),
    };
    console.log(`${PREFIX}${JSON.stringify(run)}`);
  } finally {
    await core.close();
  }
}

function runChild(tree: string, store: string): Warm {
  const copy = mkdtempSync(join(tmpdir(), 'tollgate-address-memory-'));
  try {
    for (const entry of readdirSync(store)) cpSync(join(store, entry), join(copy, entry), { recursive: true });
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', join(tree, 'apps/cli/bin/run-ts.js'), fileURLToPath(import.meta.url), '--warm', tree, copy],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 },
    );
    const line = child.stdout.split('\n').find((l) => l.startsWith(PREFIX));
    if (child.status !== 0 || !line) throw new Error(`warm-up with ${tree} exited with ${child.status}:\n${child.stdout.slice(-2000)}`);
    return JSON.parse(line.slice(PREFIX.length)) as Warm;
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

async function main(stores: string[]): Promise<void> {
  if (stores.length === 0) throw new Error('usage: address-memory.ts STORE_DIR [STORE_DIR...] (written by bench/detect-store.ts)');
  const trees = [
    ...(process.env.BENCH_BASELINE ? [{ name: 'baseline', root: resolve(process.env.BENCH_BASELINE) }] : []),
    { name: 'this tree', root: resolve(fileURLToPath(new URL('../', import.meta.url))) },
  ];
  for (const store of stores) {
    for (const tree of trees) {
      const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
      const run = runChild(tree.root, resolve(store));
      console.log(
        `${store} ${tree.name}: ${run.keptMb.toFixed(1)} MB heap kept, ${run.peakMb.toFixed(1)} MB heap at most during the first cycle, ` +
          `${run.maxRssMb.toFixed(0)} MB peak resident, ${run.wallS.toFixed(1)} s (load average ${load} before)` +
          (run.held ? `; holds ${run.held.minutes} minutes of rows, ${run.held.addressHours} addresses over ${run.held.hours} hours` : ''),
      );
    }
  }
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === '--add-vpn-users') {
  const [dir, perMinute, pool] = rest as [string, string, string];
  await addVpnUsers(dir, Number(perMinute), Number(pool));
} else if (mode === '--warm') {
  const [tree, dir] = rest as [string, string];
  await warm(tree, dir);
} else {
  await main(process.argv.slice(2));
}
