-- Planned events: a campaign, launch, migration or holiday declared ahead of time, with the scope it
-- touches, its window, the volume it should bring, and the team that owns that scope's alerts while
-- it lasts. Every event has an end (at most 30 days after its start, enforced by the API): nothing is
-- silent for ever. Ending one early writes a newer version with an earlier ends_at; ReplacingMergeTree
-- keeps the latest, read with FINAL (a handful of rows).
CREATE TABLE IF NOT EXISTS planned_events
(
    id String,
    version UInt64,
    kind LowCardinality(String),
    scope String,
    starts_at DateTime64(3, 'UTC'),
    ends_at DateTime64(3, 'UTC'),
    volume_multiplier Float64,
    owner String,
    note String,
    author String,
    created_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;
