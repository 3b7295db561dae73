import type { Command } from 'commander';
import { parseBillingCsv, type Rejection } from '@tollgate/events';
import { openCore } from '@tollgate/core';
import { createProgress } from '../progress.ts';
import { readInputFile } from '../input-file.ts';

// Lines per request or store write: large enough to be fast, small enough for the batch cap.
const CHUNK_LINES = 5_000;

interface Totals {
  accepted: number;
  duplicates: number;
  rejected: Rejection[];
}

/**
 * `tollgate import-billing FILE.csv`: loads a provider billing export. With --url (or TOLLGATE_URL)
 * it posts to a running server; otherwise it writes to the local store directly (the server must
 * be stopped then: the embedded store belongs to one process).
 */
export function registerImportBillingCommand(program: Command): void {
  program
    .command('import-billing')
    .argument(
      '<file>',
      'CSV export with a header row: event_id (or message_id), ts, provider, country, cost, [phone_prefix, segments, currency]',
    )
    .description('Import a provider billing CSV; lines already imported count as duplicates')
    .option('--url <url>', 'post to a running Tollgate server instead of the local store', process.env.TOLLGATE_URL)
    .option('--key <key>', 'API key with the ingest scope (default: TOLLGATE_KEY or TOLLGATE_ADMIN_KEY)')
    .action(async (file: string, options: { url?: string; key?: string }) => {
      const text = readInputFile(file);
      const parsed = parseBillingCsv(text);
      const totals: Totals = { accepted: 0, duplicates: 0, rejected: [...parsed.rejected] };
      const progress = createProgress('import', parsed.items.length, 'lines');
      const submit = options.url
        ? remoteSubmitter(options.url, options.key ?? process.env.TOLLGATE_KEY ?? process.env.TOLLGATE_ADMIN_KEY)
        : await localSubmitter();
      try {
        for (let i = 0; i < parsed.items.length; i += CHUNK_LINES) {
          const chunk = parsed.items.slice(i, i + CHUNK_LINES);
          const result = await submit.send(chunk);
          totals.accepted += result.accepted;
          totals.duplicates += result.duplicates;
          totals.rejected.push(...result.rejected);
          progress.update(Math.min(i + CHUNK_LINES, parsed.items.length));
        }
      } finally {
        progress.stop();
        await submit.close();
      }
      console.log(`imported ${totals.accepted} billing lines, ${totals.duplicates} duplicates, ${totals.rejected.length} rejected`);
      for (const r of totals.rejected.slice(0, 20)) console.log(`  line ${r.line}: ${r.field}: ${r.reason}`);
      if (totals.rejected.length > 20) console.log(`  ... and ${totals.rejected.length - 20} more`);
      if (totals.rejected.length > 0 && totals.accepted + totals.duplicates === 0) process.exitCode = 1;
    });
}

type Submitter = {
  send(items: { line: number; value: unknown }[]): Promise<Totals>;
  close(): Promise<void>;
};

async function localSubmitter(): Promise<Submitter> {
  const core = await openCore(process.env);
  return {
    async send(items) {
      const result = await core.ingestor.submit('billing', items);
      if (!result.ok) throw new Error('store is overloaded; retry the import');
      return result;
    },
    close: () => core.close(),
  };
}

function remoteSubmitter(url: string, key: string | undefined): Submitter {
  if (!key) throw new Error('--url needs an API key with the ingest scope: pass --key or set TOLLGATE_KEY');
  return {
    async send(items) {
      const response = await fetch(new URL('/v1/events/billing', url), {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(items.map((item) => item.value)),
      });
      const body = (await response.json()) as Totals & { error?: { message: string; details?: { rejected: Rejection[] } } };
      // The server numbers lines within the request; map them back to the CSV's lines.
      const toCsvLine = (r: Rejection) => ({ ...r, line: items[r.line - 1]?.line ?? r.line });
      if (response.status === 400 && body.error?.details?.rejected) {
        return { accepted: 0, duplicates: 0, rejected: body.error.details.rejected.map(toCsvLine) };
      }
      if (!response.ok) throw new Error(`server answered ${response.status}: ${body.error?.message ?? 'no reason given'}`);
      return { accepted: body.accepted, duplicates: body.duplicates, rejected: body.rejected.map(toCsvLine) };
    },
    close: async () => {},
  };
}
