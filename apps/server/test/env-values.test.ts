import { describe, expect, it } from 'vitest';
import { readEnvValues } from '../src/env-values.ts';

describe('environment values, checked once before anything starts', () => {
  it('reads the defaults from an empty environment', () => {
    expect(readEnvValues({})).toEqual({
      port: 8080,
      host: '127.0.0.1',
      webPort: 3000,
      maxBodyBytes: 8_388_608,
      ingestWorkers: 0,
      loopDelaySampleMs: 20,
    });
  });

  it('reads the numbers it is given', () => {
    expect(
      readEnvValues({
        PORT: '0',
        WEB_PORT: '3100',
        HOST: '0.0.0.0',
        TOLLGATE_MAX_BODY_BYTES: '1048576',
        TOLLGATE_INGEST_WORKERS: '2',
        TOLLGATE_LOOP_DELAY_SAMPLE_MS: '10',
      }),
    ).toEqual({
      port: 0,
      host: '0.0.0.0',
      webPort: 3100,
      maxBodyBytes: 1_048_576,
      ingestWorkers: 2,
      loopDelaySampleMs: 10,
    });
  });

  it.each([
    ['PORT', 'abc', /PORT must be a TCP port from 0 to 65535/],
    ['PORT', '65536', /PORT must be a TCP port/],
    ['PORT', '', /PORT must be a TCP port/],
    ['WEB_PORT', '', /WEB_PORT must be a TCP port/],
    ['WEB_PORT', '30.5', /WEB_PORT must be a TCP port/],
    ['HOST', '', /HOST must be an address to listen on/],
    ['TOLLGATE_MAX_BODY_BYTES', '8MB', /TOLLGATE_MAX_BODY_BYTES must be a whole number of bytes/],
    ['TOLLGATE_MAX_BODY_BYTES', '0', /TOLLGATE_MAX_BODY_BYTES must be a whole number of bytes/],
    ['TOLLGATE_INGEST_WORKERS', 'two', /TOLLGATE_INGEST_WORKERS must be a whole number of worker threads from 0 to 64/],
    ['TOLLGATE_INGEST_WORKERS', '-1', /TOLLGATE_INGEST_WORKERS must be a whole number of worker threads/],
    ['TOLLGATE_LOOP_DELAY_SAMPLE_MS', '0', /TOLLGATE_LOOP_DELAY_SAMPLE_MS must be a whole number of milliseconds from 1 to 1000/],
    ['TOLLGATE_LOOP_DELAY_SAMPLE_MS', '2.5', /TOLLGATE_LOOP_DELAY_SAMPLE_MS must be a whole number of milliseconds/],
    ['TOLLGATE_DEMO_BACKFILL_HOURS', '-1', /TOLLGATE_DEMO_BACKFILL_HOURS must be a whole number of hours/],
    ['TOLLGATE_RAW_RETENTION_DAYS', 'ninety', /TOLLGATE_RAW_RETENTION_DAYS must be a whole number of days/],
    ['TOLLGATE_ROLLUP_RETENTION_DAYS', '0', /TOLLGATE_ROLLUP_RETENTION_DAYS must be a whole number of days/],
    ['CLICKHOUSE_URL', 'localhost:8123', /CLICKHOUSE_URL must be a URL starting http:\/\/ or https:\/\//],
    ['REDIS_URL', 'http://redis:6379', /REDIS_URL must be a URL starting redis:\/\/ or rediss:\/\//],
    ['SLACK_API_URL', 'slack', /SLACK_API_URL must be a URL/],
    ['PAGERDUTY_EVENTS_SERVER', 'https://events.pagerduty.com', /PAGERDUTY_EVENTS_SERVER must be host or host:port/],
    ['TOLLGATE_DASHBOARD_URL', 'dashboard.example.com', /TOLLGATE_DASHBOARD_URL must be a URL/],
    ['TOLLGATE_PUBLIC_URL', 'ftp://tollgate.example.com', /TOLLGATE_PUBLIC_URL must be a URL/],
    ['TOLLGATE_API_URL', '127.0.0.1:8080', /TOLLGATE_API_URL must be a URL/],
    ['TOLLGATE_WEB_PUBLIC_URL', 'tollgate', /TOLLGATE_WEB_PUBLIC_URL must be a URL/],
    ['TOLLGATE_DIGEST_CRON', 'every morning', /TOLLGATE_DIGEST_CRON must be a cron expression/],
    ['LOG_LEVEL', 'verbose', /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/],
  ])('refuses %s=%j, naming the variable', (name, value, message) => {
    expect(() => readEnvValues({ [name]: value })).toThrow(message);
  });

  it.each([
    ['CLICKHOUSE_URL', 'https://clickhouse.internal:8443'],
    ['REDIS_URL', 'rediss://user:secret@redis.internal:6380/2'],
    ['PAGERDUTY_EVENTS_SERVER', '127.0.0.1:9100'],
    ['TOLLGATE_DIGEST_CRON', '30 7 * * 1-5'],
    ['TOLLGATE_WEB_PUBLIC_URL', ''],
    ['TOLLGATE_DEMO_BACKFILL_HOURS', '0'],
  ])('accepts %s=%j (an empty URL reads as unset)', (name, value) => {
    expect(() => readEnvValues({ [name]: value })).not.toThrow();
  });

  it('reports every problem at once', () => {
    expect(() => readEnvValues({ PORT: 'abc', WEB_PORT: '', REDIS_URL: 'nope' })).toThrow(
      /3 problem\(s\)[\s\S]*PORT[\s\S]*WEB_PORT[\s\S]*REDIS_URL/,
    );
  });
});
