/** `members show` as a card and `members list` as a table, for people. */
import { escapeText, formatCount } from '../model/display.js';
import { renderTable } from '../cli/table.js';
import type { Entitlement } from './entitlements.js';
import { ALL_CHANNELS } from './entitlements.js';
import type { MemberList } from './list.js';
import type { MemberStanding, StandingContext } from './standing.js';

export function renderMemberCard(s: MemberStanding, c: StandingContext): string {
  const lines: string[] = [];
  lines.push(`Member ${s.member}${c.name ? ` (${c.name})` : ''} of ${s.merchant}, joined ${c.joinedAt}`);
  const tierName = s.tier === null ? undefined : c.activeVersion?.document.spec.levels?.tiers.find((t) => t.id === s.tier)?.name;
  lines.push(`  tier:         ${s.tier === null ? 'basic' : `${s.tier}${tierName ? ` (${tierName})` : ''}`}`);
  if (s.tier !== null || s.tierSince !== null) lines.push(`  since:        ${s.tierSince ?? '-'}`);
  if (s.tier !== null) lines.push(`  expires:      ${s.expiresAt ?? 'never'}`);
  if (s.pinnedUntil !== null) lines.push(`  pinned until: ${s.pinnedUntil} (set by hand: no evaluation moves the member before then)`);
  if (s.anchorAt !== null) lines.push(`  anchor:       ${s.anchorAt}`);
  lines.push(`  welcomed:     ${s.welcomedAt ?? 'no'}`);
  lines.push(`  paid:         ${s.paid ? `${s.paid.plan} since ${s.paid.since}, expires ${s.paid.expiresAt}` : 'none'}`);

  const version = c.activeVersion ? `active version ${c.activeVersion.version}` : 'no active version';
  lines.push('', `Entitlements (${version}):`);
  if (s.entitlements.length === 0) lines.push('  none');
  for (const e of s.entitlements) lines.push(`  - ${describeEntitlement(e)}`);

  lines.push('', 'Grants:');
  if (s.grants.length === 0) lines.push('  none');
  for (const g of s.grants) {
    const source = g.tier ? ` (${g.tier})` : g.plan ? ` (plan ${g.plan})` : '';
    const points = g.points !== undefined ? `, ${g.points} points` : '';
    lines.push(`  - ${g.at}  ${g.type}${source}${points}  [${g.key}, due ${g.dueAt}]`);
  }

  lines.push('', 'History:');
  if (s.history.length === 0) lines.push('  none');
  for (const h of s.history) {
    const by = h.actor === undefined ? '' : ` by ${h.actor}${h.note === undefined ? '' : `: ${h.note}`}`;
    lines.push(`  - ${h.at}  ${h.from ?? 'basic'} → ${h.to ?? 'basic'}  ${h.reason}, version ${h.version}${by}`);
  }
  // One line per entry and no colour: each line is escaped whole (ids, names, descriptions).
  return `${lines.map(escapeText).join('\n')}\n`;
}

/** One line per entitlement: what it gives, then where. */
export function describeEntitlement(e: Entitlement): string {
  const currency = typeof e.currency === 'string' ? ` ${e.currency}` : '';
  const parts: string[] = [];
  switch (e.type) {
    case 'discount':
    case 'cash_voucher':
      parts.push(`${e.type === 'discount' ? 'discount' : 'cash voucher'} ${e.percentOff !== undefined ? `${String(e.percentOff)}% off` : `${String(e.amountOff)}${currency} off`}`);
      if (e.minSpend !== undefined) parts.push(`on orders of ${String(e.minSpend)}${currency} or more`);
      break;
    case 'exclusive_products':
      parts.push(`exclusive products: ${Array.isArray(e.collections) ? e.collections.join(', ') : ''}`);
      break;
    case 'prepayment_ratio':
      parts.push(`prepayment of ${String(e.percent)}%`);
      break;
    case 'custom':
      parts.push(String(e.description ?? 'custom'));
      break;
    default:
      parts.push(e.type.replace(/_/g, ' '));
  }
  const everywhere = ALL_CHANNELS.every((c) => e.channels.includes(c));
  return `${parts.join(' ')}; ${everywhere ? 'all channels' : `channels: ${e.channels.join(', ')}`}`;
}

export function renderMemberList(list: MemberList, merchant: string, tier: string | undefined): string {
  if (list.members.length === 0) return `No members of ${escapeText(merchant)}${tier ? ` at ${escapeText(tier)}` : ''}.\n`;
  const rows = list.members.map((m) => [m.member, m.tier ?? 'basic', m.tierSince ?? '-', m.tier === null ? '-' : (m.expiresAt ?? 'never'), m.name ?? '']);
  const table = renderTable(['member', 'tier', 'since', 'expires', 'name'], rows);
  const more = list.total > list.members.length ? `${formatCount(list.members.length)} of ${formatCount(list.total)} members shown; raise --limit to see more.\n` : '';
  return table + more;
}
