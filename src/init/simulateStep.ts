/**
 * The shell both forges run after a pull (merge) request's plan: every merchant whose rules the
 * plan changes (an update, not a new merchant: there is nothing live to compare with) is
 * replayed by `tierform simulate` under the proposal and the live program, over the last
 * TIERFORM_SIMULATE_DAYS days up to yesterday (UTC, which is never after today anywhere). The
 * markdown goes under the plan comment; errors go beside it and never fail the job.
 */

/** Days replayed by default: a quarter keeps the job short on large merchants (bench/simulate.ts). */
export const SIMULATE_DAYS = 90;

export const SIMULATE_DAYS_COMMENT = '# Days of stored history the simulation replays (longer: slower; see docs/guide/simulate.md).';

/** Reads the saved plan (plan.json): the merchants with a rule change or a type switch. */
const RULE_CHANGES_JS =
  "const p = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')); " +
  "for (const m of p.merchants) if (m.action === 'update' && m.changes.some((c) => ['rule', 'type_switch'].includes(c.class))) console.log(m.merchant);";

/** The script, each line indented by `indent`. */
export function simulateScript(indent: string): string {
  return [
    ': > simulation.md',
    ': > simulation.err',
    'if [ -f plan.json ]; then',
    `  merchants=$(node -e "${RULE_CHANGES_JS}" plan.json)`,
    '  from=$(date -u -d "$TIERFORM_SIMULATE_DAYS days ago" +%F)',
    '  to=$(date -u -d yesterday +%F)',
    '  for merchant in $merchants; do',
    '    tierform simulate programs/ --merchant "$merchant" --from "$from" --to "$to" --format markdown --no-migrate >> simulation.md 2>> simulation.err || true',
    '  done',
    'fi',
    'cat simulation.md simulation.err',
  ]
    .map((line) => `${indent}${line}`)
    .join('\n');
}
