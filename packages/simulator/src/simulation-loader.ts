/**
 * Fast-forwards simulated traffic into the store through the ingest pipeline, exactly as live
 * events arrive: used by `tollgate simulate`, the detector's scenario tests and its benchmark.
 */
import type { EventKind } from '@tollgate/events';
import type { Ingestor } from '@tollgate/ingest';
import type { Simulator } from './engine/simulator.ts';

const HOUR_MS = 3_600_000;
/** Events per store write: big batches are what makes fast-forwarding fast. */
const FLUSH_EVENTS = 20_000;

export type EventCounts = Record<EventKind, number>;

export async function loadSimulatedTraffic(options: {
  ingestor: Ingestor;
  simulator: Simulator;
  fromMs: number;
  toMs: number;
  /** Called after each simulated hour with the hours done and the total. */
  onHour?: (done: number, total: number) => void;
  /** Stops after the hour in progress (what was read by then is still stored): a shutdown mid-backfill. */
  signal?: AbortSignal;
}): Promise<EventCounts> {
  const counts: EventCounts = { send: 0, verify: 0, billing: 0, receipt: 0 };
  let buffer: Record<EventKind, unknown[]> = { send: [], verify: [], billing: [], receipt: [] };
  let buffered = 0;
  const flush = async () => {
    for (const kind of ['send', 'verify', 'billing', 'receipt'] as const) {
      if (buffer[kind].length === 0) continue;
      const result = await options.ingestor.submit(
        kind,
        buffer[kind].map((value, i) => ({ line: i + 1, value })),
      );
      if (!result.ok) throw new Error('ingest pipeline overloaded');
      counts[kind] += result.accepted;
      if (result.rejected.length > 0)
        throw new Error(`simulator produced invalid ${kind} events: ${JSON.stringify(result.rejected.slice(0, 3))}`);
    }
    buffer = { send: [], verify: [], billing: [], receipt: [] };
    buffered = 0;
  };
  const totalHours = Math.ceil((options.toMs - options.fromMs) / HOUR_MS);
  for (let hour = 0; hour < totalHours && !options.signal?.aborted; hour++) {
    const from = options.fromMs + hour * HOUR_MS;
    for (const event of options.simulator.generate(from, Math.min(options.toMs, from + HOUR_MS))) {
      buffer[event.kind].push(event.body);
      if (++buffered >= FLUSH_EVENTS) await flush();
    }
    options.onHour?.(hour + 1, totalHours);
  }
  await flush();
  return counts;
}
