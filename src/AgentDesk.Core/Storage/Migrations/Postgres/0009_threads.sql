-- Named cross-channel threads (PRODUCT.md flow 7). A thread is keyed by a shared name (conversation id, customer
-- id, ticket number) and owned by one agent, whose memories hold its turns. session_id is the current leg: the
-- session new turns go into; once it has ended (a handoff raised from the thread ends it) the next new turn opens
-- another. Times are Unix milliseconds.
CREATE TABLE threads (
    name       TEXT COLLATE "C"    PRIMARY KEY,
    agent_id   TEXT COLLATE "C"    NOT NULL,
    session_id TEXT COLLATE "C",
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL
);
CREATE INDEX ix_threads_updated ON threads (updated_at);

-- One row per turn, keyed by the client's turn id: an upsert rewrites the turn's memory (memory_id) in place.
-- Channel, role and the turn's time live here too, so a thread's state and timeline need no JSON or tag parsing.
CREATE TABLE thread_turns (
    thread    TEXT COLLATE "C"    NOT NULL REFERENCES threads (name),
    turn_id   TEXT COLLATE "C"    NOT NULL,
    memory_id TEXT COLLATE "C"    NOT NULL,
    channel   TEXT COLLATE "C"    NOT NULL,
    role      TEXT COLLATE "C"    NOT NULL,
    at        BIGINT  NOT NULL,
    PRIMARY KEY (thread, turn_id)
);
CREATE INDEX ix_thread_turns_at ON thread_turns (thread, at);

-- The thread a handoff was raised from (and every further handoff of its case), so the thread's open case and
-- the customer page watching the thread by name can find it.
ALTER TABLE handoffs ADD COLUMN thread TEXT COLLATE "C";
CREATE INDEX ix_handoffs_thread ON handoffs (thread, created_at);
