-- Lets the expiry sweeper find expired memories without scanning the table.
CREATE INDEX ix_memories_expires ON memories (expires_at) WHERE expires_at IS NOT NULL;
