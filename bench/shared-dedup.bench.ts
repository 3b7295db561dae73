// `npm run bench:shared-dedup`: what deduplicating event ids across ingest nodes through Redis
// costs an ingest node and Redis (CPU per event, memory per remembered id), and what sharing the
// verify ladders costs per change, each against the same work on one node only (same run,
// alternating rounds).
import { readFileSync } from 'node:fs';
import { createVerifyLimiter } from '@tollgate/breakers';
import { RecentMap } from '@tollgate/ingest';
import { Redis } from 'ioredis';
import { createSharedDedup } from '../apps/server/src/shared-dedup.ts';
import { createSharedVerify } from '../apps/server/src/shared-verify.ts';
import { startRedisServer } from '../apps/server/test/support/redis-server.ts';
import { median, writeResultsSection } from './results-file.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
// An ingest flush of a busy node: the collectors' group commit gathers about this many events.
const FLUSH = 1_000;
const CHANGES = Number(process.env.BENCH_CHANGES ?? 100_000);
const TICKS_PER_S = 100; // USER_HZ on Linux
const DAY_MS = 24 * 3_600_000;

function redisCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S; // utime + stime
}

const cpuUs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};

async function usedMemory(url: string): Promise<number> {
  const client = new Redis(url);
  const info = await client.info('memory');
  client.disconnect();
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const pid = redis.pid;
  const localDedupUs: number[] = [];
  const sharedDedupUs: number[] = [];
  const redisDedupUs: number[] = [];
  const bytesPerId: number[] = [];
  const localVerifyUs: number[] = [];
  const sharedVerifyUs: number[] = [];
  const redisVerifyUs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // UUIDs, as collectors send them.
    const ids = Array.from(
      { length: EVENTS },
      (_, i) =>
        `${round.toString(16).padStart(8, '0')}-${(i >>> 16).toString(16).padStart(4, '0')}-4000-8000-${i.toString(16).padStart(12, '0')}`,
    );

    // The per-node step: the ingestor's window lookup and insert.
    const window = new RecentMap<1>({ windowMs: DAY_MS, maxEntries: 8_000_000, clock: Date.now });
    let before = process.cpuUsage();
    for (const id of ids) if (!window.has(id)) window.set(id, 1);
    localDedupUs.push(cpuUs(before) / EVENTS);

    const dedup = createSharedDedup({ url: redis.url, windowMs: DAY_MS, prefix: `bench${round}:` });
    while (!dedup.status().ok) await new Promise((resolve) => setImmediate(resolve));
    const memoryBefore = await usedMemory(redis.url);
    const redisBefore = redisCpuSeconds(pid);
    before = process.cpuUsage();
    // Per flush: claim before the insert, commit once it is durable.
    for (let from = 0; from < EVENTS; from += FLUSH) {
      const flush = ids.slice(from, from + FLUSH);
      await dedup.ledger.claim('send', flush);
      await dedup.ledger.commit('send', flush);
    }
    sharedDedupUs.push(cpuUs(before) / EVENTS);
    redisDedupUs.push(((redisCpuSeconds(pid) - redisBefore) / EVENTS) * 1e6);
    bytesPerId.push(((await usedMemory(redis.url)) - memoryBefore) / EVENTS);
    dedup.close();

    // Verify ladders: a failed outcome per change set (session, IP, phone), as ingest nodes report them.
    const outcomes = Array.from({ length: CHANGES }, (_, i) => ({
      eventId: `v${round}-${i}`,
      app: 'shop',
      sessionId: `s${i % 20_000}`,
      ip: `10.0.${(i >> 8) & 255}.${i & 255}`,
      phoneHash: `p${i % 10_000}`,
      success: false,
    }));
    const alone = createVerifyLimiter({ clock: Date.now });
    before = process.cpuUsage();
    for (const outcome of outcomes) alone.outcome(outcome);
    localVerifyUs.push(cpuUs(before) / CHANGES);
    const verify = createSharedVerify({
      url: redis.url,
      local: createVerifyLimiter({ clock: Date.now }),
      clock: Date.now,
      outcomeWindowMs: DAY_MS,
      prefix: `benchv${round}:`,
    });
    while (!verify.status().ok) await new Promise((resolve) => setImmediate(resolve));
    const redisVerifyBefore = redisCpuSeconds(pid);
    before = process.cpuUsage();
    // As a server would: outcomes arrive between event-loop turns, so batches form while Redis answers.
    for (let i = 0; i < CHANGES; i++) {
      verify.limiter.outcome(outcomes[i]!);
      if (i % 200 === 199) await new Promise((resolve) => setImmediate(resolve));
    }
    await verify.flush();
    sharedVerifyUs.push(cpuUs(before) / CHANGES);
    redisVerifyUs.push(((redisCpuSeconds(pid) - redisVerifyBefore) / CHANGES) * 1e6);
    await verify.close();
  }
  await redis.stop();
  const row = (label: string, values: number[], digits: number, unit: string) =>
    `| ${label} | ${median(values).toFixed(digits)} ${unit} | ${values.map((v) => v.toFixed(digits)).join(', ')} |`;
  const perCoreEvents = 1e6 / median(redisDedupUs);
  const perCoreOutcomes = 1e6 / median(redisVerifyUs);
  const body = `Command: \`npm run bench:shared-dedup\` (${EVENTS.toLocaleString('en')} distinct event ids per round, claimed and committed in flushes of ${FLUSH.toLocaleString('en')}; ${CHANGES.toLocaleString('en')} failed verify outcomes per round over 20,000 sessions, IPs and 10,000 phones, 3 ladder changes each; ${ROUNDS} alternating rounds; a real redis-server on loopback, started by the benchmark).
Measured ${new Date().toISOString().slice(0, 10)} on linux x64, Node ${process.version}, 2 cores shared with other work.

| measure | median | each round |
| --- | --- | --- |
${row('ingest node CPU per event, per-node window only (RecentMap lookup and insert)', localDedupUs, 2, 'µs')}
${row('ingest node CPU per event, shared through Redis (claim and commit scripts, the client)', sharedDedupUs, 2, 'µs')}
${row('Redis CPU per event (claim and commit)', redisDedupUs, 2, 'µs')}
${row('Redis memory per remembered event id (UUID, 24 h expiry)', bytesPerId, 0, 'bytes')}
${row('node CPU per verify outcome, own ladders only', localVerifyUs, 2, 'µs')}
${row('node CPU per verify outcome, shared (script, reply absorbed)', sharedVerifyUs, 2, 'µs')}
${row('Redis CPU per verify outcome (3 ladders, event counted once, states published)', redisVerifyUs, 2, 'µs')}

Reading: one Redis core deduplicates about ${Math.round(perCoreEvents).toLocaleString('en')} events a second and applies about ${Math.round(perCoreOutcomes).toLocaleString('en')} verify
outcomes a second. Remembered ids cost memory for the whole window: at ${Math.round(median(bytesPerId))} bytes an id, a day of 46,300 events a
second (1 billion sends a day) holds ${((46_300 * 86_400 * median(bytesPerId)) / 1e9).toFixed(0)} GB; docs/scaling.md sizes Redis from this. Ingest waits for the claim
and the commit (two round trips per flush); decisions never wait for the ladders (the check is in memory).`;
  console.log(body);
  if (process.env.BENCH_WRITE !== '0') writeResultsSection('shared dedup and verify ladders (Redis)', body);
}

await main();
