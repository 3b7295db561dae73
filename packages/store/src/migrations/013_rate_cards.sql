-- Provider rate cards: the contracted price of one message per provider and destination country,
-- versioned by the hour it takes effect. The card in force at a send's time prices it: the latest
-- effective_from at or before the send (an ASOF join). Prices are applied per hour of sends, so a
-- card takes effect on the hour (the import refuses other times).
-- Re-importing a provider, country and effective_from replaces its price: ReplacingMergeTree keeps
-- the newest import (imported_at) and readers use FINAL (a few thousand rows at most).
-- ORDER BY (provider, country, effective_from): the join looks up one route's versions in order.
CREATE TABLE IF NOT EXISTS rate_cards
(
    provider LowCardinality(String),
    country LowCardinality(String),
    effective_from DateTime('UTC'),
    price_usd Float64,
    -- As written in the file, for the audit: the price and its currency before conversion.
    price Float64,
    currency LowCardinality(String),
    source String,
    imported_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(imported_at)
ORDER BY (provider, country, effective_from);
