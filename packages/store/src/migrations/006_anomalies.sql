-- Detector findings. One row per anomaly version; ReplacingMergeTree(version) keeps the latest and
-- FINAL reads it, so a detection cycle that sees the same signal again writes a new version of the
-- same id instead of a second anomaly. The id is stable: kind + scope + the event-time minute the
-- episode opened, so a re-run of the same history finds the same ids.
-- Anomalies are few (thousands a month): ORDER BY id serves the point reads, and the columns beside
-- the JSON documents are what the list API filters on.
CREATE TABLE IF NOT EXISTS anomalies
(
    id String,
    version UInt64,
    kind LowCardinality(String),
    scope_key String,
    state LowCardinality(String),
    severity LowCardinality(String),
    action LowCardinality(String),
    app LowCardinality(String),
    flow LowCardinality(String),
    country LowCardinality(String),
    prefix LowCardinality(String),
    asn UInt32,
    provider LowCardinality(String),
    score Float64,
    cost_per_hour_usd Float64,
    opened_at DateTime64(3, 'UTC'),
    updated_at DateTime64(3, 'UTC'),
    resolved_at DateTime64(3, 'UTC'),
    doc String
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;
