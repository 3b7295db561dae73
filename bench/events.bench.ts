// `npm run bench:events`: the per-event costs of the write path's pure steps, each against the
// slow path it avoids, in the same run (alternating rounds, medians): the event validator compiled
// once against compiling per call, the phone normalizer's warm block cache against libphonenumber
// per call, a warm send normalization against one whose number block is new, and an ASN lookup
// against a linear scan of as many ranges. These figures were once bounds in the unit tests; a machine's
// speed is not a behaviour, so they live here.
import { Ajv } from 'ajv';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import {
  canonicalIp,
  createHasher,
  createNormalizer,
  createPhoneNormalizer,
  loadAsnDatabase,
  SEND_EVENT_SCHEMA,
  validateEvent,
} from '@tollgate/events';
import { NOW_MS, SEND } from '../packages/events/test/fixtures/events.ts';
import { median, writeResultsSection } from './results-file.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const EVENTS = 20_000;
/** Compiling a schema takes milliseconds: a few hundred calls give a stable figure. */
const COMPILES = 200;

/** Microseconds per call of `fn` over `count` calls. */
function microsPerCall(count: number, fn: (index: number) => unknown): number {
  const started = process.hrtime.bigint();
  for (let index = 0; index < count; index++) fn(index);
  return Number(process.hrtime.bigint() - started) / 1_000 / count;
}

const phones = Array.from({ length: EVENTS }, (_, index) => `+4474001${String(index).padStart(5, '0')}`);
const sends = Array.from({ length: EVENTS }, (_, index) => ({
  ...SEND,
  event_id: `e${index}`,
  phone: phones[index % 5_000]!,
  ip: `52.95.${index % 256}.${(index >> 8) % 256}`,
}));
const addresses = Array.from({ length: EVENTS }, (_, index) => `${((index * 7) % 223) + 1}.${index % 256}.${(index >> 8) % 256}.1`);
const asn = loadAsnDatabase();
const phoneNormalizer = createPhoneNormalizer();
const normalizer = createNormalizer({ hasher: createHasher(Buffer.alloc(32, 0x2a)), asn, clock: () => NOW_MS });
for (const phone of phones) phoneNormalizer.normalize(phone);
for (const send of sends) normalizer.send(send, 1);
let coldBlock = 0;

/** About as many ranges as the shipped IPv4 table holds: what a lookup without its binary search would walk. */
const SCANNED_RANGES = 515_000;
const rangeStarts = Uint32Array.from({ length: SCANNED_RANGES }, (_, index) => Math.floor((index * 2 ** 32) / SCANNED_RANGES));
function linearScan(address: number): number {
  let found = -1;
  for (let index = 0; index < rangeStarts.length && rangeStarts[index]! <= address; index++) found = index;
  return found;
}
const ipv4Number = (ip: string): number =>
  canonicalIp(ip)
    .split('.')
    .reduce((value, octet) => value * 256 + Number(octet), 0);

const pairs = [
  {
    name: 'validate a send event',
    fast: () => microsPerCall(EVENTS, () => validateEvent.send(SEND, NOW_MS)),
    slowName: 'compiling the schema per call',
    slow: () => microsPerCall(COMPILES, () => new Ajv({ allErrors: true, messages: false, strict: true }).compile(SEND_EVENT_SCHEMA)(SEND)),
  },
  {
    name: 'normalize a phone number, block cached',
    fast: () => microsPerCall(EVENTS, (index) => phoneNormalizer.normalize(phones[index]!)),
    slowName: 'libphonenumber per call',
    slow: () => microsPerCall(EVENTS, (index) => parsePhoneNumberFromString(phones[index]!)),
  },
  {
    name: 'normalize a send, caches warm',
    fast: () => microsPerCall(EVENTS, (index) => normalizer.send(sends[index]!, 1)),
    slowName: 'a number block never seen before',
    slow: () => microsPerCall(EVENTS / 10, () => normalizer.send({ ...SEND, phone: `+4479${String(++coldBlock).padStart(5, '0')}123` }, 1)),
  },
  {
    name: 'look an address up in the ASN table',
    fast: () => microsPerCall(EVENTS, (index) => asn.lookup(addresses[index]!)),
    slowName: `a linear scan of ${SCANNED_RANGES.toLocaleString('en')} range starts`,
    slow: () => microsPerCall(COMPILES, (index) => linearScan(ipv4Number(addresses[index]!))),
  },
];

const rows = pairs.map((pair) => {
  const fast: number[] = [];
  const slow: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    fast.push(pair.fast());
    slow.push(pair.slow());
  }
  return { ...pair, fast: median(fast), slow: median(slow) };
});

const body = `Command: \`npm run bench:events\` (${EVENTS.toLocaleString('en')} calls per round, ${COMPILES} for schema compiles and scans; ${ROUNDS} alternating rounds, medians).
Measured ${new Date().toISOString().slice(0, 10)} on linux x64, Node ${process.version}, 2 cores shared with other work.

| step | µs per call | against | its µs per call | ratio |
| --- | --- | --- | --- | --- |
${rows.map((row) => `| ${row.name} | ${row.fast.toFixed(2)} | ${row.slowName} | ${row.slow.toFixed(2)} | ${(row.slow / row.fast).toFixed(1)}x |`).join('\n')}

Reading: each step is a small fraction of the slow path it avoids (the machine's load moves the microseconds, not
the ratios); a lost cache, a per-call compile or a scan shows as a ratio near 1.`;
console.log(body);
if (process.env.BENCH_WRITE !== '0') writeResultsSection('events: validation, normalization, ASN lookup', body);
