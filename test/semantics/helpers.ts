/**
 * Small builders for the semantics tests: programs written like the YAML of SPEC §1.1,
 * orders in major units, instants in a zone.
 */
import { compileRules, newMember, type LevelRules, type LevelsSection, type MemberState, type Order } from '../../src/rules/index.js';
import { localMidnight } from '../../src/model/localDate.js';

export function program(levels: LevelsSection, options: { timezone?: string; type?: string; enabled?: boolean; existingMembers?: string } = {}): LevelRules {
  return compileRules({
    metadata: { timezone: options.timezone ?? 'UTC', currency: 'USD' },
    spec: {
      type: options.type ?? 'levels',
      enabled: options.enabled ?? true,
      effective: options.existingMembers === undefined ? {} : { existingMembers: options.existingMembers },
      levels,
    },
  });
}

let seq = 0;

export function order(
  memberId: string,
  paidAt: Date | string,
  amount: number | string,
  extra: Partial<Omit<Order, 'amountMinor' | 'paidAt' | 'memberId'>> & { refunded?: number } = {},
): Order {
  seq += 1;
  return {
    id: extra.id ?? `o${seq}`,
    memberId,
    amountMinor: BigInt(Math.round(Number(amount) * 100)),
    refundedMinor: BigInt(Math.round((extra.refunded ?? 0) * 100)),
    paidAt: typeof paidAt === 'string' ? new Date(paidAt) : paidAt,
    status: extra.status ?? 'paid',
    tags: extra.tags ?? [],
    importSeq: extra.importSeq ?? seq,
  };
}

/** An instant: local midnight of a date, or a full ISO timestamp. */
export function at(text: string, tz = 'UTC'): Date {
  return text.length === 10 ? localMidnight(text, tz) : new Date(text);
}

export function member(id: string, birthday: string | null = null): MemberState {
  return newMember(id, new Date('2000-01-01T00:00:00Z'), birthday);
}

export const usd = (major: number): bigint => BigInt(Math.round(major * 100));
