-- Server-wide facts that must survive a restart, such as the embedding model the stored vectors were computed with.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
