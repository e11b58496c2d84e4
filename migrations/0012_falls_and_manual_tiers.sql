-- Decision 3 of docs/semantics.md: after a fall at expiry, orders paid before the fall never move
-- the member up again (the extension standard judged them), and the evidence a fall set is the
-- fall from the tier left.
ALTER TABLE members
  ADD COLUMN fell_at    timestamptz,   -- the member's last fall at expiry; null: never fell
  ADD COLUMN fell_from  text,          -- the tier whose fall set evidence_at, else null
  ADD COLUMN fell_period_end timestamptz;  -- the end of the validity period that fall judged
-- Members whose evidence is still the fall that set it (history reason expire at evidence_at):
-- record it, so the fix holds for them too (the period it judged is not known: they are re-derived
-- as the fall below the tier left). Members already moved up again since keep what they were given.
UPDATE members m SET fell_at = h.at, fell_from = h.from_tier
FROM member_history h
WHERE h.merchant_id = m.merchant_id AND h.member_id = m.member_id
  AND h.reason = 'expire' AND h.at = m.evidence_at AND m.extended_tier IS NULL;

-- SPEC v1.1 §3.10, manual adjustment: the tier a manual move set evidence_at with (its evidence is
-- the merchant's decision, not orders), the pin, and who moved the member and why.
ALTER TABLE members
  ADD COLUMN manual_tier   text,          -- the tier a manual adjustment set evidence_at with, else null
  ADD COLUMN pinned_until  timestamptz;   -- no evaluation moves the member before this instant
ALTER TABLE member_history
  ADD COLUMN actor  text,                 -- manual moves: who
  ADD COLUMN note   text;                 -- manual moves: why (--reason)
