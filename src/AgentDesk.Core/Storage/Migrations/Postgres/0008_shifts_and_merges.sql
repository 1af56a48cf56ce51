-- The shift a desk user works (a free name such as 'early' or 'night'): the shift board groups open cases by
-- the shift of the agent holding them, and a shift change hands over the outgoing shift's cases.
ALTER TABLE users ADD COLUMN shift TEXT COLLATE "C";

-- A supervisor may merge a parallel case of a customer into another open case of theirs: the merged handoff
-- leaves the queues ('merged', pointing at the case it joined) and its memories join that case's context.
ALTER TABLE handoffs ADD COLUMN merged_into TEXT COLLATE "C";
ALTER TABLE handoffs ADD COLUMN merged_at BIGINT;
CREATE INDEX ix_handoffs_merged_into ON handoffs (merged_into) WHERE merged_into IS NOT NULL;
