-- API keys: only the SHA-256 of the secret is stored (keys are 256-bit random, so a fast hash is
-- enough). ReplacingMergeTree(version) keyed by id: revoking writes a newer version of the row.
CREATE TABLE IF NOT EXISTS api_keys
(
    id String,
    name String,
    key_hash String,
    scopes Array(LowCardinality(String)),
    created_at DateTime64(3, 'UTC'),
    revoked UInt8,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;
