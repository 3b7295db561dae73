import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * How long a flush holds the event loop before other requests get a turn. On a node that proxies
 * provider calls, a create waits behind whatever holds the loop, and its added p99 is budgeted at
 * 2 ms: a flush of 2,000 rows held the loop for 3 to 16 ms in its first step alone, and one of
 * 20,000 for about 50 (bench/RESULTS.md, "Provider proxy: where the time goes (by hand)").
 */
export const FLUSH_TURN_MS = 1;
/** Rows between two looks at the clock: a look costs about what one row of the cheapest step does. */
const ROWS_PER_LOOK = 32;

/** A long piece of work on the event loop, cut into turns of about `turnMs`. */
export interface LoopTurns {
  /** Counts a row; true once the turn has run `turnMs`, when the caller should `yield()`. */
  due(): boolean;
  /** Gives the loop to its other work for a turn, and starts a new turn. */
  yield(): Promise<void>;
}

/** `mark` hears where each turn ends ('yield') and the next begins ('turn'). */
export function createLoopTurns(turnMs: number, mark?: (step: 'yield' | 'turn') => void): LoopTurns {
  let started = performance.now();
  let rows = 0;
  return {
    due() {
      if (++rows < ROWS_PER_LOOK) return false;
      rows = 0;
      return performance.now() - started >= turnMs;
    },
    async yield() {
      mark?.('yield');
      await nextTurn();
      mark?.('turn');
      started = performance.now();
      rows = 0;
    },
  };
}
