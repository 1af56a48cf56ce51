-- Handoffs: one row per escalation. A case is the chain of handoffs that escalate one another
-- (case_id = the first handoff's id); chain_depth counts the earlier handoffs of the case.
-- Written in two phases: 'pending' with its summary memory, then 'queued' once the source session
-- is ended; start-up completes any handoff a crash left pending. Times are Unix milliseconds.
CREATE TABLE handoffs (
    id                TEXT    PRIMARY KEY,
    case_id           TEXT    NOT NULL,
    parent_id         TEXT,
    chain_depth       INTEGER NOT NULL,
    source_session_id TEXT    NOT NULL UNIQUE,
    source_agent_id   TEXT    NOT NULL,
    target_queue      TEXT,
    target_agent      TEXT,
    reason            TEXT    NOT NULL,
    urgency           INTEGER NOT NULL,
    channel           TEXT,
    customer_id       TEXT,
    summary_memory_id TEXT    NOT NULL,
    summary           TEXT    NOT NULL,
    summary_text      TEXT    NOT NULL,
    word_count        INTEGER NOT NULL,
    summary_source    TEXT    NOT NULL,
    generator         TEXT    NOT NULL,
    fallback_reason   TEXT,
    model_attempts    INTEGER NOT NULL DEFAULT 0,
    warnings          TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    created_at        INTEGER NOT NULL,
    queued_at         INTEGER,
    claimed_by        TEXT,
    claimed_at        INTEGER,
    agent_session_id  TEXT,
    recall_done_at    INTEGER,
    recall_ms         REAL,
    summary_recalled  INTEGER,
    connected_at      INTEGER,
    resolved_at       INTEGER,
    resolution_note   TEXT,
    customer_repeated INTEGER,
    escalated_at      INTEGER,
    next_id           TEXT,
    idempotency_key   TEXT    UNIQUE,
    request_hash      TEXT
);
CREATE INDEX ix_handoffs_status ON handoffs (status, urgency, queued_at);
CREATE INDEX ix_handoffs_queue ON handoffs (target_queue, status);
CREATE INDEX ix_handoffs_case ON handoffs (case_id, chain_depth);
CREATE INDEX ix_handoffs_customer ON handoffs (customer_id, status);
CREATE INDEX ix_handoffs_agent_session ON handoffs (agent_session_id);

-- What happened to each handoff and when: the record analytics are computed from.
CREATE TABLE handoff_events (
    seq        INTEGER PRIMARY KEY,
    handoff_id TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    actor      TEXT,
    detail     TEXT
);
CREATE INDEX ix_handoff_events_handoff ON handoff_events (handoff_id, seq);
CREATE INDEX ix_handoff_events_kind_at ON handoff_events (kind, at);
