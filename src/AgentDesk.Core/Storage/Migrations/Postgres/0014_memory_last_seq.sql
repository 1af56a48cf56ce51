-- SQLite's 0014 keeps each agent's newest seq in its per-agent memory version (see 0013 for why PostgreSQL keeps
-- none); this migration only keeps the two engines' numbering in step.
SELECT 1;
