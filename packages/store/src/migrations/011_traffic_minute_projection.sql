-- traffic_1m is ordered by scope, then minute, and partitioned by month: right for a scope's series
-- over weeks, wrong for "every scope in the last 30 minutes", which the live detector asks every
-- cycle. That read had to open every granule of the month, so a cycle grew with the history
-- (bench/RESULTS.md, "Live detection cycle": 1.8x the CPU at 8 days against 1). A projection ordered
-- by minute serves it from a few granules; ClickHouse picks it by itself for such queries.
-- An aggregating table keeps a projection only if told how merges treat it: rebuilt from the merged part.
ALTER TABLE traffic_1m MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';
ALTER TABLE traffic_1m ADD PROJECTION IF NOT EXISTS by_minute (SELECT * ORDER BY minute);
ALTER TABLE traffic_1m MATERIALIZE PROJECTION by_minute SETTINGS mutations_sync = 1;
