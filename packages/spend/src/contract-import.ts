/**
 * Imports a provider contract file (rate card or commitments) into the store: the rows the parser
 * accepted are written, versions already stored for the same route and date are replaced, and the
 * rejected rows come back with their line, field and reason. Used by `POST /v1/spend/contracts`
 * and `tollgate rates import`.
 */
import type { Rejection } from '@tollgate/events';
import { saveProviderCommitments, saveRateCards, type Store } from '@tollgate/store';
import { parseContractCsv, type ContractCsv } from './contract-csv.ts';

/** Rows written per statement: a progress step for the command line, small enough to stay quick. */
const CHUNK_ROWS = 1_000;

export interface ContractImport {
  kind: ContractCsv['kind'];
  accepted: number;
  rejected: Rejection[];
}

export async function importContracts(
  store: Store,
  text: string,
  options: { source: string; nowMs: number; onProgress?: (done: number, total: number) => void },
): Promise<ContractImport> {
  const parsed = parseContractCsv(text);
  const total = parsed.rows.length;
  for (let i = 0; i < total; i += CHUNK_ROWS) {
    const stamp = { source: options.source, imported_at: options.nowMs };
    if (parsed.kind === 'rate_card')
      await saveRateCards(
        store,
        parsed.rows.slice(i, i + CHUNK_ROWS).map(({ row }) => ({ ...row, ...stamp })),
      );
    else
      await saveProviderCommitments(
        store,
        parsed.rows.slice(i, i + CHUNK_ROWS).map(({ row }) => ({ ...row, ...stamp })),
      );
    options.onProgress?.(Math.min(total, i + CHUNK_ROWS), total);
  }
  return { kind: parsed.kind, accepted: total, rejected: parsed.rejected };
}
