-- SQLite's 0003 drops its per-row FTS5 insert trigger. PostgreSQL never had one (the full-text columns are
-- written per store call by PostgresDialect.IndexMemoriesAsync); the version is kept so both histories match.
SELECT 1;
