-- SQLite's 0013 keeps a per-agent memory version by trigger for recall's in-process copy of small agents. On
-- PostgreSQL, instances write side by side and every store would contend for its agent's version row, so recall
-- reads from the table each time and this migration only keeps the two engines' numbering in step.
SELECT 1;
