/**
 * The SQL welcome step agrees with the reference model (src/rules/welcome.ts) on random
 * histories: versions that add, change and drop welcome benefits and the join message (or
 * disable the program, or switch its type), members joining between them (some in the future of
 * an evaluation), evaluations in between, some repeated at the same instant. The grants ledger,
 * the join messages and each member's welcomedAt must match exactly. More cases with
 * TIERFORM_PROPERTY_RUNS.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { withTestDb } from '../helpers/db.js';
import { evaluateInline } from '../../src/engine/index.js';
import { welcomeAt, welcomeEra, welcomeOf, type VersionLike } from '../../src/rules/welcome.js';
import { propertyRuns } from '../paid/arbitraries.js';

const t = withTestDb();
const T0 = Date.parse('2026-01-01T00:00:00Z');
const HOUR = 3_600_000;

type Step =
  | { kind: 'apply'; hour: number; welcome: number; join: boolean; enabled: boolean; type: 'levels' | 'paid' }
  | { kind: 'join'; member: number; hour: number }
  | { kind: 'evaluate'; hour: number };

const BENEFITS = [{ type: 'cash_voucher', amountOff: 5 }, { type: 'join_points', points: 50 }, { type: 'free_samples' }];

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('apply' as const), hour: fc.integer({ min: 0, max: 6 }), welcome: fc.integer({ min: 0, max: 3 }), join: fc.boolean(), enabled: fc.boolean(), type: fc.constantFrom('levels' as const, 'paid' as const) }),
  fc.record({ kind: fc.constant('join' as const), member: fc.integer({ min: 0, max: 7 }), hour: fc.integer({ min: -30, max: 30 }) }),
  fc.record({ kind: fc.constant('evaluate' as const), hour: fc.integer({ min: 0, max: 6 }) }),
);

function document(merchant: string, s: Extract<Step, { kind: 'apply' }>): Record<string, unknown> {
  const welcome = BENEFITS.slice(0, s.welcome);
  return {
    apiVersion: 'tierform.dev/v1',
    kind: 'MembershipProgram',
    metadata: { merchant, subscription: 'growth', timezone: 'UTC', currency: 'USD' },
    spec: {
      type: s.type,
      enabled: s.enabled,
      effective: { mode: 'immediate', existingMembers: 'recalculate' },
      // The levels welcome is the reverse of the paid one, so a type switch changes what is granted.
      levels: { tiers: [{ id: 'silver', name: 'Silver', threshold: { amount: 100 } }], ...(welcome.length ? { welcome } : {}) },
      paid: { plans: [{ id: 'plus', name: 'Plus', price: 9, validity: { months: 1 } }], ...(welcome.length ? { welcome: [...welcome].reverse() } : {}) },
      ...(s.join ? { notifications: { join: 'Hi {member.name}' } } : {}),
    },
  };
}

interface Outcome {
  grants: string[];
  joins: string[];
  welcomed: string[];
}

describe('welcome: the SQL step and the reference model', () => {
  it('agree on random histories', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 14 }), async (steps) => {
        const merchant = `w${run++}`;
        const db = t.db;
        await db.query(`INSERT INTO merchants (merchant_id, subscription, created_at, updated_at) VALUES ($1, 'growth', $2, $2)`, [merchant, new Date(T0)]);
        let now = T0;
        const versions: VersionLike[] = [];
        const members = new Map<string, { joinedAt: Date; welcomedAt: Date | null }>();
        const model: Outcome = { grants: [], joins: [], welcomed: [] };
        for (const s of [{ kind: 'apply', hour: 0, welcome: 1, join: true, enabled: true, type: 'levels' } as Step, ...steps]) {
          if (s.kind === 'apply') {
            now += s.hour * HOUR;
            const doc = document(merchant, s);
            for (const v of versions) if (v.status === 'active') v.status = 'retired';
            versions.push({ version: versions.length + 1, status: 'active', appliedAt: new Date(now), document: doc });
            await db.query(`UPDATE program_versions SET status = 'retired' WHERE merchant_id = $1 AND status = 'active'`, [merchant]);
            await db.query(
              `INSERT INTO program_versions (merchant_id, version, status, document, hash, program_type, actor, applied_at, effective_at)
               VALUES ($1, $2, 'active', $3::jsonb, $4, $5, 'test', $6, $6)`,
              [merchant, versions.length, JSON.stringify(doc), `h${versions.length}`, s.type, new Date(now)],
            );
          } else if (s.kind === 'join') {
            const id = `m${s.member}`;
            if (members.has(id)) continue;
            const joinedAt = new Date(now + s.hour * HOUR);
            members.set(id, { joinedAt, welcomedAt: null });
            await db.query('INSERT INTO members (merchant_id, member_id, joined_at) VALUES ($1, $2, $3)', [merchant, id, joinedAt]);
          } else {
            now += s.hour * HOUR;
            const at = new Date(now);
            const active = versions.find((v) => v.status === 'active')!;
            const config = welcomeOf(active.document);
            const era = welcomeEra(active, versions);
            for (const [id, m] of [...members].sort()) {
              const out = welcomeAt(m, config, era, at);
              if (!out.welcomed) continue;
              m.welcomedAt = at;
              for (const g of out.grants) model.grants.push(`${id} ${g.key} ${g.type} ${g.points} ${g.dueAt.toISOString()} ${at.toISOString()} v${active.version}`);
              if (out.join) model.joins.push(`${id} join:${id} v${active.version} ${at.toISOString()}`);
            }
            await db.transaction((tx) => evaluateInline(tx, merchant, at));
          }
        }
        model.welcomed = [...members].filter(([, m]) => m.welcomedAt).map(([id, m]) => `${id} ${m.welcomedAt!.toISOString()}`);

        const grants = await db.query<{ s: string }>(
          `SELECT member_id || ' ' || grant_key || ' ' || type || ' ' || coalesce(points::text, 'null') || ' ' ||
                  to_char(due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || ' ' || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || ' v' || version AS s
             FROM grants WHERE merchant_id = $1`,
          [merchant],
        );
        const joins = await db.query<{ s: string }>(
          `SELECT member_id || ' ' || idempotency_key || ' v' || version || ' ' || to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS s
             FROM outbox WHERE merchant_id = $1 AND event = 'join'`,
          [merchant],
        );
        const welcomed = await db.query<{ s: string }>(
          `SELECT member_id || ' ' || to_char(welcomed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS s FROM members WHERE merchant_id = $1 AND welcomed_at IS NOT NULL`,
          [merchant],
        );
        const sorted = (xs: string[]): string[] => [...xs].sort();
        expect({ grants: sorted(grants.rows.map((r) => r.s)), joins: sorted(joins.rows.map((r) => r.s)), welcomed: sorted(welcomed.rows.map((r) => r.s)) }).toEqual({
          grants: sorted(model.grants),
          joins: sorted(model.joins),
          welcomed: sorted(model.welcomed),
        });
      }),
      { numRuns: propertyRuns(25) },
    );
  }, 600_000);
});
