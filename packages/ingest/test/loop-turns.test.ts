import { describe, expect, it } from 'vitest';
import { createLoopTurns } from '../src/loop-turns.ts';

/** Rows the turns count between two looks at the clock (ROWS_PER_LOOK). */
const ROWS_PER_LOOK = 32;

describe('a long piece of work on the event loop, in turns', () => {
  it.each([
    { turnMs: 0, rows: ROWS_PER_LOOK - 1, due: false, case: 'looks at the clock only every few rows' },
    { turnMs: 0, rows: ROWS_PER_LOOK, due: true, case: 'is due once a spent turn reaches a look' },
    { turnMs: Number.POSITIVE_INFINITY, rows: 10 * ROWS_PER_LOOK, due: false, case: 'is never due while the turn has time left' },
  ])('$case', ({ turnMs, rows, due }) => {
    const turns = createLoopTurns(turnMs);
    let last = false;
    for (let row = 0; row < rows; row++) last = turns.due();
    expect(last).toBe(due);
  });

  it('lets work already waiting for the loop run before it goes on, and says where each turn ends and begins', async () => {
    const heard: string[] = [];
    const turns = createLoopTurns(0, (step) => heard.push(step));
    setImmediate(() => heard.push('other work'));
    await turns.yield();
    expect(heard).toEqual(['yield', 'other work', 'turn']);
  });

  it('starts counting afresh after a turn', async () => {
    const turns = createLoopTurns(0);
    for (let row = 0; row < ROWS_PER_LOOK - 1; row++) turns.due();
    await turns.yield();
    expect(turns.due()).toBe(false);
  });
});
