-- A version per agent, bumped by trigger on every change to the agent's memories except their access statistics:
-- recall keeps a small agent's memories in process between recalls and reads them again only when this changed.
-- Triggers, not the code paths that write, so a cascade or a new write path cannot leave a stale copy behind.
CREATE TABLE memory_versions (
    agent_id TEXT PRIMARY KEY,
    version  INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO memory_versions (agent_id, version) SELECT DISTINCT agent_id, 1 FROM memories WHERE true;

CREATE TRIGGER memory_versions_insert AFTER INSERT ON memories BEGIN
    INSERT INTO memory_versions (agent_id, version) VALUES (new.agent_id, 1)
    ON CONFLICT (agent_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER memory_versions_delete AFTER DELETE ON memories BEGIN
    INSERT INTO memory_versions (agent_id, version) VALUES (old.agent_id, 1)
    ON CONFLICT (agent_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER memory_versions_update
AFTER UPDATE OF id, agent_id, content, memory_type, importance, tags, session_id, metadata, created_at, expires_at, embedding, embedding_model
ON memories BEGIN
    INSERT INTO memory_versions (agent_id, version) VALUES (new.agent_id, 1)
    ON CONFLICT (agent_id) DO UPDATE SET version = version + 1;
    INSERT INTO memory_versions (agent_id, version) SELECT old.agent_id, 1 WHERE old.agent_id <> new.agent_id
    ON CONFLICT (agent_id) DO UPDATE SET version = version + 1;
END;
