-- Per-minute traffic by scope, fed by one materialized view per raw table. Everything the detector
-- baselines and the dashboard charts reads comes from here, never from the raw tables.
--
-- AggregatingMergeTree: counts and costs are SimpleAggregateFunction(sum) and distinct phones and
-- sessions are uniq states, so minutes merge into hours and days exactly as the query asks.
-- ORDER BY is the full scope then the minute (rows with the same key merge into one); it leads with
-- app and destination like the raw tables. PARTITION BY month keeps the part count low for a
-- retention that is measured in months.
-- Verifies, receipts and bills are counted in the minute of their send (send_ts) when the send is
-- known, so a window's conversion is "verified among the sessions sent in that window".
CREATE TABLE IF NOT EXISTS traffic_1m
(
    minute DateTime('UTC'),
    app LowCardinality(String),
    flow LowCardinality(String),
    country LowCardinality(String),
    prefix LowCardinality(String),
    asn UInt32,
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
PARTITION BY toYYYYMM(minute)
ORDER BY (app, country, prefix, provider, asn, flow, minute);

CREATE MATERIALIZED VIEW IF NOT EXISTS traffic_1m_sends_mv TO traffic_1m AS
SELECT
    toStartOfMinute(ts) AS minute, app, flow, country, prefix, asn, provider,
    toUInt64(count()) AS sends,
    toUInt64(countIf(status = 'failed')) AS failed_sends,
    uniqState(phone_hash) AS phones,
    uniqState(session_id) AS sessions,
    uniqStateIf(session_id, 0) AS verified_sessions,
    toUInt64(0) AS verify_attempts,
    toUInt64(0) AS verify_failures,
    sum(cost_usd) AS cost_est_usd,
    toFloat64(0) AS cost_billed_usd,
    toUInt64(0) AS billed_messages,
    toUInt64(0) AS receipts_delivered,
    toUInt64(0) AS receipts_failed
FROM sends_raw
GROUP BY minute, app, flow, country, prefix, asn, provider;

-- A verify whose send is unknown still counts as an attempt (brute force shows there) but not as
-- a verified session: it has no send window to convert.
CREATE MATERIALIZED VIEW IF NOT EXISTS traffic_1m_verifies_mv TO traffic_1m AS
SELECT
    toStartOfMinute(if(toUnixTimestamp64Milli(send_ts) > 0, send_ts, ts)) AS minute,
    app, flow, country, prefix, asn, provider,
    toUInt64(0) AS sends,
    toUInt64(0) AS failed_sends,
    uniqStateIf(phone_hash, 0) AS phones,
    uniqStateIf(session_id, 0) AS sessions,
    uniqStateIf(session_id, success = 1 AND toUnixTimestamp64Milli(send_ts) > 0) AS verified_sessions,
    toUInt64(count()) AS verify_attempts,
    toUInt64(countIf(success = 0)) AS verify_failures,
    toFloat64(0) AS cost_est_usd,
    toFloat64(0) AS cost_billed_usd,
    toUInt64(0) AS billed_messages,
    toUInt64(0) AS receipts_delivered,
    toUInt64(0) AS receipts_failed
FROM verifies_raw
GROUP BY minute, app, flow, country, prefix, asn, provider;

CREATE MATERIALIZED VIEW IF NOT EXISTS traffic_1m_billing_mv TO traffic_1m AS
SELECT
    toStartOfMinute(if(toUnixTimestamp64Milli(send_ts) > 0, send_ts, ts)) AS minute,
    app, flow, country, prefix, asn, provider,
    toUInt64(0) AS sends,
    toUInt64(0) AS failed_sends,
    uniqStateIf(event_id, 0) AS phones,
    uniqStateIf(event_id, 0) AS sessions,
    uniqStateIf(event_id, 0) AS verified_sessions,
    toUInt64(0) AS verify_attempts,
    toUInt64(0) AS verify_failures,
    toFloat64(0) AS cost_est_usd,
    sum(cost_usd) AS cost_billed_usd,
    toUInt64(count()) AS billed_messages,
    toUInt64(0) AS receipts_delivered,
    toUInt64(0) AS receipts_failed
FROM billing_raw
GROUP BY minute, app, flow, country, prefix, asn, provider;

CREATE MATERIALIZED VIEW IF NOT EXISTS traffic_1m_receipts_mv TO traffic_1m AS
SELECT
    toStartOfMinute(if(toUnixTimestamp64Milli(send_ts) > 0, send_ts, ts)) AS minute,
    app, flow, country, prefix, asn, provider,
    toUInt64(0) AS sends,
    toUInt64(0) AS failed_sends,
    uniqStateIf(event_id, 0) AS phones,
    uniqStateIf(event_id, 0) AS sessions,
    uniqStateIf(event_id, 0) AS verified_sessions,
    toUInt64(0) AS verify_attempts,
    toUInt64(0) AS verify_failures,
    toFloat64(0) AS cost_est_usd,
    toFloat64(0) AS cost_billed_usd,
    toUInt64(0) AS billed_messages,
    toUInt64(countIf(status = 'delivered')) AS receipts_delivered,
    toUInt64(countIf(status IN ('undelivered', 'failed'))) AS receipts_failed
FROM receipts_raw
GROUP BY minute, app, flow, country, prefix, asn, provider;
