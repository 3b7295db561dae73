import type { Redis } from 'ioredis';
import { limitsForApp, type RemoteSends, type VelocityConfig, type VelocityLimiter, type VelocityRequest } from '@tollgate/breakers';
import { createCappedMap } from '@tollgate/vocabulary';
import { createRedisBatchQueue } from './redis-batch-queue.ts';
import { createRedisLink } from './redis-link.ts';

/**
 * Velocity counters shared by the decision nodes of a deployment through Redis (`REDIS_URL`).
 *
 * Decisions stay in memory: `check` never waits for Redis. Each send a node records is also
 * counted in Redis, in a fixed window per counter, by one atomic script per batch; the script's
 * reply is the deployment's count for that window, and the part other nodes added is handed to
 * the local limiter (`absorb`). A node therefore refuses on the deployment's count from its own
 * next send of the same phone, IP, subnet or account: past a limit, at most one more send per
 * node gets through. When Redis cannot be reached the node keeps deciding on its own counters,
 * says so (`status`, /readyz, metrics) and shares again once Redis is back.
 */
export interface SharedVelocity {
  /** The limiter to decide with: records go to Redis too, and come back with the other nodes' sends. */
  limiter: VelocityLimiter;
  status(): SharedVelocityStatus;
  /** Waits for the sends recorded so far to be counted in Redis (tests, shutdown). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** `pending`: sends recorded here whose Redis count has not come back yet. */
export type SharedVelocityStatus = { ok: true; pending: number } | { ok: false; detail: string; pending: number };

type Counter = keyof Required<RemoteSends>;

interface Tracked {
  /** This node's sends in the Redis window. */
  own: number;
  /** Other nodes' sends in the window, already given to the limiter. */
  absorbed: number;
}

// Sends wait at most this long to be batched into one round trip.
const BATCH_MS = 10;
const MAX_BATCH = 500;
// Sends recorded while Redis is away are counted locally only; the queue must not grow without end.
const MAX_PENDING = 10_000;
const TRACKED_KEYS = 200_000;

// INCR each key; a new key expires after its window (plus the same again, for the window's last sends).
const COUNT_SCRIPT = `
local counts = {}
for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('PEXPIRE', key, ARGV[i]) end
  counts[i] = n
end
return counts`;

export function createSharedVelocity(deps: {
  url: string;
  local: VelocityLimiter;
  config: VelocityConfig;
  clock: () => number;
  /** Key prefix, so several deployments (or tests) can share one Redis. */
  prefix?: string;
  onStatusChange?: (status: SharedVelocityStatus) => void;
}): SharedVelocity {
  const { local, clock } = deps;
  const prefix = deps.prefix ?? 'tg:v:';
  const link = createRedisLink({
    url: deps.url,
    fallback: "deciding on this node's counters only",
    onChange: () => deps.onStatusChange?.(currentStatus()),
  });
  const { redis } = link;
  redis.defineCommand('tollgateCount', { lua: COUNT_SCRIPT });
  const tracked = createCappedMap<Tracked>(TRACKED_KEYS);
  const queue = createRedisBatchQueue<VelocityRequest>({
    send: (batch) => send(batch),
    batchMs: BATCH_MS,
    maxBatch: MAX_BATCH,
    maxPending: MAX_PENDING,
  });
  const currentStatus = (): SharedVelocityStatus => {
    const down = link.down();
    return down === undefined ? { ok: true, pending: queue.pending() } : { ok: false, detail: down, pending: queue.pending() };
  };

  /** The Redis counters of one send: counter, key and window. */
  function countersOf(request: VelocityRequest): { counter: Counter; key: string; windowMs: number }[] {
    const limits = limitsForApp(deps.config, request.app);
    const out: { counter: Counter; key: string; windowMs: number }[] = [];
    const nowMs = clock();
    const add = (counter: Counter, value: string | undefined, limit: { windowMs: number } | null) => {
      if (value === undefined || value === '' || limit === null) return;
      const bucket = Math.floor(nowMs / limit.windowMs);
      out.push({ counter, key: `${prefix}${request.app}:${counter}:${value}:${bucket}`, windowMs: limit.windowMs });
    };
    add('phone', request.phoneHash, limits.phone);
    add('ip', request.ip, limits.ip);
    add('subnet', request.ipSubnet, request.ipSubnet.includes(':') ? limits.ipv6Subnet : limits.ipv4Subnet);
    add('accountHour', request.accountHash, limits.accountHour);
    add('accountDay', request.accountHash, limits.accountDay);
    return out;
  }

  async function send(batch: VelocityRequest[]): Promise<void> {
    const perRequest = batch.map(countersOf);
    const keys = perRequest.flat();
    if (keys.length === 0) return;
    try {
      const counts = (await (redis as Redis & { tollgateCount(n: number, ...args: (string | number)[]): Promise<number[]> }).tollgateCount(
        keys.length,
        ...keys.map((k) => k.key),
        ...keys.map((k) => 2 * k.windowMs),
      )) as number[];
      let i = 0;
      batch.forEach((request, r) => {
        const remote: RemoteSends = {};
        let any = false;
        for (const { counter, key } of perRequest[r] as { counter: Counter; key: string }[]) {
          const deployment = counts[i++] as number;
          const mine = tracked.upsert(key, () => ({ own: 0, absorbed: 0 }));
          mine.own += 1;
          const others = deployment - mine.own - mine.absorbed;
          if (others > 0) {
            remote[counter] = others;
            mine.absorbed += others;
            any = true;
          }
        }
        if (any) local.absorb(request, remote);
      });
      link.succeeded();
    } catch (error) {
      link.failed(error as Error);
    }
  }

  const limiter: VelocityLimiter = {
    ...local,
    record(request) {
      local.record(request);
      queue.push(request);
    },
    consume(request) {
      const decision = local.check(request);
      if (decision.decision === 'allow') limiter.record(request);
      return decision;
    },
  };

  return {
    limiter,
    status: currentStatus,
    flush: () => queue.flush(),
    async close() {
      await queue.close();
      link.close();
    },
  };
}
