-- Sessions: one conversation leg of one agent. Timestamps are Unix milliseconds
-- (the API shows seconds; milliseconds keep "newest handoff first" exact within a second).
CREATE TABLE sessions (
    id          TEXT    PRIMARY KEY,
    agent_id    TEXT    NOT NULL,
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER,
    summary     TEXT,
    metadata    TEXT
);
CREATE INDEX ix_sessions_agent_started ON sessions (agent_id, started_at);

-- seq is the rowid the FTS index points at; id is the public, opaque id.
CREATE TABLE memories (
    seq              INTEGER PRIMARY KEY,
    id               TEXT    NOT NULL UNIQUE,
    agent_id         TEXT    NOT NULL,
    content          TEXT    NOT NULL,
    memory_type      TEXT    NOT NULL,
    importance       REAL    NOT NULL,
    tags             TEXT    NOT NULL,
    session_id       TEXT,
    metadata         TEXT,
    created_at       INTEGER NOT NULL,
    last_accessed_at INTEGER NOT NULL,
    access_count     INTEGER NOT NULL DEFAULT 0,
    expires_at       INTEGER,
    embedding        BLOB
);
CREATE INDEX ix_memories_agent_created ON memories (agent_id, created_at);
CREATE INDEX ix_memories_agent_importance ON memories (agent_id, importance);
CREATE INDEX ix_memories_session ON memories (session_id, created_at);

-- Tags denormalised for indexed "all tags must match" filters.
CREATE TABLE memory_tags (
    tag        TEXT    NOT NULL,
    memory_seq INTEGER NOT NULL REFERENCES memories (seq) ON DELETE CASCADE,
    PRIMARY KEY (tag, memory_seq)
) WITHOUT ROWID;
CREATE INDEX ix_memory_tags_memory ON memory_tags (memory_seq);

CREATE VIRTUAL TABLE memories_fts USING fts5 (
    content,
    content = 'memories',
    content_rowid = 'seq',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
    INSERT INTO memories_fts (rowid, content) VALUES (new.seq, new.content);
END;
CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
    INSERT INTO memories_fts (memories_fts, rowid, content) VALUES ('delete', old.seq, old.content);
END;
CREATE TRIGGER memories_fts_update AFTER UPDATE OF content ON memories BEGIN
    INSERT INTO memories_fts (memories_fts, rowid, content) VALUES ('delete', old.seq, old.content);
    INSERT INTO memories_fts (rowid, content) VALUES (new.seq, new.content);
END;

CREATE TABLE namespaces (
    name       TEXT    PRIMARY KEY,
    dimension  INTEGER NOT NULL,
    distance   TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

-- API keys: only a SHA-256 of the secret is kept; the prefix lets an admin recognise a key.
CREATE TABLE api_keys (
    id           TEXT    PRIMARY KEY,
    name         TEXT    NOT NULL,
    prefix       TEXT    NOT NULL,
    key_hash     TEXT    NOT NULL UNIQUE,
    scopes       TEXT    NOT NULL,
    agent_ids    TEXT,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    last_used_at INTEGER
);
