import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import {
  createHasher,
  createNormalizer,
  createPhoneNormalizer,
  loadAsnDatabase,
  loadOrCreateHmacKey,
  type AsnDatabase,
  type Hasher,
  type PhoneNormalizer,
} from '@tollgate/events';
import {
  createIngestor,
  createNormalizerPool,
  createPreparingBatches,
  PARSE_ON_EVENT_LOOP,
  type BatchPreparer,
  type EventIdLedger,
  type IngestMetrics,
  type Ingestor,
  type IngestorOptions,
} from '@tollgate/ingest';
import {
  createStore,
  ensureDatabase,
  lastIngestedAt,
  migrate,
  repairRollups,
  retentionFromEnv,
  storeConfigFromEnv,
  type Store,
} from '@tollgate/store';

/** What the decision path needs to describe a request the way the collectors describe an event. */
export interface Identity {
  hasher: Hasher;
  phones: PhoneNormalizer;
  asn: AsnDatabase;
  /** The server's HMAC key, also the root of webhook signing secrets. */
  key: Buffer;
}

/** The migrated store and the server's identity: what a command that only reads history needs. */
export interface StoreCore {
  dataDir: string;
  store: Store;
  identity: Identity;
  migrationsApplied: number[];
  /** Rollup minutes rebuilt at open because the previous process did not stop cleanly. */
  minutesRepaired: number;
  close(): Promise<void>;
}

export interface Core extends StoreCore {
  ingestor: Ingestor;
  /** Parses (and, on worker threads, normalizes) collector bodies for the ingestor. */
  batches: BatchPreparer;
}

// Present while a process has the store open; found at open, it means the last one was killed.
const RUNNING_MARKER = '.running';
// An insert cut short by a crash started at most this long before the last row it committed.
const REPAIR_WINDOW_MS = 2 * 60_000;

/**
 * Opens the store, migrated (and its rollups repaired if the previous process was killed), with
 * the keyed hasher and ASN database: for commands that read history and ingest nothing (a
 * backtest), which so skip the ingestor's warm-up, a read of every event id of the last day.
 */
export async function openStoreCore(env: NodeJS.ProcessEnv): Promise<StoreCore> {
  const dataDir = resolve(env.TOLLGATE_DATA_DIR ?? './data');
  const storeConfig = storeConfigFromEnv(env, dataDir);
  const retention = retentionFromEnv(env);
  await ensureDatabase(storeConfig);
  const store = createStore(storeConfig);
  try {
    const { applied } = await migrate(store, retention);
    const marker = join(dataDir, RUNNING_MARKER);
    const minutesRepaired = existsSync(marker) ? await repairRollups(store, (await lastIngestedAt(store)) - REPAIR_WINDOW_MS) : 0;
    writeFileSync(marker, `${process.pid}\n`);
    const key = loadOrCreateHmacKey({ dataDir, envKey: env.TOLLGATE_HMAC_KEY });
    return {
      dataDir,
      store,
      identity: { hasher: createHasher(key), phones: createPhoneNormalizer(), asn: loadAsnDatabase(), key },
      migrationsApplied: applied,
      minutesRepaired,
      async close() {
        await store.close();
        rmSync(marker, { force: true });
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/**
 * Opens what every entry point that ingests needs (server, CLI import and simulate): the store
 * core above and the ingest pipeline, its duplicate index warmed from the last day's event ids.
 * Closing drains the ingestor, then closes the store.
 */
export async function openCore(
  env: NodeJS.ProcessEnv,
  deps: {
    metrics?: IngestMetrics;
    clock?: () => number;
    ingest?: Partial<IngestorOptions>;
    ledger?: EventIdLedger;
    /** Worker threads that parse and normalize collector bodies (TOLLGATE_INGEST_WORKERS); 0 keeps it on the event loop. */
    ingestWorkers?: number;
    /** Called with each ingest worker thread started (tests reach a worker through it). */
    onIngestWorker?: (worker: Worker) => void;
  } = {},
): Promise<Core> {
  const base = await openStoreCore(env);
  const { store, identity } = base;
  try {
    const normalizer = createNormalizer({ hasher: identity.hasher, asn: identity.asn });
    const preparing = createPreparingBatches();
    const ingestor = createIngestor({
      store,
      normalizers: {
        send: normalizer.send,
        verify: normalizer.verify,
        billing: normalizer.billing,
        receipt: normalizer.receipt,
      },
      metrics: deps.metrics,
      clock: deps.clock,
      options: deps.ingest,
      ledger: deps.ledger,
      preparing,
    });
    await ingestor.warm();
    const workers = deps.ingestWorkers ?? 0;
    const batches =
      workers > 0
        ? preparing.around(
            await createNormalizerPool({
              size: workers,
              hmacKey: identity.key,
              clock: deps.clock ?? Date.now,
              onWorker: deps.onIngestWorker,
            }),
          )
        : PARSE_ON_EVENT_LOOP;
    return {
      ...base,
      ingestor,
      batches,
      async close() {
        await batches.close();
        await ingestor.close();
        await base.close();
      },
    };
  } catch (error) {
    await base.close();
    throw error;
  }
}
