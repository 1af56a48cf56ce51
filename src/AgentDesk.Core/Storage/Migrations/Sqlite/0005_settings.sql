-- Server-wide facts that must survive a restart, such as the embedding model the stored vectors
-- were computed with (so start-up only scans the table for stale vectors when the model changed).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
