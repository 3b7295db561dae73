-- Delivery latency and success per minute, from the delivery receipts: what the messaging-vendor
-- owner watches (the second seed's P50/P90 by country and carrier, success by country and carrier).
--
-- The minute is the send's (send_ts), like traffic_1m: a message's delivery belongs to the minute it
-- was sent. carrier is the mobile network code the receipt carries (mcc_mnc) or, without one, the
-- number's carrier prefix. Latency is kept as t-digest quantile states, so minutes merge into hours
-- and days within the t-digest's error bound instead of averaging percentiles (which is wrong).
-- Only final states count in the shares: delivered, undelivered, failed, unknown; `sent` and
-- `queued` receipts are steps on the way.
-- ORDER BY (provider, country, carrier, app, minute): the vendor owner reads one provider and
-- country at a time, over a time range.
CREATE TABLE IF NOT EXISTS delivery_1m
(
    minute DateTime('UTC'),
    provider LowCardinality(String),
    country LowCardinality(String),
    carrier LowCardinality(String),
    app LowCardinality(String),
    receipts SimpleAggregateFunction(sum, UInt64),
    delivered SimpleAggregateFunction(sum, UInt64),
    undelivered SimpleAggregateFunction(sum, UInt64),
    failed SimpleAggregateFunction(sum, UInt64),
    unknown SimpleAggregateFunction(sum, UInt64),
    latency_ms AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (provider, country, carrier, app, minute);

CREATE MATERIALIZED VIEW IF NOT EXISTS delivery_1m_mv TO delivery_1m AS
SELECT
    toStartOfMinute(if(toUnixTimestamp64Milli(send_ts) > 0, send_ts, ts)) AS minute,
    provider, country,
    if(mcc_mnc != '', mcc_mnc, prefix) AS carrier,
    app,
    toUInt64(countIf(status IN ('delivered', 'undelivered', 'failed', 'unknown'))) AS receipts,
    toUInt64(countIf(status = 'delivered')) AS delivered,
    toUInt64(countIf(status = 'undelivered')) AS undelivered,
    toUInt64(countIf(status = 'failed')) AS failed,
    toUInt64(countIf(status = 'unknown')) AS unknown,
    quantilesTDigestStateIf(0.5, 0.9, 0.99)(
        toFloat64(toUnixTimestamp64Milli(ts) - toUnixTimestamp64Milli(send_ts)),
        status = 'delivered' AND toUnixTimestamp64Milli(send_ts) > 0 AND ts >= send_ts) AS latency_ms
FROM receipts_raw
GROUP BY minute, provider, country, carrier, app;
