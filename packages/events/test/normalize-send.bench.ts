import { bench, describe } from 'vitest';
import { createHasher, createNormalizer, loadAsnDatabase } from '../src/index.ts';
import { NOW_MS, SEND } from './fixtures/events.ts';

/**
 * Cost of one send normalization (validate, phone block, two HMACs, ASN lookup, row).
 * Run: npx vitest bench packages/events   (µs per send = 1e6 / hz)
 * Measured on the dev machine (Node 20, 2-core AMD EPYC), in a plain loop: pumping burst ~6 µs,
 * 100k distinct warm blocks ~7 µs, a new block every event ~52 µs when libphonenumber parsed it
 * (its facts now come from patterns compiled once, phone-plan-facts.ts: about a third of that).
 * vitest bench reports ~1-2 µs more: its per-iteration timing is included.
 */
const normalizer = createNormalizer({ hasher: createHasher(Buffer.alloc(32, 0x2a)), asn: loadAsnDatabase(), clock: () => NOW_MS });

function sends(count: number, phoneOf: (index: number) => string) {
  return Array.from({ length: count }, (_, index) => ({
    ...SEND,
    event_id: `e${index}`,
    phone: phoneOf(index),
    ip: `52.95.${index % 256}.${(index >> 8) % 256}`,
  }));
}

const EVENTS = 100_000;
// A pumping burst: many numbers in few blocks.
const burst = sends(EVENTS, (index) => `+4474001${String(index % 50_000).padStart(5, '0')}`);
// Ordinary traffic: every number in a block of its own, all blocks already cached.
const spread = sends(EVENTS, (index) => `+4474${String(index).padStart(5, '0')}123`);
// Cold: blocks never seen before (the first event of each block works out the block's facts).
let coldBlock = 0;

for (const event of [...burst, ...spread]) normalizer.send(event, 1);

describe('normalizer.send', () => {
  let next = 0;
  bench('warm, pumping burst (few blocks)', () => {
    normalizer.send(burst[next++ % EVENTS], 1);
  });
  bench('warm, 100k distinct blocks', () => {
    normalizer.send(spread[next++ % EVENTS], 1);
  });
  bench('cold, a new block every event', () => {
    coldBlock++;
    normalizer.send({ ...SEND, phone: `+4479${String(coldBlock).padStart(5, '0')}123` }, 1);
  });
});
