/**
 * The demo's shop: a program file (with the threshold and schedule the story changes) and
 * seeded members and orders, written as NDJSON for `tierform import`. Deterministic: the same
 * run tells the same story.
 */
import { seededRandom } from '../model/random.js';

export interface DemoProgram {
  silverThreshold: number;
  /** When set, the version takes effect later, at this instant. */
  scheduledAt?: string;
}

export function programYaml(p: DemoProgram): string {
  const effective = p.scheduledAt
    ? `  effective:\n    mode: scheduled\n    at: ${p.scheduledAt}\n    existingMembers: recalculate\n`
    : `  effective:\n    mode: immediate\n`;
  return `# yaml-language-server: $schema=https://tierform.dev/schemas/membership-program.schema.json
apiVersion: tierform.dev/v1
kind: MembershipProgram
metadata:
  merchant: demo-shop
  subscription: growth
  timezone: America/New_York
  currency: USD
spec:
  type: levels
  enabled: true
${effective}  levels:
    upgrade:
      basis: accumulated
      window: { rolling: { months: 12 } }
      exclude: [gift_card]
    downgrade:
      mode: recompute
    welcome:
      - { type: cash_voucher, amountOff: 10, minSpend: 50 }
      - { type: free_samples }
    tiers:
      - id: bronze
        name: Bronze
        threshold: { amount: 200 }
        benefits:
          - { type: upgrade_points, points: 100 }
          - { type: discount, percentOff: 5 }
      - id: silver
        name: Silver
        threshold: { amount: ${p.silverThreshold} }
        benefits:
          - { type: upgrade_points, points: 300 }
          - { type: discount, percentOff: 10 }
          - { type: free_shipping }
      - id: gold
        name: Gold
        threshold: { amount: 1500 }
        benefits:
          - { type: upgrade_points, points: 1000 }
          - { type: discount, percentOff: 15 }
          - { type: free_shipping }
          - { type: custom, description: "Ships within 24 hours" }
  notifications:
    upgrade: "Hi {member.name}, you are now {tier.name}! Benefits: {tier.benefits}"
    downgrade: "Hi {member.name}, your level is now {tier.name}."
    join: "Welcome {member.name}! {program.rules}"
`;
}

/** A member who signs up after the program is live: the evaluation welcomes them (SPEC §3.9). */
export const NEW_MEMBER = { id: 'c-new', name: 'Zoe N.', joinedAt: '2026-12-20T12:00:00-05:00' };

export function newMemberLine(): string {
  return JSON.stringify({ merchant: 'demo-shop', member: NEW_MEMBER.id, joinedAt: NEW_MEMBER.joinedAt, name: NEW_MEMBER.name });
}

const NAMES = ['Ada', 'Ben', 'Chen', 'Dana', 'Emil', 'Fatima', 'Goro', 'Hana', 'Ivan', 'Jia', 'Kofi', 'Lena', 'Mateo', 'Noor', 'Omar', 'Priya'];
const DAY_MS = 86_400_000;

export interface DemoData {
  members: string[];
  orders: string[];
}

/**
 * `members` members who joined in the 18 months before `now`, each with a few orders since
 * joining (amounts 5–400 USD, some cancelled, refunded or bought with a gift card).
 */
export function demoData(members: number, now: Date, seed = 7): DemoData {
  const rnd = seededRandom(seed);
  const memberLines: string[] = [];
  const orderLines: string[] = [];
  let orderNo = 0;
  for (let i = 1; i <= members; i++) {
    const id = `c${String(i).padStart(6, '0')}`;
    const joined = now.getTime() - Math.floor(rnd() * 540 * DAY_MS) - DAY_MS;
    const month = 1 + Math.floor(rnd() * 12);
    const day = 1 + Math.floor(rnd() * 28);
    const birthday = `${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    const name = `${NAMES[i % NAMES.length]} ${String.fromCharCode(65 + (i % 26))}.`;
    memberLines.push(JSON.stringify({ merchant: 'demo-shop', member: id, joinedAt: new Date(joined).toISOString(), name, birthday }));
    // Heavy buyers are rare: the count follows a long tail.
    const count = Math.floor(-Math.log(1 - rnd()) * 6);
    for (let k = 0; k < count; k++) {
      const paidAt = joined + Math.floor(rnd() * (now.getTime() - joined - 60_000));
      const amount = (5 + Math.floor(rnd() * rnd() * 39_500) / 100).toFixed(2);
      const roll = rnd();
      const status = roll < 0.03 ? 'cancelled' : roll < 0.05 ? 'refunded' : 'paid';
      const tags = rnd() < 0.03 ? ['gift_card'] : [];
      orderNo += 1;
      orderLines.push(
        JSON.stringify({ merchant: 'demo-shop', order: `o${orderNo}`, member: id, amount, paidAt: new Date(paidAt).toISOString(), status, tags }),
      );
    }
  }
  return { members: memberLines, orders: orderLines };
}
