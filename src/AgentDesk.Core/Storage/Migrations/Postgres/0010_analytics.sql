-- Analytics (Core/Analytics/AnalyticsStore.cs) read every handoff created in a time window. The handoff rows carry
-- their summaries (kilobytes each, ahead of the time columns), so a scan of the table would read them all: this
-- index holds the narrow columns the projection reads, in created_at order, and answers the window from the index
-- alone. Escalation rate counts bot sessions (no handoff_from: no claim opened them) started in the window, and
-- those of them the engine ended with a handoff (handoff_id in their metadata): two partial indexes make each an
-- index-only range count instead of two lookups per session.
CREATE INDEX ix_handoffs_analytics ON handoffs (
    created_at, status, target_queue, target_agent, reason, chain_depth, generator, model_attempts, word_count,
    queued_at, claimed_at, recall_done_at, summary_recalled, connected_at, resolved_at, customer_repeated, customer_id, id
);
CREATE INDEX ix_sessions_bot_started ON sessions (started_at)
    WHERE (metadata::jsonb ->> 'handoff_from') IS NULL;
CREATE INDEX ix_sessions_bot_escalated ON sessions (started_at)
    WHERE (metadata::jsonb ->> 'handoff_from') IS NULL AND (metadata::jsonb ->> 'handoff_id') IS NOT NULL;
