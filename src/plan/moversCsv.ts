/**
 * `plan --movers <file>`: the members a change would move, as CSV (SPEC §4.7). One row per
 * member: `merchant,member,from,to,reason`. The basic level is written `basic`, as in the
 * impact's tier-keyed maps. A plan covers several merchants and member ids are per merchant, so
 * the merchant is the first column. Pure: the rows come from the impact's dry run.
 */
export interface MoverRow {
  merchant: string;
  member: string;
  from: string;
  to: string;
  reason: string;
}

export const MOVERS_HEADER = 'merchant,member,from,to,reason';

/** RFC 4180: a field with a comma, a quote or a line break is quoted, quotes doubled. */
function field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function renderMoversCsv(rows: readonly MoverRow[]): string {
  const lines = rows.map((r) => [r.merchant, r.member, r.from, r.to, r.reason].map(field).join(','));
  return `${[MOVERS_HEADER, ...lines].join('\n')}\n`;
}
