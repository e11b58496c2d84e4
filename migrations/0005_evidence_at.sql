-- v1.1 §3.3: the evidence instant. Refunds and recalculations re-derive a member as of the
-- evaluation whose evidence earned their level, which rule changes, relegations and refund
-- demotions no longer move (tier_since does move with them).
ALTER TABLE members
  ADD COLUMN evidence_at    timestamptz,              -- set by upgrades, extensions, falls; null: never earned
  ADD COLUMN extended_tier  text;                     -- the tier whose extension set evidence_at, else null
-- Before this migration the evidence was re-derived as of tier_since: the best value there is.
-- previous_anchor_at and trigger_order_id were kept for that move, so they stay right.
UPDATE members SET evidence_at = tier_since;
