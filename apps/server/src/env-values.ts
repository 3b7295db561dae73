import cron from 'node-cron';
import { retentionFromEnv } from '@tollgate/store';
import { DEFAULT_BODY_LIMIT_BYTES } from './build-app.ts';
import { demoBackfillMs } from '@tollgate/demo';
import { DEFAULT_LOOP_DELAY_SAMPLE_MS } from './metrics.ts';

/** The values of the environment that are read as numbers or parsed, checked before anything starts. */
export interface EnvValues {
  port: number;
  host: string;
  webPort: number;
  maxBodyBytes: number;
  /** Worker threads parsing and normalizing collector batches; 0 does it on the event loop. */
  ingestWorkers: number;
  /** How often the event loop's delay is sampled for /metrics, ms. */
  loopDelaySampleMs: number;
}

const DEFAULT_PORT = 8080;
const DEFAULT_WEB_PORT = 3000;
const DEFAULT_HOST = '127.0.0.1';
const MAX_PORT = 65_535;
/** A gigabyte: past it one request would hold the process's memory, whatever the machine. */
const MAX_BODY_BYTES = 1024 ** 3;
/**
 * A 2-core node ingests best without: measured in bench:ingest (`ingest: on worker threads or
 * not`), a worker thread costs some 12 us more CPU an event (the body copied in, the rows copied
 * back) and the cores are busy anyway, while the event loop, normalizing in steps, stalls no longer.
 * Nodes with cores to spare set it.
 */
const DEFAULT_INGEST_WORKERS = 0;
/** Each worker holds its own ASN table and number-block caches (some tens of MB). */
const MAX_INGEST_WORKERS = 64;
/** A second: past it the histogram would see too few samples in a scrape interval to tell anything. */
const MAX_LOOP_DELAY_SAMPLE_MS = 1_000;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Why a set value is refused, or undefined when it is good. */
type Check = (value: string, name: string) => string | undefined;

function isWholeNumber(value: string, min: number, max: number): boolean {
  const n = Number(value);
  return value.trim() !== '' && Number.isInteger(n) && n >= min && n <= max;
}
const wholeNumber =
  (min: number, max: number, unit: string): Check =>
  (value) =>
    isWholeNumber(value, min, max) ? undefined : `must be a whole number of ${unit} from ${min} to ${max}`;
const port: Check = (value) =>
  isWholeNumber(value, 0, MAX_PORT) ? undefined : `must be a TCP port from 0 to ${MAX_PORT} (0 picks a free one)`;
const url =
  (...protocols: string[]): Check =>
  (value) => {
    try {
      if (protocols.includes(new URL(value).protocol)) return undefined;
    } catch {
      // not a URL at all: the same answer
    }
    return `must be a URL starting ${protocols.map((p) => `${p}//`).join(' or ')}`;
  };
const hostAndPort: Check = (value) => {
  try {
    const parsed = new URL(`https://${value}`);
    if (parsed.host === value.toLowerCase() && parsed.pathname === '/') return undefined;
  } catch {
    // falls through to the answer below
  }
  return 'must be host or host:port, without a scheme or path';
};
/** Values with a reader of their own elsewhere: it is given the one variable, and its error names it. */
const readBy =
  (read: (env: NodeJS.ProcessEnv) => unknown): Check =>
  (value, name) => {
    try {
      read({ [name]: value });
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  };

/**
 * Every variable read as a number, a URL or a choice, with its check: one line each, so a new
 * variable is checked by adding it here. Numbers refuse an empty value (`WEB_PORT=` is a mistake,
 * not a default); an empty URL reads as unset, as compose files pass `${VAR:-}`.
 */
const ENV_CHECKS: ReadonlyArray<{ name: string; check: Check; emptyIsUnset?: boolean }> = [
  { name: 'PORT', check: port },
  { name: 'WEB_PORT', check: port },
  { name: 'HOST', check: (value) => (value.trim() === '' ? 'must be an address to listen on, e.g. 127.0.0.1 or 0.0.0.0' : undefined) },
  { name: 'TOLLGATE_MAX_BODY_BYTES', check: wholeNumber(1, MAX_BODY_BYTES, 'bytes') },
  { name: 'TOLLGATE_INGEST_WORKERS', check: wholeNumber(0, MAX_INGEST_WORKERS, 'worker threads') },
  { name: 'TOLLGATE_LOOP_DELAY_SAMPLE_MS', check: wholeNumber(1, MAX_LOOP_DELAY_SAMPLE_MS, 'milliseconds') },
  { name: 'TOLLGATE_DEMO_BACKFILL_HOURS', check: readBy(demoBackfillMs), emptyIsUnset: true },
  { name: 'TOLLGATE_RAW_RETENTION_DAYS', check: readBy(retentionFromEnv), emptyIsUnset: true },
  { name: 'TOLLGATE_ROLLUP_RETENTION_DAYS', check: readBy(retentionFromEnv), emptyIsUnset: true },
  { name: 'CLICKHOUSE_URL', check: url('http:', 'https:'), emptyIsUnset: true },
  { name: 'REDIS_URL', check: url('redis:', 'rediss:'), emptyIsUnset: true },
  { name: 'SLACK_API_URL', check: url('http:', 'https:'), emptyIsUnset: true },
  { name: 'PAGERDUTY_EVENTS_SERVER', check: hostAndPort, emptyIsUnset: true },
  { name: 'TOLLGATE_DASHBOARD_URL', check: url('http:', 'https:'), emptyIsUnset: true },
  { name: 'TOLLGATE_PUBLIC_URL', check: url('http:', 'https:'), emptyIsUnset: true },
  { name: 'TOLLGATE_API_URL', check: url('http:', 'https:'), emptyIsUnset: true },
  { name: 'TOLLGATE_WEB_PUBLIC_URL', check: url('http:', 'https:'), emptyIsUnset: true },
  {
    name: 'TOLLGATE_DIGEST_CRON',
    check: (value) => (cron.validate(value) ? undefined : 'must be a cron expression, e.g. "0 8 * * *" (UTC)'),
    emptyIsUnset: true,
  },
  { name: 'LOG_LEVEL', check: (value) => (LOG_LEVELS.includes(value) ? undefined : `must be one of ${LOG_LEVELS.join(', ')}`) },
];

/**
 * Checks the environment once, before anything starts, and returns the values read as numbers.
 * Every problem is reported at once, each naming its variable and what it takes.
 */
export function readEnvValues(env: NodeJS.ProcessEnv): EnvValues {
  const problems: string[] = [];
  for (const { name, check, emptyIsUnset } of ENV_CHECKS) {
    const value = env[name];
    if (value === undefined || (emptyIsUnset && value === '')) continue;
    const reason = check(value, name);
    // The readers reused through readBy name their variable already.
    if (reason !== undefined) problems.push(reason.startsWith(`${name} `) ? reason : `${name} ${reason}, got "${value}"`);
  }
  if (problems.length > 0) throw new Error(`the environment has ${problems.length} problem(s); fix or unset:\n  ${problems.join('\n  ')}`);
  return {
    port: Number(env.PORT ?? DEFAULT_PORT),
    host: env.HOST ?? DEFAULT_HOST,
    webPort: Number(env.WEB_PORT ?? DEFAULT_WEB_PORT),
    maxBodyBytes: Number(env.TOLLGATE_MAX_BODY_BYTES ?? DEFAULT_BODY_LIMIT_BYTES),
    ingestWorkers: Number(env.TOLLGATE_INGEST_WORKERS ?? DEFAULT_INGEST_WORKERS),
    loopDelaySampleMs: Number(env.TOLLGATE_LOOP_DELAY_SAMPLE_MS ?? DEFAULT_LOOP_DELAY_SAMPLE_MS),
  };
}
