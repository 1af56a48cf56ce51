-- Server-wide facts that must survive a restart, such as the embedding model the stored vectors were computed with.
CREATE TABLE settings (
    key   TEXT COLLATE "C" PRIMARY KEY,
    value TEXT COLLATE "C" NOT NULL
);
