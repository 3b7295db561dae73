-- Circuit breakers: current state, the audit log of every change, and the decision counts.

-- One row per breaker version; ReplacingMergeTree(version) keeps the latest, and FINAL reads it.
-- The breaker itself is a JSON document (the model lives in @tollgate/breakers); the columns beside
-- it are what queries filter on. Breakers are few (thousands), so no partitioning.
CREATE TABLE IF NOT EXISTS breakers
(
    id String,
    version UInt64,
    state LowCardinality(String),
    updated_at DateTime64(3, 'UTC'),
    doc String
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;

-- Every change to every breaker, append only: who or what (anomaly, actor), from which state to
-- which, and why. ORDER BY (breaker_id, ts) serves "the history of this breaker".
CREATE TABLE IF NOT EXISTS breaker_audit
(
    ts DateTime64(3, 'UTC'),
    breaker_id String,
    version UInt64,
    event LowCardinality(String),
    from_state LowCardinality(String),
    to_state LowCardinality(String),
    actor String,
    detail String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (breaker_id, ts);

-- Decisions of /v1/decide per minute and scope, flushed from memory every few seconds (a row per
-- decision would cost more than the decision). SummingMergeTree adds the counts of equal keys.
-- Same sorting key as traffic_1m so the two join per scope and minute (money saved = blocked sends
-- times the scope's cost per send).
CREATE TABLE IF NOT EXISTS decisions_1m
(
    minute DateTime('UTC'),
    app LowCardinality(String),
    flow LowCardinality(String),
    country LowCardinality(String),
    prefix LowCardinality(String),
    asn UInt32,
    provider LowCardinality(String),
    allowed UInt64,
    challenged UInt64,
    blocked UInt64,
    shadow_blocked UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (app, country, prefix, provider, asn, flow, minute);
