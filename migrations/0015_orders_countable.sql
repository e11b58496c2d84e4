-- The orders every level measure reads (status paid, not fully refunded), by member and payment
-- instant, carrying the columns the engine aggregates: a batch of members reads its window's
-- orders from this index alone, already in member order, so grouping needs no sort and no heap
-- visit (the engine's eligibleOrders and this predicate must stay the same text).
CREATE INDEX orders_countable ON orders (merchant_id, member_id, paid_at)
  INCLUDE (amount_minor, refunded_minor, consumed, tags, order_id)
  WHERE status = 'paid' AND amount_minor > refunded_minor;
