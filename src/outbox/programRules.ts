/**
 * `{program.rules}` (SPEC §1.1, v1.1): the program's rules in one sentence per tier, in the
 * merchant's currency, e.g. "Silver: spend 1,000 HKD within 3 months." The text depends on the
 * version only, never on the member, so it is computed here once and bound as a literal.
 *
 * A levels program lists its enabled tiers (a disabled tier holds nobody); a paid program lists
 * its plans with price and validity. See docs/guide/welcome.md for the wording.
 */
import { formatMoney, parseMoney } from '../model/money.js';
import { formatDuration, parseDuration } from '../model/duration.js';

interface TierLike {
  name: string;
  enabled?: boolean;
  threshold?: { amount?: unknown; orders?: unknown; points?: unknown };
  window?: unknown;
}

interface ProgramLike {
  metadata: { currency: string };
  spec: {
    type?: string;
    levels?: { activeFrom?: string; upgrade?: { basis?: string; window?: unknown }; tiers?: TierLike[] };
    paid?: { plans?: { name: string; price?: unknown; validity?: unknown }[] };
  };
}

/** An amount for people: digits grouped by thousands, the minor digits only when not zero ("1,000", "12.50"). */
export function formatAmount(value: unknown, currency: string): string {
  const parsed = parseMoney(value, currency);
  if (!parsed.ok) return String(value);
  const [whole = '0', fraction] = formatMoney(parsed.minor, currency).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined || /^0+$/.test(fraction) ? grouped : `${grouped}.${fraction}`;
}

const count = (n: number, one: string, many: string): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** Where the spend is counted: "" for lifetime (or "since <activeFrom>"), "within 3 months", … */
function windowPhrase(window: unknown, activeFrom: string | undefined): string {
  if (window === undefined || window === 'lifetime') return activeFrom ? ` since ${activeFrom}` : '';
  if (window === 'since_last_upgrade') return ' since your last upgrade';
  const w = window as { rolling?: unknown; fixed?: { from?: string; to?: string } };
  const rolling = parseDuration(w.rolling);
  if (rolling) return ` within ${formatDuration(rolling)}`;
  if (w.fixed?.from && w.fixed.to) return ` between ${w.fixed.from} and ${w.fixed.to}`;
  return '';
}

/** What a tier asks for: "spend 1,000 HKD", "place 5 orders", "spend 500 USD in a single order". */
function thresholdPhrase(tier: TierLike, basis: string | undefined, currency: string): string | null {
  const t = tier.threshold ?? {};
  const parts: string[] = [];
  const amount = parseMoney(t.amount, currency);
  if (t.amount !== undefined && amount.ok && amount.minor > 0n) {
    parts.push(`spend ${formatAmount(t.amount, currency)} ${currency}${basis === 'single_order' ? ' in a single order' : ''}`);
  }
  if (typeof t.points === 'number' && t.points > 0) parts.push(`earn ${count(t.points, 'point', 'points')}`);
  if (typeof t.orders === 'number' && t.orders > 0) parts.push(`place ${count(t.orders, 'order', 'orders')}`);
  return parts.length === 0 ? null : parts.join(' and ');
}

function tierSentence(tier: TierLike, program: ProgramLike): string {
  const levels = program.spec.levels ?? {};
  const currency = program.metadata.currency;
  const asks = thresholdPhrase(tier, levels.upgrade?.basis, currency);
  if (asks === null) return `${tier.name}: every member.`;
  return `${tier.name}: ${asks}${windowPhrase(tier.window ?? levels.upgrade?.window, levels.activeFrom)}.`;
}

function planSentence(plan: { name: string; price?: unknown; validity?: unknown }, currency: string): string {
  const validity = parseDuration(plan.validity);
  return `${plan.name}: ${formatAmount(plan.price, currency)} ${currency}${validity ? ` for ${formatDuration(validity)}` : ''}.`;
}

/** The rules of the program `document` describes, one sentence per tier (or plan), space-separated. */
export function programRulesText(document: unknown): string {
  const program = document as ProgramLike;
  if ((program.spec.type ?? 'levels') === 'paid') {
    return (program.spec.paid?.plans ?? []).map((p) => planSentence(p, program.metadata.currency)).join(' ');
  }
  return (program.spec.levels?.tiers ?? [])
    .filter((t) => t.enabled !== false)
    .map((t) => tierSentence(t, program))
    .join(' ');
}
