/**
 * A worker thread of the normalizer pool: parses collector bodies and normalizes their events with
 * its own normalizer (the server's HMAC key, its own ASN table and number-block caches). The clock
 * stays the server's: each batch brings the server's "now", which bounds how far ahead `ts` may be.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createHasher, createNormalizer, loadAsnDatabase, MAX_BATCH_EVENTS, parseBatch } from '@tollgate/events';
import type { PreparedBatch } from './batch-preparer.ts';
import type { NormalizeFn, SubmitItem } from './ingestor.ts';
import type { NormalizeJob, NormalizeReply, NormalizeWorkerData } from './normalizer-pool.ts';

const { hmacKey } = workerData as NormalizeWorkerData;
let batchNowMs = 0;
const normalizer = createNormalizer({ hasher: createHasher(Buffer.from(hmacKey)), asn: loadAsnDatabase(), clock: () => batchNowMs });

function prepare(job: NormalizeJob): PreparedBatch {
  const parsed = parseBatch(job.body, job.format);
  const events = parsed.items.length + parsed.rejected.length;
  // Refused whole by the collector: not worth normalizing, nor copying back.
  if (events > MAX_BATCH_EVENTS) return { events, items: [], rejected: [] };
  batchNowMs = job.nowMs;
  const normalize = normalizer[job.kind] as NormalizeFn<typeof job.kind>;
  // Verify outcomes also feed the decision path's ladders, which read the wire event; other kinds
  // need only their row, and leaving the event out halves what is copied back.
  const keepValue = job.kind === 'verify';
  const items: SubmitItem[] = parsed.items.map(({ line, value }) => ({
    line,
    value: keepValue ? value : undefined,
    normalized: normalize(value, line),
  }));
  return { events, items, rejected: parsed.rejected };
}

parentPort!.on('message', (job: NormalizeJob) => {
  const reply: NormalizeReply = { id: job.id, batch: prepare(job) };
  parentPort!.postMessage(reply);
});
parentPort!.postMessage('ready');
