-- Raw events, one table per kind, phones replaced by keyed hashes before they get here.
--
-- Engines are ReplacingMergeTree with event_id as the last sorting column: the collectors already
-- drop re-sent events before inserting, and a duplicate that slips through anyway (two server
-- instances racing) collapses on merge instead of living on.
-- PARTITION BY day: retention (TTL) drops whole days, and time-range scans skip the other days.
-- ORDER BY leads with the scope the detector and the traffic explorer filter on (app, destination),
-- then event time, so "one app's sends to one prefix over the last hour" reads a contiguous range.
-- ingested_at is the arrival time: it warms the duplicate index after a restart.

-- Sends: the bloom filters answer "which send had this session / provider message id?" when a late
-- verify, receipt or bill has to be attributed to its send.
CREATE TABLE IF NOT EXISTS sends_raw
(
    event_id String,
    ts DateTime64(3, 'UTC'),
    app LowCardinality(String),
    flow LowCardinality(String),
    session_id String,
    phone_hash String,
    block_hash String,
    country LowCardinality(String),
    prefix LowCardinality(String),
    number_type LowCardinality(String),
    ip String,
    ip_subnet String,
    asn UInt32,
    asn_org LowCardinality(String),
    asn_hosting UInt8,
    channel LowCardinality(String),
    provider LowCardinality(String),
    message_id String,
    status LowCardinality(String),
    cost Float64,
    currency LowCardinality(String),
    cost_usd Float64,
    device_id String,
    user_agent String,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_session session_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_message message_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (app, country, prefix, ts, event_id);

-- Verifies carry the scope of the send they verify (send_ts, flow, country, ...), attached at ingest,
-- so conversion is counted against the minute and scope of the send.
CREATE TABLE IF NOT EXISTS verifies_raw
(
    event_id String,
    ts DateTime64(3, 'UTC'),
    app LowCardinality(String),
    session_id String,
    phone_hash String,
    ip String,
    ip_subnet String,
    success UInt8,
    send_ts DateTime64(3, 'UTC'),
    flow LowCardinality(String),
    country LowCardinality(String),
    prefix LowCardinality(String),
    asn UInt32,
    provider LowCardinality(String),
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (app, session_id, ts, event_id);

-- Billing lines arrive late (minutes to hours, sometimes as CSV); event_id is the provider message id.
CREATE TABLE IF NOT EXISTS billing_raw
(
    event_id String,
    ts DateTime64(3, 'UTC'),
    provider LowCardinality(String),
    country LowCardinality(String),
    prefix LowCardinality(String),
    segments UInt16,
    cost Float64,
    currency LowCardinality(String),
    cost_usd Float64,
    send_ts DateTime64(3, 'UTC'),
    app LowCardinality(String),
    flow LowCardinality(String),
    asn UInt32,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (provider, country, ts, event_id);

-- Delivery receipts (Twilio status callbacks, Vonage DLRs, generic receipts); event_id is
-- provider:message_id:status so a provider's retried callback is a duplicate.
CREATE TABLE IF NOT EXISTS receipts_raw
(
    event_id String,
    ts DateTime64(3, 'UTC'),
    provider LowCardinality(String),
    message_id String,
    status LowCardinality(String),
    error_code LowCardinality(String),
    country LowCardinality(String),
    prefix LowCardinality(String),
    phone_hash String,
    mcc_mnc LowCardinality(String),
    send_ts DateTime64(3, 'UTC'),
    app LowCardinality(String),
    flow LowCardinality(String),
    asn UInt32,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (provider, country, ts, event_id);
