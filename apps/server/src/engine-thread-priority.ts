import { readdir, readFile } from 'node:fs/promises';
import { setPriority as setThreadPriority } from 'node:os';

/**
 * The embedded engine (chDB) runs its inserts, merges and background schedules on threads of this
 * process. Where they share a core with the event loop (a small machine, or a process pinned to
 * one core), the kernel lets one hold the core for a slice of a few ms while the loop, ready to
 * answer a proxied create or a decision, waits. Run at a lower priority, they give the core back
 * as soon as the loop wakes; they still get every idle cycle, so inserts and merges keep their
 * pace whenever the loop has nothing to do.
 *
 * Niceness 10: a thread of nice 10 weighs about a tenth of a nice-0 thread to Linux's scheduler,
 * enough for the loop to win every wake-up; any process may raise its own threads' niceness.
 */
export const ENGINE_THREAD_NICENESS = 10;
/** The engine starts threads as its pools grow (a busier insert, a merge): new ones are found at this pace. */
export const ENGINE_THREAD_SCAN_MS = 30_000;
/** Node's own threads: the event loop and workers ("node"), libuv's pool, V8's helpers (garbage collection). */
export const NODE_THREAD_NAME = /^(node|libuv|V8)/;

export interface EngineThreadPriority {
  /** Lowers the engine threads not yet lowered; resolves with how many it lowered (0 without /proc). */
  lowerNow(): Promise<number>;
  /** Lowers them now and again every ENGINE_THREAD_SCAN_MS. */
  start(): Promise<void>;
  stop(): void;
}

/** Gives the event loop precedence over the embedded engine's threads on the cores they share. */
export function createEngineThreadPriority(deps: {
  /** Where the process's threads are listed (Linux's /proc/self/task). */
  taskDir?: string;
  niceness?: number;
  onError: (error: unknown) => void;
}): EngineThreadPriority {
  const taskDir = deps.taskDir ?? '/proc/self/task';
  const niceness = deps.niceness ?? ENGINE_THREAD_NICENESS;
  // Thread ids already judged (lowered, or node's own); an id is reused only after its thread ends, so the set is pruned to the living.
  let seen = new Set<number>();
  let timer: NodeJS.Timeout | undefined;

  async function threadName(tid: number): Promise<string | undefined> {
    // A thread may end between the listing and the read.
    return readFile(`${taskDir}/${tid}/comm`, 'utf8').then(
      (name) => name.trim(),
      () => undefined,
    );
  }

  async function lowerNow(): Promise<number> {
    const tids = await readdir(taskDir).then(
      (names) => names.map(Number),
      // No /proc (macOS, Windows): the scheduler there is left as it is.
      () => [],
    );
    const living = new Set(tids);
    seen = new Set([...seen].filter((tid) => living.has(tid)));
    let count = 0;
    for (const tid of tids) {
      if (seen.has(tid)) continue;
      const name = await threadName(tid);
      if (name === undefined) continue;
      seen.add(tid);
      if (tid === process.pid || NODE_THREAD_NAME.test(name)) continue;
      try {
        setThreadPriority(tid, niceness);
        count += 1;
      } catch {
        // The thread ended since it was listed.
      }
    }
    return count;
  }

  return {
    lowerNow,
    async start() {
      await lowerNow().catch(deps.onError);
      timer = setInterval(() => void lowerNow().catch(deps.onError), ENGINE_THREAD_SCAN_MS);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
    },
  };
}
