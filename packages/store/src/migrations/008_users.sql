-- Dashboard sign-in: people with a role, and their sessions.
-- Users live in the store (not a file) because the store is already where API keys are kept:
-- `tollgate users add` and the admin API write the same rows, every instance reads them, and a
-- hashed password never sits in a config file that gets copied around.

-- One row per user version; ReplacingMergeTree(version) keyed by name: a password change or a
-- disable writes a newer version. password_hash is scrypt's PHC-like string
-- (scrypt$N$r$p$salt$hash, base64url), never the password.
CREATE TABLE IF NOT EXISTS users
(
    name String,
    role LowCardinality(String),
    password_hash String,
    created_at DateTime64(3, 'UTC'),
    disabled UInt8,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY name;

-- Sessions of signed-in users: only the SHA-256 of the token (256 random bits, so a fast hash is
-- enough). Signing out writes a newer version with revoked = 1. Expired sessions are worth nothing:
-- the TTL drops them a day after they expire.
CREATE TABLE IF NOT EXISTS sessions
(
    id String,
    token_hash String,
    user_name String,
    role LowCardinality(String),
    created_at DateTime64(3, 'UTC'),
    expires_at DateTime64(3, 'UTC'),
    revoked UInt8,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id
TTL toDateTime(expires_at) + INTERVAL 1 DAY;
