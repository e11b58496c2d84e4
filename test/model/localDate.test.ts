import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addDays,
  addMonths,
  dayNumber,
  fromDayNumber,
  isLocalDate,
  isTimeZone,
  localDateOf,
  localMidnight,
} from '../../src/model/localDate.js';

describe('local dates', () => {
  it('validates calendar dates', () => {
    expect(isLocalDate('2024-02-29')).toBe(true);
    expect(isLocalDate('2023-02-29')).toBe(false);
    expect(isLocalDate('2000-02-29')).toBe(true);
    expect(isLocalDate('1900-02-29')).toBe(false);
    expect(isLocalDate('2024-13-01')).toBe(false);
    expect(isLocalDate('2024-04-31')).toBe(false);
    expect(isLocalDate('2024-1-01')).toBe(false);
    expect(isLocalDate(20240101)).toBe(false);
  });

  it('adds days and months with end-of-month clamping', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2023-12-31', 1)).toBe('2024-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2023-01-31', 1)).toBe('2023-02-28');
    expect(addMonths('2024-02-29', 12)).toBe('2025-02-28');
    expect(addMonths('2024-03-31', -1)).toBe('2024-02-29');
    expect(addMonths('2020-05-15', 12)).toBe('2021-05-15');
    expect(addMonths('2024-12-15', 1)).toBe('2025-01-15');
  });

  it('day numbers round-trip', () => {
    fc.assert(
      fc.property(fc.integer({ min: -700_000, max: 2_900_000 }), (n) => {
        expect(dayNumber(fromDayNumber(n))).toBe(n);
      }),
    );
  });

  it('addMonths never overflows into the next month and is monotonic', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_900_000 }), fc.integer({ min: 0, max: 240 }), (n, k) => {
        const d = fromDayNumber(n);
        const r = addMonths(d, k);
        expect(isLocalDate(r)).toBe(true);
        expect(Number(r.slice(8))).toBeLessThanOrEqual(Number(d.slice(8)));
        expect(addMonths(d, k + 1) >= r).toBe(true);
      }),
    );
  });
});

describe('time zones', () => {
  it('accepts IANA names only', () => {
    for (const z of ['Asia/Shanghai', 'America/New_York', 'Europe/Berlin', 'UTC', 'Etc/GMT+8', 'America/Argentina/Buenos_Aires'])
      expect(isTimeZone(z)).toBe(true);
    for (const z of ['Mars/Base', '+08:00', 'UTC+8', 'asia/shanghai', '', 'Z', 'Asia/', 42, null]) expect(isTimeZone(z)).toBe(false);
  });

  it('finds local dates', () => {
    expect(localDateOf(new Date('2024-01-01T04:59:59Z'), 'America/New_York')).toBe('2023-12-31');
    expect(localDateOf(new Date('2024-01-01T05:00:00Z'), 'America/New_York')).toBe('2024-01-01');
    expect(localDateOf(new Date('2024-06-30T16:00:00Z'), 'Asia/Shanghai')).toBe('2024-07-01');
  });

  it('finds local midnight across DST', () => {
    const iso = (d: string, tz: string) => localMidnight(d, tz).toISOString();
    expect(iso('2024-01-15', 'America/New_York')).toBe('2024-01-15T05:00:00.000Z');
    expect(iso('2024-07-15', 'America/New_York')).toBe('2024-07-15T04:00:00.000Z');
    // DST starts 2024-03-10 02:00 and ends 2024-11-03 02:00 in New York.
    expect(iso('2024-03-10', 'America/New_York')).toBe('2024-03-10T05:00:00.000Z');
    expect(iso('2024-03-11', 'America/New_York')).toBe('2024-03-11T04:00:00.000Z');
    expect(iso('2024-11-03', 'America/New_York')).toBe('2024-11-03T04:00:00.000Z');
    expect(iso('2024-11-04', 'America/New_York')).toBe('2024-11-04T05:00:00.000Z');
    // Berlin: 2024-03-31 and 2024-10-27.
    expect(iso('2024-03-31', 'Europe/Berlin')).toBe('2024-03-30T23:00:00.000Z');
    expect(iso('2024-04-01', 'Europe/Berlin')).toBe('2024-03-31T22:00:00.000Z');
    expect(iso('2024-10-27', 'Europe/Berlin')).toBe('2024-10-26T22:00:00.000Z');
    expect(iso('2024-10-28', 'Europe/Berlin')).toBe('2024-10-27T23:00:00.000Z');
    expect(iso('2024-02-29', 'Asia/Shanghai')).toBe('2024-02-28T16:00:00.000Z');
    expect(iso('2024-02-29', 'UTC')).toBe('2024-02-29T00:00:00.000Z');
  });

  it('uses the first instant of a day whose midnight is skipped', () => {
    // Chile (America/Santiago) moved clocks forward at 00:00 on 2024-09-08: the day starts at 01:00 local.
    const start = localMidnight('2024-09-08', 'America/Santiago');
    expect(localDateOf(start, 'America/Santiago')).toBe('2024-09-08');
    expect(localDateOf(new Date(start.getTime() - 1000), 'America/Santiago')).toBe('2024-09-07');
    expect(start.toISOString()).toBe('2024-09-08T04:00:00.000Z');
  });

  it('takes the first of two midnights, and the next day for a skipped date', () => {
    expect(localMidnight('2018-11-04', 'America/Sao_Paulo').toISOString()).toBe('2018-11-04T03:00:00.000Z');
    // Havana set clocks back from 01:00 to 00:00 on 2024-11-03: midnight happened twice.
    expect(localMidnight('2024-11-03', 'America/Havana').toISOString()).toBe('2024-11-03T04:00:00.000Z');
    // Samoa skipped 2011-12-30: it "starts" when 2011-12-31 does.
    expect(localMidnight('2011-12-30', 'Pacific/Apia').toISOString()).toBe(localMidnight('2011-12-31', 'Pacific/Apia').toISOString());
  });

  it('midnight starts the day it names (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: dayNumber('1990-01-01'), max: dayNumber('2040-12-31') }),
        fc.constantFrom('America/New_York', 'Europe/Berlin', 'Asia/Shanghai', 'America/Santiago', 'Australia/Lord_Howe', 'Pacific/Apia', 'America/Sao_Paulo', 'America/Havana', 'UTC'),
        (n, tz) => {
          const date = fromDayNumber(n);
          const start = localMidnight(date, tz);
          // Equal, except for a date a zone skipped entirely (Pacific/Apia, 2011-12-30).
          expect(localDateOf(start, tz) >= date).toBe(true);
          if (!(tz === 'Pacific/Apia' && date === '2011-12-30')) expect(localDateOf(start, tz)).toBe(date);
          expect(localDateOf(new Date(start.getTime() - 1000), tz) < date).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
