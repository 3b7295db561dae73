import { Redis } from 'ioredis';

/**
 * One connection to the deployment's Redis (`REDIS_URL`) for a state the nodes share, and whether
 * it is usable. Commands fail at once while disconnected (nothing on the request path waits for
 * Redis); the client reconnects in the background. `down()` says why sharing is off, in the words
 * the node's fallback gives (`/readyz`, logs), or undefined while it is on.
 */
export interface RedisLink {
  redis: Redis;
  down(): string | undefined;
  /** A command failed: sharing is off until one succeeds or the connection is ready again. */
  failed(error: Error): void;
  succeeded(): void;
  close(): void;
}

export function createRedisLink(deps: {
  url: string;
  /** What the node does meanwhile, e.g. "deciding on this node's counters only". */
  fallback: string;
  /** Hears every change between shared and not shared. */
  onChange?: (down: string | undefined) => void;
}): RedisLink {
  const redis = new Redis(deps.url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let reason: string | undefined = `connecting to Redis: ${deps.fallback}`;
  const set = (next: string | undefined) => {
    const changed = (next === undefined) !== (reason === undefined);
    reason = next;
    if (changed) deps.onChange?.(reason);
  };
  const unreachable = (why: string) => `Redis ${why}: ${deps.fallback}`;
  redis.on('ready', () => set(undefined));
  redis.on('error', (error: Error) => set(unreachable(`unreachable (${error.message})`)));
  // Closed is down at once: the reconnect's error comes only after its first retry.
  redis.on('close', () => set(unreachable('connection closed')));
  return {
    redis,
    down: () => reason,
    failed: (error) => set(unreachable(`unreachable (${error.message})`)),
    succeeded: () => set(undefined),
    close: () => redis.disconnect(),
  };
}
