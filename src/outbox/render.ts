/**
 * Rendering notification templates in SQL, for every member of an event at once. A template is
 * split here into literal text and placeholders; literals are bound parameters and each
 * placeholder becomes a column expression, so the message is built in one pass (a member whose
 * name is "{tier.name}" stays literally so) and never interpolated into the SQL text.
 */
import { formatMoney, parseMoney } from '../model/money.js';

export const PLACEHOLDERS = ['member.name', 'member.id', 'tier.name', 'tier.benefits', 'plan.name', 'expiresAt', 'program.rules'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/**
 * SQL expressions (text-valued, null allowed) for each placeholder, built only for the
 * placeholders a template uses (PostgreSQL refuses a bound parameter no expression types).
 */
export type PlaceholderSql = Record<Placeholder, () => string>;

/** Bound parameters of one statement: `bind(v)` returns `$n`. */
export class Params {
  readonly values: unknown[] = [];
  constructor(initial: readonly unknown[] = []) {
    this.values.push(...initial);
  }
  bind(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
  /** A binder that binds `value` on its first use only. */
  once(value: unknown): () => string {
    let placeholder: string | undefined;
    return () => (placeholder ??= this.bind(value));
  }
}

/** The template as one SQL `concat(…)` expression. */
export function templateSql(template: string, sql: PlaceholderSql, params: Params): string {
  const parts: string[] = [];
  let last = 0;
  for (const m of template.matchAll(/\{([^{}]*)\}/g)) {
    const name = m[1] as Placeholder;
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) continue;
    if (m.index > last) parts.push(`${params.bind(template.slice(last, m.index))}::text`);
    parts.push(`coalesce((${sql[name]()})::text, '')`);
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push(`${params.bind(template.slice(last))}::text`);
  return parts.length === 0 ? `''::text` : `concat(${parts.join(', ')})`;
}

/** `{expiresAt}`: the instant in the merchant's zone with its offset, `2027-01-31T10:00:00+08:00`; '' when null. */
export function instantSql(column: string, tzParam: string): string {
  const local = `(${column} AT TIME ZONE ${tzParam}::text)`;
  const utc = `(${column} AT TIME ZONE 'UTC')`;
  return `CASE WHEN ${column} IS NULL THEN '' ELSE to_char(${local}, 'YYYY-MM-DD"T"HH24:MI:SS')
    || CASE WHEN ${local} < ${utc} THEN '-' || to_char(${utc} - ${local}, 'HH24:MI') ELSE '+' || to_char(${local} - ${utc}, 'HH24:MI') END END`;
}

type BenefitLike = Record<string, unknown> & { type: string };

/** A benefit in words, for `{tier.benefits}`: "5% off", "free shipping every month (app, pos)". */
export function describeBenefit(b: BenefitLike, currency: string): string {
  const money = (v: unknown): string => {
    const m = parseMoney(v, currency);
    return `${m.ok ? formatMoney(m.minor, currency) : String(v)} ${currency}`;
  };
  const off = (): string => (b.percentOff !== undefined ? `${String(b.percentOff)}% off` : `${money(b.amountOff)} off`);
  const minSpend = b.minSpend !== undefined ? ` on orders of ${money(b.minSpend)} or more` : '';
  let text: string;
  switch (b.type) {
    case 'upgrade_points':
      text = `${String(b.points)} points`;
      break;
    case 'join_points':
      text = `${String(b.points)} points on joining`;
      break;
    case 'discount':
      text = `${off()}${minSpend}`;
      break;
    case 'cash_voucher':
      text = `${money(b.amountOff)} voucher${minSpend}`;
      break;
    case 'free_shipping':
      text = 'free shipping';
      break;
    case 'birthday_discount':
      text = `birthday ${off()}`;
      break;
    case 'exclusive_products':
      text = `exclusive products${Array.isArray(b.collections) ? ` (${b.collections.join(', ')})` : ''}`;
      break;
    case 'prepayment_ratio':
      text = `prepay up to ${String(b.percent)}%`;
      break;
    case 'free_samples':
      text = 'free samples';
      break;
    case 'custom':
      text = String(b.description ?? '');
      break;
    default:
      text = b.type;
  }
  const grant = b.grant as { every?: { months?: number } } | string | undefined;
  if (grant === 'on_start') text += ' on joining';
  else if (typeof grant === 'object' && grant?.every?.months !== undefined) {
    text += grant.every.months === 1 ? ' every month' : ` every ${grant.every.months} months`;
  }
  if (Array.isArray(b.channels) && b.channels.length < 4) text += ` (${b.channels.join(', ')})`;
  return text;
}

export function describeBenefits(benefits: readonly BenefitLike[] | undefined, currency: string): string {
  return (benefits ?? []).map((b) => describeBenefit(b, currency)).join(', ');
}

export interface NamedLevel {
  name: string;
  rank: number;
  benefits: string;
}

interface DocumentLike {
  metadata: { timezone: string; currency: string };
  spec: {
    levels?: { tiers?: { id: string; name: string; benefits?: BenefitLike[] }[] };
    paid?: { plans?: { id: string; name: string; benefits?: BenefitLike[] }[] };
    notifications?: Record<string, string | undefined>;
  };
}

/** Tiers of a version by id: name, rank, benefits in words. */
export function tiersOf(document: unknown): Record<string, NamedLevel> {
  const doc = document as DocumentLike;
  const out: Record<string, NamedLevel> = {};
  (doc.spec.levels?.tiers ?? []).forEach((t, rank) => {
    out[t.id] = { name: t.name, rank, benefits: describeBenefits(t.benefits, doc.metadata.currency) };
  });
  return out;
}

/** Plans by id: name and benefits in words (from the given definitions). */
export function plansOf(plans: readonly { id: string; name: string; benefits?: BenefitLike[] }[], currency: string): Record<string, NamedLevel> {
  const out: Record<string, NamedLevel> = {};
  plans.forEach((p, rank) => {
    out[p.id] = { name: p.name, rank, benefits: describeBenefits(p.benefits, currency) };
  });
  return out;
}

export function templatesOf(document: unknown): Record<string, string | undefined> {
  return (document as DocumentLike).spec.notifications ?? {};
}

export function zoneOf(document: unknown): { timezone: string; currency: string } {
  const m = (document as DocumentLike).metadata;
  return { timezone: m.timezone, currency: m.currency };
}

/** `notifications.sendAt` of a version ("HH:MM"), if any. */
export function sendAtOf(document: unknown): string | undefined {
  const sendAt: unknown = (document as { spec?: { notifications?: { sendAt?: unknown } } }).spec?.notifications?.sendAt;
  return typeof sendAt === 'string' ? sendAt : undefined;
}

/**
 * When a message of an event at `createdExpr` is released: the event itself without `sendAt`,
 * else the next `sendAt` local time (in the merchant's zone) at or after it. A local time a DST
 * gap skips resolves as PostgreSQL resolves it (later by the gap).
 */
export function deliverAfterSql(createdExpr: string, sendAt: string | undefined, timezone: string, params: Params): string {
  if (sendAt === undefined) return createdExpr;
  const tz = params.bind(timezone);
  const at = params.bind(sendAt);
  const local = `(${createdExpr} AT TIME ZONE ${tz}::text)`;
  const sameDay = `(date_trunc('day', ${local}) + ${at}::text::interval)`;
  return `(CASE WHEN ${sameDay} >= ${local} THEN ${sameDay} ELSE ${sameDay} + interval '1 day' END) AT TIME ZONE ${tz}::text`;
}
