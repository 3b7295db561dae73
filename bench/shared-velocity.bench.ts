// `npm run bench:shared-velocity`: what sharing velocity counters through Redis costs a decision
// node, against the same limiter counting in memory only (same run, alternating rounds), and how
// many sends one Redis core counts (Redis's own CPU time per send, from /proc).
import { readFileSync } from 'node:fs';
import { createVelocityLimiter, DEFAULT_VELOCITY_CONFIG, type VelocityRequest } from '@tollgate/breakers';
import { createSharedVelocity } from '../apps/server/src/shared-velocity.ts';
import { startRedisServer } from '../apps/server/test/support/redis-server.ts';
import { median, writeResultsSection } from './results-file.ts';

const SENDS = Number(process.env.BENCH_SENDS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DISTINCT = 20_000;
const TICKS_PER_S = 100; // USER_HZ on Linux

const requests: VelocityRequest[] = Array.from({ length: DISTINCT }, (_, i) => ({
  app: 'shop',
  phoneHash: `phone-${i}`,
  ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  ipSubnet: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.0/24`,
  accountHash: `account-${i % 5_000}`,
}));

function redisCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S; // utime + stime
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const pid = redis.pid;
  const local: number[] = [];
  const shared: number[] = [];
  const redisUsPerSend: number[] = [];
  const nodeUsPerSend: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const clock = () => Date.now();
    const alone = createVelocityLimiter({ clock, config: DEFAULT_VELOCITY_CONFIG });
    let start = process.hrtime.bigint();
    for (let i = 0; i < SENDS; i++) alone.record(requests[i % DISTINCT]!);
    local.push(SENDS / (Number(process.hrtime.bigint() - start) / 1e9));

    const node = createSharedVelocity({
      url: redis.url,
      local: createVelocityLimiter({ clock, config: DEFAULT_VELOCITY_CONFIG }),
      config: DEFAULT_VELOCITY_CONFIG,
      clock,
      prefix: `bench${round}:`,
    });
    while (!node.status().ok) await new Promise((resolve) => setImmediate(resolve));
    const cpuBefore = redisCpuSeconds(pid);
    const nodeBefore = process.cpuUsage();
    start = process.hrtime.bigint();
    // As a server would: sends arrive between event-loop turns, so batches form while Redis answers.
    for (let i = 0; i < SENDS; i++) {
      node.limiter.record(requests[i % DISTINCT]!);
      if (i % 200 === 199) await new Promise((resolve) => setImmediate(resolve));
    }
    await node.flush();
    shared.push(SENDS / (Number(process.hrtime.bigint() - start) / 1e9));
    redisUsPerSend.push(((redisCpuSeconds(pid) - cpuBefore) / SENDS) * 1e6);
    const nodeCpu = process.cpuUsage(nodeBefore);
    nodeUsPerSend.push((nodeCpu.user + nodeCpu.system) / SENDS);
    await node.close();
  }
  await redis.stop();
  const perCore = 1e6 / median(redisUsPerSend);
  const body = `Command: \`npm run bench:shared-velocity\` (${SENDS.toLocaleString('en')} recorded sends per round over ${DISTINCT.toLocaleString('en')} phones, IPs and /24s and 5,000 accounts, so 5 counters per send; ${ROUNDS} alternating rounds; a real redis-server on loopback, started by the benchmark).
Measured ${new Date().toISOString().slice(0, 10)} on linux x64, Node ${process.version}, 2 cores shared with other work.

| measure | median | each round |
| --- | --- | --- |
| sends recorded, in memory only | ${Math.round(median(local)).toLocaleString('en')} /s | ${local.map((v) => Math.round(v).toLocaleString('en')).join(', ')} |
| sends recorded and counted in Redis (until the last reply is absorbed) | ${Math.round(median(shared)).toLocaleString('en')} /s | ${shared.map((v) => Math.round(v).toLocaleString('en')).join(', ')} |
| decision node CPU per send counted in Redis (local counting, keys, the client, absorbing the reply) | ${median(nodeUsPerSend).toFixed(1)} µs | ${nodeUsPerSend.map((v) => v.toFixed(1)).join(', ')} |
| Redis CPU per send (5 counters, batched scripts) | ${median(redisUsPerSend).toFixed(2)} µs | ${redisUsPerSend.map((v) => v.toFixed(2)).join(', ')} |

Reading: one Redis core counts about ${Math.round(perCore).toLocaleString('en')} sends a second (1 s / its CPU per send). Decisions never wait for Redis (the
check is in memory); sharing adds the node CPU of the third row to each allowed send, on top of the decision's own
(86.6 µs with risk scoring in bench:decide).`;
  console.log(body);
  if (process.env.BENCH_WRITE !== '0') writeResultsSection('shared velocity (Redis)', body);
}

await main();
