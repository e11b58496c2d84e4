/**
 * Cron expressions for the daily evaluation: 5 fields (minute hour day-of-month month
 * day-of-week) or 6 with leading seconds, as node-cron runs them. This validator is stricter
 * than node-cron (no `?`, `L`, `#`, full day names) so that everything it accepts node-cron
 * also accepts, and it does not load node-cron, keeping `validate` quick to start.
 */

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const SECOND: Field = { name: 'second', min: 0, max: 59 };
const MINUTE: Field = { name: 'minute', min: 0, max: 59 };
const HOUR: Field = { name: 'hour', min: 0, max: 23 };
const DAY: Field = { name: 'day of month', min: 1, max: 31 };
const MONTH: Field = {
  name: 'month',
  min: 1,
  max: 12,
  names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
};
// 0 and 7 are both Sunday.
const WEEKDAY: Field = { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] };

const MAX_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export type CronCheck = { ok: true } | { ok: false; message: string };

export function isValidCron(expr: unknown): boolean {
  return checkCron(expr).ok;
}

/** Validate an expression and say what is wrong with it. */
export function checkCron(expr: unknown): CronCheck {
  if (typeof expr !== 'string') return { ok: false, message: 'a cron expression must be a string' };
  const fields = expr.trim().split(/ +/);
  if (fields.length !== 5 && fields.length !== 6) {
    return { ok: false, message: `expected 5 fields (minute hour day month weekday), optionally preceded by seconds; got ${fields.length}` };
  }
  const layout = fields.length === 6 ? [SECOND, MINUTE, HOUR, DAY, MONTH, WEEKDAY] : [MINUTE, HOUR, DAY, MONTH, WEEKDAY];
  const values: (Set<number> | 'any')[] = [];
  for (let i = 0; i < layout.length; i++) {
    const result = parseField(fields[i]!, layout[i]!);
    if (typeof result === 'object' && 'error' in result) return { ok: false, message: result.error };
    values.push(result);
  }
  const days = values[values.length - 3]!;
  const months = values[values.length - 2]!;
  if (days !== 'any' && months !== 'any') {
    const possible = [...days].some((d) => [...months].some((m) => d <= MAX_DAYS[m - 1]!));
    if (!possible) return { ok: false, message: 'the day of month never occurs in the given months' };
  }
  return { ok: true };
}

function parseField(text: string, field: Field): Set<number> | 'any' | { error: string } {
  if (text === '*') return 'any';
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const m = /^(\*|([a-zA-Z0-9]+)(?:-([a-zA-Z0-9]+))?)(?:\/(\d+))?$/.exec(item);
    if (!m) return { error: `${field.name}: '${item}' is not a value, range or step` };
    const [, whole, from, to, stepText] = m;
    let lo = field.min;
    let hi = field.max;
    if (whole !== '*') {
      const a = value(from!, field);
      if (a === undefined) return { error: `${field.name}: '${from}' is not between ${field.min} and ${field.max}` };
      lo = hi = a;
      if (to !== undefined) {
        const b = value(to, field);
        if (b === undefined) return { error: `${field.name}: '${to}' is not between ${field.min} and ${field.max}` };
        if (b < a) return { error: `${field.name}: range '${from}-${to}' runs backwards` };
        hi = b;
      } else if (stepText !== undefined) {
        return { error: `${field.name}: a step needs '*' or a range before it ('${item}')` };
      }
    }
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isSafeInteger(step) || step < 1) return { error: `${field.name}: step must be 1 or more ('${item}')` };
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

function value(text: string, field: Field): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= field.min && n <= field.max ? n : undefined;
  }
  const index = field.names?.indexOf(text.toLowerCase()) ?? -1;
  if (index < 0) return undefined;
  return field === MONTH ? index + 1 : index;
}
