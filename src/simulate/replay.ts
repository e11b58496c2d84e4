/**
 * One side of a simulation: a program replayed over the stored history on a scratch copy
 * (scratch.ts) inside one transaction that is always rolled back. The members are derived at
 * the start of `--from` as an apply of a new program derives them (a recalculation), then the
 * daily evaluation runs at each fire time of the program's evaluation cron, through the engine's
 * own entry point, exactly as run-due would run it day by day.
 */
import type { MembershipProgram } from '../generated/types.js';
import type { Db } from '../store/db.js';
import { compileRules } from '../rules/index.js';
import { evaluateInline, recalculateInline } from '../engine/index.js';
import { DEFAULT_EVALUATION_CRON } from '../schedule/due.js';
import type { LocalDate } from '../model/localDate.js';
import { createScratchCopy } from './scratch.js';
import { fireDate, replayDays } from './days.js';
import { replayBenefits, replayMoves, tierCounts, type BenefitTotal, type Moves, type TierCounts } from './figures.js';

export interface SideResult {
  /** The live version replayed (current side), or null for the proposed files. */
  version: number | null;
  timezone: string;
  evaluations: number;
  /** The members as derived at the start of `--from`. */
  start: TierCounts;
  /** Members per tier after the last evaluation of each reported local date. */
  monthEnds: { date: LocalDate; tiers: TierCounts }[];
  moves: Moves;
  benefits: BenefitTotal[];
}

export interface ReplayInput {
  merchant: string;
  document: MembershipProgram;
  version: number | null;
  from: LocalDate;
  to: LocalDate;
  onProgress?: (done: number, total: number) => void;
  /** Called when the starting state is ready (copied and derived): the bench times the phases. */
  onStarted?: () => void;
}

/** Thrown to roll the scratch transaction back once the figures are read (an Error, as adapters expect). */
class Discard extends Error {
  constructor(readonly value: SideResult) {
    super('simulation discarded');
    this.name = 'Discard';
  }
}

export async function replaySide(db: Db, input: ReplayInput): Promise<SideResult> {
  const { merchant, document } = input;
  const rules = compileRules(document);
  const cron = document.spec.evaluation?.cron ?? DEFAULT_EVALUATION_CRON;
  const days = replayDays(input.from, input.to, cron, rules.timezone);
  try {
    await db.transaction(async (tx) => {
      const version = await createScratchCopy(tx, db.schema ?? 'tierform', merchant, document, days.start);
      // A fresh program derives every member from their orders, whatever existingMembers says.
      await recalculateInline(tx, merchant, version, days.start, 'recalculate');
      const start = await tierCounts(tx, merchant, rules);
      input.onStarted?.();
      const monthEnds: SideResult['monthEnds'] = [];
      let report = 0;
      const reportUpTo = async (date: LocalDate | null): Promise<void> => {
        while (report < days.reportDates.length && (date === null || days.reportDates[report]! < date)) {
          monthEnds.push({ date: days.reportDates[report]!, tiers: await tierCounts(tx, merchant, rules) });
          report += 1;
        }
      };
      for (const [i, fire] of days.fires.entries()) {
        await reportUpTo(fireDate(fire, rules.timezone));
        await evaluateInline(tx, merchant, fire);
        input.onProgress?.(i + 1, days.fires.length);
      }
      await reportUpTo(null);
      const result: SideResult = {
        version: input.version,
        timezone: rules.timezone,
        evaluations: days.fires.length,
        start,
        monthEnds,
        moves: await replayMoves(tx, merchant, rules, days.start),
        benefits: await replayBenefits(tx, merchant, days.start, amountOffIn(document)),
      };
      throw new Discard(result);
    });
  } catch (err) {
    if (err instanceof Discard) return err.value;
    throw err;
  }
  throw new Error('the simulation transaction committed instead of being rolled back');
}

/** The fixed amount off of a benefit type on a tier of `document` (null: none, or a percentage). */
function amountOffIn(document: MembershipProgram): (type: string, tier: string | null) => number | null {
  return (type, tier) => {
    const section = document.spec.levels?.tiers.find((t) => t.id === tier);
    const benefit = (section?.benefits as { type: string; amountOff?: number | string }[] | undefined)?.find((b) => b.type === type);
    if (benefit?.amountOff === undefined) return null;
    const value = Number(benefit.amountOff);
    return Number.isFinite(value) ? value : null;
  };
}

