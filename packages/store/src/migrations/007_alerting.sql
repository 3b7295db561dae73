-- Alert routing: incidents with their timelines, silences, and the notification outbox.
-- (006 is the detector's anomalies.)

-- One row per incident state; the latest version is the incident. ReplacingMergeTree(version):
-- every transition writes the whole incident again with a higher version, so a read with FINAL
-- needs no joins and an interrupted write never leaves half an incident.
-- ORDER BY id: incidents are read by id; lists filter the (small) set of latest versions by
-- owner and state. anomalies holds the incident's anomalies as JSON (their detail changes shape
-- with the detector, the incident only carries it).
CREATE TABLE IF NOT EXISTS incidents
(
    id String,
    version UInt64,
    group_key String,
    route_path String,
    owner LowCardinality(String),
    title String,
    severity LowCardinality(String),
    state LowCardinality(String),
    anomalies String,
    opened_at DateTime64(3, 'UTC'),
    updated_at DateTime64(3, 'UTC'),
    acknowledged_at DateTime64(3, 'UTC'),
    acknowledged_by String,
    resolved_at DateTime64(3, 'UTC'),
    resolved_by String,
    spend_usd Float64,
    prevented_usd Float64,
    escalated_levels UInt8
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(opened_at)
ORDER BY id;

-- Append-only history of each incident. ORDER BY (incident_id, seq) reads one incident's
-- timeline in order from one range; ReplacingMergeTree on that key makes re-writing an entry
-- (a retried save) harmless instead of a duplicate line in the post-mortem.
CREATE TABLE IF NOT EXISTS incident_timeline
(
    incident_id String,
    seq UInt32,
    at DateTime64(3, 'UTC'),
    actor String,
    type LowCardinality(String),
    detail String
)
ENGINE = ReplacingMergeTree
ORDER BY (incident_id, seq);

-- Silences: matchers in the routing files' syntax. Expiring one early writes a newer version
-- with an earlier ends_at; deleting writes deleted = 1. ORDER BY id, read whole with FINAL (a
-- handful of rows).
CREATE TABLE IF NOT EXISTS silences
(
    id String,
    version UInt64,
    matchers Array(String),
    author String,
    reason String,
    starts_at DateTime64(3, 'UTC'),
    ends_at DateTime64(3, 'UTC'),
    created_at DateTime64(3, 'UTC'),
    deleted UInt8
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;

-- The notification outbox, like webhook_deliveries: a notification is written before it is
-- sent and after every attempt; the latest version is its state. id is the idempotency key
-- (incident, channel, target, event), so enqueuing the same page twice finds the first row.
-- ref keeps what the destination returned (Slack's channel:ts) for later updates and threads.
-- ORDER BY id: looked up by id on enqueue; pending rows are reloaded after a restart.
CREATE TABLE IF NOT EXISTS notification_outbox
(
    id String,
    version UInt64,
    incident_id String,
    channel LowCardinality(String),
    target String,
    event LowCardinality(String),
    body String,
    state LowCardinality(String),
    attempts UInt32,
    next_attempt_at DateTime64(3, 'UTC'),
    last_error String,
    ref String,
    created_at DateTime64(3, 'UTC'),
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(created_at)
ORDER BY id;
