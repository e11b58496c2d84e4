import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatLocalInstant, latestFireAtOrBefore, nextFireAfter, parseCronFields } from '../../src/model/cronTimes.js';

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());
const latest = (expr: string, tz: string, now: string): string | null => iso(latestFireAtOrBefore(expr, tz, new Date(now)));
const next = (expr: string, tz: string, after: string): string | null => iso(nextFireAfter(expr, tz, new Date(after)));

describe('cron fire times', () => {
  it('parses fields as node-cron does (names, steps, 7 = Sunday, optional seconds)', () => {
    const f = parseCronFields('*/20 3 1-5/2 JAN,mar 7');
    expect(f.seconds).toEqual([0]);
    expect(f.minutes).toEqual([0, 20, 40]);
    expect(f.hours).toEqual([3]);
    expect([...f.days!]).toEqual([1, 3, 5]);
    expect([...f.months!]).toEqual([1, 3]);
    expect([...f.weekdays!]).toEqual([0]);
    expect(parseCronFields('15 0 3 * * *').seconds).toEqual([15]);
    expect(() => parseCronFields('0 3 * *')).toThrow(RangeError);
  });

  it('Asia/Shanghai 03:00: the latest fire at or before now, and the next after', () => {
    // 03:00 +08:00 is 19:00Z the day before.
    expect(latest('0 3 * * *', 'Asia/Shanghai', '2026-11-23T19:00:00Z')).toBe('2026-11-23T19:00:00.000Z');
    expect(latest('0 3 * * *', 'Asia/Shanghai', '2026-11-23T18:59:59Z')).toBe('2026-11-22T19:00:00.000Z');
    expect(latest('0 3 * * *', 'Asia/Shanghai', '2026-11-24T02:00:00+08:00')).toBe('2026-11-22T19:00:00.000Z');
    expect(next('0 3 * * *', 'Asia/Shanghai', '2026-11-23T19:00:00Z')).toBe('2026-11-24T19:00:00.000Z');
    expect(next('0 3 * * *', 'Asia/Shanghai', '2026-11-23T18:59:59Z')).toBe('2026-11-23T19:00:00.000Z');
    expect(formatLocalInstant(new Date('2026-11-23T19:00:00Z'), 'Asia/Shanghai')).toBe('2026-11-24T03:00+08:00');
  });

  it('America/New_York across DST: offsets follow the clock; a skipped time fires at the transition; a repeated one once', () => {
    // 03:00 local is 08:00Z in winter (EST) and 07:00Z in summer (EDT).
    expect(latest('0 3 * * *', 'America/New_York', '2026-03-07T12:00:00Z')).toBe('2026-03-07T08:00:00.000Z');
    expect(latest('0 3 * * *', 'America/New_York', '2026-03-08T12:00:00Z')).toBe('2026-03-08T07:00:00.000Z');
    expect(next('0 3 * * *', 'America/New_York', '2026-03-07T08:00:00Z')).toBe('2026-03-08T07:00:00.000Z');
    // 2026-03-08 02:30 does not exist in New York: it fires at the transition, 03:00 EDT (07:00Z).
    expect(next('30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z')).toBe('2026-03-08T07:00:00.000Z');
    expect(latest('30 2 * * *', 'America/New_York', '2026-03-08T07:30:00Z')).toBe('2026-03-08T07:00:00.000Z');
    expect(next('30 2 * * *', 'America/New_York', '2026-03-08T07:00:00Z')).toBe('2026-03-09T06:30:00.000Z');
    // 2026-11-01 01:30 happens twice: it fires at the first (EDT, 05:30Z) only.
    expect(next('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z')).toBe('2026-11-01T05:30:00.000Z');
    expect(next('30 1 * * *', 'America/New_York', '2026-11-01T05:30:00Z')).toBe('2026-11-02T06:30:00.000Z');
    expect(latest('30 1 * * *', 'America/New_York', '2026-11-01T07:00:00Z')).toBe('2026-11-01T05:30:00.000Z');
    // An hourly cron skips nothing and repeats nothing across the fall-back hour.
    expect(next('0 * * * *', 'America/New_York', '2026-11-01T05:00:00Z')).toBe('2026-11-01T07:00:00.000Z');
    expect(formatLocalInstant(new Date('2026-03-08T07:00:00Z'), 'America/New_York')).toBe('2026-03-08T03:00-04:00');
    expect(formatLocalInstant(new Date('2026-03-07T08:00:00Z'), 'America/New_York')).toBe('2026-03-07T03:00-05:00');
  });

  it('month ends: the 31st only in long months, Feb 29 in leap years, the last day via ranges', () => {
    expect(next('0 0 31 * *', 'UTC', '2026-04-01T00:00:00Z')).toBe('2026-05-31T00:00:00.000Z');
    expect(latest('0 0 31 * *', 'UTC', '2026-07-30T00:00:00Z')).toBe('2026-05-31T00:00:00.000Z');
    expect(next('0 0 29 2 *', 'UTC', '2026-01-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(latest('0 0 29 2 *', 'UTC', '2027-12-31T00:00:00Z')).toBe('2024-02-29T00:00:00.000Z');
    expect(next('0 3 28-31 * *', 'Asia/Shanghai', '2026-02-27T00:00:00Z')).toBe('2026-02-27T19:00:00.000Z');
    expect(next('0 3 28-31 * *', 'Asia/Shanghai', '2026-02-27T19:00:00Z')).toBe('2026-03-27T19:00:00.000Z');
    // Day of month AND day of week, as node-cron matches them: Friday the 13th.
    expect(next('0 0 13 * 5', 'UTC', '2026-01-01T00:00:00Z')).toBe('2026-02-13T00:00:00.000Z');
    // Year end in a zone ahead of UTC.
    expect(next('0 0 1 1 *', 'Asia/Shanghai', '2026-06-01T00:00:00Z')).toBe('2026-12-31T16:00:00.000Z');
  });

  it('every minute and seconds fields search a day by bisection', () => {
    expect(latest('* * * * *', 'UTC', '2026-11-23T10:15:42Z')).toBe('2026-11-23T10:15:00.000Z');
    expect(next('* * * * *', 'UTC', '2026-11-23T10:15:00Z')).toBe('2026-11-23T10:16:00.000Z');
    expect(latest('*/10 * * * * *', 'Asia/Shanghai', '2026-11-23T10:15:42.5Z')).toBe('2026-11-23T10:15:40.000Z');
  });

  it('latest ≤ now < next, and nothing fires in between (property, several zones)', () => {
    const zones = ['UTC', 'Asia/Shanghai', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe'];
    const exprs = ['0 3 * * *', '30 2 * * *', '*/15 * * * *', '0 0 1 * *', '0 12 * * 1-5', '45 1 31 * *'];
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.constantFrom(...exprs), fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }), (tz, expr, now) => {
        const l = latestFireAtOrBefore(expr, tz, now)!;
        const n = nextFireAfter(expr, tz, now)!;
        expect(l.getTime()).toBeLessThanOrEqual(now.getTime());
        expect(n.getTime()).toBeGreaterThan(now.getTime());
        expect(nextFireAfter(expr, tz, l)!.getTime()).toBe(n.getTime());
        expect(latestFireAtOrBefore(expr, tz, new Date(n.getTime() - 1))!.getTime()).toBe(l.getTime());
      }),
      { numRuns: 200 },
    );
  });
});
