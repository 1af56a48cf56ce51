-- New memories are counted apart from other changes: recall's kept copy of a small agent then reads only the rows
-- added since (seq past the copy's last) when nothing else changed. SQLite gives a new row a seq above every row that
-- exists, so rows past the copy's last seq are exactly the added ones; an update or a delete still bumps the version
-- and the copy is read again whole.
ALTER TABLE memory_versions ADD COLUMN inserted INTEGER NOT NULL DEFAULT 0;

DROP TRIGGER memory_versions_insert;

CREATE TRIGGER memory_versions_insert AFTER INSERT ON memories BEGIN
    INSERT INTO memory_versions (agent_id, version, inserted) VALUES (new.agent_id, 1, 1)
    ON CONFLICT (agent_id) DO UPDATE SET inserted = inserted + 1;
END;
