import { randomUUID } from 'node:crypto';
import { liveSilences, saveSilence, type SilenceRecord, type Store } from '@tollgate/store';
import { fromSilenceRecord, toSilenceRecord } from './incident-record.ts';
import { parseSilence, type Silence } from './silence.ts';

/** A silence as the API shows it: when it was made, and its version for the store. */
export interface StoredSilence extends Silence {
  createdAt: number;
  version: number;
}

export type SilenceResult = { ok: true; silence: StoredSilence } | { ok: false; status: 400 | 404; errors: string[] };

export interface SilenceRegistry {
  /** Re-reads live silences from the store: ones made through another instance count too. */
  refresh(): Promise<void>;
  /** Silences not ended (scheduled ones included), as last read. */
  list(): StoredSilence[];
  create(draft: { matchers: readonly string[]; author: string; reason: string; startsAt?: number; endsAt: number }): Promise<SilenceResult>;
  /** Ends a silence now; it stays in the store for the record. */
  expire(id: string): Promise<SilenceResult>;
}

/** Silences in the store, held in memory for the desk's routing decisions. */
export function createSilenceRegistry(deps: { store: Store; clock: () => number }): SilenceRegistry {
  let silences: StoredSilence[] = [];
  const fromRecord = (record: SilenceRecord): StoredSilence[] => {
    const parsed = fromSilenceRecord(record);
    return parsed.ok ? [{ ...parsed.silence, createdAt: record.created_at, version: record.version }] : [];
  };

  async function refresh(): Promise<void> {
    silences = (await liveSilences(deps.store, deps.clock())).flatMap(fromRecord);
  }

  return {
    refresh,

    list: () => silences.filter((silence) => silence.endsAt > deps.clock()),

    async create(draft) {
      const now = deps.clock();
      const parsed = parseSilence({
        id: `sil_${randomUUID()}`,
        matchers: draft.matchers,
        author: draft.author,
        reason: draft.reason,
        startsAt: draft.startsAt ?? now,
        endsAt: draft.endsAt,
      });
      if (!parsed.ok) return { ok: false, status: 400, errors: parsed.errors };
      if (parsed.silence.endsAt <= now) return { ok: false, status: 400, errors: ['endsAt: must be in the future'] };
      const stored: StoredSilence = { ...parsed.silence, createdAt: now, version: 1 };
      await saveSilence(deps.store, toSilenceRecord(stored, { version: 1, createdAt: now }));
      silences = [...silences, stored];
      return { ok: true, silence: stored };
    },

    async expire(id) {
      await refresh();
      const current = silences.find((silence) => silence.id === id);
      if (current === undefined) return { ok: false, status: 404, errors: [`no live silence ${id}`] };
      const now = deps.clock();
      const ended: StoredSilence = { ...current, startsAt: Math.min(current.startsAt, now - 1), endsAt: now, version: current.version + 1 };
      await saveSilence(deps.store, toSilenceRecord(ended, { version: ended.version, createdAt: current.createdAt }));
      silences = silences.filter((silence) => silence.id !== id);
      return { ok: true, silence: ended };
    },
  };
}
