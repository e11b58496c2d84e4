/**
 * The downgrade guardrail (SPEC §4.2): a plan whose impact demotes more members than a limit —
 * a count, or a share of the merchant's members — gets `plan.guardrail`, so shipping a mass
 * downgrade needs an explicit, reviewed limit. Pure: the impact comes from the engine's dry run.
 */
import { formatCount } from '../model/display.js';
import type { Impact, PlanError } from './types.js';
import { tierRanks } from './render/values.js';

export type DowngradeLimit =
  | { kind: 'count'; count: number; text: string; source: string }
  | {
      kind: 'percent';
      /** The share as an exact fraction: numerator / denominator of the members (0 ≤ value ≤ 1). */
      numerator: bigint;
      denominator: bigint;
      text: string;
      source: string;
    };

const COUNT = /^\d+$/;
const PERCENT = /^(\d+)(?:\.(\d+))?%$/;

/**
 * Reads `n` (members) or `p%` (a share of the merchant's members, 0–100, decimals allowed);
 * `source` says where the limit came from, for the error message. Undefined when not a limit.
 */
export function parseDowngradeLimit(text: string, source: string): DowngradeLimit | undefined {
  const trimmed = text.trim();
  if (COUNT.test(trimmed)) {
    const count = Number(trimmed);
    return Number.isSafeInteger(count) ? { kind: 'count', count, text: trimmed, source } : undefined;
  }
  const m = PERCENT.exec(trimmed);
  if (!m) return undefined;
  const fraction = m[2] ?? '';
  const numerator = BigInt(`${m[1]}${fraction}`);
  const denominator = 100n * 10n ** BigInt(fraction.length);
  if (numerator > denominator) return undefined;
  return { kind: 'percent', numerator, denominator, text: trimmed, source };
}

export interface Demotions {
  /** Members the impact moves to a lower rank. */
  demoted: number;
  /** Members of the merchant (before the change). */
  members: number;
  /** The demoting transitions, largest first. */
  moves: { from: string; to: string; count: number }[];
}

/**
 * Members moving to a lower rank in `document` (basic lowest). A member leaving a tier the
 * document no longer defines cannot be ranked against it and counts as demoted, as in the
 * plan's "members down" column.
 */
export function demotions(impact: Impact, document: unknown): Demotions {
  const ranks = tierRanks(document);
  const moves = impact.transitions.filter((t) => {
    if (t.from === t.to || t.count <= 0) return false;
    const from = ranks.get(t.from);
    const to = ranks.get(t.to);
    return from === undefined || to === undefined || to < from;
  });
  moves.sort((a, b) => b.count - a.count || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  const members = Object.values(impact.before).reduce((sum, n) => sum + n, 0);
  return { demoted: moves.reduce((sum, t) => sum + t.count, 0), members, moves };
}

/** The `plan.guardrail` error when the impact demotes more members than `limit` allows, else null. */
export function checkDowngradeGuardrail(merchant: string, impact: Impact, document: unknown, limit: DowngradeLimit): PlanError | null {
  const d = demotions(impact, document);
  const over =
    limit.kind === 'count'
      ? d.demoted > limit.count
      : BigInt(d.demoted) * limit.denominator > limit.numerator * BigInt(d.members);
  if (!over) return null;
  const n = formatCount;
  const share = d.members === 0 ? '' : ` (${((d.demoted * 100) / d.members).toFixed(1)}%)`;
  const moves = d.moves.map((t) => `${t.from}→${t.to} ${n(t.count)}`).join(', ');
  return {
    code: 'plan.guardrail',
    message:
      `${merchant} would demote ${n(d.demoted)} of ${n(d.members)} members${share}: ${moves}; ` +
      `the limit is ${limit.text} (${limit.source}); raise --max-downgrades or guardrails.maxDowngrades in tierform.yaml to ship it`,
  };
}
