-- The version row also keeps the agent's newest seq, and adding a memory moves only that, not the version: recall's
-- kept copy of a small agent then reads just the rows past its own last seq (a rowid range, not the whole agent)
-- when nothing else changed. SQLite gives a new row a seq above every row that exists, so the rows past the copy's
-- last seq are exactly the added ones; an update or a delete still bumps the version and the copy is read again whole.
ALTER TABLE memory_versions ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;

UPDATE memory_versions SET last_seq = (SELECT COALESCE(MAX(m.seq), 0) FROM memories m WHERE m.agent_id = memory_versions.agent_id);

DROP TRIGGER memory_versions_insert;

CREATE TRIGGER memory_versions_insert AFTER INSERT ON memories BEGIN
    INSERT INTO memory_versions (agent_id, version, last_seq) VALUES (new.agent_id, 1, new.seq)
    ON CONFLICT (agent_id) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq);
END;
