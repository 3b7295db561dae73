-- Sessions and verified sessions as sums instead of distinct-count states. A uniq state holds a
-- hash per session, so a month of traffic merged about ten million of them per measure: 30 days by
-- country took 1.4 s at ten million sends a month (bench:web), where the sums of the same rows take
-- 20 ms. The collectors now mark each session's first send (`session_start`) and first successful
-- verify (`session_verified`), and a session counts once, in the minute of its first send; sums add
-- up exactly over minutes, hours and days. Marks are made by the ingestor that sees the events
-- (packages/ingest); rows stored before this migration count as a session start per send and a
-- verified session per successful verify, which is what the rollup's history is backfilled from.
ALTER TABLE sends_raw ADD COLUMN IF NOT EXISTS session_start UInt8 DEFAULT 1;
ALTER TABLE verifies_raw ADD COLUMN IF NOT EXISTS session_verified UInt8 DEFAULT success AND toUnixTimestamp64Milli(send_ts) > 0;

ALTER TABLE traffic_1m ADD COLUMN IF NOT EXISTS sessions_started SimpleAggregateFunction(sum, UInt64) AFTER phones;
ALTER TABLE traffic_1m ADD COLUMN IF NOT EXISTS sessions_verified SimpleAggregateFunction(sum, UInt64) AFTER sessions_started;
ALTER TABLE traffic_1h ADD COLUMN IF NOT EXISTS sessions_started SimpleAggregateFunction(sum, UInt64) AFTER phones;
ALTER TABLE traffic_1h ADD COLUMN IF NOT EXISTS sessions_verified SimpleAggregateFunction(sum, UInt64) AFTER sessions_started;
ALTER TABLE traffic_1d ADD COLUMN IF NOT EXISTS sessions_started SimpleAggregateFunction(sum, UInt64) AFTER phones;
ALTER TABLE traffic_1d ADD COLUMN IF NOT EXISTS sessions_verified SimpleAggregateFunction(sum, UInt64) AFTER sessions_started;

-- History: each minute's distinct sessions become its count (a session resent in a later minute
-- counts there again, as the chart of that minute always showed it). Rows the new views wrote
-- already have their sums and empty states, so applying the file again changes nothing.
ALTER TABLE traffic_1m UPDATE sessions_started = finalizeAggregation(sessions), sessions_verified = finalizeAggregation(verified_sessions)
WHERE sessions_started = 0 AND sessions_verified = 0 SETTINGS mutations_sync = 2;

-- The views write only the columns they count (the rest take their defaults: 0 and empty states).
ALTER TABLE traffic_1m_sends_mv MODIFY QUERY
SELECT
    toStartOfMinute(ts) AS minute, app, flow, country, prefix, asn, provider,
    toUInt64(count()) AS sends,
    toUInt64(countIf(status = 'failed')) AS failed_sends,
    uniqState(phone_hash) AS phones,
    toUInt64(sum(session_start)) AS sessions_started,
    sum(cost_usd) AS cost_est_usd
FROM sends_raw
GROUP BY minute, app, flow, country, prefix, asn, provider;

ALTER TABLE traffic_1m_verifies_mv MODIFY QUERY
SELECT
    toStartOfMinute(if(toUnixTimestamp64Milli(send_ts) > 0, send_ts, ts)) AS minute,
    app, flow, country, prefix, asn, provider,
    toUInt64(sum(session_verified)) AS sessions_verified,
    toUInt64(count()) AS verify_attempts,
    toUInt64(countIf(success = 0)) AS verify_failures
FROM verifies_raw
GROUP BY minute, app, flow, country, prefix, asn, provider;

ALTER TABLE traffic_1m_billing_mv MODIFY QUERY
SELECT
    toStartOfMinute(if(toUnixTimestamp64Milli(send_ts) > 0, send_ts, ts)) AS minute,
    app, flow, country, prefix, asn, provider,
    sum(cost_usd) AS cost_billed_usd,
    toUInt64(count()) AS billed_messages
FROM billing_raw
GROUP BY minute, app, flow, country, prefix, asn, provider;

ALTER TABLE traffic_1m_receipts_mv MODIFY QUERY
SELECT
    toStartOfMinute(if(toUnixTimestamp64Milli(send_ts) > 0, send_ts, ts)) AS minute,
    app, flow, country, prefix, asn, provider,
    toUInt64(countIf(status = 'delivered')) AS receipts_delivered,
    toUInt64(countIf(status IN ('undelivered', 'failed'))) AS receipts_failed
FROM receipts_raw
GROUP BY minute, app, flow, country, prefix, asn, provider;

ALTER TABLE traffic_1d_mv MODIFY QUERY
SELECT
    toStartOfDay(hour) AS day, app, country, prefix, provider,
    sum(sends) AS sends,
    sum(failed_sends) AS failed_sends,
    uniqMergeState(phones) AS phones,
    sum(sessions_started) AS sessions_started,
    sum(sessions_verified) AS sessions_verified,
    sum(verify_attempts) AS verify_attempts,
    sum(verify_failures) AS verify_failures,
    sum(cost_est_usd) AS cost_est_usd,
    sum(cost_billed_usd) AS cost_billed_usd,
    sum(billed_messages) AS billed_messages,
    sum(receipts_delivered) AS receipts_delivered,
    sum(receipts_failed) AS receipts_failed
FROM traffic_1h
GROUP BY day, app, country, prefix, provider;

ALTER TABLE traffic_1h_mv MODIFY QUERY
SELECT
    toStartOfHour(minute) AS hour, app, country, prefix, provider,
    sum(sends) AS sends,
    sum(failed_sends) AS failed_sends,
    uniqMergeState(phones) AS phones,
    sum(sessions_started) AS sessions_started,
    sum(sessions_verified) AS sessions_verified,
    sum(verify_attempts) AS verify_attempts,
    sum(verify_failures) AS verify_failures,
    sum(cost_est_usd) AS cost_est_usd,
    sum(cost_billed_usd) AS cost_billed_usd,
    sum(billed_messages) AS billed_messages,
    sum(receipts_delivered) AS receipts_delivered,
    sum(receipts_failed) AS receipts_failed
FROM traffic_1m
GROUP BY hour, app, country, prefix, provider;

-- Hours and days rebuilt from the minutes (the days follow through traffic_1d_mv), so they hold
-- the sums of their minutes exactly. Emptied first, so applying the file again rebuilds.
ALTER TABLE traffic_1h DELETE WHERE 1 SETTINGS mutations_sync = 2;
ALTER TABLE traffic_1d DELETE WHERE 1 SETTINGS mutations_sync = 2;
INSERT INTO traffic_1h
SELECT
    toStartOfHour(minute) AS hour, app, country, prefix, provider,
    sum(sends), sum(failed_sends), uniqMergeState(phones), sum(sessions_started), sum(sessions_verified),
    uniqMergeState(sessions), uniqMergeState(verified_sessions),
    sum(verify_attempts), sum(verify_failures), sum(cost_est_usd), sum(cost_billed_usd),
    sum(billed_messages), sum(receipts_delivered), sum(receipts_failed)
FROM traffic_1m
GROUP BY hour, app, country, prefix, provider;
