-- Hourly and daily traffic by app, country, prefix and provider, for the dashboard's charts over
-- hours to months. traffic_1m has about one row per send at ten million sends a month (bench:web's
-- history: every scope of a minute holds one or two sends), so a day read from it merges hundreds of
-- thousands of distinct-count states and a month ten million. Hours of every scope would not help
-- (at a million sends, 956k scope-hours against 999k scope-minutes): scopes are the problem, not
-- minutes. Without asn and flow a scope is what the traffic explorer drills into (country, prefix)
-- and filters on (app, provider): 2.9k scopes in that history instead of 29k, so an hour holds
-- 2.5k rows and a day 2.9k. Queries on asn or flow keep reading traffic_1m.
--
-- Each table is fed by a view over the finer one (minutes -> hours -> days): the same sums and the
-- same uniq states merged, so an hour or a day answers exactly what its minutes answer, late verifies,
-- bills and receipts included (they land in traffic_1m in the minute of their send and flow on from
-- there). repairRollups rebuilds the hours and days of the minutes it rebuilds.
--
-- ORDER BY: the hourly table leads with blocks of six hours (21600 s), then the scope. Led by the scope, "the
-- last 24 hours of everything" read every row of the month; led by the hour, one country's week read
-- every country's rows. With blocks, a range reads at most five hours more than it asks, and a scope
-- filter skips the other scopes of each block: small granules (1024 rows, a block holds about 15 at
-- ten million sends a month) let it skip. The daily table holds 30 rows per scope a month and is
-- read whole; it leads with the scope like traffic_1m. PARTITION BY month and TTL (set from
-- TOLLGATE_ROLLUP_RETENTION_DAYS by the migrator) as traffic_1m.
CREATE TABLE IF NOT EXISTS traffic_1h
(
    hour DateTime('UTC'),
    app LowCardinality(String),
    country LowCardinality(String),
    prefix LowCardinality(String),
    provider LowCardinality(String),
    sends SimpleAggregateFunction(sum, UInt64),
    failed_sends SimpleAggregateFunction(sum, UInt64),
    phones AggregateFunction(uniq, String),
    sessions AggregateFunction(uniq, String),
    verified_sessions AggregateFunction(uniq, String),
    verify_attempts SimpleAggregateFunction(sum, UInt64),
    verify_failures SimpleAggregateFunction(sum, UInt64),
    cost_est_usd SimpleAggregateFunction(sum, Float64),
    cost_billed_usd SimpleAggregateFunction(sum, Float64),
    billed_messages SimpleAggregateFunction(sum, UInt64),
    receipts_delivered SimpleAggregateFunction(sum, UInt64),
    receipts_failed SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (intDiv(toUInt32(hour), 21600), app, country, prefix, provider, hour)
SETTINGS index_granularity = 1024;

CREATE TABLE IF NOT EXISTS traffic_1d
(
    day DateTime('UTC'),
    app LowCardinality(String),
    country LowCardinality(String),
    prefix LowCardinality(String),
    provider LowCardinality(String),
    sends SimpleAggregateFunction(sum, UInt64),
    failed_sends SimpleAggregateFunction(sum, UInt64),
    phones AggregateFunction(uniq, String),
    sessions AggregateFunction(uniq, String),
    verified_sessions AggregateFunction(uniq, String),
    verify_attempts SimpleAggregateFunction(sum, UInt64),
    verify_failures SimpleAggregateFunction(sum, UInt64),
    cost_est_usd SimpleAggregateFunction(sum, Float64),
    cost_billed_usd SimpleAggregateFunction(sum, Float64),
    billed_messages SimpleAggregateFunction(sum, UInt64),
    receipts_delivered SimpleAggregateFunction(sum, UInt64),
    receipts_failed SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (app, country, prefix, provider, day);

-- Days first: rows the hourly view writes then flow on into the days.
CREATE MATERIALIZED VIEW IF NOT EXISTS traffic_1d_mv TO traffic_1d AS
SELECT
    toStartOfDay(hour) AS day, app, country, prefix, provider,
    sum(sends) AS sends,
    sum(failed_sends) AS failed_sends,
    uniqMergeState(phones) AS phones,
    uniqMergeState(sessions) AS sessions,
    uniqMergeState(verified_sessions) AS verified_sessions,
    sum(verify_attempts) AS verify_attempts,
    sum(verify_failures) AS verify_failures,
    sum(cost_est_usd) AS cost_est_usd,
    sum(cost_billed_usd) AS cost_billed_usd,
    sum(billed_messages) AS billed_messages,
    sum(receipts_delivered) AS receipts_delivered,
    sum(receipts_failed) AS receipts_failed
FROM traffic_1h
GROUP BY day, app, country, prefix, provider;

CREATE MATERIALIZED VIEW IF NOT EXISTS traffic_1h_mv TO traffic_1h AS
SELECT
    toStartOfHour(minute) AS hour, app, country, prefix, provider,
    sum(sends) AS sends,
    sum(failed_sends) AS failed_sends,
    uniqMergeState(phones) AS phones,
    uniqMergeState(sessions) AS sessions,
    uniqMergeState(verified_sessions) AS verified_sessions,
    sum(verify_attempts) AS verify_attempts,
    sum(verify_failures) AS verify_failures,
    sum(cost_est_usd) AS cost_est_usd,
    sum(cost_billed_usd) AS cost_billed_usd,
    sum(billed_messages) AS billed_messages,
    sum(receipts_delivered) AS receipts_delivered,
    sum(receipts_failed) AS receipts_failed
FROM traffic_1m
GROUP BY hour, app, country, prefix, provider;

-- The history before this migration, from traffic_1m (the days follow through traffic_1d_mv). Emptied
-- first, so applying the file again (a process that did not see the ledger entry) rebuilds instead of adding.
ALTER TABLE traffic_1h DELETE WHERE 1 SETTINGS mutations_sync = 2;
ALTER TABLE traffic_1d DELETE WHERE 1 SETTINGS mutations_sync = 2;
INSERT INTO traffic_1h
SELECT
    toStartOfHour(minute) AS hour, app, country, prefix, provider,
    sum(sends), sum(failed_sends),
    uniqMergeState(phones), uniqMergeState(sessions), uniqMergeState(verified_sessions),
    sum(verify_attempts), sum(verify_failures), sum(cost_est_usd), sum(cost_billed_usd),
    sum(billed_messages), sum(receipts_delivered), sum(receipts_failed)
FROM traffic_1m
GROUP BY hour, app, country, prefix, provider;
