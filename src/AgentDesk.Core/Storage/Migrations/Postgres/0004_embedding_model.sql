-- Which model produced a memory's embedding: the generator's model id, or 'client' when the client
-- sent its own vector (kept as sent, never re-embedded). Vectors of different models are not comparable.
ALTER TABLE memories ADD COLUMN embedding_model TEXT COLLATE "C";
UPDATE memories SET embedding_model = 'client' WHERE embedding IS NOT NULL;

-- Memories still waiting for a vector. The back-fill walks this small index, never the table.
CREATE INDEX ix_memories_unembedded ON memories (seq) WHERE embedding IS NULL;
