import { basename } from 'node:path';
import type { Command } from 'commander';
import type { Rejection } from '@tollgate/events';
import { openStoreCore } from '@tollgate/core';
import { importContracts, type ContractImport } from '@tollgate/spend';
import { createProgress } from '../progress.ts';
import { readInputFile } from '../input-file.ts';

/** Rejections printed before "... and N more": enough to see the pattern of a bad export. */
const SHOWN_REJECTIONS = 20;

/**
 * `tollgate rates import FILE.csv`: loads a provider rate card or a minimum-commitments file (told
 * by its header). With --url (or TOLLGATE_URL) it posts to a running server; otherwise it writes
 * to the local store directly (the server must be stopped then: the embedded store belongs to one
 * process).
 */
export function registerRatesCommand(program: Command): void {
  const rates = program.command('rates').description('Provider contracts: rate cards and minimum monthly commitments');
  rates
    .command('import')
    .argument(
      '<file>',
      'CSV with a header row: a rate card (provider, country, price, effective_from[, currency]) or commitments (provider, monthly_minimum, effective_from[, currency])',
    )
    .description('Import a rate card or commitments; a route and date already imported gets the new price')
    .option('--url <url>', 'post to a running Tollgate server instead of the local store', process.env.TOLLGATE_URL)
    .option('--key <key>', 'API key with the operate scope (default: TOLLGATE_KEY or TOLLGATE_ADMIN_KEY)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  tollgate rates import twilio-2026.csv\n' +
        '    provider,country,price,currency,effective_from\n' +
        '    twilio,US,0.0083,USD,2026-01-01\n' +
        '    twilio,US,0.0091,USD,2026-12-01T00:00:00Z\n' +
        '  tollgate rates import commitments.csv --url http://127.0.0.1:8080\n' +
        '    provider,monthly_minimum,effective_from\n' +
        '    twilio,50000,2026-12\n' +
        "\nThe card in force at a send's hour prices it (GET /v1/spend reconciles bills against it); prices are per\n" +
        'message, effective dates on the hour. Bad rows are listed as FILE:line field: reason; the good ones are stored.',
    )
    .action(async (file: string, options: { url?: string; key?: string }) => {
      const text = readInputFile(file);
      const source = basename(file);
      const result = options.url
        ? await importRemote(options.url, options.key ?? process.env.TOLLGATE_KEY ?? process.env.TOLLGATE_ADMIN_KEY, text, source)
        : await importLocal(text, source);
      const what = result.kind === 'rate_card' ? 'rate card rows' : 'commitments';
      console.log(`imported ${result.accepted} ${what}, ${result.rejected.length} rejected`);
      for (const r of result.rejected.slice(0, SHOWN_REJECTIONS)) console.log(`  ${file}:${r.line} ${r.field}: ${r.reason}`);
      if (result.rejected.length > SHOWN_REJECTIONS) console.log(`  ... and ${result.rejected.length - SHOWN_REJECTIONS} more`);
      if (result.rejected.length > 0 && result.accepted === 0) process.exitCode = 1;
    });
}

async function importLocal(text: string, source: string): Promise<ContractImport> {
  const core = await openStoreCore(process.env);
  let progress: ReturnType<typeof createProgress> | undefined;
  try {
    return await importContracts(core.store, text, {
      source,
      nowMs: Date.now(),
      onProgress: (done, total) => {
        progress ??= createProgress('import', total, 'rows');
        progress.update(done);
      },
    });
  } finally {
    progress?.stop();
    await core.close();
  }
}

async function importRemote(url: string, key: string | undefined, text: string, source: string): Promise<ContractImport> {
  if (!key) throw new Error('--url needs an API key with the operate scope: pass --key or set TOLLGATE_KEY');
  // One request carries the file: the progress bar says when the server has stored it.
  const progress = createProgress('import', 1, 'files');
  try {
    const target = new URL('/v1/spend/contracts', url);
    target.searchParams.set('source', source);
    const response = await fetch(target, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
      body: text,
    });
    const body = (await response.json()) as ContractImport & {
      error?: { message: string; details?: { kind: ContractImport['kind']; rejected: Rejection[] } };
    };
    if (response.status === 400 && body.error?.details?.rejected)
      return { kind: body.error.details.kind, accepted: 0, rejected: body.error.details.rejected };
    if (!response.ok) throw new Error(`server answered ${response.status}: ${body.error?.message ?? 'no reason given'}`);
    progress.update(1);
    return body;
  } finally {
    progress.stop();
  }
}
