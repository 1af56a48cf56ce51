-- Columns most handoffs leave empty (the agent session until a claim, the thread unless raised from one) are indexed
-- over their non-empty rows only. Indexed whole, the empty rows made the planner's statistics (the server refreshes
-- them as tables grow) call an equality on them unselective, and with 0010's index offering created_at order it chose
-- to scan every handoff for "the handoff this agent session was opened for": 260 ms at 100,000 handoffs, on every
-- further escalation. An equality on the column implies it is not null, so these indexes still serve it.
DROP INDEX ix_handoffs_agent_session;
CREATE INDEX ix_handoffs_agent_session ON handoffs (agent_session_id) WHERE agent_session_id IS NOT NULL;
DROP INDEX ix_handoffs_thread;
CREATE INDEX ix_handoffs_thread ON handoffs (thread, created_at) WHERE thread IS NOT NULL;
