-- Webhook subscriptions and their deliveries (the outbox).

-- A subscription's signing secret is not stored: it is derived from the server's key and the
-- subscription id, shown once at creation. ReplacingMergeTree(version): deleting writes a newer
-- version with deleted = 1.
CREATE TABLE IF NOT EXISTS webhook_subscriptions
(
    id String,
    version UInt64,
    url String,
    events Array(LowCardinality(String)),
    created_at DateTime64(3, 'UTC'),
    deleted UInt8
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;

-- One row per delivery attempt state; the latest version of a delivery is its state. Pending
-- deliveries survive a restart: the dispatcher reloads those not yet delivered or given up.
-- ORDER BY id: deliveries are read by id (latest state) and listed per subscription.
CREATE TABLE IF NOT EXISTS webhook_deliveries
(
    id String,
    version UInt64,
    subscription_id String,
    event_id String,
    event_type LowCardinality(String),
    body String,
    state LowCardinality(String),
    attempts UInt32,
    next_attempt_at DateTime64(3, 'UTC'),
    last_status UInt16,
    last_error String,
    created_at DateTime64(3, 'UTC'),
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(created_at)
ORDER BY id;
