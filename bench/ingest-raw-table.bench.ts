/**
 * What each part of the raw send table costs an insert (`npm run bench:ingest-raw-table`): the same
 * prepared send rows inserted in inserts of 20,000 (the group commit's target) into sends_raw alone
 * (its rollup views dropped) and into variants of it that differ from it in one thing each: a skip
 * index, the engine, the column types, the column count, the sorting key, the partitions, the
 * insert format and the insert settings. A variant's CPU per row (the process's, all threads,
 * building the insert's text included) against sends_raw's in the same round is what that part
 * costs a row. Variants alternate within each round, each on a fresh data directory.
 * Writes the `ingest: what each part of the raw send table costs` section of bench/RESULTS.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROW_COLUMNS, type SendRow } from '@tollgate/events';
import { FLUSH_TARGET_ROWS } from '@tollgate/ingest';
import { createStore, DEFAULT_RETENTION, migrate, type RawInsertFormat } from '@tollgate/store';
import { toTsv } from '../packages/store/src/tsv.ts';
import { loadAverages, median, writeResultsSection } from './results-file.ts';
import { simulatedSendRows } from './simulated-send-rows.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 60_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BATCH = Number(process.env.BENCH_BATCH ?? FLUSH_TARGET_ROWS);
const SECTION = 'ingest: what each part of the raw send table costs';

type Format = RawInsertFormat;

interface Variant {
  name: string;
  /** sends_raw's CREATE statement as this variant's table (named sends_variant), or undefined for sends_raw itself. */
  create?: (sendsRaw: string) => string;
  columns?: readonly string[];
  format?: Format;
  settings?: Record<string, string | number>;
}

const SEND_COLUMNS: readonly string[] = ROW_COLUMNS.send;
/** Columns no rollup or attribution reads: only the send history and the ASN profiles show them. */
const DETAIL_COLUMNS = new Set(['number_type', 'ip_subnet', 'asn_org', 'channel', 'cost', 'currency', 'device_id', 'user_agent']);
const LOW_CARDINALITY_DETAIL = ['number_type', 'asn_org', 'channel', 'currency'];
const STRING_DETAIL = ['ip_subnet', 'device_id', 'cost'];
const KEY = /ORDER BY \([^)]*\)/;

const renamed = (ddl: string) => ddl.replace(/CREATE TABLE \S+/, 'CREATE TABLE sends_variant');
/** The CREATE statement with parts that stay compact up to 100 MB (the engine's default turns them wide at 10 MB). */
const compactParts = (ddl: string) => ddl.replace('SETTINGS ', 'SETTINGS min_bytes_for_wide_part = 104857600, ');
/** The CREATE statement without some columns' lines. */
const withoutColumns = (ddl: string, columns: string[]) =>
  ddl
    .split('\n')
    .filter((line) => !columns.some((column) => line.startsWith(`    \`${column}\` `)))
    .join('\n');
/** The CREATE statement without one skip index's line, and without the comma it leaves before the closing parenthesis. */
const withoutIndex = (name: string) => (ddl: string) =>
  renamed(ddl)
    .split('\n')
    .filter((line) => !line.includes(`INDEX ${name} `))
    .join('\n')
    .replace(/,\n\)/, '\n)');

const ALL_VARIANTS: Variant[] = [
  { name: 'sends_raw as migrated: ReplacingMergeTree, 2 bloom indexes, 10 LowCardinality columns, by day, ORDER BY of 5 columns; TSV' },
  { name: 'without idx_session (bloom filter on session_id)', create: withoutIndex('idx_session') },
  { name: 'without idx_message (bloom filter on message_id)', create: withoutIndex('idx_message') },
  {
    name: 'MergeTree instead of ReplacingMergeTree',
    create: (ddl) => renamed(ddl).replace('ENGINE = ReplacingMergeTree', 'ENGINE = MergeTree'),
  },
  { name: 'String instead of LowCardinality(String)', create: (ddl) => renamed(ddl).replaceAll('LowCardinality(String)', 'String') },
  {
    name: 'String instead of LowCardinality(String), parts kept compact (min_bytes_for_wide_part = 100 MB)',
    create: (ddl) => compactParts(renamed(ddl).replaceAll('LowCardinality(String)', 'String')),
  },
  {
    name: 'without the 4 LowCardinality detail columns (number_type, asn_org, channel, currency)',
    create: (ddl) => withoutColumns(renamed(ddl), LOW_CARDINALITY_DETAIL),
    columns: SEND_COLUMNS.filter((column) => !LOW_CARDINALITY_DETAIL.includes(column)),
  },
  {
    name: 'without ip_subnet, device_id, cost',
    create: (ddl) => withoutColumns(renamed(ddl), STRING_DETAIL),
    columns: SEND_COLUMNS.filter((column) => !STRING_DETAIL.includes(column)),
  },
  {
    name: 'message_id, device_id, user_agent Nullable(String) (sent empty, as now)',
    create: (ddl) => renamed(ddl).replace(/(`?(message_id|device_id|user_agent)`?) String/g, '$1 Nullable(String)'),
  },
  {
    name: `${SEND_COLUMNS.length - DETAIL_COLUMNS.size} columns: without the ${DETAIL_COLUMNS.size} detail columns (${[...DETAIL_COLUMNS].join(', ')})`,
    create: (ddl) => withoutColumns(renamed(ddl), [...DETAIL_COLUMNS]),
    columns: SEND_COLUMNS.filter((column) => !DETAIL_COLUMNS.has(column)),
  },
  {
    name: 'without user_agent (94 characters a row in these sends)',
    create: (ddl) => withoutColumns(renamed(ddl), ['user_agent']),
    columns: SEND_COLUMNS.filter((column) => column !== 'user_agent'),
  },
  {
    name: 'user_agent LowCardinality(String)',
    create: (ddl) => renamed(ddl).replace('`user_agent` String', '`user_agent` LowCardinality(String)'),
  },
  { name: 'ORDER BY (app, ts)', create: (ddl) => renamed(ddl).replace(KEY, 'ORDER BY (app, ts)') },
  { name: 'ORDER BY tuple() (no sorting)', create: (ddl) => renamed(ddl).replace(KEY, 'ORDER BY tuple()') },
  { name: 'no PARTITION BY (one partition)', create: (ddl) => renamed(ddl).replace(/PARTITION BY \S+\n/, '') },
  {
    name: 'wide parts (min_bytes_for_wide_part = 0; 20,000-row parts are compact by default)',
    create: (ddl) => renamed(ddl).replace('SETTINGS ', 'SETTINGS min_bytes_for_wide_part = 0, '),
  },
  { name: 'insert as JSONEachRow (JSON.stringify of each row)', format: 'JSONEachRow' },
  { name: 'insert as JSONCompactEachRow (an array a row)', format: 'JSONCompactEachRow' },
  { name: 'input_format_parallel_parsing = 0', settings: { input_format_parallel_parsing: 0 } },
  { name: 'max_insert_threads = 1, max_threads = 1', settings: { max_insert_threads: 1, max_threads: 1 } },
];

/** `BENCH_VARIANTS=regex` measures only the variants whose names match (sends_raw itself always). */
const VARIANTS = ALL_VARIANTS.filter((variant, v) => v === 0 || new RegExp(process.env.BENCH_VARIANTS ?? '').test(variant.name));

/** The text of an insert in `format`, as the collectors would build it. */
function payload(rows: SendRow[], columns: readonly string[], format: Format): string {
  if (format === 'TabSeparated') return toTsv(rows, columns as (keyof SendRow & string)[]);
  const lines = new Array<string>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]! as unknown as Record<string, unknown>;
    if (format === 'JSONEachRow') {
      const picked: Record<string, unknown> = {};
      for (const column of columns) picked[column] = row[column];
      lines[r] = JSON.stringify(picked);
    } else {
      lines[r] = JSON.stringify(columns.map((column) => row[column]));
    }
  }
  return `${lines.join('\n')}\n`;
}

async function variantUsPerRow(variant: Variant, rows: SendRow[]): Promise<{ usPerRow: number; partType: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-raw-table-'));
  const store = createStore({ kind: 'embedded', dataDir });
  try {
    await migrate(store, DEFAULT_RETENTION);
    for (const view of ['traffic_1d_mv', 'traffic_1h_mv', 'traffic_1m_sends_mv'])
      await store.client.command({ query: `DROP VIEW ${view}` });
    let table = 'sends_raw';
    if (variant.create) {
      const shown = await store.client.query({ query: 'SHOW CREATE TABLE sends_raw', format: 'TabSeparatedRaw' });
      await store.client.command({ query: variant.create((await shown.text()).trim()) });
      table = 'sends_variant';
    }
    const columns = variant.columns ?? SEND_COLUMNS;
    const settings = { optimize_on_insert: 0, ...variant.settings };
    const before = process.cpuUsage();
    for (let i = 0; i < rows.length; i += BATCH) {
      const text = payload(rows.slice(i, i + BATCH), columns, variant.format ?? 'TabSeparated');
      await store.rawInsert!(table, columns, text, settings, variant.format);
    }
    const cpu = process.cpuUsage(before);
    const parts = await store.client.query({
      query: 'SELECT groupUniqArray(part_type) AS types, sum(rows) AS stored FROM system.parts WHERE table = {table:String} AND active',
      query_params: { table },
      format: 'JSONEachRow',
    });
    const [{ types, stored }] = (await parts.json()) as [{ types: string[]; stored: number }];
    // ReplacingMergeTree may already have collapsed nothing: the rows' event ids are distinct.
    if (Number(stored) !== rows.length) throw new Error(`${variant.name}: ${stored} rows stored of ${rows.length}`);
    return { usPerRow: (cpu.user + cpu.system) / rows.length, partType: types.join('/') };
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows = await simulatedSendRows(EVENTS);
  const loadBefore = loadAverages();
  const samples = VARIANTS.map(() => [] as number[]);
  const partTypes = VARIANTS.map(() => '');
  for (let run = 0; run < RUNS; run++) {
    const line: string[] = [];
    // Each round starts one variant later: whichever goes first in a round pays for the round's start.
    for (let step = 0; step < VARIANTS.length; step++) {
      const v = (run + step) % VARIANTS.length;
      const { usPerRow, partType } = await variantUsPerRow(VARIANTS[v]!, rows);
      samples[v]!.push(usPerRow);
      partTypes[v] = partType;
      line.push(`${v}: ${usPerRow.toFixed(1)}`);
    }
    console.error(`run ${run + 1}/${RUNS}, us/row: ${line.join(', ')}`);
  }
  const medians = samples.map(median);
  const table = [
    '| variant of sends_raw (alone, without its views) | CPU per row, us (median) | against sends_raw, us a row | parts | each run, us |',
    '| --- | --- | --- | --- | --- |',
    ...VARIANTS.map((variant, v) => {
      const delta = v === 0 ? '' : (medians[v]! - medians[0]!).toFixed(1);
      return `| ${variant.name} | ${medians[v]!.toFixed(1)} | ${delta} | ${partTypes[v]} | ${samples[v]!.map((s) => s.toFixed(1)).join(', ')} |`;
    }),
  ].join('\n');
  console.log(table);
  writeResultsSection(
    SECTION,
    [
      `Command: \`npm run bench:ingest-raw-table\` (${EVENTS.toLocaleString('en-US')} simulated send rows in inserts of ${BATCH.toLocaleString('en-US')}, ${RUNS} rounds of alternating variants, each round starting one variant later, each on a fresh embedded store migrated to the current schema, the send rollup views dropped, then the variant's table made from sends_raw's own CREATE statement; \`BENCH_EVENTS\`, \`BENCH_RUNS\`, \`BENCH_BATCH\` change the size, \`BENCH_VARIANTS=regex\` measures only the variants it matches).`,
      `Measured ${new Date().toISOString().slice(0, 10)} on ${process.platform} ${process.arch}, Node ${process.version}, 2 cores shared with other work; load average (1, 5, 15 min) ${loadBefore} before, ${loadAverages()} after.`,
      '',
      table,
      '',
      "Reading: CPU time of the whole process per row while the inserts ran, the insert's text built in the process included",
      '(merges still running after the last insert are left out alike). The third column is the variant against sends_raw in',
      'the same rounds: negative is what the part costs a row; differences within about 2 us moved from round to round on the',
      "shared machine (compare each run's figures).",
    ].join('\n'),
  );
}

await main();
