import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { LadderName, LadderOp, LadderState, VerifyLimiter } from '@tollgate/breakers';
import { createRedisBatchQueue } from './redis-batch-queue.ts';
import { createRedisLink } from './redis-link.ts';

/**
 * Verify ladders (attempts per session, failures per IP and phone) shared by the nodes of a
 * deployment through Redis (`REDIS_URL`), like the velocity counters: a brute force spread over
 * nodes, or codes tried on one node and reported to another, meets one lockout.
 *
 * Decisions stay in memory: `check` never waits for Redis. Each change a node makes (an attempt it
 * allowed, an outcome it ingested) is applied in Redis by one atomic script per batch, which runs
 * the same ladder rules, counts a verify event once however many nodes it reaches (its id is
 * remembered for the collectors' dedup window), and publishes the new states: every node takes them into its
 * own ladders within a round trip, so a session locked by failures ingested on one node is refused
 * by the others from their next decision. When Redis cannot be reached a node decides on its own
 * ladders, says so (`status`, /readyz, metrics) and shares again once Redis is back.
 */
export interface SharedVerify {
  /** The ladders to decide with: changes go to Redis too, and other nodes' changes come back. */
  limiter: VerifyLimiter;
  status(): SharedVerifyStatus;
  /** Ladder states other nodes changed that this node took in (tests, metrics). */
  received(): number;
  /** Waits for the changes made so far to be applied in Redis (tests, shutdown). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** `pending`: changes made here whose Redis state has not come back yet. */
export type SharedVerifyStatus = { ok: true; pending: number } | { ok: false; detail: string; pending: number };

interface QueuedOp extends LadderOp {
  app: string;
  /** The verify event behind an outcome's changes: counted once across the deployment. */
  eventId?: string;
}

// Changes wait at most this long to be batched into one round trip.
const BATCH_MS = 10;
const MAX_BATCH = 500;
// Changes made while Redis is away are applied locally only; the queue must not grow without end.
const MAX_PENDING = 10_000;
const FIELDS_PER_OP = 8;
const STATE_FIELDS = 6;

/**
 * KEYS: one ladder hash per change, then one key per verify event. ARGV: now, node, channel,
 * event expiry, then per change: op (c count, f fail, r reset), app, ladder, key, max attempts,
 * lockout, window, event index (0: none). The rules are those of the breakers package's verify
 * limiter (stale after the window or the lockout; a session counts max(attempts, failures)).
 * Answers the six state numbers per change; publishes the changed states.
 */
const LADDER_SCRIPT = `
local now = tonumber(ARGV[1])
local n = (#ARGV - 4) / ${FIELDS_PER_OP}
local out, changed, fresh = {}, {}, {}
for i = 1, n do
  local b = 4 + (i - 1) * ${FIELDS_PER_OP}
  local op, app, ladder, key = ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], ARGV[b + 4]
  local max, lockout, window, ev = tonumber(ARGV[b + 5]), tonumber(ARGV[b + 6]), tonumber(ARGV[b + 7]), tonumber(ARGV[b + 8])
  local apply = true
  if ev > 0 then
    if fresh[ev] == nil then fresh[ev] = redis.call('SET', KEYS[n + ev], '1', 'NX', 'PX', ARGV[4]) ~= false end
    apply = fresh[ev]
  end
  local h = KEYS[i]
  local held = redis.call('GET', h)
  if op == 'r' and not held then apply = false end
  local c, f, first, last, lock, v = 0, 0, now, now, 0, 0
  if held then c, f, first, last, lock, v = struct.unpack('dddddd', held) end
  if apply then
    if op == 'r' then
      c, f, lock = 0, 0, 0
    else
      local stale
      if lock ~= 0 then stale = lock <= now else stale = now - first >= window end
      if stale then c, f, first, lock = 0, 0, now, 0 end
      if op == 'c' then c = c + 1 else f = f + 1 end
      last = now
      if math.max(c, f) >= max then lock = now + lockout end
    end
    v = v + 1
    redis.call('SET', h, struct.pack('dddddd', c, f, first, last, lock, v), 'PX', window + lockout)
    changed[#changed + 1] = {app, ladder, key, c, f, first, last, lock, v}
  end
  local o = (i - 1) * ${STATE_FIELDS}
  out[o + 1], out[o + 2], out[o + 3], out[o + 4], out[o + 5], out[o + 6] = c, f, first, last, lock, v
end
if #changed > 0 then redis.call('PUBLISH', ARGV[3], ARGV[2] .. ' ' .. cjson.encode(changed)) end
return out`;

const OP_CODES: Readonly<Record<LadderOp['op'], string>> = { count: 'c', fail: 'f', reset: 'r' };
const LADDERS: ReadonlySet<string> = new Set<LadderName>(['session', 'ip', 'phone']);

type LadderRedis = Redis & { tollgateLadders(n: number, ...args: (string | number)[]): Promise<number[]> };

export function createSharedVerify(deps: {
  url: string;
  local: VerifyLimiter;
  clock: () => number;
  /** A verify event reported again within this long (the collectors' dedup window) is not counted again. */
  outcomeWindowMs: number;
  /** Key prefix, so several deployments (or tests) can share one Redis. */
  prefix?: string;
  onStatusChange?: (status: SharedVerifyStatus) => void;
  onError?: (error: unknown) => void;
}): SharedVerify {
  const { local, clock } = deps;
  const prefix = deps.prefix ?? 'tg:f:';
  const channel = `${prefix}changes`;
  const node = randomBytes(8).toString('hex');
  const queue = createRedisBatchQueue<QueuedOp>({
    send: (batch) => send(batch),
    batchMs: BATCH_MS,
    maxBatch: MAX_BATCH,
    maxPending: MAX_PENDING,
  });
  let received = 0;
  const status = (): SharedVerifyStatus => {
    const down = link.down();
    return down === undefined ? { ok: true, pending: queue.pending() } : { ok: false, detail: down, pending: queue.pending() };
  };
  const link = createRedisLink({
    url: deps.url,
    fallback: "deciding on this node's verify ladders only",
    onChange: () => deps.onStatusChange?.(status()),
  });
  const redis = link.redis as LadderRedis;
  redis.defineCommand('tollgateLadders', { lua: LADDER_SCRIPT });
  // Other nodes' changes, as the script published them; ioredis subscribes again after a reconnect.
  const subscriber = redis.duplicate({ enableOfflineQueue: true });
  subscriber.on('error', () => undefined);
  subscriber.subscribe(channel).catch(deps.onError);
  subscriber.on('message', (_channel: string, message: string) => {
    // "<node> <states>": this node's own changes came back with the script's reply already.
    const space = message.indexOf(' ');
    if (message.slice(0, space) === node) return;
    try {
      const states = JSON.parse(message.slice(space + 1)) as [string, string, string, number, number, number, number, number, number][];
      for (const [app, ladder, key, count, failures, firstMs, lastMs, lockedUntilMs, version] of states) {
        if (!LADDERS.has(ladder)) continue;
        local.absorb(app, ladder as LadderName, key, { count, failures, firstMs, lastMs, lockedUntilMs, version });
        received++;
      }
    } catch (error) {
      deps.onError?.(error);
    }
  });

  async function send(batch: QueuedOp[]): Promise<void> {
    const events = new Map<string, number>();
    const ladderKeys: string[] = [];
    const args: (string | number)[] = [];
    for (const op of batch) {
      ladderKeys.push(`${prefix}l:${op.app}:${op.ladder}:${op.key}`);
      let ev = 0;
      if (op.eventId !== undefined) {
        ev = events.get(op.eventId) ?? events.size + 1;
        events.set(op.eventId, ev);
      }
      args.push(OP_CODES[op.op], op.app, op.ladder, op.key, op.limit.maxAttempts, op.limit.lockoutMs, op.limit.windowMs, ev);
    }
    const eventKeys = [...events.keys()].map((id) => `${prefix}e:${id}`);
    try {
      const states = await redis.tollgateLadders(
        ladderKeys.length + eventKeys.length,
        ...ladderKeys,
        ...eventKeys,
        clock(),
        node,
        channel,
        deps.outcomeWindowMs,
        ...args,
      );
      batch.forEach((op, i) => {
        const [count, failures, firstMs, lastMs, lockedUntilMs, version] = states.slice(
          i * STATE_FIELDS,
          (i + 1) * STATE_FIELDS,
        ) as number[];
        const state: LadderState = {
          count: count!,
          failures: failures!,
          firstMs: firstMs!,
          lastMs: lastMs!,
          lockedUntilMs: lockedUntilMs!,
          version: version!,
        };
        // A reset of a ladder Redis never had leaves nothing to take.
        if (state.version > 0) local.absorb(op.app, op.ladder, op.key, state);
      });
      link.succeeded();
    } catch (error) {
      link.failed(error as Error);
    }
  }

  function share(app: string, ops: readonly LadderOp[], eventId?: string): readonly LadderOp[] {
    for (const op of ops) queue.push({ ...op, app, ...(eventId !== undefined && { eventId }) });
    return ops;
  }

  const limiter: VerifyLimiter = {
    check: (request) => local.check(request),
    record: (request) => share(request.app, local.record(request)),
    outcome: (event) => share(event.app, local.outcome(event), event.eventId),
    absorb: (app, ladder, key, state) => local.absorb(app, ladder, key, state),
  };

  return {
    limiter,
    status,
    received: () => received,
    flush: () => queue.flush(),
    async close() {
      await queue.close();
      subscriber.disconnect();
      link.close();
    },
  };
}
