/** `members explain` for people: the JSON view (explainView.ts) laid out as sections. */
import { escapeText, formatCount } from '../model/display.js';
import { renderTable } from '../cli/table.js';
import { decimalForPeople, ENTRY_REASON_TEXT, pointsForPeople, REASON_TEXT, type ExplainView, type Measure } from './explainView.js';

const money = (v: string | null, currency: string): string => (v === null ? '-' : decimalForPeople(v, currency));

function standardText(s: Measure, currency: string): string {
  const parts: string[] = [];
  if (s.points != null) parts.push(pointsForPeople(s.points));
  if (s.amount !== null) parts.push(money(s.amount, currency));
  if (s.orders !== null) parts.push(`${formatCount(s.orders)} order${s.orders === 1 ? '' : 's'}`);
  return parts.length === 0 ? 'none (everyone)' : parts.join(' and ');
}

/** The figures a measure reads: points earned, or spend and orders. */
function figuresText(f: Measure, currency: string): string {
  if (f.points != null) return `${pointsForPeople(f.points)} earned`;
  return `${money(f.amount, currency)}, ${formatCount(f.orders ?? 0)} order${f.orders === 1 ? '' : 's'}`;
}

const BASIS_TEXT: Record<string, string> = { single_order: 'single order', accumulated: 'accumulated', points: 'points earned' };

export function renderExplainText(v: ExplainView): string {
  const c = v.currency;
  const lines: string[] = [];
  const judged =
    v.version.judgedBy === 'joined_after_pending'
      ? `pending version ${v.version.number} (they joined after it was applied)`
      : v.version.judgedBy === 'pending_only'
        ? `pending version ${v.version.number} (no version is active yet)`
        : `active version ${v.version.number}`;
  lines.push(`Member ${v.member}${v.name ? ` (${v.name})` : ''} of ${v.merchant} at ${v.now.local} (${v.timezone}), judged by ${judged}`);
  const st = v.standing;
  lines.push(
    `  tier:      ${st.tier ?? 'basic'}${st.tierSince ? ` since ${st.tierSince.local}` : ''}`,
    `  expires:   ${st.tier === null ? '-' : (st.expiresAt?.local ?? 'never')}`,
    `  anchor:    ${st.anchorAt?.local ?? 'none'}`,
  );
  if (st.setByHand !== null) lines.push(`  by hand:   set to ${st.setByHand.tier ?? 'basic'} on ${st.setByHand.at.local} (the merchant's decision is the evidence)`);
  if (st.pinnedUntil !== null) lines.push(`  pinned:    by hand until ${st.pinnedUntil.local}`);
  if (st.fellAt !== null) lines.push(`  fell:      on ${st.fellAt.local}; orders paid before it no longer count for moving up`);
  if (v.beforeLatestEvaluation) {
    lines.push(`  note:      --now is before the latest evaluation (${v.latestEvaluation!.local}); an evaluation at it would be refused`);
  }
  lines.push('', v.verdict.kind === 'inactive' || v.verdict.kind === 'pinned' ? `Verdict: ${v.verdict.summary}.` : `Verdict: the evaluation at this instant ${v.verdict.summary}.`);

  lines.push('', `Windows (${BASIS_TEXT[v.basis]}):`);
  v.windows.forEach((w, i) => {
    lines.push(`  [${i + 1}] ${w.label}: ${w.from?.local ?? '(no lower bound)'} to ${w.to.local}${w.tiers.length > 0 ? `, for ${w.tiers.join(', ')}` : ''}`);
    lines.push(`      lower bound: ${w.why}`);
  });

  if (v.entries !== null) lines.push('', 'Points entries:', ...entryLines(v.entries));
  else {
    lines.push('', 'Orders:');
    if (v.orders.length === 0) lines.push('  none');
    else {
      const rows = v.orders.map((o) => [
        o.counts ? 'counts' : 'left out',
        o.order,
        o.paidAt.local,
        money(o.net, c),
        o.reason === null ? `in ${o.amountIn.map((i) => `[${i + 1}]`).join(' ')}` : `${REASON_TEXT[o.reason]}${o.tag !== undefined ? ` (${o.tag})` : ''}`,
      ]);
      lines.push(...indent(renderTable(['', 'order', 'paid', 'net', 'why'], rows)));
    }
  }

  lines.push('', 'Tiers:');
  const tierRows = v.tiers.map((t) => [
    `${t.tier}${t.enabled ? '' : ' (disabled)'}`,
    standardText(t.threshold, c),
    t.window === null ? '-' : `[${t.window + 1}]`,
    figuresText(t.figures, c),
    t.met ? 'met' : `missing ${standardText(t.missing, c)}`,
  ]);
  lines.push(...indent(renderTable(['tier', 'threshold', 'window', 'figures', ''], tierRows)));

  lines.push('', `Next tier: ${v.next === null ? 'none above (the highest tier)' : v.next.summary}`);
  if (v.expiry !== null) {
    const x = v.expiry;
    lines.push(
      '',
      `Expiry: ${x.tier} expires ${x.expiresAt.local} (valid through ${x.lastDay})`,
      `  extension standard (${x.source}, ${BASIS_TEXT[x.basis]}): ${x.standard === null ? '-' : standardText(x.standard, c)}`,
      `  in the validity period ${x.period.from?.local ?? '(start)'} to ${x.period.to.local}: ${figuresText(x.figures, c)}`,
      `  ${x.summary}`,
    );
  } else if (v.standing.tier !== null || v.verdict.tier !== null) {
    lines.push('', 'Expiry: none (the level does not expire under this version)');
  }
  if (v.pending !== null) lines.push('', `Pending: ${v.pending.summary} (from their standing and orders as of now).`);

  lines.push('', 'History:');
  if (v.history.length === 0) lines.push('  none');
  for (const h of v.history) lines.push(`  - ${h.at.local}  ${h.from ?? 'basic'} → ${h.to ?? 'basic'}  ${h.reason}, version ${h.version}`);
  return `${lines.map(escapeText).join('\n')}\n`;
}

/** Under basis points: each ledger entry, counted (in which windows) or left out and why. */
function entryLines(entries: NonNullable<ExplainView['entries']>): string[] {
  if (entries.length === 0) return ['  none'];
  const rows = entries.map((x) => [
    x.counts ? 'counts' : 'left out',
    x.entry,
    x.at.local,
    formatCount(BigInt(x.points)),
    x.reason === null ? `in ${x.countsIn.map((i) => `[${i + 1}]`).join(' ')}` : ENTRY_REASON_TEXT[x.reason],
  ]);
  return indent(renderTable(['', 'entry', 'at', 'points', 'why'], rows));
}

function indent(table: string): string[] {
  return table
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => `  ${l}`);
}
