-- Minimum monthly commitments per provider: what the contract charges for a calendar month (UTC)
-- however little is sent. Versioned like rate cards: the commitment in force for a month is the
-- latest effective_from at or before the month's first instant; a newer import of the same provider
-- and effective_from replaces it (ReplacingMergeTree on imported_at, read with FINAL).
CREATE TABLE IF NOT EXISTS provider_commitments
(
    provider LowCardinality(String),
    effective_from DateTime('UTC'),
    monthly_minimum_usd Float64,
    source String,
    imported_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(imported_at)
ORDER BY (provider, effective_from);
