import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BatchFormat, EventKind } from '@tollgate/events';
import { BatchInterruptedError, type BatchPreparer, type PreparedBatch } from './batch-preparer.ts';

/** What each worker is started with. */
export interface NormalizeWorkerData {
  hmacKey: Uint8Array;
}

/** One body to parse and normalize, with the server's clock reading for it. */
export interface NormalizeJob {
  id: number;
  kind: EventKind;
  body: string;
  format: BatchFormat;
  nowMs: number;
}

export interface NormalizeReply {
  id: number;
  batch: PreparedBatch;
}

interface Job {
  resolve(batch: PreparedBatch): void;
  reject(error: Error): void;
}

/** A worker and the jobs it holds, in the order it answers them. */
interface Thread {
  worker: Worker;
  jobs: Map<number, Job>;
}

const WORKER_URL = new URL('./normalize.worker.ts', import.meta.url).href;
// Workers run the TypeScript sources as the server does: they register tsx before loading their file.
const TSX_API = tsxEsmApi();
const BOOT = `import(${JSON.stringify(TSX_API)}).then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL)}); })`;

/** tsx's ESM entry, read from its package's exports (require.resolve would give the CommonJS one). */
function tsxEsmApi(): string {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(join(dirname(manifest), exports['./esm/api']!.import.default)).href;
}

/**
 * Parses and normalizes collector bodies on worker threads, so the event loop keeps serving
 * requests (and decisions) while a 5,000-event batch is worked through. Each body goes to the
 * worker with the fewest batches under way. A worker that dies fails the batches it held
 * (nothing of them was acknowledged) and is replaced. Dedup, the group commit and the answers
 * stay with the ingestor on the event loop.
 */
export async function createNormalizerPool(deps: {
  size: number;
  hmacKey: Buffer;
  /** The server's clock: read for each batch, the workers have none of their own. */
  clock: () => number;
  /** Called with each worker started (tests reach a worker through it). */
  onWorker?: (worker: Worker) => void;
}): Promise<BatchPreparer> {
  let nextId = 0;
  let closing = false;
  const workerData: NormalizeWorkerData = { hmacKey: new Uint8Array(deps.hmacKey) };
  const threads: Thread[] = [];
  let drained: (() => void) | undefined;

  const underWay = () => threads.reduce((n, thread) => n + thread.jobs.size, 0);

  async function start(): Promise<Thread> {
    const worker = new Worker(BOOT, { eval: true, workerData });
    const thread: Thread = { worker, jobs: new Map() };
    await new Promise<void>((ready, fail) => {
      worker.once('message', () => ready());
      worker.once('error', fail);
      worker.once('exit', (code) => fail(new Error(`the ingest worker thread stopped while starting (code ${code})`)));
    });
    worker.on('message', (reply: NormalizeReply) => answer(thread, reply));
    worker.once('exit', (code) => lost(thread, `worker thread exited (code ${code})`));
    worker.on('error', (error) => lost(thread, error.message));
    deps.onWorker?.(worker);
    return thread;
  }

  function answer(thread: Thread, reply: NormalizeReply): void {
    const job = thread.jobs.get(reply.id);
    thread.jobs.delete(reply.id);
    job?.resolve(reply.batch);
    if (drained !== undefined && underWay() === 0) drained();
  }

  /** A worker died: its batches fail (the clients retry them) and another takes its place. */
  function lost(thread: Thread, reason: string): void {
    const at = threads.indexOf(thread);
    if (at === -1) return;
    threads.splice(at, 1);
    for (const job of thread.jobs.values()) job.reject(new BatchInterruptedError(reason));
    thread.jobs.clear();
    void thread.worker.terminate();
    if (drained !== undefined && underWay() === 0) drained();
    if (closing) return;
    // A replacement that cannot start leaves the pool smaller; prepare refuses once none is left.
    void start().then(
      (replacement) => (closing ? void replacement.worker.terminate() : threads.push(replacement)),
      () => undefined,
    );
  }

  threads.push(...(await Promise.all(Array.from({ length: deps.size }, start))));

  return {
    prepare(kind, body, format) {
      const thread = threads.reduce<Thread | undefined>(
        (best, t) => (best === undefined || t.jobs.size < best.jobs.size ? t : best),
        undefined,
      );
      if (closing || thread === undefined) return Promise.reject(new BatchInterruptedError('no worker thread is running'));
      const message: NormalizeJob = { id: nextId++, kind, body, format, nowMs: deps.clock() };
      return new Promise((resolve, reject) => {
        thread.jobs.set(message.id, { resolve, reject });
        thread.worker.postMessage(message);
      });
    },
    async close() {
      closing = true;
      if (underWay() > 0) await new Promise<void>((resolve) => (drained = resolve));
      const stopping = threads.splice(0);
      await Promise.all(stopping.map((thread) => thread.worker.terminate()));
    },
  };
}
