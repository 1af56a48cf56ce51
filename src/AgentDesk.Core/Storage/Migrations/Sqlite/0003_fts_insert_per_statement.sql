-- New memories are added to the full-text index by MemoryStore, one statement per store call:
-- a row trigger makes every INSERT flush FTS5's pending terms as its own tiny segment.
DROP TRIGGER memories_fts_insert;
