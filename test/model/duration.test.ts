import { describe, expect, it } from 'vitest';
import { addDuration, compareDurationMinimum, monthSpanInDays, parseDuration } from '../../src/model/duration.js';

describe('durations', () => {
  it('parses the two forms only', () => {
    expect(parseDuration({ months: 12 })).toEqual({ months: 12 });
    expect(parseDuration({ days: 30 })).toEqual({ days: 30 });
    for (const v of [{ months: 1, days: 1 }, { weeks: 1 }, { months: -1 }, { months: 1.5 }, { days: '3' }, null, [], 3, {}])
      expect(parseDuration(v)).toBeUndefined();
  });

  it('adds with end-of-month clamping', () => {
    expect(addDuration('2024-01-31', { months: 1 })).toBe('2024-02-29');
    expect(addDuration('2023-01-31', { months: 1 })).toBe('2023-02-28');
    expect(addDuration('2020-05-15', { months: 12 })).toBe('2021-05-15');
    expect(addDuration('2024-02-28', { days: 2 })).toBe('2024-03-01');
  });

  it('knows how long months can be', () => {
    expect(monthSpanInDays(1)).toEqual({ min: 28, max: 31 });
    expect(monthSpanInDays(12)).toEqual({ min: 365, max: 366 });
    expect(monthSpanInDays(0)).toEqual({ min: 0, max: 0 });
  });

  it('compares against a minimum conservatively across units', () => {
    const shorter = (d: object, m: object) => compareDurationMinimum(d as never, m as never) < 0;
    expect(shorter({ months: 1 }, { months: 1 })).toBe(false);
    expect(shorter({ months: 0 }, { months: 1 })).toBe(true);
    expect(shorter({ days: 30 }, { months: 1 })).toBe(true);
    expect(shorter({ days: 31 }, { months: 1 })).toBe(false);
    expect(shorter({ days: 365 }, { months: 12 })).toBe(true);
    expect(shorter({ days: 366 }, { months: 12 })).toBe(false);
    expect(shorter({ months: 1 }, { days: 28 })).toBe(false);
    expect(shorter({ months: 1 }, { days: 29 })).toBe(true);
    expect(shorter({ days: 6 }, { days: 7 })).toBe(true);
  });
});

describe('month spans agree with calendar arithmetic', () => {
  it('for sampled start dates', async () => {
    const { addMonths, dayNumber, fromDayNumber } = await import('../../src/model/localDate.js');
    for (const months of [1, 2, 3, 6, 11, 12, 13, 24, 48]) {
      const { min, max } = monthSpanInDays(months);
      for (let n = dayNumber('2096-01-01'); n < dayNumber('2105-01-01'); n += 3) {
        const start = fromDayNumber(n);
        const length = dayNumber(addMonths(start, months)) - n;
        expect(length).toBeGreaterThanOrEqual(min);
        expect(length).toBeLessThanOrEqual(max);
      }
    }
  });
});
