/**
 * What each part of the send schema costs an insert (`npm run bench:ingest-schema`): the same
 * prepared send rows (the simulator's, normalized as the collectors do) inserted in batches of
 * 5,000 and of 20,000 (the group commit's target) through `insertRows` into stores that differ by
 * one part each, from the migrated schema down to a plain MergeTree table of the same columns. The difference of two neighbouring stages'
 * CPU time per row (the process's, all threads) is what the part removed between them costs a row. Stages alternate within
 * each round so machine noise hits all alike; each stage starts on a fresh data directory.
 * Writes the `ingest: what each view and index costs` section of bench/RESULTS.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROW_COLUMNS, type SendRow } from '@tollgate/events';
import { FLUSH_TARGET_ROWS } from '@tollgate/ingest';
import { createStore, DEFAULT_RETENTION, insertRows, migrate, type Store } from '@tollgate/store';
import { toTsv } from '../packages/store/src/tsv.ts';
import { loadAverages, median, writeResultsSection } from './results-file.ts';
import { simulatedSendRows } from './simulated-send-rows.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 60_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Rows per insert: a request's batch, and the group commit's target (FLUSH_TARGET_ROWS). */
const BATCHES = (process.env.BENCH_BATCHES ?? `5000,${FLUSH_TARGET_ROWS}`).split(',').map(Number);

interface Stage {
  name: string;
  /** Statements run on the migrated store to take this stage's part away. */
  ddl: string[];
  /** The table the rows go to (the raw send table unless the stage builds its own). */
  table?: string;
}

/** Each stage removes one more part than the one before it. */
const STAGES: Stage[] = [
  {
    name: "migrated schema, each insert collapsing its equal keys (optimize_on_insert, the engine's default, as before d4c27f5)",
    ddl: [],
    table: 'sends_raw',
  },
  { name: 'migrated schema (sends_raw, traffic_1m with its projection, traffic_1h, traffic_1d), as insertRows writes', ddl: [] },
  { name: 'without the daily view (traffic_1d_mv)', ddl: ['DROP VIEW traffic_1d_mv'] },
  { name: 'without the hourly view (traffic_1h_mv)', ddl: ['DROP VIEW traffic_1d_mv', 'DROP VIEW traffic_1h_mv'] },
  {
    name: "without traffic_1m's by_minute projection",
    ddl: [
      'DROP VIEW traffic_1d_mv',
      'DROP VIEW traffic_1h_mv',
      'ALTER TABLE traffic_1m DROP PROJECTION by_minute SETTINGS mutations_sync = 1',
    ],
  },
  {
    name: 'without the minute view (sends_raw alone)',
    ddl: ['DROP VIEW traffic_1d_mv', 'DROP VIEW traffic_1h_mv', 'DROP VIEW traffic_1m_sends_mv'],
  },
  {
    name: 'sends_raw without its bloom indexes',
    ddl: [
      'DROP VIEW traffic_1d_mv',
      'DROP VIEW traffic_1h_mv',
      'DROP VIEW traffic_1m_sends_mv',
      'ALTER TABLE sends_raw DROP INDEX idx_session SETTINGS mutations_sync = 1',
      'ALTER TABLE sends_raw DROP INDEX idx_message SETTINGS mutations_sync = 1',
    ],
  },
  {
    name: 'plain MergeTree of the same columns (no sorting key, no partitions)',
    ddl: [
      'CREATE TABLE sends_plain AS sends_raw ENGINE = MergeTree ORDER BY tuple()',
      'ALTER TABLE sends_plain DROP INDEX idx_session',
      'ALTER TABLE sends_plain DROP INDEX idx_message',
    ],
    table: 'sends_plain',
  },
];

async function insertInto(store: Store, table: string | undefined, rows: SendRow[]): Promise<void> {
  if (table === undefined) return insertRows(store, 'send', rows);
  await store.rawInsert!(table, ROW_COLUMNS.send, toTsv(rows, ROW_COLUMNS.send));
}

/**
 * Microseconds of this process's CPU (all threads: the embedded engine inserts and merges in its
 * own) per row inserted, for one stage on a fresh store. CPU rather than wall time: with other work
 * on the machine, wall time measures the queue for the cores more than the insert.
 */
async function stageUsPerRow(stage: Stage, rows: SendRow[], batch: number): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-schema-'));
  const store = createStore({ kind: 'embedded', dataDir });
  try {
    await migrate(store, DEFAULT_RETENTION);
    for (const query of stage.ddl) await store.client.command({ query });
    const before = process.cpuUsage();
    for (let i = 0; i < rows.length; i += batch) await insertInto(store, stage.table, rows.slice(i, i + batch));
    const cpu = process.cpuUsage(before);
    return (cpu.user + cpu.system) / rows.length;
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Each stage's CPU per row at one insert size, stages alternating within each round. */
async function measure(rows: SendRow[], batch: number): Promise<number[][]> {
  const samples = STAGES.map(() => [] as number[]);
  for (let run = 0; run < RUNS; run++) {
    const line: string[] = [];
    for (let s = 0; s < STAGES.length; s++) {
      samples[s]!.push(await stageUsPerRow(STAGES[s]!, rows, batch));
      line.push(`${s}: ${samples[s]![run]!.toFixed(1)} us/row`);
    }
    console.error(`inserts of ${batch}, run ${run + 1}/${RUNS}: ${line.join(', ')}`);
  }
  return samples;
}

function stageTable(samples: number[][]): string {
  const medians = samples.map(median);
  return [
    '| stage (each without the part the row before it names) | CPU per row, us (median) | rows/s of one core | the part removed costs a row, us | each run, us |',
    '| --- | --- | --- | --- | --- |',
    ...STAGES.map((stage, s) => {
      const removed = s + 1 < STAGES.length ? (medians[s]! - medians[s + 1]!).toFixed(1) : '';
      return `| ${stage.name} | ${medians[s]!.toFixed(1)} | ${Math.round(1e6 / medians[s]!).toLocaleString('en-US')} | ${removed} | ${samples[s]!.map((v) => v.toFixed(1)).join(', ')} |`;
    }),
  ].join('\n');
}

async function main(): Promise<void> {
  const rows = await simulatedSendRows(EVENTS);
  const loadBefore = loadAverages();
  const tables: string[] = [];
  for (const batch of BATCHES) {
    const table = stageTable(await measure(rows, batch));
    console.log(table);
    tables.push(`Inserts of ${batch.toLocaleString('en-US')} rows:`, '', table, '');
  }
  writeResultsSection(
    'ingest: what each view and index costs',
    [
      `Command: \`npm run bench:ingest-schema\` (${EVENTS.toLocaleString('en-US')} simulated send rows, inserts of ${BATCHES.map((b) => b.toLocaleString('en-US')).join(' and of ')} rows through insertRows, ${RUNS} rounds of alternating stages, each on a fresh embedded store migrated to the current schema and then stripped of one more part; \`BENCH_EVENTS\`, \`BENCH_RUNS\`, \`BENCH_BATCHES\` change the size).`,
      `Measured ${new Date().toISOString().slice(0, 10)} on ${process.platform} ${process.arch}, Node ${process.version}, 2 cores shared with other work; load average (1, 5, 15 min) ${loadBefore} before, ${loadAverages()} after.`,
      '',
      ...tables,
      'Reading: CPU time of the whole process (the embedded engine inserts, aggregates and merges in its own threads) per row',
      'while the batches were inserted; merges still running when the last insert returns are left out alike in every stage.',
      'The fourth column is the difference of neighbouring medians: what the part costs each inserted row (a negative or tiny',
      'figure is within the noise). The last row is the floor of the engine for these rows and this insert size. The first',
      'row is the raw insert without the settings insertRows gives it.',
    ].join('\n'),
  );
}

await main();
