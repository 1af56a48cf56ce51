-- Who did what, for admins: handoff actions with the key or signed-in user behind them (written in the same
-- transaction as the action), key creation and revocation, sign-ins, and key use counted per key and interval.
CREATE TABLE audit_log (
    seq     INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    subject TEXT,
    detail  TEXT
);
CREATE INDEX ix_audit_log_actor ON audit_log (actor, seq);
CREATE INDEX ix_audit_log_subject ON audit_log (subject, seq) WHERE subject IS NOT NULL;
CREATE INDEX ix_audit_log_action ON audit_log (action, seq);
