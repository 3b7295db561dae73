-- The distinct-count states that sessions_started and sessions_verified replaced (migration 015).
-- Apart from 015 so that applying 015 again still finds them.
ALTER TABLE traffic_1m DROP COLUMN IF EXISTS sessions SETTINGS mutations_sync = 2;
ALTER TABLE traffic_1m DROP COLUMN IF EXISTS verified_sessions SETTINGS mutations_sync = 2;
ALTER TABLE traffic_1h DROP COLUMN IF EXISTS sessions SETTINGS mutations_sync = 2;
ALTER TABLE traffic_1h DROP COLUMN IF EXISTS verified_sessions SETTINGS mutations_sync = 2;
ALTER TABLE traffic_1d DROP COLUMN IF EXISTS sessions SETTINGS mutations_sync = 2;
ALTER TABLE traffic_1d DROP COLUMN IF EXISTS verified_sessions SETTINGS mutations_sync = 2;
