import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { EventKind } from '@tollgate/events';
import { DEFAULT_INGEST_OPTIONS, type EventIdLedger, type IdClaim } from '@tollgate/ingest';
import { createRedisLink } from './redis-link.ts';

/**
 * Event ids shared by the ingest nodes of a deployment through Redis (`REDIS_URL`): a batch a
 * collector retries against another node is answered there as duplicates and stored once.
 *
 * Per flush, one atomic script claims every id (`SET NX` with a short expiry and this flush's
 * token); after the insert is durable a second one keeps them for the dedup window; a failed insert
 * releases its own claims (compare and delete), so the retry is stored. A node that dies between
 * claim and insert holds its ids for `CLAIM_TTL_MS` at most. When Redis cannot be reached, every id
 * is `claimed` (dedup falls back to this node's window) and `status` says so.
 */
export interface SharedDedup {
  ledger: EventIdLedger;
  status(): SharedDedupStatus;
  close(): void;
}

export type SharedDedupStatus = { ok: true } | { ok: false; detail: string };

// A claimed id is held this long without a commit: longer than any insert that still succeeds,
// short enough that a collector's retry after a node's crash is stored within a minute.
const CLAIM_TTL_MS = 60_000;
const STORED = 's';

// Per key: claim it for this flush, or answer who has it (1 stored, 2 another flush is writing it).
const CLAIM_SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, ARGV[1], 'NX', 'PX', ARGV[2]) then
    out[i] = 0
  else
    local holder = redis.call('GET', key)
    if holder == ARGV[1] then out[i] = 0 elseif holder == '${STORED}' then out[i] = 1 else out[i] = 2 end
  end
end
return out`;

// The insert is durable: the ids are duplicates for the window, whoever claimed them.
const COMMIT_SCRIPT = `
for _, key in ipairs(KEYS) do redis.call('SET', key, '${STORED}', 'PX', ARGV[1]) end
return #KEYS`;

// The insert failed: drop this flush's own claims, never another flush's or a stored id.
const RELEASE_SCRIPT = `
local n = 0
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key); n = n + 1 end
end
return n`;

// The longest window a deployment may ask for: a week of retries.
const MAX_WINDOW_MINUTES = 7 * 24 * 60;

/**
 * `TOLLGATE_DEDUP_WINDOW_MINUTES`: how long a stored event id is recognised, on a node and in
 * Redis (default a day, what collectors' retries need). Redis keeps every id of the window (about
 * 160 bytes each, bench:shared-dedup), so a busy deployment shortens it to what its collectors' retries span.
 */
export function dedupWindowFromEnv(env: NodeJS.ProcessEnv): number {
  const text = env.TOLLGATE_DEDUP_WINDOW_MINUTES;
  if (text === undefined || text === '') return DEFAULT_INGEST_OPTIONS.dedupWindowMs;
  const minutes = Number(text);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_WINDOW_MINUTES) {
    throw new Error(`TOLLGATE_DEDUP_WINDOW_MINUTES must be a whole number of minutes between 1 and ${MAX_WINDOW_MINUTES} (got "${text}")`);
  }
  return minutes * 60_000;
}

const ANSWERS: readonly IdClaim[] = ['claimed', 'stored', 'in_flight'];

type LedgerRedis = Redis & {
  tollgateClaim(n: number, ...args: (string | number)[]): Promise<number[]>;
  tollgateCommit(n: number, ...args: (string | number)[]): Promise<number>;
  tollgateRelease(n: number, ...args: (string | number)[]): Promise<number>;
};

export function createSharedDedup(deps: {
  url: string;
  /** How long a stored id stays a duplicate: the ingestor's dedup window. */
  windowMs: number;
  /** Key prefix, so several deployments (or tests) can share one Redis. */
  prefix?: string;
  onStatusChange?: (status: SharedDedupStatus) => void;
}): SharedDedup {
  const prefix = deps.prefix ?? 'tg:e:';
  const status = (): SharedDedupStatus => {
    const down = link.down();
    return down === undefined ? { ok: true } : { ok: false, detail: down };
  };
  const link = createRedisLink({
    url: deps.url,
    fallback: "event ids deduplicated on this node's window only",
    onChange: () => deps.onStatusChange?.(status()),
  });
  const redis = link.redis as LedgerRedis;
  redis.defineCommand('tollgateClaim', { lua: CLAIM_SCRIPT });
  redis.defineCommand('tollgateCommit', { lua: COMMIT_SCRIPT });
  redis.defineCommand('tollgateRelease', { lua: RELEASE_SCRIPT });
  // Names this process as the claimer, so a release never drops another node's claim. The
  // ingestor writes one flush at a time, so an id this node holds is the current flush's (or a
  // failed flush's whose release did not reach Redis: its retry may claim it again).
  const token = `claim:${randomBytes(8).toString('hex')}`;
  const keys = (kind: EventKind, ids: readonly string[]) => ids.map((id) => `${prefix}${kind}:${id}`);

  /** Runs a script; a failure turns sharing off and answers `fallback`. */
  async function attempt<T>(run: () => Promise<T>, fallback: T): Promise<T> {
    try {
      const result = await run();
      link.succeeded();
      return result;
    } catch (error) {
      link.failed(error as Error);
      return fallback;
    }
  }

  const ledger: EventIdLedger = {
    async claim(kind, ids) {
      if (ids.length === 0) return [];
      const claimedHere = ids.map((): IdClaim => 'claimed');
      const answers = await attempt(() => redis.tollgateClaim(ids.length, ...keys(kind, ids), token, CLAIM_TTL_MS), undefined);
      return answers === undefined ? claimedHere : answers.map((answer) => ANSWERS[answer] ?? 'in_flight');
    },
    async commit(kind, ids) {
      if (ids.length > 0) await attempt(() => redis.tollgateCommit(ids.length, ...keys(kind, ids), deps.windowMs), 0);
    },
    async release(kind, ids) {
      if (ids.length > 0) await attempt(() => redis.tollgateRelease(ids.length, ...keys(kind, ids), token), 0);
    },
  };

  return { ledger, status, close: () => link.close() };
}
