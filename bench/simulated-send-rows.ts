import { createHasher, createNormalizer, loadAsnDatabase, type SendRow } from '@tollgate/events';
import { createSimulator } from '@tollgate/simulator';

/**
 * `count` send rows as the collectors store them: the simulator's sends (seed 7, 1,000 a minute
 * from 2026-11-16) normalized with a fixed key, so every schema benchmark inserts the same rows.
 */
export async function simulatedSendRows(count: number): Promise<SendRow[]> {
  const startMs = Date.parse('2026-11-16T00:00:00Z');
  const simulator = createSimulator({ seed: 7, startMs, sendsPerMinute: 1_000, scenarios: [] });
  const normalizer = createNormalizer({
    hasher: createHasher(Buffer.alloc(32, 7)),
    asn: await loadAsnDatabase(),
    clock: () => Date.parse('2026-11-24T00:00:00Z'),
  });
  const rows: SendRow[] = [];
  for (let minute = 0; rows.length < count; minute++) {
    for (const event of simulator.generate(startMs + minute * 60_000, startMs + (minute + 1) * 60_000)) {
      if (event.kind !== 'send' || rows.length >= count) continue;
      const result = normalizer.send(event.body, rows.length + 1);
      if (!result.ok) throw new Error(`simulated send rejected: ${JSON.stringify(result.rejected)}`);
      rows.push(result.row);
    }
  }
  return rows;
}
