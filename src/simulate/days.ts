/**
 * The instants a simulation replays (pure): every fire time of the program's evaluation cron
 * after the starting instant and before the end of `--to`, and the local dates at which the
 * members per tier are reported (each month end in the range, and `--to`).
 */
import { addDays, daysInMonth, localDateOf, localMidnight, type LocalDate } from '../model/localDate.js';
import { nextFireAfter } from '../model/cronTimes.js';

export interface ReplayDays {
  /** localMidnight(from): the members are derived here, as a fresh apply would derive them. */
  start: Date;
  /** localMidnight(to + 1 day): no evaluation at or after it. */
  end: Date;
  /** The evaluation instants, oldest first, each strictly after `start`. */
  fires: Date[];
  /** Month ends within [from, to], then `to` unless it is one. */
  reportDates: LocalDate[];
}

export function replayDays(from: LocalDate, to: LocalDate, cron: string, timezone: string): ReplayDays {
  const start = localMidnight(from, timezone);
  const end = localMidnight(addDays(to, 1), timezone);
  const fires: Date[] = [];
  // run-due evaluates at fire times strictly after the program was first applied (the start).
  for (let fire = nextFireAfter(cron, timezone, start); fire !== null && fire < end; fire = nextFireAfter(cron, timezone, fire)) fires.push(fire);
  return { start, end, fires, reportDates: monthEnds(from, to) };
}

function monthEnds(from: LocalDate, to: LocalDate): LocalDate[] {
  const dates: LocalDate[] = [];
  let year = Number(from.slice(0, 4));
  let month = Number(from.slice(5, 7));
  for (;;) {
    const end = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(daysInMonth(year, month)).padStart(2, '0')}`;
    if (end >= to) break;
    dates.push(end);
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
  dates.push(to);
  return dates;
}

/** The local date of an evaluation instant in the program's zone. */
export function fireDate(fire: Date, timezone: string): LocalDate {
  return localDateOf(fire, timezone);
}
