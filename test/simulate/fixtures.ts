/**
 * A small history with hand-computed outcomes (test/simulate/simulate.test.ts says them): three
 * members, four orders in early 2026, a one-month rolling window in mode recompute, evaluation
 * at 03:00 UTC every day.
 */
export const MERCHANT = 'shop';

export function program(silver: number, silverPoints: number): string {
  return `apiVersion: tierform.dev/v1
kind: MembershipProgram
metadata: { merchant: ${MERCHANT}, subscription: growth, timezone: UTC, currency: USD }
spec:
  type: levels
  enabled: true
  evaluation: { cron: '0 3 * * *' }
  levels:
    upgrade: { basis: accumulated, window: { rolling: { months: 1 } } }
    downgrade: { mode: recompute }
    tiers:
      - { id: bronze, name: Bronze, threshold: { amount: 100 } }
      - id: silver
        name: Silver
        threshold: { amount: ${silver} }
        benefits:
          - { type: upgrade_points, points: ${silverPoints} }
`;
}

const ndjson = (rows: object[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

export const MEMBERS = ndjson(
  ['A', 'B', 'C'].map((member) => ({ merchant: MERCHANT, member, joinedAt: '2025-06-01T00:00:00Z' })),
);

export const ORDERS = ndjson([
  { merchant: MERCHANT, order: 'a1', member: 'A', amount: '250.00', paidAt: '2026-01-10T12:00:00Z', status: 'paid' },
  { merchant: MERCHANT, order: 'b1', member: 'B', amount: '150.00', paidAt: '2026-01-20T12:00:00Z', status: 'paid' },
  { merchant: MERCHANT, order: 'b2', member: 'B', amount: '200.00', paidAt: '2026-02-05T12:00:00Z', status: 'paid' },
  { merchant: MERCHANT, order: 'c1', member: 'C', amount: '400.00', paidAt: '2026-02-25T12:00:00Z', status: 'paid' },
]);

/** The current program: silver at 300, 100 points; the proposal: silver at 200, 50 points. */
export const CURRENT = program(300, 100);
export const PROPOSED = program(200, 50);
